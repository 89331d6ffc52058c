package d2client

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/stretchr/testify/require"
)

const goldenNCR = `{"change-type":0,"forward-change":true,"reverse-change":true,` +
	`"fqdn":"myhost-192-0-2-10.example.org.","ip-address":"192.0.2.10",` +
	`"dhcid":"0000012247F6DC4423C3E8627434A9D6868609D88948F78018B215EDCAA30C0C135035","lease-expires-on":"20250101120000",` +
	`"lease-length":1200,"use-conflict-resolution":true,"conflict-resolution-mode":"check-with-dhcid"}`

func sampleNCR(t *testing.T) *NCR {
	t.Helper()
	d, err := ParseDHCID("0000012247F6DC4423C3E8627434A9D6868609D88948F78018B215EDCAA30C0C135035")
	require.NoError(t, err)
	return &NCR{
		ChangeType:     ChangeAdd,
		Forward:        true,
		Reverse:        true,
		FQDN:           "myhost-192-0-2-10.example.org.",
		IPAddress:      netip.MustParseAddr("192.0.2.10"),
		DHCID:          d,
		LeaseExpiresOn: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC),
		LeaseLength:    1200,
	}
}

func TestNCRMarshalGolden(t *testing.T) {
	n := sampleNCR(t)
	b, err := n.MarshalJSON()
	require.NoError(t, err)
	require.Equal(t, goldenNCR, string(b))

	n.ChangeType, n.Reverse, n.ConflictResolution = ChangeRemove, false, NoCheckWithoutDHCID
	n.IPAddress = netip.MustParseAddr("2001:db8::10")
	n.LeaseExpiresOn = time.Date(2025, 1, 1, 13, 0, 0, 0, time.FixedZone("X", 3600))
	b, err = n.MarshalJSON()
	require.NoError(t, err)
	require.Contains(t, string(b), `{"change-type":1,"forward-change":true,"reverse-change":false,`)
	require.Contains(t, string(b), `"ip-address":"2001:db8::10"`)
	require.Contains(t, string(b), `"lease-expires-on":"20250101120000"`)
	require.True(t, strings.HasSuffix(string(b), `"use-conflict-resolution":false,"conflict-resolution-mode":"no-check-without-dhcid"}`))

	w, err := sampleNCR(t).AppendWire(nil)
	require.NoError(t, err)
	require.Equal(t, len(goldenNCR), int(binary.BigEndian.Uint16(w)))
	require.Equal(t, goldenNCR, string(w[2:]))
	back, err := ParseWire(w)
	require.NoError(t, err)
	require.Equal(t, sampleNCR(t), back)
}

// Kea's basicJsonTest input (2.2 form) parses, and the escaping of odd names
// survives a round trip.
func TestParseNCRKeaForms(t *testing.T) {
	kea22 := `{"change-type":1,"forward-change":true,"reverse-change":false,"fqdn":"walah.walah.com.",` +
		`"ip-address":"192.168.2.1","dhcid":"010203040A7F8E3D","lease-expires-on":"20130121132405",` +
		`"lease-length":1300,"use-conflict-resolution":true}`
	n, err := ParseNCR([]byte(kea22))
	require.NoError(t, err)
	require.Equal(t, ChangeRemove, n.ChangeType)
	require.Equal(t, "walah.walah.com.", n.FQDN)
	require.Equal(t, "010203040A7F8E3D", n.DHCID.String())
	require.Equal(t, time.Date(2013, 1, 21, 13, 24, 5, 0, time.UTC), n.LeaseExpiresOn)
	require.Equal(t, uint32(1300), n.LeaseLength)
	require.Equal(t, CheckWithDHCID, n.ConflictResolution)

	// Spaces, no trailing dot (normalised), no use-conflict-resolution,
	// unknown keys, no lease-expires-on (Kea 3.1.6+).
	n, err = ParseNCR([]byte(` { "change-type" : 0 , "forward-change" : true , "reverse-change" : false , ` +
		`"fqdn" : "walah.walah.com" , "ip-address" : "fe80::2acf:e9ff:fe12:e56f" , "dhcid" : "010203040a7f8e3d" , ` +
		`"lease-length" : 1300, "extra": [1, {"x": null}] } `))
	require.NoError(t, err)
	require.Equal(t, "walah.walah.com.", n.FQDN)
	require.True(t, n.LeaseExpiresOn.IsZero())

	n, err = ParseNCR([]byte(strings.Replace(kea22, `"use-conflict-resolution":true`, `"use-conflict-resolution":false`, 1)))
	require.NoError(t, err)
	require.Equal(t, NoCheckWithDHCID, n.ConflictResolution)
	n, err = ParseNCR([]byte(strings.Replace(kea22, `"use-conflict-resolution":true`,
		`"use-conflict-resolution":false,"conflict-resolution-mode":"check-exists-with-dhcid"`, 1)))
	require.NoError(t, err)
	require.Equal(t, CheckExistsWithDHCID, n.ConflictResolution)

	odd := sampleNCR(t)
	odd.FQDN = `we"ird\\na\.me.example.org.`
	b, err := odd.MarshalJSON()
	require.NoError(t, err)
	back, err := ParseNCR(b)
	require.NoError(t, err)
	require.Equal(t, odd.FQDN, back.FQDN)
}

// Kea's invalid_msgs, plus the cases of our own.
func TestParseNCRErrors(t *testing.T) {
	base := map[string]string{
		"change-type": `0`, "forward-change": `true`, "reverse-change": `false`,
		"fqdn": `"walah.walah.com"`, "ip-address": `"192.168.2.1"`, "dhcid": `"010203040A7F8E3D"`,
		"lease-expires-on": `"20130121132405"`, "lease-length": `1300`, "use-conflict-resolution": `true`,
	}
	build := func(key, val string) string {
		var parts []string
		for _, k := range []string{"change-type", "forward-change", "reverse-change", "fqdn", "ip-address", "dhcid", "lease-expires-on", "lease-length", "use-conflict-resolution"} {
			v := base[k]
			if k == key {
				if val == "" {
					continue
				}
				v = val
			}
			parts = append(parts, `"`+k+`":`+v)
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	tests := []struct{ key, val string }{
		{"change-type", `7`}, {"change-type", `-1`}, {"change-type", `0.5`}, {"change-type", `"0"`},
		{"forward-change", `"bogus"`}, {"reverse-change", `500`},
		{"fqdn", `""`}, {"fqdn", `".bad_name"`}, {"fqdn", `"a..b"`}, {"fqdn", `7`},
		{"ip-address", `"xxxxxx"`}, {"ip-address", `"fe80::1%eth0"`},
		{"dhcid", `""`}, {"dhcid", `"010203040A7F8E3"`}, {"dhcid", `"THIS IS BOGUS!!!"`},
		{"lease-expires-on", `"Wed Jun 26 13:46:46 EDT 2013"`}, {"lease-expires-on", `"20131321132405"`}, {"lease-expires-on", `20130121132405`},
		{"lease-length", `"BOGUS"`}, {"lease-length", `4294967296`}, {"lease-length", `-5`},
		{"use-conflict-resolution", `777`},
		// missing required keys
		{"change-type", ""}, {"forward-change", ""}, {"reverse-change", ""}, {"fqdn", ""},
		{"ip-address", ""}, {"dhcid", ""}, {"lease-length", ""},
	}
	for _, tt := range tests {
		msg := build(tt.key, tt.val)
		_, err := ParseNCR([]byte(msg))
		require.ErrorIs(t, err, ErrInvalidNCR, msg)
	}
	// Both directions false.
	_, err := ParseNCR([]byte(strings.Replace(build("", ""), `"forward-change":true`, `"forward-change":false`, 1)))
	require.ErrorIs(t, err, ErrInvalidNCR)
	for _, s := range []string{``, `[]`, `null`, `{}`, `{"change-type":0}{}`, `{"change-type":0,`, `"x"`} {
		_, err := ParseNCR([]byte(s))
		require.ErrorIs(t, err, ErrInvalidNCR, s)
	}
	_, err = ParseNCR([]byte(build("conflict-resolution-mode", "")[:0] + strings.Replace(build("", ""), "}", `,"conflict-resolution-mode":"bogus"}`, 1)))
	require.ErrorIs(t, err, ErrInvalidNCR)
	// Wire framing.
	for _, w := range [][]byte{nil, {0}, {0, 5, '{'}, append([]byte{0, 1}, "{}"...)} {
		_, err := ParseWire(w)
		require.ErrorIs(t, err, ErrInvalidNCR)
	}
	// Invalid NCRs do not marshal.
	n := sampleNCR(t)
	n.Forward, n.Reverse = false, false
	_, err = n.MarshalJSON()
	require.ErrorIs(t, err, ErrInvalidNCR)
	n = sampleNCR(t)
	n.FQDN = strings.Repeat("a", 63) + "." // fine
	_, err = n.AppendWire(nil)
	require.NoError(t, err)
}

func TestNCRForLease(t *testing.T) {
	p := DefaultParams(true)
	l4 := &leasemgr.Lease4{
		Addr:          netip.MustParseAddr("192.0.2.10"),
		HWAddr:        leasemgr.HWAddr{Addr: []byte{0, 1, 2, 3, 4, 5, 6}, Type: 1},
		ValidLifetime: 7200,
		CLTT:          time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC).Unix(),
		FQDNFwd:       true,
		FQDNRev:       true,
		Hostname:      "MyHost.example.com",
	}
	n, err := NCRForLease4(l4, p, ChangeAdd)
	require.NoError(t, err)
	require.Equal(t, "MyHost.example.com.", n.FQDN)
	require.Equal(t, "0000012247F6DC4423C3E8627434A9D6868609D88948F78018B215EDCAA30C0C135035", n.DHCID.String())
	require.Equal(t, uint32(2400), n.LeaseLength)
	require.Equal(t, time.Date(2025, 1, 1, 12, 40, 0, 0, time.UTC), n.LeaseExpiresOn)

	// The client-id wins over the hardware address.
	l4.ClientID = []byte{0, 1, 2, 3, 4, 5, 6}
	n, err = NCRForLease4(l4, p, ChangeRemove)
	require.NoError(t, err)
	require.Equal(t, ChangeRemove, n.ChangeType)
	require.Equal(t, "0001012191B7B21AF97E0E656DF887C5E2DEF30E7758A207EDF4CCB2DE8CA37066021C", n.DHCID.String())

	// Nothing to do.
	for _, mod := range []func(l *leasemgr.Lease4){
		func(l *leasemgr.Lease4) { l.Hostname = "" },
		func(l *leasemgr.Lease4) { l.FQDNFwd, l.FQDNRev = false, false },
	} {
		c := l4.Clone()
		mod(c)
		n, err := NCRForLease4(c, p, ChangeAdd)
		require.NoError(t, err)
		require.Nil(t, n)
	}
	n, err = NCRForLease4(l4, DefaultParams(false), ChangeAdd)
	require.NoError(t, err)
	require.Nil(t, n)
	n, err = NCRForLease4(nil, p, ChangeAdd)
	require.NoError(t, err)
	require.Nil(t, n)
	// No identifier: an error, not a panic.
	c := l4.Clone()
	c.ClientID, c.HWAddr = nil, leasemgr.HWAddr{}
	_, err = NCRForLease4(c, p, ChangeAdd)
	require.ErrorIs(t, err, ErrDHCID)

	l6 := &leasemgr.Lease6{
		Type: leasemgr.TypeNA, Addr: netip.MustParseAddr("2001:db8::10"), PrefixLen: 128,
		DUID: []byte{0, 1, 2, 3, 4, 5, 6}, ValidLifetime: 3600, CLTT: l4.CLTT,
		FQDNFwd: true, Hostname: "myhost.example.com.",
	}
	p.ConflictResolution = CheckExistsWithDHCID
	p.TTL.TTL = 300
	n, err = NCRForLease6(l6, p, ChangeAdd)
	require.NoError(t, err)
	require.Equal(t, "0002012191B7B21AF97E0E656DF887C5E2DEF30E7758A207EDF4CCB2DE8CA37066021C", n.DHCID.String())
	require.Equal(t, uint32(300), n.LeaseLength)
	require.Equal(t, CheckExistsWithDHCID, n.ConflictResolution)
	require.False(t, n.Reverse)
	l6.Type = leasemgr.TypePD
	n, err = NCRForLease6(l6, p, ChangeAdd)
	require.NoError(t, err)
	require.Nil(t, n)
}

func FuzzParseNCR(f *testing.F) {
	f.Add([]byte(goldenNCR))
	f.Add([]byte(`{"change-type":1,"forward-change":true,"reverse-change":false,"fqdn":"walah.walah.com.","ip-address":"192.168.2.1","dhcid":"010203040A7F8E3D","lease-expires-on":"20130121132405","lease-length":1300,"use-conflict-resolution":true}`))
	f.Add([]byte(`{"change-type":0,"forward-change":true,"reverse-change":true,"fqdn":"a\\.b\\\\c","ip-address":"::1","dhcid":"00","lease-length":0}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ParseNCR(b)
		if err != nil {
			return
		}
		out, err := n.MarshalJSON()
		if err != nil {
			t.Fatalf("parsed NCR does not marshal: %v", err)
		}
		m, err := ParseNCR(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		out2, _ := m.MarshalJSON()
		if string(out) != string(out2) {
			t.Fatalf("unstable: %s then %s", out, out2)
		}
	})
}
