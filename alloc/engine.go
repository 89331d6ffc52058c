package alloc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/option"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

// HostSource is what the engine needs of the host reservations: the subset
// of *hostmgr.Manager (and of any hostmgr.DataSource plus Get4Any/Get6Any)
// that it calls. A nil HostSource means no reservations besides none.
type HostSource interface {
	// Get4Any returns the first host of the v4 subnet (0 = global) found
	// for the identifiers, tried in order; hostmgr.ErrNotFound if none.
	Get4Any(ctx context.Context, subnetID hostmgr.SubnetID, ids []hostmgr.Identifier) (*hostmgr.Host, error)
	// Get6Any is Get4Any for a v6 subnet.
	Get6Any(ctx context.Context, subnetID hostmgr.SubnetID, ids []hostmgr.Identifier) (*hostmgr.Host, error)
	// GetAll4ByAddressInSubnet returns the hosts reserving addr in the v4
	// subnet.
	GetAll4ByAddressInSubnet(ctx context.Context, subnetID hostmgr.SubnetID, addr netip.Addr) ([]*hostmgr.Host, error)
	// GetAll6ByAddressInSubnet returns the hosts reserving addr (an address
	// or the first address of a prefix) in the v6 subnet.
	GetAll6ByAddressInSubnet(ctx context.Context, subnetID hostmgr.SubnetID, addr netip.Addr) ([]*hostmgr.Host, error)
}

var _ HostSource = (*hostmgr.Manager)(nil)

// AllocatorFunc builds the allocator of one subnet and lease type from the
// name configured in "allocator" or "pd-allocator".
type AllocatorFunc func(name string, spec Spec) (Allocator, error)

// Option configures an Engine.
type Option func(*Engine)

// WithStats makes the engine keep Kea's statistics in m (default: none).
func WithStats(m *stats.Manager) Option { return func(e *Engine) { e.stats = m } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(e *Engine) {
		if l != nil {
			e.log = l
		}
	}
}

// WithClock sets the engine's clock (default time.Now). Lease times are
// taken from it, at one-second granularity.
func WithClock(now func() time.Time) Option {
	return func(e *Engine) {
		if now != nil {
			e.now = now
		}
	}
}

// WithHooks installs hook callbacks.
func WithHooks(h Hooks) Option { return func(e *Engine) { e.hooks = h } }

// WithAllocators sets how allocators are built from their configured name
// (default: NewAllocator, the built-in allocators).
func WithAllocators(f AllocatorFunc) Option { return func(e *Engine) { e.allocators = f } }

// WithRegistry builds allocators from r instead of the built-in ones.
func WithRegistry(r *Registry) Option {
	return func(e *Engine) {
		if r != nil {
			e.allocators = r.New
		}
	}
}

// WithAttempts bounds the candidates tried per subnet (Kea's AllocEngine
// attempts; 0, the default, means bounded only by the pools' capacity).
func WithAttempts(n uint64) Option { return func(e *Engine) { e.attempts = n } }

// Engine is the allocation engine (Kea's AllocEngine): it turns DHCP
// requests into leases following Kea's decision orders. It is safe for
// concurrent use by many goroutines; see the package documentation for the
// concurrency contract.
type Engine struct {
	leases     leasemgr.Manager
	hosts      HostSource
	stats      *stats.Manager
	log        *slog.Logger
	now        func() time.Time
	hooks      Hooks
	allocators AllocatorFunc
	attempts   uint64

	res   Resources
	state atomic.Pointer[state]
	cfgMu sync.Mutex // serializes Configure, never taken on the packet path

	cycles4, cycles6 reclaimCycles
}

// NewEngine returns an engine writing leases to leases and reading
// reservations from hosts (which may be nil). Call Configure before use.
func NewEngine(leases leasemgr.Manager, hosts HostSource, opts ...Option) (*Engine, error) {
	if leases == nil {
		return nil, fmt.Errorf("%w: nil lease manager", ErrBadRequest)
	}
	e := &Engine{
		leases: leases,
		hosts:  hosts,
		log:    slog.New(slog.DiscardHandler),
		now:    time.Now,
	}
	for _, o := range opts {
		o(e)
	}
	if e.allocators == nil {
		e.allocators = NewAllocator
	}
	return e, nil
}

// Resources returns the engine's in-flight resource set.
func (e *Engine) Resources() *Resources { return &e.res }

// Config returns the configuration in use (nil before Configure).
func (e *Engine) Config() *cfgmgr.Config {
	if st := e.state.Load(); st != nil {
		return st.cfg
	}
	return nil
}

// state is what the engine derives from one committed configuration. It is
// immutable once published, except for atomics (usage times, refs).
type state struct {
	cfg       *cfgmgr.Config
	v4        map[cfgmgr.SubnetID]*subnet4
	v6        map[cfgmgr.SubnetID]*subnet6
	classes   map[string]*cfgmgr.ClientClass
	affinity  bool
	probation uint32
	unique    bool
	g         globalStats

	refs    atomic.Int64
	retired atomic.Bool
	closed  atomic.Bool
}

// acquire pins the state for one request.
func (e *Engine) acquire() (*state, error) {
	for {
		st := e.state.Load()
		if st == nil {
			return nil, ErrNotConfigured
		}
		st.refs.Add(1)
		if e.state.Load() == st {
			return st, nil
		}
		st.release() // swapped meanwhile: take the new one
	}
}

func (st *state) release() {
	if st.refs.Add(-1) == 0 && st.retired.Load() {
		st.close()
	}
}

// close closes the allocators that implement io.Closer, once.
func (st *state) close() {
	if !st.closed.CompareAndSwap(false, true) {
		return
	}
	for _, s := range st.v4 {
		closeAllocator(s.alloc)
	}
	for _, s := range st.v6 {
		for _, a := range s.alloc {
			closeAllocator(a)
		}
	}
}

func closeAllocator(a Allocator) {
	if c, ok := a.(io.Closer); ok && a != nil {
		_ = c.Close()
	}
}

// subnet4 is the engine's view of a v4 subnet: effective parameters
// resolved once, its allocator and its statistics handles.
type subnet4 struct {
	cfg      *cfgmgr.Subnet4
	id       cfgmgr.SubnetID
	alloc    Allocator
	net      []*subnet4 // the shared network's subnets by ascending id, or just this one
	netIdx   int
	netName  string
	guard    string
	matchCID bool
	resGlob  bool
	resIn    bool
	resOOP   bool
	valid    cfgmgr.Triplet
	offer    uint32
	cacheThr float64
	maxAge   uint32
	hasAge   bool
	excl24   bool

	lastAlloc atomic.Int64 // unix nanos of the last dynamic allocation
	st        subnetStats
}

// pool4 returns the pool of the subnet holding addr that the classes may
// use (classes nil: any pool), or nil.
func (s *subnet4) pool(addr netip.Addr, classes ClientClasses, anyClass bool) *cfgmgr.Pool4 {
	for _, p := range s.cfg.Pools {
		if addr.Compare(p.First) >= 0 && addr.Compare(p.Last) <= 0 {
			if anyClass || classes.Allows(p.ClientClass) {
				return p
			}
		}
	}
	return nil
}

// Configure builds the engine's per-configuration state from a committed
// configuration (allocators per subnet and lease type, resolved parameters,
// statistics handles), recounts the lease statistics and swaps the state in
// atomically. Requests in flight finish with the state they started with;
// the old allocators that implement io.Closer are closed once those
// requests are done. On error the engine keeps its previous state.
func (e *Engine) Configure(cfg *cfgmgr.Config) error {
	if cfg == nil {
		return fmt.Errorf("%w: nil configuration", ErrBadRequest)
	}
	e.cfgMu.Lock()
	defer e.cfgMu.Unlock()
	st, err := e.build(cfg)
	if err != nil {
		st.close()
		return err
	}
	old := e.state.Load()
	e.dropStats(old, st)
	e.initStats(st)
	if err := e.recount(context.Background(), st); err != nil {
		e.log.Warn("alloc: lease statistics recount failed", "error", err)
	}
	e.state.Store(st)
	if old != nil {
		old.retired.Store(true)
		if old.refs.Load() == 0 {
			old.close()
		}
	}
	return nil
}

func (e *Engine) build(cfg *cfgmgr.Config) (*state, error) {
	st := &state{
		cfg:       cfg,
		v4:        make(map[cfgmgr.SubnetID]*subnet4, len(cfg.Subnets4)),
		v6:        make(map[cfgmgr.SubnetID]*subnet6, len(cfg.Subnets6)),
		classes:   make(map[string]*cfgmgr.ClientClass, len(cfg.ClientClasses)),
		affinity:  cfg.ExpiredLeases.FlushReclaimedTimerWaitTime != 0 && cfg.ExpiredLeases.HoldReclaimedTime != 0,
		probation: cfg.DeclineProbationPeriod(),
		unique:    cfg.IPReservationsUnique(),
	}
	for _, c := range cfg.ClientClasses {
		if _, dup := st.classes[c.Name]; !dup {
			st.classes[c.Name] = c
		}
	}
	if cfg.Family != option.V6 {
		for _, s := range cfg.Subnets4 {
			ss, err := e.buildSubnet4(cfg, s)
			if ss != nil {
				st.v4[s.ID] = ss
			}
			if err != nil {
				return st, err
			}
		}
		for _, s := range st.v4 {
			if s.cfg.Network == nil {
				s.net = []*subnet4{s}
				continue
			}
			for _, sib := range s.cfg.Network.Subnets {
				if x := st.v4[sib.ID]; x != nil {
					s.net = append(s.net, x)
				}
			}
			slices.SortFunc(s.net, func(a, b *subnet4) int { return cmpID(a.id, b.id) })
			s.netIdx = slices.Index(s.net, s)
			s.netName = s.cfg.Network.Name
		}
	}
	if cfg.Family == option.V6 {
		for _, s := range cfg.Subnets6 {
			ss, err := e.buildSubnet6(cfg, s)
			if ss != nil {
				st.v6[s.ID] = ss
			}
			if err != nil {
				return st, err
			}
		}
		for _, s := range st.v6 {
			if s.cfg.Network == nil {
				s.net = []*subnet6{s}
				continue
			}
			for _, sib := range s.cfg.Network.Subnets {
				if x := st.v6[sib.ID]; x != nil {
					s.net = append(s.net, x)
				}
			}
			slices.SortFunc(s.net, func(a, b *subnet6) int { return cmpID(a.id, b.id) })
			s.netIdx = slices.Index(s.net, s)
			s.netName = s.cfg.Network.Name
		}
	}
	return st, nil
}

func cmpID(a, b cfgmgr.SubnetID) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (e *Engine) newAllocator(name string, spec Spec) (Allocator, error) {
	if len(spec.Pools) == 0 {
		return nil, nil
	}
	a, err := e.allocators(name, spec)
	if err != nil {
		return nil, fmt.Errorf("alloc: subnet %d: %s allocator %q: %w", spec.SubnetID, spec.Type, name, err)
	}
	if a == nil {
		return nil, fmt.Errorf("alloc: subnet %d: %s allocator %q: factory returned nil", spec.SubnetID, spec.Type, name)
	}
	return a, nil
}

func (e *Engine) buildSubnet4(cfg *cfgmgr.Config, s *cfgmgr.Subnet4) (*subnet4, error) {
	ss := &subnet4{
		cfg:      s,
		id:       s.ID,
		guard:    s.ClientClass(),
		matchCID: s.MatchClientID(),
		resGlob:  s.ReservationsGlobal(),
		resIn:    s.ReservationsInSubnet(),
		resOOP:   s.ReservationsOutOfPool(),
		valid:    s.ValidLifetime(),
		excl24:   cfg.Compatibility.ExcludeFirstLast24 && s.Prefix.Bits() <= 24,
	}
	ss.offer, _ = s.OfferLifetime()
	ss.cacheThr, _ = s.CacheThreshold()
	ss.maxAge, ss.hasAge = s.CacheMaxAge()
	a, err := e.newAllocator(s.Allocator(), Spec{SubnetID: uint32(s.ID), Type: leasemgr.TypeV4, Pools: PoolsOf4(s), Leases: e.leases})
	ss.alloc = a
	return ss, err
}

// capacity returns how many candidates to try in a subnet.
func (e *Engine) maxAttempts(a Allocator, classes ClientClasses) uint64 {
	if a == nil {
		return 0
	}
	n := a.Capacity(classes)
	if e.attempts != 0 && e.attempts < n {
		n = e.attempts
	}
	return n
}

func (e *Engine) nowUnix() int64 { return e.now().Unix() }

// isNotFound reports a lease or host "not found".
func isNotFound(err error) bool {
	return errors.Is(err, leasemgr.ErrNotFound) || errors.Is(err, hostmgr.ErrNotFound)
}
