package dhcp6srv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/insomniacslk/dhcp/dhcpv6"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/option"
	"github.com/dhcpsrv/dhcpsrv/subnetselect"
)

// ErrNotV6 is returned by NewServer and Reconfigure for a configuration
// that is not a Dhcp6 one.
var ErrNotV6 = errors.New("dhcp6srv: not a DHCPv6 configuration")

// Server is a DHCPv6 server: Kea's Dhcpv6Srv. It answers SOLICIT, REQUEST,
// RENEW, REBIND, RELEASE, DECLINE, CONFIRM and INFORMATION-REQUEST with the
// allocation engine (package alloc), the subnet selection of package
// subnetselect and the reservations of a hostmgr.Manager, and serves them
// on its Transport (Serve, ServeConn) or as a Handler of another one
// (ServeDHCP6).
//
// Its methods are safe for concurrent use. Requests take no server-wide
// lock: each loads the current state (configuration, subnet index, server
// DUID) once and keeps it. Reconfigure installs a new state without holding
// requests up; see Reconfigure.
type Server struct {
	o      *serverOptions
	leases leasemgr.Manager
	engine *alloc.Engine
	hosts  *hostmgr.Manager

	// st is the state new requests load; a request keeps the one it
	// loaded. cfgMu only serializes Reconfigure calls; the packet path
	// never takes it.
	cfgMu sync.Mutex
	st    atomic.Pointer[state]

	tmu sync.Mutex
	tr  *Transport
}

// state is what one configuration gives a request.
type state struct {
	cfg        *cfgmgr.Config
	index      *subnetselect.Index6
	identTypes []hostmgr.IdentifierType
	macSources []uint32
	serverID   []byte
	serverOpt  dhcpv6.Option
	sidConfig  cfgmgr.ServerID
	classes    *classTests // compiled client class tests, nil if none
}

var _ Handler = (*Server)(nil)

// NewServer returns a server for the Dhcp6 configuration cfg, storing
// leases in leases. It creates the allocation engine and installs the
// configuration's reservations, and computes the server's DUID (see
// ServerDUID and WithServerID). It opens no socket until Serve or
// ServeConn.
func NewServer(cfg *cfgmgr.Config, leases leasemgr.Manager, opts ...ServerOption) (*Server, error) {
	if leases == nil {
		return nil, errors.New("dhcp6srv: nil lease manager")
	}
	o := buildServerOptions(opts)
	s := &Server{o: o, leases: leases, hosts: o.hosts}
	if s.hosts == nil {
		s.hosts = hostmgr.NewManager(nil, hostmgr.ManagerOptions{})
	}
	eopts := []alloc.Option{alloc.WithStats(o.stats), alloc.WithLogger(o.log)}
	hooks := o.hooks
	if obs := o.observer; obs != nil {
		user := hooks.Lease6Expire
		hooks.Lease6Expire = func(ctx context.Context, l *leasemgr.Lease6, remove bool) alloc.Verdict {
			if user != nil && user(ctx, l, remove) == alloc.Skip {
				return alloc.Skip
			}
			obs.OnLease6(ctx, LeaseEvent{Kind: LeaseExpire, Old: l})
			return alloc.Continue
		}
	}
	eopts = append(eopts, alloc.WithHooks(hooks))
	eopts = append(eopts, o.engineOpts...)
	eng, err := alloc.NewEngine(leases, s.hosts, eopts...)
	if err != nil {
		return nil, fmt.Errorf("dhcp6srv: %w", err)
	}
	s.engine = eng
	if err := s.Reconfigure(cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// Reconfigure installs a new configuration: the engine's (alloc.Engine
// Configure), a new subnet index, the configuration's reservations as the
// host manager's primary source, and the server DUID when the server-id map
// changed. It also hands cfg to the name handler and lease observer that
// are Configurers, once.
//
// Requests are not held up while it runs: a request uses the state it
// loaded when it started, and those that start before the new state is
// stored use the old one. A request whose subnet the engine no longer has
// (alloc.ErrNoSubnet after the engine switched to the new configuration)
// is handled again with the new state. Concurrent Reconfigure calls are
// serialized. On error the old configuration stays (the Configurers may
// already have seen cfg).
func (s *Server) Reconfigure(cfg *cfgmgr.Config) error {
	if cfg == nil || cfg.Family != option.V6 {
		return ErrNotV6
	}
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	src, err := hostmgr.NewConfigSource(cfg.IPReservationsUnique(), cfg.AllHosts()...)
	if err != nil {
		return fmt.Errorf("dhcp6srv: reservations: %w", err)
	}
	st := &state{cfg: cfg, index: subnetselect.New6(cfg), sidConfig: cfg.ServerID, classes: s.classTests(cfg)}
	for _, name := range cfg.HostReservationIdentifiers() {
		t, err := hostmgr.ParseIdentifierType(name)
		if err != nil {
			return fmt.Errorf("dhcp6srv: host-reservation-identifiers: %w", err)
		}
		if t == hostmgr.IdentHWAddr || t == hostmgr.IdentDUID {
			st.identTypes = append(st.identTypes, t)
		}
	}
	st.macSources = macSources(cfg.Globals.MACSources)

	old := s.st.Load()
	switch {
	case s.o.serverID != nil:
		st.serverID = s.o.serverID
	case old != nil && serverIDEqual(old.sidConfig, cfg.ServerID):
		st.serverID = old.serverID
	default:
		dir := s.o.dataDir
		if !s.o.dataDirSet && cfg.Globals.DataDirectory != nil {
			dir = *cfg.Globals.DataDirectory
		}
		d, err := ServerDUID(cfg.ServerID, dir)
		if err != nil {
			return err
		}
		st.serverID = d
	}
	duid, err := dhcpv6.DUIDFromBytes(st.serverID)
	if err != nil {
		return fmt.Errorf("%w: server DUID %s: %v", ErrBadDUID, FormatDUID(st.serverID), err)
	}
	st.serverOpt = dhcpv6.OptServerID(duid)

	if err := s.configureHooks(cfg); err != nil {
		return err
	}
	// The engine swaps its own state atomically; from here until the
	// Store below, requests holding the old state may find their subnet
	// gone from the engine and are handled again (see ServeDHCP6).
	if err := s.engine.Configure(cfg); err != nil {
		return fmt.Errorf("dhcp6srv: %w", err)
	}
	s.hosts.SetPrimary(src)
	s.st.Store(st)
	return nil
}

func serverIDEqual(a, b cfgmgr.ServerID) bool {
	return a.Type == b.Type && a.Identifier == b.Identifier && a.Time == b.Time &&
		a.HType == b.HType && a.EnterpriseID == b.EnterpriseID && a.Persist == b.Persist
}

// Config returns the configuration in use.
func (s *Server) Config() *cfgmgr.Config { return s.st.Load().cfg }

// Engine returns the server's allocation engine, for lease reclamation
// (Engine.ScheduleReclamation) and lease commands.
func (s *Server) Engine() *alloc.Engine { return s.engine }

// Hosts returns the host manager the server looks reservations up in.
func (s *Server) Hosts() *hostmgr.Manager { return s.hosts }

// Leases returns the lease manager.
func (s *Server) Leases() leasemgr.Manager { return s.leases }

// ServerID returns the server's DUID (the data of its server identifier
// option). The caller must not modify it.
func (s *Server) ServerID() []byte { return s.st.Load().serverID }

// transport returns the server's Transport, creating it on first use.
func (s *Server) transport() *Transport {
	s.tmu.Lock()
	defer s.tmu.Unlock()
	if s.tr == nil {
		cfg := s.Config()
		c := ConfigFromKea(cfg.Interfaces, cfg.MultiThreading)
		for _, f := range s.o.transport {
			f(&c)
		}
		s.tr = NewTransport(c, s, WithLogger(s.o.log), WithStats(s.o.stats))
	}
	return s.tr
}

// Transport returns the transport Serve and ServeConn use.
func (s *Server) Transport() *Transport { return s.transport() }

// Serve listens on the configured interfaces (the configuration's
// interfaces-config, adjusted by WithTransportConfig) and serves until ctx is
// cancelled or Shutdown is called; see Transport.Serve.
func (s *Server) Serve(ctx context.Context) error { return s.transport().Serve(ctx) }

// ServeConn serves requests read from pc; see Transport.ServeConn.
func (s *Server) ServeConn(ctx context.Context, pc net.PacketConn) error {
	return s.transport().ServeConn(ctx, pc)
}

// Shutdown stops serving gracefully; see Transport.Shutdown. The lease
// manager is not closed.
func (s *Server) Shutdown(ctx context.Context) error {
	s.tmu.Lock()
	tr := s.tr
	s.tmu.Unlock()
	if tr == nil {
		return nil
	}
	return tr.Shutdown(ctx)
}

// ServeDHCP6 answers one request: the Handler the server's transport
// calls, and what a program with its own transport (or a test with a
// fake ResponseWriter) calls. The reply, wrapped for the relays when the
// request was relayed, goes to w.Write; invalid or foreign requests get
// none (see the package documentation).
//
// It takes no lock: the request is handled with the state current when it
// starts. If a Reconfigure took its subnet away from the engine meanwhile,
// it is handled once more with Reconfigure held off, so it is never dropped
// for a change of configuration.
func (s *Server) ServeDHCP6(ctx context.Context, w ResponseWriter, req dhcpv6.DHCPv6) {
	msg, relays, err := Decapsulate(req)
	if err != nil {
		s.debug("dhcp6srv: dropped", "reason", err)
		return
	}
	x := exchangePool.Get().(*exchange)
	defer x.free()
	x.s, x.st, x.w, x.req, x.msg, x.relays = s, s.st.Load(), w, req, msg, relays
	reply := x.process(ctx)
	if reply == retryReply {
		// The configuration changed under the request (rare). Handle it
		// again while holding off Reconfigure, so the engine and the state
		// agree and the request cannot be chased by further
		// reconfigurations.
		s.cfgMu.Lock()
		x.reset()
		x.s, x.st, x.w, x.req, x.msg, x.relays = s, s.st.Load(), w, req, msg, relays
		reply = x.process(ctx)
		s.cfgMu.Unlock()
		if reply == retryReply {
			return // cannot happen: nothing changes while cfgMu is held
		}
	}
	if reply == nil {
		return
	}
	out, err := EncapsulateReply(relays, reply)
	if err != nil {
		return
	}
	if err := w.Write(out); err != nil {
		s.debug("dhcp6srv: write failed", "err", err)
	}
}

func (s *Server) debug(msg string, args ...any) {
	if s.o.log.Enabled(context.Background(), -4) {
		s.o.log.Debug(msg, args...)
	}
}

// retryReply is what process returns (instead of a reply) when the request
// must be handled again with the new state: see stale.
var retryReply = new(dhcpv6.Message)

// stale tells, after the engine answered err, whether the request must be
// handled again: the engine does not know the request's subnet because a
// Reconfigure switched it to a new configuration after the request loaded
// its state.
//
// Reconfigure configures the engine before it publishes the new state, so
// the engine may already run the new configuration while the state a
// request loaded is still the current one: that counts as stale too.
func (x *exchange) stale(err error) bool {
	return errors.Is(err, alloc.ErrNoSubnet) &&
		(x.s.st.Load() != x.st || x.s.engine.Config() != x.st.cfg)
}

var exchangePool = sync.Pool{New: func() any { return new(exchange) }}

// reset clears the exchange for another request (or another attempt),
// keeping the backing arrays of its slices.
func (x *exchange) reset() {
	*x = exchange{ids: x.ids[:0], classes: x.classes[:0]}
}

func (x *exchange) free() {
	x.reset()
	exchangePool.Put(x)
}

// macSources turns Kea's "mac-sources" into HWAddrSource bits in order;
// unknown and unsupported names are ignored. The default ("any") is the
// DUID, the link-local address, then the client link-layer address option.
func macSources(names []string) []uint32 {
	all := []uint32{leasemgr.HWAddrSourceDUID, leasemgr.HWAddrSourceIPv6LinkLocal, leasemgr.HWAddrSourceClientAddrRelayOption}
	if len(names) == 0 {
		return all
	}
	var out []uint32
	for _, n := range names {
		var b uint32
		switch n {
		case "any":
			for _, a := range all {
				if !slices.Contains(out, a) {
					out = append(out, a)
				}
			}
			continue
		case "duid":
			b = leasemgr.HWAddrSourceDUID
		case "ipv6-link-local":
			b = leasemgr.HWAddrSourceIPv6LinkLocal
		case "client-link-addr-option", "rfc6939":
			b = leasemgr.HWAddrSourceClientAddrRelayOption
		default:
			continue
		}
		if !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	return out
}
