package dhcp4srv_test

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/dhcp4srv"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
)

// fakeWriter is a ResponseWriter that records replies (as the client
// would decode them).
type fakeWriter struct {
	mu      sync.Mutex
	local   netip.AddrPort
	remote  netip.AddrPort
	iface   *dhcp4srv.Interface
	req     *dhcpv4.DHCPv4
	replies []*dhcpv4.DHCPv4
	sizes   []int
}

var ifEth0 = &dhcp4srv.Interface{Index: 2, Name: "eth0", Addrs: []netip.Prefix{netip.MustParsePrefix("192.0.2.1/24")}}

func broadcastWriter() *fakeWriter {
	return &fakeWriter{
		local:  netip.MustParseAddrPort("255.255.255.255:67"),
		remote: netip.MustParseAddrPort("0.0.0.0:68"),
		iface:  ifEth0,
	}
}

func (w *fakeWriter) Write(r *dhcpv4.DHCPv4) error {
	b := r.ToBytes()
	p, err := dhcpv4.FromBytes(b)
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.replies = append(w.replies, p)
	w.sizes = append(w.sizes, len(b))
	w.mu.Unlock()
	return nil
}

func (w *fakeWriter) Route(r *dhcpv4.DHCPv4) dhcp4srv.Route {
	return dhcp4srv.RouteReply(dhcp4srv.RouteInputOf(w.req, r, w.remote), dhcp4srv.RoutePolicy{})
}
func (w *fakeWriter) WriteRoute(r *dhcpv4.DHCPv4, _ dhcp4srv.Route) error { return w.Write(r) }
func (w *fakeWriter) Interface() *dhcp4srv.Interface                      { return w.iface }
func (w *fakeWriter) LocalAddr() netip.AddrPort                           { return w.local }
func (w *fakeWriter) RemoteAddr() netip.AddrPort                          { return w.remote }
func (w *fakeWriter) Relayed() bool {
	return w.req != nil && w.req.GatewayIPAddr != nil && !w.req.GatewayIPAddr.IsUnspecified()
}
func (w *fakeWriter) Received() time.Time { return time.Now() }
func (w *fakeWriter) Raw() []byte         { return nil }

// harness is a server driven directly through ServeDHCP4.
type harness struct {
	t      testing.TB
	srv    *dhcp4srv.Server
	leases leasemgr.Manager
	now    time.Time
	mu     sync.Mutex
}

func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	h.now = h.now.Add(d)
	h.mu.Unlock()
}

func parseConfig(t testing.TB, js string) *cfgmgr.Config {
	t.Helper()
	cfg, _, err := cfgmgr.Parse([]byte(js))
	require.NoError(t, err)
	return cfg
}

func newHarness(t testing.TB, js string, opts ...dhcp4srv.ServerOption) *harness {
	t.Helper()
	lm, err := memfile.Open(context.Background(), memfile.Config{Universe: leasemgr.V4, InMemory: true})
	require.NoError(t, err)
	t.Cleanup(func() { lm.Close() })
	h := &harness{t: t, leases: lm, now: time.Unix(1_700_000_000, 0)}
	opts = append([]dhcp4srv.ServerOption{dhcp4srv.WithClock(h.clock)}, opts...)
	srv, err := dhcp4srv.NewServer(parseConfig(t, js), lm, opts...)
	require.NoError(t, err)
	h.srv = srv
	return h
}

// do sends req through ServeDHCP4 with w (broadcast on eth0 by default)
// and returns the reply, or nil.
func (h *harness) do(req *dhcpv4.DHCPv4, w *fakeWriter) *dhcpv4.DHCPv4 {
	h.t.Helper()
	if w == nil {
		w = broadcastWriter()
	}
	// Go through the wire format, as the transport does.
	p, err := dhcpv4.FromBytes(req.ToBytes())
	require.NoError(h.t, err)
	w.req = p
	h.srv.ServeDHCP4(context.Background(), w, p)
	switch len(w.replies) {
	case 0:
		return nil
	case 1:
		return w.replies[0]
	}
	h.t.Fatalf("%d replies", len(w.replies))
	return nil
}

func mac(i int) net.HardwareAddr {
	return net.HardwareAddr{0x02, 0x42, 0, 0, byte(i >> 8), byte(i)}
}

func discover(hw net.HardwareAddr, mods ...dhcpv4.Modifier) *dhcpv4.DHCPv4 {
	d, err := dhcpv4.NewDiscovery(hw, mods...)
	if err != nil {
		panic(err)
	}
	return d
}

func requestFor(offer *dhcpv4.DHCPv4, mods ...dhcpv4.Modifier) *dhcpv4.DHCPv4 {
	r, err := dhcpv4.NewRequestFromOffer(offer, mods...)
	if err != nil {
		panic(err)
	}
	return r
}

func msg(mt dhcpv4.MessageType, hw net.HardwareAddr, mods ...dhcpv4.Modifier) *dhcpv4.DHCPv4 {
	m, err := dhcpv4.New(append([]dhcpv4.Modifier{dhcpv4.WithHwAddr(hw), dhcpv4.WithMessageType(mt)}, mods...)...)
	if err != nil {
		panic(err)
	}
	return m
}

// dora runs DISCOVER/OFFER/REQUEST/ACK and returns the ACK.
func (h *harness) dora(hw net.HardwareAddr, mods ...dhcpv4.Modifier) *dhcpv4.DHCPv4 {
	h.t.Helper()
	offer := h.do(discover(hw, mods...), nil)
	require.NotNil(h.t, offer, "no offer")
	require.Equal(h.t, dhcpv4.MessageTypeOffer, offer.MessageType())
	ack := h.do(requestFor(offer, mods...), nil)
	require.NotNil(h.t, ack, "no ack")
	require.Equal(h.t, dhcpv4.MessageTypeAck, ack.MessageType())
	return ack
}

func ip(s string) net.IP { return net.ParseIP(s).To4() }

const baseConfig = `{"Dhcp4": {
	"valid-lifetime": 4000,
	"renew-timer": 1000,
	"rebind-timer": 2000,
	"option-data": [{"name": "domain-name-servers", "data": "192.0.2.53"}],
	"subnet4": [{
		"id": 1,
		"subnet": "192.0.2.0/24",
		"pools": [{"pool": "192.0.2.100 - 192.0.2.199"}],
		"option-data": [{"name": "routers", "data": "192.0.2.1"}]
	}]
}}`
