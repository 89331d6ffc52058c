package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/miekg/dns"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/d2client"
	"github.com/dhcpsrv/dhcpsrv/d2client/d2test"
	"github.com/dhcpsrv/dhcpsrv/dhcptest"
	"github.com/dhcpsrv/dhcpsrv/examples/internal/refsrv"
	"github.com/dhcpsrv/dhcpsrv/examples/internal/refsrv/refsrvtest"
)

// ddnsConfig is a dhcp4d configuration on lo whose dhcp-ddns map is ddns.
func ddnsConfig(dir, ddns string) string {
	return fmt.Sprintf(`{"Dhcp4": {
  "interfaces-config": {"interfaces": ["lo"], "dhcp-socket-type": "udp"},
  "control-socket": {"socket-type": "unix", "socket-name": %q},
  "lease-database": {"type": "memfile", "name": %q, "lfc-interval": 0},
  "valid-lifetime": 4000,
  "dhcp-ddns": %s,
  "ddns-qualifying-suffix": "example.org.",
  "subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.199"}]}]
}}`, filepath.Join(dir, "ctrl.sock"), filepath.Join(dir, "leases4.csv"), ddns)
}

// TestDDNSEndToEnd runs the dhcp4d binary with DDNS against BIND, through
// kea-dhcp-ddns and with the direct RFC 2136 updater: a client that gets a
// lease with an FQDN (option 81, S=1) has its A, PTR and DHCID records in
// DNS, and they go away when it releases.
func TestDDNSEndToEnd(t *testing.T) {
	for _, mode := range []string{"kea-dhcp-ddns", "direct"} {
		t.Run(mode, func(t *testing.T) {
			ns := d2test.StartNamed(t)
			var ddns string
			switch mode {
			case "kea-dhcp-ddns":
				d2 := d2test.StartD2(t, ns)
				ddns = fmt.Sprintf(`{"enable-updates": true, "server-ip": "127.0.0.1", "server-port": %d}`, d2.Addr.Port())
			default:
				direct := fmt.Sprintf(`{"tsig-keys": %s, "forward-ddns": {"ddns-domains": %s}, "reverse-ddns": {"ddns-domains": %s}}`,
					d2test.TSIGKeysJSON(), d2test.DomainsJSON(ns.Addr, d2test.ZoneForward),
					d2test.DomainsJSON(ns.Addr, d2test.ZoneReverse4))
				ddns = fmt.Sprintf(`{"enable-updates": true, "user-context": {%q: %s}}`, refsrv.DirectUpdateKey, direct)
			}
			dir := t.TempDir()
			cfg := filepath.Join(dir, "kea-dhcp4.json")
			require.NoError(t, os.WriteFile(cfg, []byte(ddnsConfig(dir, ddns)), 0o644))
			require.True(t, json.Valid([]byte(ddnsConfig(dir, ddns))))
			port := refsrvtest.FreeUDPPort(t)
			cmd := exec.Command(binary, "-c", cfg, "-d", "-p", strconv.Itoa(port))
			cmd.Env = append(os.Environ(), "KEA_TEST_SEND_RESPONSES_TO_SOURCE=ENABLED")
			p := refsrvtest.Start(t, cmd)
			refsrvtest.WaitSocket(t, p, filepath.Join(dir, "ctrl.sock"), 10*time.Second)

			c, err := dhcptest.NewClient(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)))
			require.NoError(t, err)
			defer c.Close()
			c.Timeout = 500 * time.Millisecond
			ctx := context.Background()
			mac := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x51}
			f := d2client.FQDN4{Flags: d2client.FlagS | d2client.FlagE4, Name: "e2e-host", Partial: true}
			fb, err := f.MarshalBinary()
			require.NoError(t, err)
			// Relayed from 192.0.2.1: lo has no address in the subnet.
			mods := []dhcpv4.Modifier{dhcpv4.WithGatewayIP(net.IPv4(192, 0, 2, 1)),
				dhcpv4.WithGeneric(dhcpv4.GenericOptionCode(d2client.OptionFQDN4), fb)}
			var ack *dhcpv4.DHCPv4
			refsrvtest.Eventually(t, 10*time.Second, func() bool {
				ack, err = c.DORA(ctx, mac, mods...)
				return err == nil
			}, "no DHCPACK: %v", err)
			var rf d2client.FQDN4
			require.NoError(t, rf.UnmarshalBinary(ack.Options.Get(dhcpv4.GenericOptionCode(d2client.OptionFQDN4))))
			require.Equal(t, "e2e-host.example.org", rf.Name)
			addr, _ := netip.AddrFromSlice(ack.YourIPAddr.To4())
			dhcid, err := d2client.DHCIDFromHWAddr(1, mac, "e2e-host.example.org.")
			require.NoError(t, err)
			rev := d2client.ReverseName(addr)
			d2test.WaitRecords(t, ns.Addr,
				d2test.Record{Name: "e2e-host.example.org.", Type: dns.TypeA, Data: addr.String()},
				d2test.Record{Name: "e2e-host.example.org.", Type: dns.TypeDHCID, Data: dhcid.Base64()},
				d2test.Record{Name: rev, Type: dns.TypePTR, Data: "e2e-host.example.org."},
				d2test.Record{Name: rev, Type: dns.TypeDHCID, Data: dhcid.Base64()},
			)

			require.NoError(t, c.Release(ctx, ack, dhcpv4.WithGatewayIP(net.IPv4(192, 0, 2, 1))))
			d2test.WaitRecords(t, ns.Addr,
				d2test.Record{Name: "e2e-host.example.org.", Type: dns.TypeA},
				d2test.Record{Name: "e2e-host.example.org.", Type: dns.TypeDHCID},
				d2test.Record{Name: rev, Type: dns.TypePTR},
			)
		})
	}
}
