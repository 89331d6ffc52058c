package dhcp6srv_test

import (
	"encoding/binary"
	"path/filepath"
	"testing"

	"github.com/insomniacslk/dhcp/dhcpv6"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/dhcp6srv"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
)

const cfgBench = `{"Dhcp6": {"cache-threshold": 0,
  "option-data": [{"name": "dns-servers", "data": "2001:db8::53"}],
  "subnet6": [{"id": 1, "subnet": "2001:db8:1::/64", "interface": "eth0",
  "pools": [{"pool": "2001:db8:1::1:0 - 2001:db8:1::ff:ffff"}],
  "pd-pools": [{"prefix": "2001:db8:8000::", "prefix-len": 36, "delegated-len": 60}]}]}}`

func benchServer(b *testing.B, persist bool) *dhcp6srv.Server {
	mc := memfile.Config{Universe: leasemgr.V6, InMemory: !persist}
	if persist {
		mc.Name = filepath.Join(b.TempDir(), "kea-leases6.csv")
	}
	lm, err := memfile.Open(bg, mc)
	require.NoError(b, err)
	b.Cleanup(func() { _ = lm.Close() })
	srv, err := dhcp6srv.NewServer(parse(b, cfgBench), lm, dhcp6srv.WithServerID([]byte{0, 2, 0, 0, 9, 0xbf, 1}))
	require.NoError(b, err)
	return srv
}

// BenchmarkServeDHCP6 measures the message handling (parse excluded,
// reply encoding included) for one client per iteration.
func BenchmarkServeDHCP6(b *testing.B) {
	for _, persist := range []bool{false, true} {
		name := map[bool]string{false: "memory", true: "persist"}[persist]
		for _, tc := range []struct {
			kind string
			typ  dhcpv6.MessageType
		}{{"solicit", dhcpv6.MessageTypeSolicit}, {"request", dhcpv6.MessageTypeRequest}} {
			b.Run(tc.kind+"/"+name, func(b *testing.B) {
				srv := benchServer(b, persist)
				w := newWriter()
				reqs := make([]dhcpv6.DHCPv6, 0, 1024)
				duid := make([]byte, 12)
				binary.BigEndian.PutUint32(duid, 0x00020000)
				mk := func(i int) dhcpv6.DHCPv6 {
					d := append([]byte(nil), duid...)
					binary.BigEndian.PutUint64(d[4:], uint64(i))
					mods := []dhcpv6.Modifier{withNA(1), dhcpv6.WithRequestedOptions(dhcpv6.OptionDNSRecursiveNameServer)}
					if tc.typ == dhcpv6.MessageTypeRequest {
						mods = append(mods, withServerID(srv.ServerID()))
					}
					m := newMsg(b, tc.typ, d, mods...)
					p, err := dhcpv6.FromBytes(m.ToBytes())
					require.NoError(b, err)
					return p
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					if i%1024 == 0 {
						b.StopTimer()
						reqs = reqs[:0]
						for j := range 1024 {
							reqs = append(reqs, mk(i+j))
						}
						w.replies = w.replies[:0]
						b.StartTimer()
					}
					srv.ServeDHCP6(bg, w, reqs[i%1024])
				}
				b.StopTimer()
				if len(w.replies) == 0 {
					b.Fatal("no reply")
				}
			})
		}
	}
}
