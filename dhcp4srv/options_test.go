package dhcp4srv_test

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/dhcp4srv"
)

const precedenceConfig = `{"Dhcp4": {
	"option-data": [
		{"name": "root-path", "data": "global.example"},
		{"name": "ntp-servers", "data": "192.0.2.91"},
		{"name": "time-offset", "data": "1"},
		{"name": "log-servers", "data": "192.0.2.70", "always-send": true},
		{"name": "cookie-servers", "data": "192.0.2.30"}
	],
	"client-classes": [
		{"name": "pxe", "test": "substring(option[60].hex,0,9) == 'PXEClient'",
		 "option-data": [{"name": "root-path", "data": "class.example"}, {"name": "ntp-servers", "data": "192.0.2.92"},
		                 {"name": "time-offset", "data": "2"}],
		 "next-server": "192.0.2.9", "boot-file-name": "class.efi"},
		{"name": "resclass", "option-data": [{"name": "cookie-servers", "data": "192.0.2.33"}]},
		{"name": "known", "test": "member('KNOWN') and not member('pxe')", "option-data": [{"code": 72, "data": "192.0.2.72"}]},
		{"name": "weird", "test": "vendor[4491].exists"}
	],
	"shared-networks": [{
		"name": "net1",
		"option-data": [{"name": "root-path", "data": "net.example"}, {"name": "ntp-servers", "data": "192.0.2.93"}],
		"subnet4": [{
			"id": 1,
			"subnet": "192.0.2.0/24",
			"boot-file-name": "subnet.efi",
			"option-data": [{"name": "root-path", "data": "subnet.example"}, {"name": "routers", "data": "192.0.2.1"}],
			"pools": [{"pool": "192.0.2.100 - 192.0.2.199", "option-data": [{"name": "root-path", "data": "pool.example"}]}],
			"reservations": [{
				"hw-address": "02:42:00:00:00:63", "ip-address": "192.0.2.10", "hostname": "res-host",
				"client-classes": ["resclass"], "boot-file-name": "host.efi", "next-server": "192.0.2.8",
				"server-hostname": "tftp.example",
				"option-data": [{"name": "root-path", "data": "host.example"}]
			}, {
				"client-id": "01:aa:bb:cc:dd:ee:ff", "ip-address": "192.0.2.11"
			}]
		}]
	}]
}}`

var allPRL = dhcpv4.WithRequestedOptions(dhcpv4.OptionRootPath, dhcpv4.OptionNTPServers, dhcpv4.OptionTimeOffset,
	dhcpv4.OptionQuoteServer, dhcpv4.OptionRouter, dhcpv4.GenericOptionCode(72))

func TestOptionPrecedence(t *testing.T) {
	h := newHarness(t, precedenceConfig)

	// A pool client in class pxe: pool > subnet > network > class > global.
	ack := h.dora(mac(1), allPRL, dhcpv4.WithOption(dhcpv4.OptClassIdentifier("PXEClient:Arch:00007")))
	require.Equal(t, "pool.example", ack.RootPath())
	require.Equal(t, []net.IP{ip("192.0.2.93")}, ack.NTPServers())
	require.Equal(t, []byte{0, 0, 0, 2}, ack.Options.Get(dhcpv4.OptionTimeOffset))
	require.Equal(t, []byte{192, 0, 2, 70}, ack.Options.Get(dhcpv4.OptionLogServer), "always-send")
	require.Equal(t, []byte{192, 0, 2, 30}, ack.Options.Get(dhcpv4.OptionQuoteServer))
	require.False(t, ack.Options.Has(dhcpv4.GenericOptionCode(72)), "not KNOWN")
	require.Equal(t, "192.0.2.9", ack.ServerIPAddr.String(), "class next-server")
	require.Equal(t, "class.efi", ack.BootFileName, "class over subnet")

	// Without the class: the subnet's boot file, global time offset.
	ack = h.dora(mac(2), allPRL)
	require.Equal(t, "subnet.efi", ack.BootFileName)
	require.Equal(t, []byte{0, 0, 0, 1}, ack.Options.Get(dhcpv4.OptionTimeOffset))
	require.True(t, ack.ServerIPAddr.IsUnspecified())

	// Not requested: not sent (but routers is a basic option).
	ack = h.dora(mac(3))
	require.False(t, ack.Options.Has(dhcpv4.OptionRootPath))
	require.False(t, ack.Options.Has(dhcpv4.OptionNTPServers))
	require.True(t, ack.Options.Has(dhcpv4.OptionRouter))
	require.True(t, ack.Options.Has(dhcpv4.OptionLogServer))
}

func TestReservationHWAddr(t *testing.T) {
	h := newHarness(t, precedenceConfig)
	hw := net.HardwareAddr{0x02, 0x42, 0, 0, 0, 0x63}
	ack := h.dora(hw, allPRL, dhcpv4.WithOption(dhcpv4.OptHostName("client-name")))
	require.Equal(t, "192.0.2.10", ack.YourIPAddr.String())
	require.Equal(t, "host.example", ack.RootPath())
	require.Equal(t, []byte{192, 0, 2, 33}, ack.Options.Get(dhcpv4.OptionQuoteServer), "reservation class option")
	require.Equal(t, []byte{192, 0, 2, 72}, ack.Options.Get(dhcpv4.GenericOptionCode(72)), "KNOWN class")
	require.Equal(t, "res-host", ack.HostName())
	require.Equal(t, "host.efi", ack.BootFileName)
	require.Equal(t, "tftp.example", ack.ServerHostName)
	require.Equal(t, "192.0.2.8", ack.ServerIPAddr.String())
	l, err := h.leases.Lease4(context.Background(), netip.MustParseAddr("192.0.2.10"))
	require.NoError(t, err)
	require.Equal(t, "res-host", l.Hostname)
}

func TestReservationClientID(t *testing.T) {
	h := newHarness(t, precedenceConfig)
	cid := []byte{1, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	ack := h.dora(mac(5), dhcpv4.WithOption(dhcpv4.OptClientIdentifier(cid)))
	require.Equal(t, "192.0.2.11", ack.YourIPAddr.String())
	require.Equal(t, cid, ack.Options.Get(dhcpv4.OptionClientIdentifier), "echo-client-id")
}

func TestClientHostnameStored(t *testing.T) {
	h := newHarness(t, baseConfig)
	ack := h.dora(mac(1), dhcpv4.WithOption(dhcpv4.OptHostName("My_Laptop")))
	require.Equal(t, "mylaptop", ack.HostName())
	l, err := h.leases.Lease4(context.Background(), netip.AddrFrom4([4]byte(ack.YourIPAddr.To4())))
	require.NoError(t, err)
	require.Equal(t, "mylaptop", l.Hostname)
	require.False(t, l.FQDNFwd)
}

func TestNeverSend(t *testing.T) {
	h := newHarness(t, `{"Dhcp4": {
		"option-data": [{"name": "root-path", "data": "global.example", "always-send": true},
		                {"name": "ntp-servers", "data": "192.0.2.91", "never-send": true}],
		"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.199"}],
			"option-data": [{"name": "ntp-servers", "data": "192.0.2.92"},
			                {"name": "root-path", "data": "subnet.example", "never-send": true}]}]}}`)
	ack := h.dora(mac(1), allPRL)
	require.False(t, ack.Options.Has(dhcpv4.OptionNTPServers), "never-send at any level wins")
	require.False(t, ack.Options.Has(dhcpv4.OptionRootPath), "never-send beats always-send")
}

func TestTeeTimes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params string
		t1, t2 time.Duration
	}{
		{"given", `"renew-timer": 100, "rebind-timer": 200`, 100 * time.Second, 200 * time.Second},
		{"calculated", `"calculate-tee-times": true`, 500 * time.Second, 875 * time.Second},
		{"percent", `"calculate-tee-times": true, "t1-percent": 0.4, "t2-percent": 0.6`, 400 * time.Second, 600 * time.Second},
		{"none", `"calculate-tee-times": false`, 0, 0},
		{"t2 too big", `"renew-timer": 300, "rebind-timer": 5000`, 300 * time.Second, 0},
		{"t1 too big", `"renew-timer": 1500, "rebind-timer": 1600`, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, `{"Dhcp4": {"valid-lifetime": 1000, `+tc.params+`,
				"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.199"}]}]}}`)
			ack := h.dora(mac(1))
			require.Equal(t, tc.t1, ack.IPAddressRenewalTime(0))
			require.Equal(t, tc.t2, ack.IPAddressRebindingTime(0))
		})
	}
}

const relayConfig = `{"Dhcp4": {
	"subnet4": [
		{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.199"}]},
		{"id": 2, "subnet": "198.18.0.0/24", "pools": [{"pool": "198.18.0.100 - 198.18.0.199"}],
		 "store-extended-info": true,
		 "option-data": [{"name": "routers", "data": "198.18.0.1"}],
		 "reservations": [{"circuit-id": "'port-7'", "ip-address": "198.18.0.7", "hostname": "port7"}]}
	]
}}`

func relayed(giaddr string, circuit string) []dhcpv4.Modifier {
	return []dhcpv4.Modifier{
		dhcpv4.WithGatewayIP(ip(giaddr)),
		dhcpv4.WithOption(dhcpv4.OptRelayAgentInfo(
			dhcpv4.OptGeneric(dhcpv4.GenericOptionCode(1), []byte(circuit)),
			dhcpv4.OptGeneric(dhcpv4.GenericOptionCode(2), []byte{0xca, 0xfe}))),
	}
}

func relayWriter() *fakeWriter {
	w := broadcastWriter()
	w.local = netip.MustParseAddrPort("192.0.2.1:67")
	w.remote = netip.MustParseAddrPort("198.18.0.1:67")
	return w
}

func TestRelay(t *testing.T) {
	h := newHarness(t, relayConfig)
	mods := relayed("198.18.0.1", "port-3")
	w := relayWriter()
	offer := h.do(discover(mac(1), mods...), w)
	require.NotNil(t, offer)
	require.Equal(t, "198.18.0.100", offer.YourIPAddr.String())
	require.Equal(t, "198.18.0.1", offer.GatewayIPAddr.String())
	require.Equal(t, "192.0.2.1", offer.ServerIdentifier().String())
	require.NotNil(t, offer.RelayAgentInfo(), "option 82 echoed")
	require.Equal(t, "198.18.0.1:67", w.Route(offer).Dst.String())

	ack := h.do(requestFor(offer, mods...), relayWriter())
	require.NotNil(t, ack)
	require.Equal(t, dhcpv4.MessageTypeAck, ack.MessageType())
	require.NotNil(t, ack.RelayAgentInfo())
	l, err := h.leases.Lease4(context.Background(), netip.MustParseAddr("198.18.0.100"))
	require.NoError(t, err)
	isc, _ := l.UserContext["ISC"].(map[string]any)
	require.NotNil(t, isc, "store-extended-info")
	rai, _ := isc["relay-agent-info"].(map[string]any)
	require.Equal(t, "CAFE", rai["remote-id"])
	require.True(t, strings.HasPrefix(rai["sub-options"].(string), "0x0106"))

	// Reservation by circuit-id.
	mods = relayed("198.18.0.1", "port-7")
	offer = h.do(discover(mac(2), mods...), relayWriter())
	require.NotNil(t, offer)
	require.Equal(t, "198.18.0.7", offer.YourIPAddr.String())
	require.Equal(t, "port7", offer.HostName())
}

func TestMatchClientID(t *testing.T) {
	cidA := dhcpv4.WithOption(dhcpv4.OptClientIdentifier([]byte{1, 1, 1, 1, 1, 1, 1}))
	cidB := dhcpv4.WithOption(dhcpv4.OptClientIdentifier([]byte{1, 2, 2, 2, 2, 2, 2}))

	h := newHarness(t, baseConfig)
	a := h.dora(mac(1), cidA)
	b := h.dora(mac(1), cidB)
	require.NotEqual(t, a.YourIPAddr.String(), b.YourIPAddr.String(), "match-client-id true: two clients")

	h = newHarness(t, `{"Dhcp4": {"match-client-id": false, "subnet4": [{"id": 1, "subnet": "192.0.2.0/24",
		"pools": [{"pool": "192.0.2.100 - 192.0.2.199"}]}]}}`)
	a = h.dora(mac(1), cidA)
	b = h.dora(mac(1), cidB)
	require.Equal(t, a.YourIPAddr.String(), b.YourIPAddr.String(), "match-client-id false: one client by MAC")
}

func TestEchoClientID(t *testing.T) {
	cid := dhcpv4.WithOption(dhcpv4.OptClientIdentifier([]byte{1, 1, 1, 1, 1, 1, 1}))
	h := newHarness(t, baseConfig)
	require.True(t, h.dora(mac(1), cid).Options.Has(dhcpv4.OptionClientIdentifier))
	h = newHarness(t, `{"Dhcp4": {"echo-client-id": false, "subnet4": [{"id": 1, "subnet": "192.0.2.0/24",
		"pools": [{"pool": "192.0.2.100 - 192.0.2.199"}]}]}}`)
	require.False(t, h.dora(mac(1), cid).Options.Has(dhcpv4.OptionClientIdentifier))
}

func TestMaxMessageSize(t *testing.T) {
	ips := make([]string, 120)
	for i := range ips {
		ips[i] = "192.0.2.7"
	}
	h := newHarness(t, `{"Dhcp4": {"option-data": [{"code": 72, "data": "`+strings.Join(ips, ",")+`"},
		{"name": "root-path", "data": "example.org"}],
		"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.199"}]}]}}`)
	prl := dhcpv4.WithRequestedOptions(dhcpv4.OptionRootPath, dhcpv4.GenericOptionCode(72))
	w := broadcastWriter()
	offer := h.do(discover(mac(1), prl), w)
	require.NotNil(t, offer)
	require.LessOrEqual(t, w.sizes[0], 576-28)
	require.False(t, offer.Options.Has(dhcpv4.GenericOptionCode(72)), "dropped to fit 576")
	require.Equal(t, "example.org", offer.RootPath(), "earlier requested option kept")

	w = broadcastWriter()
	offer = h.do(discover(mac(1), prl, dhcpv4.WithOption(dhcpv4.OptMaxMessageSize(1500))), w)
	require.NotNil(t, offer)
	require.Len(t, offer.Options.Get(dhcpv4.GenericOptionCode(72)), 480)
}

// recorder is a NameHandler and LeaseObserver for tests.
type recorder struct {
	mu     sync.Mutex
	events []dhcp4srv.LeaseEvent
}

func (r *recorder) Adjust4(_ context.Context, req, reply *dhcpv4.DHCPv4, info dhcp4srv.NameInfo) (bool, bool, string) {
	reply.UpdateOption(dhcpv4.OptGeneric(dhcpv4.OptionFQDN, []byte{0x03, 0, 0}))
	return true, true, "named.example"
}

func (r *recorder) OnLease4(_ context.Context, ev dhcp4srv.LeaseEvent) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
}

func TestNameHandlerAndEvents(t *testing.T) {
	rec := &recorder{}
	h := newHarness(t, `{"Dhcp4": {"valid-lifetime": 60, "expired-leases-processing": {"flush-reclaimed-timer-wait-time": 0},
		"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.199"}]}]}}`,
		dhcp4srv.WithNameHandler(rec), dhcp4srv.WithLeaseObserver(rec))
	ack := h.dora(mac(1))
	require.True(t, ack.Options.Has(dhcpv4.OptionFQDN))
	l, err := h.leases.Lease4(context.Background(), netip.MustParseAddr("192.0.2.100"))
	require.NoError(t, err)
	require.Equal(t, "named.example", l.Hostname)
	require.True(t, l.FQDNFwd && l.FQDNRev)

	h.advance(10 * time.Second)
	h.dora(mac(1)) // renew
	h.do(msg(dhcpv4.MessageTypeDecline, mac(1), dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(ack.YourIPAddr))), nil)
	ack2 := h.dora(mac(2))
	rel, err := dhcpv4.NewReleaseFromACK(ack2)
	require.NoError(t, err)
	h.do(rel, nil)
	h.dora(mac(3))
	h.advance(2 * time.Minute)
	_, err = h.srv.Engine().ReclaimExpired4(context.Background(), 0, 0, true)
	require.NoError(t, err)

	var kinds []string
	for _, ev := range rec.events {
		kinds = append(kinds, ev.Kind.String())
	}
	require.Equal(t, []string{"add", "renew", "decline", "add", "release", "add", "expire"}, kinds)
}

func TestDropClass(t *testing.T) {
	h := newHarness(t, `{"Dhcp4": {"client-classes": [{"name": "DROP", "test": "option[60].text == 'evil'"}],
		"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.199"}]}]}}`)
	require.Nil(t, h.do(discover(mac(1), dhcpv4.WithOption(dhcpv4.OptClassIdentifier("evil"))), nil))
	require.NotNil(t, h.do(discover(mac(1), dhcpv4.WithOption(dhcpv4.OptClassIdentifier("good"))), nil))
}
