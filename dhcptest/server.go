package dhcptest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/dhcp4srv"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

// Option configures a test server.
type Option func(*options)

type subnet struct {
	prefix string
	pool   string
}

type reservation struct {
	hw, addr, hostname string
}

type options struct {
	subnets      []subnet
	globalOpts   []map[string]any
	reservations []reservation
	lease        time.Duration
	kea          string
	serverAddr   netip.Addr
	conn         net.PacketConn
	leaseFile    string
	leases       leasemgr.Manager
	log          *slog.Logger
	srvOpts      []dhcp4srv.ServerOption
	workers      int
}

// WithSubnet adds a subnet with one pool ("192.0.2.100 - 192.0.2.199" or
// "192.0.2.128/25"); an empty pool is the subnet's .100 to .199 (or the
// whole subnet minus its first and last addresses when it is smaller than
// a /24). Subnets get ids 1, 2, ... in the order given. Without WithSubnet
// or WithKeaConfig the server has 192.0.2.0/24 with the pool
// 192.0.2.100 - 192.0.2.199.
func WithSubnet(prefix, pool string) Option {
	return func(o *options) { o.subnets = append(o.subnets, subnet{prefix, pool}) }
}

// WithOption adds a global option-data entry by Kea name ("routers",
// "domain-name-servers") with Kea's text data ("192.0.2.1").
func WithOption(name, data string) Option {
	return func(o *options) { o.globalOpts = append(o.globalOpts, map[string]any{"name": name, "data": data}) }
}

// WithReservation reserves addr for the client with hardware address hw
// ("02:00:00:00:00:01") in the subnet that contains addr, with an
// optional hostname.
func WithReservation(hw, addr, hostname string) Option {
	return func(o *options) { o.reservations = append(o.reservations, reservation{hw, addr, hostname}) }
}

// WithLeaseTime sets valid-lifetime (default Kea's 7200 s).
func WithLeaseTime(d time.Duration) Option {
	return func(o *options) { o.lease = d }
}

// WithKeaConfig configures the server from a Kea configuration ({"Dhcp4":
// {...}}, comments allowed). WithSubnet, WithOption, WithReservation and
// WithLeaseTime are then ignored. Its interfaces-config and lease-database
// are ignored too: the server serves its loopback socket and keeps leases
// in memory (see WithLeaseFile).
func WithKeaConfig(js string) Option {
	return func(o *options) { o.kea = js }
}

// WithServerAddr sets the address of the simulated server interface (the
// server identifier); it must be in the first subnet. Default: the first
// address of the first subnet.
func WithServerAddr(a string) Option {
	return func(o *options) { o.serverAddr = netip.MustParseAddr(a) }
}

// WithPacketConn serves pc instead of a new socket on 127.0.0.1. The
// server closes it at cleanup.
func WithPacketConn(pc net.PacketConn) Option {
	return func(o *options) { o.conn = pc }
}

// WithLeaseFile keeps the leases in a memfile CSV file (Kea's format) at
// path instead of in memory; "" picks a file in t.TempDir().
func WithLeaseFile(path string) Option {
	return func(o *options) {
		o.leaseFile = path
		if path == "" {
			o.leaseFile = "\x00temp"
		}
	}
}

// WithLeases makes the server use a lease store of the caller's (who
// closes it).
func WithLeases(m leasemgr.Manager) Option {
	return func(o *options) { o.leases = m }
}

// WithLogger sets the server's logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.log = l }
}

// WithServerOptions passes options to dhcp4srv.NewServer (hooks, a name
// handler, a clock ...).
func WithServerOptions(opts ...dhcp4srv.ServerOption) Option {
	return func(o *options) { o.srvOpts = append(o.srvOpts, opts...) }
}

// WithWorkers sets the number of handler goroutines (default 2).
func WithWorkers(n int) Option {
	return func(o *options) { o.workers = n }
}

// Server4 is a DHCPv4 server running in a test.
type Server4 struct {
	// Server is the server; use it to Reconfigure, look at Config, or
	// reach the engine and the lease store.
	*dhcp4srv.Server
	// Stats holds the server's statistics (pkt4-*, subnet[1].*...).
	Stats *stats.Manager

	t          testing.TB
	addr       netip.AddrPort
	serverAddr netip.Addr
	leases     leasemgr.Manager
}

// Addr returns the address and port the server listens on.
func (s *Server4) Addr() netip.AddrPort { return s.addr }

// ServerAddr returns the address of the simulated server interface: the
// server identifier of replies to non-relayed requests.
func (s *Server4) ServerAddr() netip.Addr { return s.serverAddr }

// Leases returns the server's lease store.
func (s *Server4) Leases() leasemgr.Manager { return s.leases }

// NewServer4 starts a DHCPv4 server for the test and stops it at cleanup.
// It fails the test if the configuration is invalid or the socket cannot
// be opened.
func NewServer4(t testing.TB, opts ...Option) *Server4 {
	t.Helper()
	o := options{workers: 2}
	for _, f := range opts {
		f(&o)
	}
	js := o.kea
	if js == "" {
		var err error
		if js, err = o.config(); err != nil {
			t.Fatalf("dhcptest: %v", err)
		}
	}
	cfg, _, err := cfgmgr.Parse([]byte(js))
	if err != nil {
		t.Fatalf("dhcptest: configuration: %v", err)
	}
	if len(cfg.Subnets4) == 0 {
		t.Fatalf("dhcptest: the configuration has no subnet4")
	}
	first := cfg.Subnets4[0]
	sa := o.serverAddr
	if !sa.IsValid() {
		sa = first.Prefix.Masked().Addr().Next()
	}
	if !first.Prefix.Contains(sa) {
		t.Fatalf("dhcptest: server address %s is not in %s", sa, first.Prefix)
	}

	lm := openLeases(t, o.leases, leasemgr.V4, o.leaseFile, "kea-leases4.csv")
	st := stats.New()
	logger := orDiscard(o.log)
	srvOpts := append([]dhcp4srv.ServerOption{dhcp4srv.WithServerStats(st), dhcp4srv.WithServerLogger(logger)}, o.srvOpts...)
	srv, err := dhcp4srv.NewServer(cfg, lm, srvOpts...)
	if err != nil {
		t.Fatalf("dhcptest: server: %v", err)
	}

	pc, addr := listenLoopback(t, o.conn, "udp4", net.IPv4(127, 0, 0, 1))
	link := &linkHandler{
		srv:        srv,
		serverAddr: netip.AddrPortFrom(sa, addr.Port()),
		iface: &dhcp4srv.Interface{
			Name:  "dhcptest0",
			Addrs: []netip.Prefix{netip.PrefixFrom(sa, first.Prefix.Bits())},
		},
	}
	tr := dhcp4srv.NewTransport(dhcp4srv.Config{SendToSource: true, Workers: o.workers}, link,
		dhcp4srv.WithLogger(logger), dhcp4srv.WithStats(st))
	serve(t, tr, pc, dhcp4srv.ErrClosed)
	return &Server4{Server: srv, Stats: st, t: t, addr: addr, serverAddr: sa, leases: lm}
}

// config builds the Kea configuration of the options.
func (o *options) config() (string, error) {
	subnets := o.subnets
	if len(subnets) == 0 {
		subnets = []subnet{{"192.0.2.0/24", ""}}
	}
	var list []map[string]any
	for i, s := range subnets {
		p, err := netip.ParsePrefix(s.prefix)
		if err != nil || !p.Addr().Is4() {
			return "", fmt.Errorf("subnet %q: not an IPv4 prefix", s.prefix)
		}
		p = p.Masked()
		pool := s.pool
		if pool == "" {
			pool = defaultPool(p)
		}
		sn := map[string]any{"id": i + 1, "subnet": p.String(), "pools": []any{map[string]any{"pool": pool}}}
		for _, r := range o.reservations {
			a, err := netip.ParseAddr(r.addr)
			if err != nil {
				return "", fmt.Errorf("reservation %q: %v", r.addr, err)
			}
			if !p.Contains(a) {
				continue
			}
			res := map[string]any{"hw-address": r.hw, "ip-address": r.addr}
			if r.hostname != "" {
				res["hostname"] = r.hostname
			}
			rs, _ := sn["reservations"].([]any)
			sn["reservations"] = append(rs, res)
		}
		list = append(list, sn)
	}
	d := map[string]any{"subnet4": list}
	if len(o.globalOpts) > 0 {
		d["option-data"] = o.globalOpts
	}
	if o.lease > 0 {
		d["valid-lifetime"] = int64(o.lease / time.Second)
	}
	b, err := json.Marshal(map[string]any{"Dhcp4": d})
	return string(b), err
}

func defaultPool(p netip.Prefix) string {
	base := p.Addr()
	if p.Bits() <= 24 {
		a := base.As4() // the first /24 of the prefix
		return fmt.Sprintf("%d.%d.%d.100 - %d.%d.%d.199", a[0], a[1], a[2], a[0], a[1], a[2])
	}
	first := base.Next().Next() // skip the network address and the server's
	last := base
	for n := uint64(1)<<(32-p.Bits()) - 2; n > 0; n-- {
		last = last.Next()
	}
	return first.String() + " - " + last.String()
}

// linkHandler makes requests read on loopback look as if they came over
// the link of the first subnet (see the package documentation).
type linkHandler struct {
	srv        *dhcp4srv.Server
	serverAddr netip.AddrPort
	iface      *dhcp4srv.Interface
}

func (h *linkHandler) ServeDHCP4(ctx context.Context, w dhcp4srv.ResponseWriter, req *dhcpv4.DHCPv4) {
	lw := linkWriter{ResponseWriter: w, h: h, local: netip.AddrPortFrom(netip.AddrFrom4([4]byte{255, 255, 255, 255}), h.serverAddr.Port())}
	relayed := req.GatewayIPAddr != nil && !req.GatewayIPAddr.IsUnspecified()
	hasCiaddr := req.ClientIPAddr != nil && !req.ClientIPAddr.IsUnspecified()
	if relayed || hasCiaddr && !req.IsBroadcast() {
		lw.local = h.serverAddr
	}
	h.srv.ServeDHCP4(ctx, &lw, req)
}

type linkWriter struct {
	dhcp4srv.ResponseWriter
	h     *linkHandler
	local netip.AddrPort
}

func (w *linkWriter) LocalAddr() netip.AddrPort      { return w.local }
func (w *linkWriter) Interface() *dhcp4srv.Interface { return w.h.iface }

// The helpers below are shared by NewServer4 and NewServer6.

// openLeases returns m, or else an in-memory memfile store of universe u,
// or, with WithLeaseFile, one persisted to file (name in t.TempDir() when
// file is the "\x00temp" marker). A store it opens is closed at cleanup.
func openLeases(t testing.TB, m leasemgr.Manager, u leasemgr.Universe, file, name string) leasemgr.Manager {
	t.Helper()
	if m != nil {
		return m
	}
	mc := memfile.Config{Universe: u, InMemory: true}
	if file != "" {
		mc.InMemory = false
		mc.Name = file
		if file == "\x00temp" {
			mc.Name = filepath.Join(t.TempDir(), name)
		}
	}
	lm, err := memfile.Open(context.Background(), mc)
	if err != nil {
		t.Fatalf("dhcptest: lease store: %v", err)
	}
	t.Cleanup(func() { lm.Close() })
	return lm
}

// orDiscard returns l, or a logger that discards.
func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// listenLoopback returns pc, or a new socket on ip (a loopback address)
// with an ephemeral port, and its local address.
func listenLoopback(t testing.TB, pc net.PacketConn, network string, ip net.IP) (net.PacketConn, netip.AddrPort) {
	t.Helper()
	if pc == nil {
		uc, err := net.ListenUDP(network, &net.UDPAddr{IP: ip})
		if err != nil {
			t.Fatalf("dhcptest: listen: %v", err)
		}
		pc = uc
	}
	addr, err := netip.ParseAddrPort(pc.LocalAddr().String())
	if err != nil {
		t.Fatalf("dhcptest: local address %s: %v", pc.LocalAddr(), err)
	}
	return pc, addr
}

// transport is what dhcp4srv.Transport and dhcp6srv.Transport have in
// common for a test server.
type transport interface {
	ServeConn(ctx context.Context, pc net.PacketConn) error
	Shutdown(ctx context.Context) error
}

// serve serves pc with tr until cleanup, which shuts tr down and fails the
// test on an error other than errClosed.
func serve(t testing.TB, tr transport, pc net.PacketConn, errClosed error) {
	done := make(chan error, 1)
	go func() { done <- tr.ServeConn(context.Background(), pc) }()
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tr.Shutdown(sctx); err != nil {
			t.Errorf("dhcptest: shutdown: %v", err)
		}
		if err := <-done; err != nil && !errors.Is(err, errClosed) {
			t.Errorf("dhcptest: serve: %v", err)
		}
	})
}
