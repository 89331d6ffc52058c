package d2client

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// RFC 4701 §3.6: the three examples, with their base64 RDATA.
func TestDHCIDRFC4701Examples(t *testing.T) {
	t.Run("3.6.1 DUID", func(t *testing.T) {
		duid := []byte{0x00, 0x01, 0x00, 0x06, 0x41, 0x2d, 0xf1, 0x66, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06}
		d, err := DHCIDFromDUID(duid, "chi6.example.com")
		require.NoError(t, err)
		require.Equal(t, "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=", d.Base64())
		require.Equal(t, DHCIDTypeDUID, d.IdentifierType())
	})
	t.Run("3.6.2 chaddr", func(t *testing.T) {
		d, err := DHCIDFromHWAddr(1, []byte{0x01, 0x02, 0x03, 0x04, 0x05, 0x06}, "client.example.com.")
		require.NoError(t, err)
		require.Equal(t, "AAABxLmlskllE0MVjd57zHcWmEH3pCQ6VytcKD//7es/deY=", d.Base64())
	})
	t.Run("3.6.3 client-id", func(t *testing.T) {
		d, err := DHCIDFromClientID([]byte{0x01, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c}, "chi.example.com")
		require.NoError(t, err)
		require.Equal(t, "AAEBOSD+XR3Os/0LozeXVqcNc7FwCfQdWL3b/NaiUDlW2No=", d.Base64())
	})
}

// Kea's src/lib/dhcp_ddns/tests/ncr_unittests.cc DhcidTest vectors, all for
// the FQDN myhost.example.com. (Kea's MIN_DUID_LEN is 3 and MAX_DUID_LEN 130
// in the version the vectors come from.)
func TestDHCIDKeaVectors(t *testing.T) {
	const fqdn = "myhost.example.com."
	seven := []byte{0, 1, 2, 3, 4, 5, 6}
	tests := []struct {
		name string
		f    func() (DHCID, error)
		want string
	}{
		{"fromDUID", func() (DHCID, error) { return DHCIDFromDUID(seven, fqdn) },
			"0002012191B7B21AF97E0E656DF887C5E2DEF30E7758A207EDF4CCB2DE8CA37066021C"},
		{"fromMinDUID", func() (DHCID, error) { return DHCIDFromDUID([]byte{1, 1, 1}, fqdn) },
			"000201202F813E7D9C88BADA41250F2A66297742BB9B3EB37C0981D4A905745A30BDD3"},
		{"fromMaxDUID", func() (DHCID, error) { return DHCIDFromDUID(bytes.Repeat([]byte{1}, 130), fqdn) },
			"0002015B9022851B4015AD78187BB9BDB987708C5EEA74140B28095ED36FE1EAFEE3F6"},
		{"fromClientId", func() (DHCID, error) { return DHCIDFromClientID(seven, fqdn) },
			"0001012191B7B21AF97E0E656DF887C5E2DEF30E7758A207EDF4CCB2DE8CA37066021C"},
		{"fromClientIdDUID", func() (DHCID, error) {
			return DHCIDFromClientID([]byte{0xff, 0x5d, 0xe2, 0x6c, 0x15, 0x00, 0x02,
				0x00, 0x00, 0xab, 0x11, 0x9a, 0x57, 0x20, 0x95, 0x71, 0x61, 0xbd, 0xd0}, fqdn)
		}, "000201A250D060B9352AE68E5014B78D251C30EFB0D5F64E48303B2BC56E6938F129E7"},
		{"fromHWAddr", func() (DHCID, error) { return DHCIDFromHWAddr(1, seven, fqdn) },
			"0000012247F6DC4423C3E8627434A9D6868609D88948F78018B215EDCAA30C0C135035"},
		// Canonical form: the name is downcased and qualified before hashing.
		{"uppercase name", func() (DHCID, error) { return DHCIDFromDUID(seven, "MyHost.Example.COM") },
			"0002012191B7B21AF97E0E656DF887C5E2DEF30E7758A207EDF4CCB2DE8CA37066021C"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := tt.f()
			require.NoError(t, err)
			require.Equal(t, tt.want, d.String())
			require.Len(t, d.String(), 70)
		})
	}
}

func TestDHCIDErrors(t *testing.T) {
	const fqdn = "myhost.example.com."
	cid := []byte{0xff, 0x5d, 0xe2, 0x6c, 0x15, 0x00, 0x02}
	long := append(append([]byte{}, cid...), make([]byte, 136-len(cid))...)
	cases := map[string]func() (DHCID, error){
		"empty client-id":      func() (DHCID, error) { return DHCIDFromClientID(nil, fqdn) },
		"node-id too short":    func() (DHCID, error) { return DHCIDFromClientID(cid[:5], fqdn) },
		"node-id too long":     func() (DHCID, error) { return DHCIDFromClientID(long, fqdn) },
		"empty hwaddr":         func() (DHCID, error) { return DHCIDFromHWAddr(1, nil, fqdn) },
		"empty DUID":           func() (DHCID, error) { return DHCIDFromDUID(nil, fqdn) },
		"DUID too long":        func() (DHCID, error) { return DHCIDFromDUID(make([]byte, 131), fqdn) },
		"empty FQDN":           func() (DHCID, error) { return DHCIDFromDUID([]byte{1}, "") },
		"root FQDN":            func() (DHCID, error) { return DHCIDFromDUID([]byte{1}, ".") },
		"bad FQDN":             func() (DHCID, error) { return DHCIDFromClientID([]byte{1, 2}, "a..b") },
		"label over 63":        func() (DHCID, error) { return DHCIDFromHWAddr(1, []byte{1}, string(bytes.Repeat([]byte{'a'}, 64))) },
		"empty id in NewDHCID": func() (DHCID, error) { return NewDHCID(0, nil, []byte{0}) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := f()
			require.True(t, errors.Is(err, ErrDHCID), "%v", err)
		})
	}
	// The embedded DUID may be 130 octets (client-id of 135).
	_, err := DHCIDFromClientID(long[:135], fqdn)
	require.NoError(t, err)
}

func TestParseDHCID(t *testing.T) {
	d, err := ParseDHCID("010203040a7F8E3D")
	require.NoError(t, err)
	require.Equal(t, DHCID{1, 2, 3, 4, 0xa, 0x7f, 0x8e, 0x3d}, d)
	require.Equal(t, "010203040A7F8E3D", d.String())
	for _, s := range []string{"", "010203040A7F8E3", "0102BOGUSA7F8E3D", "THIS IS BOGUS!!!"} {
		_, err := ParseDHCID(s)
		require.ErrorIs(t, err, ErrDHCID, s)
	}
}
