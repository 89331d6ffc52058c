package hostmgr_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/hostmgr"
)

func TestParseIdentifier(t *testing.T) {
	for _, tc := range []struct {
		typ  hostmgr.IdentifierType
		text string
		want []byte
	}{
		{hostmgr.IdentHWAddr, "01:02:03:04:05:06", []byte{1, 2, 3, 4, 5, 6}},
		{hostmgr.IdentHWAddr, "1a:1B:1c:1d:1e:1f", []byte{0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f}},
		{hostmgr.IdentHWAddr, "1:2:3:4:5:6", []byte{1, 2, 3, 4, 5, 6}},
		{hostmgr.IdentHWAddr, "01-02-03-04-05-06", []byte{1, 2, 3, 4, 5, 6}},
		{hostmgr.IdentHWAddr, "01 02 03 04 05 06", []byte{1, 2, 3, 4, 5, 6}},
		{hostmgr.IdentHWAddr, "010203040506", []byte{1, 2, 3, 4, 5, 6}},
		{hostmgr.IdentHWAddr, "0x010203040506", []byte{1, 2, 3, 4, 5, 6}},
		{hostmgr.IdentHWAddr, "  01:02:03:04:05:06 ", []byte{1, 2, 3, 4, 5, 6}},
		{hostmgr.IdentDUID, "00:03:00:01:aa:bb:cc:dd:ee:ff", []byte{0, 3, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}},
		{hostmgr.IdentDUID, "abc", []byte{0x0a, 0xbc}},
		{hostmgr.IdentCircuitID, "'charter950'", []byte("charter950")},
		{hostmgr.IdentCircuitID, "0x0a0b", []byte{0x0a, 0x0b}},
		{hostmgr.IdentClientID, "01:11:22:33:44:55:66", []byte{1, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66}},
		{hostmgr.IdentClientID, "'my client'", []byte("my client")},
		{hostmgr.IdentFlexID, "'s0mEVaLue'", []byte("s0mEVaLue")},
		{hostmgr.IdentFlexID, "'a:b'", []byte("a:b")},
	} {
		got, err := hostmgr.ParseIdentifier(tc.typ, tc.text)
		require.NoError(t, err, "%s %q", tc.typ, tc.text)
		require.Equal(t, tc.want, got, "%s %q", tc.typ, tc.text)
	}
}

func TestParseIdentifierErrors(t *testing.T) {
	for _, tc := range []struct {
		typ  hostmgr.IdentifierType
		text string
		msg  string
	}{
		{hostmgr.IdentHWAddr, "", "empty"},
		{hostmgr.IdentHWAddr, "   ", "empty"},
		{hostmgr.IdentHWAddr, "01:02::04", `"" is not`},
		{hostmgr.IdentHWAddr, "01:002:03", `"002"`},
		{hostmgr.IdentHWAddr, "zz:01", "not a hex number"},
		{hostmgr.IdentHWAddr, "0x", "not a hex number"},
		{hostmgr.IdentHWAddr, "'abc'", "quoted string is allowed only"},
		{hostmgr.IdentDUID, "'abc'", "quoted string is allowed only"},
		{hostmgr.IdentHWAddr, strings.Repeat("01:", 20) + "01", "21 bytes long, at most 20"},
		{hostmgr.IdentDUID, strings.Repeat("ab", 131), "at most 130"},
		{hostmgr.IdentFlexID, "'" + strings.Repeat("x", 129) + "'", "at most 128"},
		{hostmgr.IdentFlexID, "''", "empty quoted string"},
		{hostmgr.IdentCircuitID, "'abc", "not a hex number"},
		{hostmgr.IdentifierType(7), "01", "unknown identifier type"},
	} {
		_, err := hostmgr.ParseIdentifier(tc.typ, tc.text)
		require.Error(t, err, "%s %q", tc.typ, tc.text)
		require.Contains(t, err.Error(), tc.msg)
		require.True(t, strings.HasPrefix(err.Error(), "hostmgr: "), err.Error())
	}
}

func FuzzParseIdentifier(f *testing.F) {
	for _, s := range []string{"01:02:03:04:05:06", "01-02", "0x0102", "abc", "'x'", "''", "'", ":", "0x", " : ", "1:2:3"} {
		for typ := range 6 {
			f.Add(uint8(typ), s)
		}
	}
	f.Fuzz(func(t *testing.T, typ uint8, text string) {
		b, err := hostmgr.ParseIdentifier(hostmgr.IdentifierType(typ), text)
		if err != nil {
			return
		}
		it := hostmgr.IdentifierType(typ)
		if len(b) == 0 || len(b) > it.MaxLen() {
			t.Fatalf("ParseIdentifier(%s, %q) = %x: bad length", it, text, b)
		}
		// The canonical text form parses back to the same bytes.
		b2, err := hostmgr.ParseIdentifier(it, hostmgr.FormatHex(b))
		if err != nil || string(b2) != string(b) {
			t.Fatalf("round trip of %x: %x, %v", b, b2, err)
		}
	})
}

func TestIdentifierTypeNames(t *testing.T) {
	for i, name := range []string{"hw-address", "duid", "circuit-id", "client-id", "flex-id"} {
		typ, err := hostmgr.ParseIdentifierType(name)
		require.NoError(t, err)
		require.Equal(t, hostmgr.IdentifierType(i), typ)
		require.Equal(t, name, typ.String())
	}
	_, err := hostmgr.ParseIdentifierType("hwaddr")
	require.Error(t, err)
	require.Equal(t, "identifier-type(9)", hostmgr.IdentifierType(9).String())
	require.Equal(t, "hw-address=01:0a", hostmgr.Identifier{Type: hostmgr.IdentHWAddr, Value: []byte{1, 10}}.String())
}

func TestHostHelpers(t *testing.T) {
	h := hostmgr.NewHost4(1, hostmgr.IdentHWAddr, []byte{1, 2, 3, 4, 5, 6})
	require.True(t, h.HasV4Part())
	require.False(t, h.HasV6Part())
	require.False(t, h.HasIPv4())
	h.IPv4Address = netip.MustParseAddr("0.0.0.0")
	require.False(t, h.HasIPv4(), "0.0.0.0 is no reservation, as in Kea")
	h.IPv4Address = netip.MustParseAddr("192.0.2.1")
	h.Hostname = "a"
	require.True(t, h.HasIPv4())
	require.NoError(t, h.Validate())
	require.Equal(t, `hw-address=01:02:03:04:05:06 subnet4=1 ipv4=192.0.2.1 hostname="a"`, h.String())
	require.Equal(t, hostmgr.Identifier{Type: hostmgr.IdentHWAddr, Value: []byte{1, 2, 3, 4, 5, 6}}, h.Ident())

	h6 := hostmgr.NewHost6(0, hostmgr.IdentDUID, []byte{1, 2})
	require.False(t, h6.HasV4Part())
	require.True(t, h6.HasV6Part())
	require.False(t, h6.HasIPv6())
	h6.IPv6Prefixes = []netip.Prefix{netip.MustParsePrefix("2001:db8:1::/48")}
	require.True(t, h6.HasIPv6())
	require.True(t, h6.HasIPv6Prefix(netip.MustParsePrefix("2001:db8:1::/48")))
	require.False(t, h6.HasIPv6Prefix(netip.MustParsePrefix("2001:db8:1::/56")))
	require.False(t, h6.HasIPv6Address(netip.MustParseAddr("2001:db8:1::")))
	require.Equal(t, "duid=01:02 subnet6=0 prefix=2001:db8:1::/48", h6.String())

	var nilHost *hostmgr.Host
	require.Equal(t, "<nil host>", nilHost.String())
	require.ErrorContains(t, nilHost.Validate(), "nil")
}
