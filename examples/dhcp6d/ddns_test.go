package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv6"
	"github.com/miekg/dns"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/d2client"
	"github.com/dhcpsrv/dhcpsrv/d2client/d2test"
	"github.com/dhcpsrv/dhcpsrv/dhcptest"
	"github.com/dhcpsrv/dhcpsrv/examples/internal/refsrv"
	"github.com/dhcpsrv/dhcpsrv/examples/internal/refsrv/refsrvtest"
)

// zoneRev6 is the reverse zone of 2001:db8:1::/64.
const zoneRev6 = "0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."

func ddnsConfig6(dir, ddns string) string {
	return fmt.Sprintf(`{"Dhcp6": {
  "interfaces-config": {"interfaces": ["lo"]},
  "control-socket": {"socket-type": "unix", "socket-name": %q},
  "lease-database": {"type": "memfile", "name": %q, "lfc-interval": 0},
  "data-directory": %q,
  "preferred-lifetime": 3000, "valid-lifetime": 4000,
  "dhcp-ddns": %s,
  "ddns-qualifying-suffix": "example.org.",
  "subnet6": [{"id": 1, "subnet": "2001:db8:1::/64",
    "pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::1ff"}]}]
}}`, filepath.Join(dir, "ctrl.sock"), filepath.Join(dir, "leases6.csv"), dir, ddns)
}

// TestDDNSEndToEnd runs the dhcp6d binary with DDNS against BIND, through
// kea-dhcp-ddns and with the direct RFC 2136 updater: a client that gets an
// address with option 39 (S=1) has its AAAA, PTR and DHCID records in DNS,
// and they go away when it releases.
func TestDDNSEndToEnd(t *testing.T) {
	for _, mode := range []string{"kea-dhcp-ddns", "direct"} {
		t.Run(mode, func(t *testing.T) {
			ns := d2test.StartNamed(t, d2test.ZoneForward, zoneRev6)
			var ddns string
			switch mode {
			case "kea-dhcp-ddns":
				d2 := d2test.StartD2(t, ns)
				ddns = fmt.Sprintf(`{"enable-updates": true, "server-ip": "127.0.0.1", "server-port": %d}`, d2.Addr.Port())
			default:
				direct := fmt.Sprintf(`{"tsig-keys": %s, "forward-ddns": {"ddns-domains": %s}, "reverse-ddns": {"ddns-domains": %s}}`,
					d2test.TSIGKeysJSON(), d2test.DomainsJSON(ns.Addr, d2test.ZoneForward), d2test.DomainsJSON(ns.Addr, zoneRev6))
				ddns = fmt.Sprintf(`{"enable-updates": true, "user-context": {%q: %s}}`, refsrv.DirectUpdateKey, direct)
			}
			dir := t.TempDir()
			cfg := filepath.Join(dir, "kea-dhcp6.json")
			require.NoError(t, os.WriteFile(cfg, []byte(ddnsConfig6(dir, ddns)), 0o644))
			port := refsrvtest.FreeUDPPort(t)
			cmd := exec.Command(binary, "-c", cfg, "-d", "-p", strconv.Itoa(port))
			cmd.Env = append(os.Environ(), "KEA_TEST_SEND_RESPONSES_TO_SOURCE=ENABLED")
			p := refsrvtest.Start(t, cmd)
			refsrvtest.WaitSocket(t, p, filepath.Join(dir, "ctrl.sock"), 10*time.Second)

			c, err := dhcptest.NewClient6(netip.AddrPortFrom(netip.IPv6Loopback(), uint16(port)))
			require.NoError(t, err)
			defer c.Close()
			// Relayed from the link 2001:db8:1::/64: a unicast SOLICIT
			// to [::1] is not for us (RFC 8415 §16).
			c.LinkAddr = netip.MustParseAddr("2001:db8:1::1")
			c.Timeout = 500 * time.Millisecond
			ctx := context.Background()
			duid := []byte{0, 3, 0, 1, 2, 0, 0, 0, 0, 0x61}
			f := d2client.FQDN6{Flags: d2client.FlagS, Name: "e2e-host6", Partial: true}
			fb, err := f.MarshalBinary()
			require.NoError(t, err)
			opt39 := dhcpv6.WithOption(&dhcpv6.OptionGeneric{OptionCode: dhcpv6.OptionFQDN, OptionData: fb})
			var reply *dhcpv6.Message
			refsrvtest.Eventually(t, 10*time.Second, func() bool {
				reply, err = c.SARR(ctx, duid, opt39)
				return err == nil
			}, "no REPLY: %v", err)
			addrs := dhcptest.Addrs(reply)
			require.Len(t, addrs, 1)
			var rf d2client.FQDN6
			require.NoError(t, rf.UnmarshalBinary(reply.GetOneOption(dhcpv6.OptionFQDN).ToBytes()))
			require.Equal(t, "e2e-host6.example.org", rf.Name)
			dhcid, err := d2client.DHCIDFromDUID(duid, "e2e-host6.example.org.")
			require.NoError(t, err)
			rev := d2client.ReverseName(addrs[0])
			d2test.WaitRecords(t, ns.Addr,
				d2test.Record{Name: "e2e-host6.example.org.", Type: dns.TypeAAAA, Data: addrs[0].String()},
				d2test.Record{Name: "e2e-host6.example.org.", Type: dns.TypeDHCID, Data: dhcid.Base64()},
				d2test.Record{Name: rev, Type: dns.TypePTR, Data: "e2e-host6.example.org."},
			)

			_, err = c.Release(ctx, reply)
			require.NoError(t, err)
			d2test.WaitRecords(t, ns.Addr,
				d2test.Record{Name: "e2e-host6.example.org.", Type: dns.TypeAAAA},
				d2test.Record{Name: "e2e-host6.example.org.", Type: dns.TypeDHCID},
				d2test.Record{Name: rev, Type: dns.TypePTR},
			)
		})
	}
}
