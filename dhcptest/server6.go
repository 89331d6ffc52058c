package dhcptest

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"testing"

	"github.com/insomniacslk/dhcp/dhcpv6"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/dhcp6srv"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

// DefaultConfig6 is the configuration of NewServer6 without
// WithKeaConfig6: one subnet, 2001:db8:1::/64, with the address pool
// 2001:db8:1::100 - 2001:db8:1::1ff and prefixes of length 56 delegated
// from 2001:db8:8000::/40.
const DefaultConfig6 = `{"Dhcp6": {"subnet6": [{"id": 1, "subnet": "2001:db8:1::/64",
  "pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::1ff"}],
  "pd-pools": [{"prefix": "2001:db8:8000::", "prefix-len": 40, "delegated-len": 56}]}]}}`

// LinkInterface6 is the name of the simulated interface of NewServer6.
const LinkInterface6 = "dhcptest0"

// Option6 configures a DHCPv6 test server.
type Option6 func(*options6)

type options6 struct {
	kea       string
	leases    leasemgr.Manager
	leaseFile string
	log       *slog.Logger
	srvOpts   []dhcp6srv.ServerOption
	workers   int
	conn      net.PacketConn
}

// WithKeaConfig6 configures the server from a whole Kea "Dhcp6"
// configuration ({"Dhcp6": {...}}) instead of DefaultConfig6.
func WithKeaConfig6(js string) Option6 { return func(o *options6) { o.kea = js } }

// WithLeases6 stores the leases in m instead of an in-memory memfile.
func WithLeases6(m leasemgr.Manager) Option6 { return func(o *options6) { o.leases = m } }

// WithLeaseFile6 persists the leases to a memfile CSV at path (Kea's
// format); an empty path means a file in t.TempDir().
func WithLeaseFile6(path string) Option6 {
	return func(o *options6) {
		o.leaseFile = path
		if path == "" {
			o.leaseFile = "\x00temp"
		}
	}
}

// WithLogger6 sets the server's logger (default: discard).
func WithLogger6(l *slog.Logger) Option6 { return func(o *options6) { o.log = l } }

// WithServerOptions6 passes options to dhcp6srv.NewServer.
func WithServerOptions6(opts ...dhcp6srv.ServerOption) Option6 {
	return func(o *options6) { o.srvOpts = append(o.srvOpts, opts...) }
}

// WithWorkers6 sets the number of server workers (default 2).
func WithWorkers6(n int) Option6 { return func(o *options6) { o.workers = n } }

// WithPacketConn6 serves pc instead of a new socket on [::1].
func WithPacketConn6(pc net.PacketConn) Option6 { return func(o *options6) { o.conn = pc } }

// Server6 is a DHCPv6 server running in a test.
type Server6 struct {
	// Server is the server; use it to Reconfigure, look at Config, or
	// reach the engine and the lease store.
	*dhcp6srv.Server
	// Stats holds the server's statistics (pkt6-*, subnet[1].*...).
	Stats *stats.Manager

	t      testing.TB
	addr   netip.AddrPort
	leases leasemgr.Manager
}

// Addr returns the address and port the server listens on.
func (s *Server6) Addr() netip.AddrPort { return s.addr }

// Leases returns the server's lease store.
func (s *Server6) Leases() leasemgr.Manager { return s.leases }

// NewServer6 starts a DHCPv6 server for the test on [::1] with an
// ephemeral port and stops it at cleanup. It fails the test if the
// configuration is invalid or the socket cannot be opened.
//
// Replies go back to the request's source address and port
// (dhcp6srv.Config.SendToSource), since a client on loopback is not at port
// 546. The server behaves as if attached to the link of the first subnet of
// the configuration (lowest id) through an interface LinkInterface6: a
// request that is not relayed selects that subnet, unless the subnet names
// another "interface" (then the simulated interface takes that name). A
// relayed request selects its subnet by its relays' link addresses and
// interface-ids as usual (see Client6.LinkAddr).
func NewServer6(t testing.TB, opts ...Option6) *Server6 {
	t.Helper()
	o := options6{workers: 2}
	for _, f := range opts {
		f(&o)
	}
	js := o.kea
	if js == "" {
		js = DefaultConfig6
	}
	cfg, _, err := cfgmgr.Parse([]byte(js))
	if err != nil {
		t.Fatalf("dhcptest: configuration: %v", err)
	}
	if len(cfg.Subnets6) == 0 {
		t.Fatalf("dhcptest: the configuration has no subnet6")
	}
	ifname := cfg.Subnets6[0].Interface()
	if ifname == "" {
		ifname = LinkInterface6
		cfg.Subnets6[0].Params.Interface = &ifname
	}

	lm := openLeases(t, o.leases, leasemgr.V6, o.leaseFile, "kea-leases6.csv")
	st := stats.New()
	logger := orDiscard(o.log)
	srvOpts := append([]dhcp6srv.ServerOption{dhcp6srv.WithServerStats(st), dhcp6srv.WithServerLogger(logger)}, o.srvOpts...)
	srv, err := dhcp6srv.NewServer(cfg, lm, srvOpts...)
	if err != nil {
		t.Fatalf("dhcptest: server: %v", err)
	}
	pc, addr := listenLoopback(t, o.conn, "udp6", net.IPv6loopback)
	link := &link6{srv: srv, iface: &dhcp6srv.Interface{Name: ifname}}
	tr := dhcp6srv.NewTransport(dhcp6srv.Config{SendToSource: true, Workers: o.workers}, link,
		dhcp6srv.WithLogger(logger), dhcp6srv.WithStats(st))
	serve(t, tr, pc, dhcp6srv.ErrClosed)
	return &Server6{Server: srv, Stats: st, t: t, addr: addr, leases: lm}
}

// link6 makes requests read on loopback look as if they came over the
// link of the first subnet: multicast to ff02::1:2 on the simulated
// interface.
type link6 struct {
	srv   *dhcp6srv.Server
	iface *dhcp6srv.Interface
}

func (h *link6) ServeDHCP6(ctx context.Context, w dhcp6srv.ResponseWriter, req dhcpv6.DHCPv6) {
	lw := linkWriter6{ResponseWriter: w, h: h}
	h.srv.ServeDHCP6(ctx, &lw, req)
}

type linkWriter6 struct {
	dhcp6srv.ResponseWriter
	h *link6
}

func (w *linkWriter6) Interface() *dhcp6srv.Interface { return w.h.iface }
func (w *linkWriter6) LocalAddr() netip.AddrPort {
	return netip.AddrPortFrom(dhcp6srv.AllDHCPRelayAgentsAndServers, w.ResponseWriter.LocalAddr().Port())
}
