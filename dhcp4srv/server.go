package dhcp4srv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/option"
	"github.com/dhcpsrv/dhcpsrv/stats"
	"github.com/dhcpsrv/dhcpsrv/subnetselect"
)

// Server is a DHCPv4 server: Kea's Dhcpv4Srv message handling on top of
// the allocation engine, the host reservations and a Transport. It is a
// Handler, so it can also be served by a Transport built elsewhere (or
// called directly with a ResponseWriter of one's own).
//
// A Server holds no global state: several servers with different
// configurations, lease stores and statistics may run in one process.
// Its methods are safe for concurrent use.
type Server struct {
	leases    leasemgr.Manager
	hosts     *hostmgr.Manager
	engine    *alloc.Engine
	stats     *stats.Manager
	log       *slog.Logger
	now       func() time.Time
	names     NameHandler
	observer  LeaseObserver
	serverIDs []netip.Addr
	transport *Transport

	snap  atomic.Pointer[snapshot]
	cfgMu sync.Mutex          // serializes Reconfigure
	warn  map[string]struct{} // classes already warned about (under cfgMu)

	pool   sync.Pool // *exchange
	stDrop *stats.Int
}

var _ Handler = (*Server)(nil)

// snapshot is everything derived from one configuration; a request uses
// the snapshot it loaded when it started.
type snapshot struct {
	cfg        *cfgmgr.Config
	index      *subnetselect.Index4
	classes    []classTest
	idTypes    []hostmgr.IdentifierType
	serverIDs  map[netip.Addr]struct{} // configured dhcp-server-identifier values
	sanitizers map[*cfgmgr.Subnet4]*sanitizer
}

// ServerOption configures a Server.
type ServerOption func(*serverOptions)

type serverOptions struct {
	hosts       *hostmgr.Manager
	stats       *stats.Manager
	log         *slog.Logger
	now         func() time.Time
	names       NameHandler
	observer    LeaseObserver
	hooks       alloc.Hooks
	engineOpts  []alloc.Option
	registry    *alloc.Registry
	transport   func(*Config)
	serverIDs   []netip.Addr
	noTransport bool
}

// WithHosts makes the server use m for host reservations. The server sets
// m's primary source to the configuration's reservations, now and on each
// Reconfigure; alternate sources (host databases) are the caller's.
// Default: a Manager with only the configuration's reservations.
func WithHosts(m *hostmgr.Manager) ServerOption {
	return func(o *serverOptions) { o.hosts = m }
}

// WithServerStats makes the server, its engine and its transport count
// Kea's statistics in m (default: none).
func WithServerStats(m *stats.Manager) ServerOption {
	return func(o *serverOptions) { o.stats = m }
}

// WithServerLogger sets the logger of the server, its engine and its
// transport (default: discard).
func WithServerLogger(l *slog.Logger) ServerOption {
	return func(o *serverOptions) { o.log = l }
}

// WithClock sets the clock of the allocation engine (lease times) and of
// the server (default time.Now). For tests.
func WithClock(now func() time.Time) ServerOption {
	return func(o *serverOptions) { o.now = now }
}

// WithNameHandler installs the hostname / client FQDN handling (DDNS).
func WithNameHandler(h NameHandler) ServerOption {
	return func(o *serverOptions) { o.names = h }
}

// WithLeaseObserver installs the lease event hook (DDNS name change
// requests, auditing).
func WithLeaseObserver(lo LeaseObserver) ServerOption {
	return func(o *serverOptions) { o.observer = lo }
}

// WithEngineHooks installs allocation engine hooks (Kea's lease4_select,
// lease4_renew, lease4_expire, lease4_recover callouts).
func WithEngineHooks(h alloc.Hooks) ServerOption {
	return func(o *serverOptions) { o.hooks = h }
}

// WithRegistry builds the allocators from r (custom allocators).
func WithRegistry(r *alloc.Registry) ServerOption {
	return func(o *serverOptions) { o.registry = r }
}

// WithEngineOptions passes further options to alloc.NewEngine (attempts,
// allocator functions). The server's own (stats, logger, clock, hooks,
// registry) are applied first.
func WithEngineOptions(opts ...alloc.Option) ServerOption {
	return func(o *serverOptions) { o.engineOpts = append(o.engineOpts, opts...) }
}

// WithTransportConfig lets the caller adjust the transport's Config built
// from the configuration's interfaces-config and multi-threading maps
// (ports as kea-dhcp4 -p/-P, SendToSource for tests, queue sizes).
func WithTransportConfig(f func(*Config)) ServerOption {
	return func(o *serverOptions) { o.transport = f }
}

// WithServerIdentifiers adds addresses the server accepts as its own in
// the server identifier option (54) of requests, besides the addresses of
// the receiving interface, the request's destination address and the
// dhcp-server-identifier values of the configuration.
func WithServerIdentifiers(addrs ...netip.Addr) ServerOption {
	return func(o *serverOptions) { o.serverIDs = append(o.serverIDs, addrs...) }
}

// NewServer returns a server for cfg (a committed DHCPv4 configuration)
// storing leases in leases. It builds the allocation engine, the subnet
// index, the host configuration source and a Transport for the
// configuration's interfaces-config (see ConfigFromKea and
// WithTransportConfig); nothing is opened until Serve or ServeConn.
func NewServer(cfg *cfgmgr.Config, leases leasemgr.Manager, opts ...ServerOption) (*Server, error) {
	if cfg == nil {
		return nil, errors.New("dhcp4srv: nil configuration")
	}
	if cfg.Family != option.V4 {
		return nil, errors.New("dhcp4srv: not a DHCPv4 configuration")
	}
	if leases == nil {
		return nil, errors.New("dhcp4srv: nil lease manager")
	}
	var o serverOptions
	for _, f := range opts {
		f(&o)
	}
	s := &Server{
		leases:    leases,
		hosts:     o.hosts,
		stats:     o.stats,
		log:       o.log,
		now:       o.now,
		names:     o.names,
		observer:  o.observer,
		serverIDs: o.serverIDs,
		warn:      map[string]struct{}{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.hosts == nil {
		s.hosts = hostmgr.NewManager(nil, hostmgr.ManagerOptions{})
	}
	s.stDrop = s.stats.Int(StatPkt4ReceiveDrop)
	s.pool.New = func() any { return new(exchange) }

	eopts := []alloc.Option{
		alloc.WithStats(s.stats),
		alloc.WithLogger(s.log),
		alloc.WithClock(s.now),
		alloc.WithHooks(s.engineHooks(o.hooks)),
	}
	if o.registry != nil {
		eopts = append(eopts, alloc.WithRegistry(o.registry))
	}
	eopts = append(eopts, o.engineOpts...)
	e, err := alloc.NewEngine(leases, s.hosts, eopts...)
	if err != nil {
		return nil, fmt.Errorf("dhcp4srv: %w", err)
	}
	s.engine = e
	if err := s.Reconfigure(cfg); err != nil {
		return nil, err
	}
	tcfg := ConfigFromKea(cfg.Interfaces, cfg.MultiThreading)
	if o.transport != nil {
		o.transport(&tcfg)
	}
	s.transport = NewTransport(tcfg, s, WithLogger(s.log), WithStats(s.stats))
	return s, nil
}

// Engine returns the server's allocation engine (for reclamation and lease
// commands).
func (s *Server) Engine() *alloc.Engine { return s.engine }

// Hosts returns the server's host reservation manager.
func (s *Server) Hosts() *hostmgr.Manager { return s.hosts }

// Leases returns the server's lease store.
func (s *Server) Leases() leasemgr.Manager { return s.leases }

// Config returns the configuration new requests are handled with.
func (s *Server) Config() *cfgmgr.Config { return s.snap.Load().cfg }

// Transport returns the server's transport.
func (s *Server) Transport() *Transport { return s.transport }

// Serve serves the configuration's interfaces until ctx is cancelled or
// Shutdown is called (see Transport.Serve).
func (s *Server) Serve(ctx context.Context) error { return s.transport.Serve(ctx) }

// ServeConn serves requests read from pc (see Transport.ServeConn).
func (s *Server) ServeConn(ctx context.Context, pc net.PacketConn) error {
	return s.transport.ServeConn(ctx, pc)
}

// Shutdown stops the transport gracefully (see Transport.Shutdown). The
// lease store is the caller's: close it afterwards.
func (s *Server) Shutdown(ctx context.Context) error { return s.transport.Shutdown(ctx) }

// Reconfigure installs a new committed configuration: the engine's
// per-configuration state, the subnet index, the compiled classes and the
// host configuration source. Requests that started before keep the
// configuration they loaded (for subnet, options and parameters); a request
// whose subnet disappears from the engine in between is handled again with
// the new configuration, so no request is dropped because of the swap.
// On error nothing changes. Interface and socket settings are not
// reconfigured: they take a new Transport.
func (s *Server) Reconfigure(cfg *cfgmgr.Config) error {
	if cfg == nil || cfg.Family != option.V4 {
		return errors.New("dhcp4srv: not a DHCPv4 configuration")
	}
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	snap, src, err := s.buildSnapshot(cfg)
	if err != nil {
		return err
	}
	if err := s.configureHooks(cfg); err != nil {
		return err
	}
	if err := s.engine.Configure(cfg); err != nil {
		return fmt.Errorf("dhcp4srv: configure engine: %w", err)
	}
	s.hosts.SetPrimary(src)
	s.snap.Store(snap)
	return nil
}

func (s *Server) buildSnapshot(cfg *cfgmgr.Config) (*snapshot, *hostmgr.CfgHosts, error) {
	src, err := hostmgr.NewConfigSource(cfg.IPReservationsUnique(), cfg.AllHosts()...)
	if err != nil {
		return nil, nil, fmt.Errorf("dhcp4srv: reservations: %w", err)
	}
	snap := &snapshot{
		cfg:        cfg,
		index:      subnetselect.New4(cfg),
		serverIDs:  map[netip.Addr]struct{}{},
		sanitizers: map[*cfgmgr.Subnet4]*sanitizer{},
	}
	var ignored map[string]error
	snap.classes, ignored = compileClasses(cfg)
	for name, err := range ignored {
		if _, ok := s.warn[name]; ok {
			continue
		}
		s.warn[name] = struct{}{}
		s.log.Warn("dhcp4srv: client class test does not compile, class is only assigned by reservations",
			"class", name, "err", err)
	}
	for _, name := range cfg.HostReservationIdentifiers() {
		t, err := hostmgr.ParseIdentifierType(name)
		if err != nil {
			return nil, nil, fmt.Errorf("dhcp4srv: host-reservation-identifiers: %w", err)
		}
		if t == hostmgr.IdentFlexID {
			continue // needs the flex-id hook
		}
		snap.idTypes = append(snap.idTypes, t)
	}
	addIDs := func(l []option.Data) {
		for _, d := range l {
			if d.Space == option.SpaceDHCP4 && d.Code == 54 && len(d.Wire) == 4 {
				snap.serverIDs[netip.AddrFrom4([4]byte(d.Wire))] = struct{}{}
			}
		}
	}
	addIDs(cfg.Options)
	for _, c := range cfg.ClientClasses {
		addIDs(c.Options)
	}
	for _, n := range cfg.SharedNetworks4 {
		addIDs(n.Options)
	}
	res := map[[2]string]*sanitizer{}
	for _, sn := range cfg.Subnets4 {
		addIDs(sn.Options)
		for _, p := range sn.Pools {
			addIDs(p.Options)
		}
		key := [2]string{sn.HostnameCharSet(), sn.HostnameCharReplacement()}
		z, ok := res[key]
		if !ok {
			z = &sanitizer{repl: key[1]}
			if key[0] != "" {
				re, err := regexp.Compile(key[0])
				if err != nil {
					return nil, nil, fmt.Errorf("dhcp4srv: subnet %d: hostname-char-set: %w", sn.ID, err)
				}
				z.re = re
			}
			res[key] = z
		}
		snap.sanitizers[sn] = z
	}
	for _, h := range cfg.AllHosts() {
		addIDs(h.Options4)
	}
	for _, a := range s.serverIDs {
		snap.serverIDs[a.Unmap()] = struct{}{}
	}
	return snap, src, nil
}

// engineHooks wraps the caller's engine hooks with the server's: the
// expire event of the LeaseObserver.
func (s *Server) engineHooks(h alloc.Hooks) alloc.Hooks {
	userExpire := h.Lease4Expire
	if s.observer != nil || userExpire != nil {
		h.Lease4Expire = func(ctx context.Context, l *leasemgr.Lease4, remove bool) alloc.Verdict {
			v := alloc.Continue
			if userExpire != nil {
				v = userExpire(ctx, l, remove)
			}
			if v == alloc.Continue && s.observer != nil {
				s.observer.OnLease4(ctx, LeaseEvent{Kind: LeaseExpire, Old: l.Clone()})
			}
			return v
		}
	}
	return h
}
