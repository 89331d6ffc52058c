package subnetselect

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
)

func TestLinkSelection(t *testing.T) {
	for _, c := range []struct {
		name    string
		rai     []byte
		want    netip.Addr
		wantErr bool
	}{
		{name: "nil", rai: nil},
		{name: "empty payload", rai: []byte{}},
		{name: "no sub-option 5", rai: []byte{1, 3, 'a', 'b', 'c', 2, 1, 'x'}},
		{name: "only sub-option 5", rai: []byte{5, 4, 192, 0, 2, 1}, want: ip("192.0.2.1")},
		{name: "after circuit-id", rai: []byte{1, 2, 'e', '0', 5, 4, 192, 0, 2, 1, 2, 0}, want: ip("192.0.2.1")},
		{name: "first of two", rai: []byte{5, 4, 192, 0, 2, 1, 5, 4, 10, 0, 0, 1}, want: ip("192.0.2.1")},
		{name: "wrong length ignored", rai: []byte{5, 3, 192, 0, 2}},
		{name: "wrong length first, second not used", rai: []byte{5, 5, 192, 0, 2, 1, 0, 5, 4, 10, 0, 0, 1}},
		{name: "zero-length sub-option", rai: []byte{5, 0}},
		{name: "zero address", rai: []byte{5, 4, 0, 0, 0, 0}, want: ip("0.0.0.0")},
		{name: "code 0 is not padding", rai: []byte{0, 0, 5, 4, 192, 0, 2, 1}, want: ip("192.0.2.1")},
		{name: "lone code byte", rai: []byte{1}, wantErr: true},
		{name: "truncated value", rai: []byte{1, 5, 'a'}, wantErr: true},
		{name: "truncated link-selection", rai: []byte{5, 4, 192, 0, 2}, wantErr: true},
		{name: "trailing byte after link-selection", rai: []byte{5, 4, 192, 0, 2, 1, 9}, wantErr: true},
		{name: "length 255 in short payload", rai: []byte{5, 255, 1, 2, 3, 4}, wantErr: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := LinkSelection(c.rai)
			if c.wantErr {
				require.ErrorIs(t, err, ErrMalformedOption)
				require.False(t, got.IsValid())
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}

func TestSubnetSelection(t *testing.T) {
	a, err := SubnetSelection([]byte{198, 51, 100, 7})
	require.NoError(t, err)
	require.Equal(t, ip("198.51.100.7"), a)
	for _, b := range [][]byte{nil, {}, {1, 2, 3}, {1, 2, 3, 4, 5}} {
		a, err := SubnetSelection(b)
		require.ErrorIs(t, err, ErrMalformedOption)
		require.False(t, a.IsValid())
	}
}

func TestOptionSelect(t *testing.T) {
	rai := []byte{5, 4, 192, 0, 2, 1}
	raiNoLink := []byte{1, 1, 'x'}
	bad := []byte{5, 4, 1}
	o118 := []byte{198, 51, 100, 7}
	for _, c := range []struct {
		name    string
		rai     []byte
		o118    []byte
		ignore  bool
		want    netip.Addr
		wantErr bool
	}{
		{name: "neither"},
		{name: "neither, ignore", ignore: true},
		{name: "link selection", rai: rai, want: ip("192.0.2.1")},
		{name: "link selection wins over 118", rai: rai, o118: o118, want: ip("192.0.2.1")},
		{name: "option 82 without link selection hides 118", rai: raiNoLink, o118: o118},
		{name: "empty option 82 hides 118", rai: []byte{}, o118: o118},
		{name: "118 alone", o118: o118, want: ip("198.51.100.7")},
		{name: "ignore-rai-link-selection uses 118", rai: rai, o118: o118, ignore: true, want: ip("198.51.100.7")},
		{name: "ignore-rai-link-selection without 118", rai: rai, ignore: true},
		{name: "malformed option 82", rai: bad, o118: o118, wantErr: true},
		{name: "malformed option 82 ignored", rai: bad, o118: o118, ignore: true, want: ip("198.51.100.7")},
		{name: "malformed 118", o118: []byte{1, 2}, wantErr: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := OptionSelect(c.rai, c.o118, c.ignore)
			if c.wantErr {
				require.ErrorIs(t, err, ErrMalformedOption)
				require.False(t, got.IsValid())
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}

// From the RAI bytes of a relayed packet to the subnet.
func TestOptionSelectToSubnet(t *testing.T) {
	cfg := parse(t, "Dhcp4", `{"compatibility": {"ignore-rai-link-selection": true},`+config4[1:])
	x := New4(cfg)
	rai := []byte{1, 4, 'p', 'o', 'r', 't', 5, 4, 192, 0, 2, 130}

	// The config says to ignore link selection: giaddr decides.
	a, err := OptionSelect(rai, nil, cfg.Compatibility.IgnoreRAILinkSelection)
	require.NoError(t, err)
	require.Equal(t, cfgmgr.SubnetID(10), id4(x.Select(&Selector{OptionSelect: a, GIAddr: ip("10.0.0.1")})))

	// Honoured, it alone decides.
	a, err = OptionSelect(rai, nil, false)
	require.NoError(t, err)
	require.Equal(t, cfgmgr.SubnetID(30), id4(x.Select(&Selector{OptionSelect: a, GIAddr: ip("10.0.0.1")})))
}

func FuzzLinkSelection(f *testing.F) {
	for _, s := range [][]byte{nil, {}, {5, 4, 192, 0, 2, 1}, {1, 2, 'a', 'b', 5, 4, 10, 0, 0, 1}, {5, 4, 1}, {1}, {5, 3, 1, 2, 3}} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rai []byte) {
		a, err := LinkSelection(rai)
		if err != nil {
			if a.IsValid() {
				t.Fatalf("address %v with error %v", a, err)
			}
			return
		}
		if a.IsValid() && !a.Is4() {
			t.Fatalf("not an IPv4 address: %v", a)
		}
		// OptionSelect agrees with LinkSelection when option 82 is honoured.
		b, err2 := OptionSelect(rai, []byte{1, 2, 3, 4}, false)
		if rai != nil && (b != a || err2 != nil) {
			t.Fatalf("OptionSelect = %v, %v; LinkSelection = %v", b, err2, a)
		}
	})
}
