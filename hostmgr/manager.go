package hostmgr

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Target selects the sources a Manager operation uses: Kea's
// HostMgrOperationTarget, with the same values.
type Target uint8

// Targets.
const (
	PrimarySource    Target = 1                                // PRIMARY_SOURCE: the configuration (CfgHosts)
	AlternateSources Target = 2                                // ALTERNATE_SOURCES: the hosts databases
	AllSources       Target = PrimarySource | AlternateSources // ALL_SOURCES
)

// String returns "primary", "alternate", "all" or "none".
func (t Target) String() string {
	switch t & AllSources {
	case PrimarySource:
		return "primary"
	case AlternateSources:
		return "alternate"
	case AllSources:
		return "all"
	}
	return "none"
}

// DefaultNegativeCacheSize is the negative cache's bound when
// ManagerOptions.NegativeCacheSize is zero.
const DefaultNegativeCacheSize = 65536

// ManagerOptions configures a Manager. The zero value is a Manager without
// a negative cache.
type ManagerOptions struct {
	// NegativeCacheTTL, when positive, turns on the negative cache: after
	// Get4 or Get6 found no host for (subnet, identifier type, identifier)
	// in any alternate source, the alternates are not asked again for that
	// key until the TTL has passed (the role of Kea's host-cache hook with
	// negative caching). The primary source is always asked.
	NegativeCacheTTL time.Duration
	// NegativeCacheSize bounds the number of remembered absences; the
	// least recently used one is dropped first. Zero means
	// DefaultNegativeCacheSize.
	NegativeCacheSize int
	// Now is the clock of the negative cache; nil means time.Now.
	Now func() time.Time
}

// Manager is Kea's HostMgr: it answers host lookups from a primary source
// (the configuration's CfgHosts) and any number of alternate sources (host
// databases), in that order.
//
// Single-result lookups (Get4, Get6, Get4ByAddress, …) return the first
// host found, trying the primary source and then each alternate in the
// order they were added; an error other than ErrNotFound from a source ends
// the lookup. Collection lookups concatenate the sources' results, primary
// first. Writes go to every targeted source that implements Writer.
//
// A Manager is safe for concurrent use. SetPrimary, AddSource and
// RemoveSources may run while lookups are in flight; a lookup uses the
// sources it saw when it started. WithTarget returns a view of the same
// Manager restricted to some sources.
//
// Unlike Kea's HostMgr it is not a singleton: create one per server with
// NewManager. It is not a DataSource itself because paging crosses sources;
// its paging methods take a Cursor (Kea's source_index and lower_host_id).
type Manager struct {
	st     *managerState
	target Target
}

type managerState struct {
	primary    atomic.Pointer[dsBox]
	alternates atomic.Pointer[[]DataSource]
	mu         sync.Mutex // serializes changes of alternates
	neg        *negCache  // nil when disabled
}

type dsBox struct{ ds DataSource }

// NewManager returns a Manager with primary as its primary source (nil for
// none; see SetPrimary) and no alternate sources. Its target is AllSources.
func NewManager(primary DataSource, opts ManagerOptions) *Manager {
	st := &managerState{}
	if opts.NegativeCacheTTL > 0 {
		size := opts.NegativeCacheSize
		if size <= 0 {
			size = DefaultNegativeCacheSize
		}
		now := opts.Now
		if now == nil {
			now = time.Now
		}
		st.neg = newNegCache(opts.NegativeCacheTTL, size, now)
	}
	m := &Manager{st: st, target: AllSources}
	m.SetPrimary(primary)
	return m
}

// SetPrimary replaces the primary source, typically with the CfgHosts of a
// newly committed configuration (Kea reads it from the current CfgMgr
// configuration). nil removes it.
func (m *Manager) SetPrimary(ds DataSource) {
	if ds == nil {
		m.st.primary.Store(nil)
		return
	}
	m.st.primary.Store(&dsBox{ds})
}

// Primary returns the primary source, or nil.
func (m *Manager) Primary() DataSource {
	if b := m.st.primary.Load(); b != nil {
		return b.ds
	}
	return nil
}

// AddSource appends an alternate source (Kea's HostMgr::addBackend). It
// clears the negative cache, since the new source may know hosts the
// others did not.
func (m *Manager) AddSource(ds DataSource) {
	if ds == nil {
		return
	}
	m.st.mu.Lock()
	defer m.st.mu.Unlock()
	old := m.Alternates()
	next := append(old[:len(old):len(old)], ds)
	m.st.alternates.Store(&next)
	m.ClearNegativeCache()
}

// RemoveSources removes the alternate sources whose Type is typ, or all of
// them when typ is "" (Kea's delBackend and delAllBackends), and returns
// how many it removed. Closing them is the caller's business.
func (m *Manager) RemoveSources(typ string) int {
	m.st.mu.Lock()
	defer m.st.mu.Unlock()
	var keep []DataSource
	old := m.Alternates()
	for _, ds := range old {
		if typ != "" && ds.Type() != typ {
			keep = append(keep, ds)
		}
	}
	m.st.alternates.Store(&keep)
	m.ClearNegativeCache()
	return len(old) - len(keep)
}

// Alternates returns the alternate sources in lookup order. The slice must
// not be modified.
func (m *Manager) Alternates() []DataSource {
	if p := m.st.alternates.Load(); p != nil {
		return *p
	}
	return nil
}

// Target returns the sources this Manager value operates on.
func (m *Manager) Target() Target { return m.target }

// WithTarget returns a view of m that operates on the sources t selects
// (Kea's operation-target). The view shares sources and the negative cache
// with m.
func (m *Manager) WithTarget(t Target) *Manager {
	return &Manager{st: m.st, target: t & AllSources}
}

// ClearNegativeCache forgets every remembered absence.
func (m *Manager) ClearNegativeCache() {
	if m.st.neg != nil {
		m.st.neg.clear()
	}
}

// NegativeCacheLen returns the number of remembered absences.
func (m *Manager) NegativeCacheLen() int {
	if m.st.neg == nil {
		return 0
	}
	return m.st.neg.len()
}

// sources returns the targeted sources: primary first, then alternates.
func (m *Manager) sources() []DataSource {
	var out []DataSource
	if m.target&PrimarySource != 0 {
		if p := m.Primary(); p != nil {
			out = append(out, p)
		}
	}
	if m.target&AlternateSources != 0 {
		out = append(out, m.Alternates()...)
	}
	return out
}

func sourceErr(ds DataSource, op string, err error) error {
	return fmt.Errorf("hostmgr: %s from %s source: %w", op, ds.Type(), err)
}

// Get4 returns the first host with the identifier in the v4 subnet (Kea's
// HostMgr::get4(subnet_id, identifier_type, identifier)).
func (m *Manager) Get4(ctx context.Context, subnetID SubnetID, t IdentifierType, id []byte) (*Host, error) {
	return m.getByIdent(ctx, 4, subnetID, t, id)
}

// Get6 returns the first host with the identifier in the v6 subnet (Kea's
// HostMgr::get6(subnet_id, identifier_type, identifier)).
func (m *Manager) Get6(ctx context.Context, subnetID SubnetID, t IdentifierType, id []byte) (*Host, error) {
	return m.getByIdent(ctx, 6, subnetID, t, id)
}

func getIdentFrom(ctx context.Context, ds DataSource, fam byte, subnetID SubnetID, t IdentifierType, id []byte) (*Host, error) {
	if fam == 4 {
		return ds.Get4(ctx, subnetID, t, id)
	}
	return ds.Get6(ctx, subnetID, t, id)
}

func (m *Manager) getByIdent(ctx context.Context, fam byte, subnetID SubnetID, t IdentifierType, id []byte) (*Host, error) {
	op := "get4"
	if fam == 6 {
		op = "get6"
	}
	if m.target&PrimarySource != 0 {
		if p := m.st.primary.Load(); p != nil {
			h, err := getIdentFrom(ctx, p.ds, fam, subnetID, t, id)
			if err == nil {
				return h, nil
			}
			if !errors.Is(err, ErrNotFound) {
				return nil, sourceErr(p.ds, op, err)
			}
		}
	}
	if m.target&AlternateSources == 0 {
		return nil, ErrNotFound
	}
	alts := m.Alternates()
	if len(alts) == 0 {
		return nil, ErrNotFound
	}
	neg := m.st.neg
	var kb [keyBufLen + 1]byte
	var key []byte
	var gen uint64
	if neg != nil {
		key = negKey(kb[:0], fam, subnetID, t, id)
		var hit bool
		hit, gen = neg.has(key)
		if hit {
			return nil, ErrNotFound
		}
	}
	for _, ds := range alts {
		h, err := getIdentFrom(ctx, ds, fam, subnetID, t, id)
		if err == nil {
			return h, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, sourceErr(ds, op, err)
		}
	}
	if neg != nil {
		neg.add(key, gen)
	}
	return nil, ErrNotFound
}

// Get4Any returns the first host found for the identifiers, tried in order
// in the v4 subnet: the server builds ids from the packet following
// host-reservation-identifiers (by default hw-address, duid, circuit-id,
// client-id) and skips those the packet lacks. Identifiers with an empty
// value are skipped. ErrNotFound if no identifier has a host.
func (m *Manager) Get4Any(ctx context.Context, subnetID SubnetID, ids []Identifier) (*Host, error) {
	return m.getAny(ctx, 4, subnetID, ids)
}

// Get6Any is Get4Any for a v6 subnet (default host-reservation-identifiers:
// hw-address, duid).
func (m *Manager) Get6Any(ctx context.Context, subnetID SubnetID, ids []Identifier) (*Host, error) {
	return m.getAny(ctx, 6, subnetID, ids)
}

func (m *Manager) getAny(ctx context.Context, fam byte, subnetID SubnetID, ids []Identifier) (*Host, error) {
	for _, id := range ids {
		if len(id.Value) == 0 {
			continue
		}
		h, err := m.getByIdent(ctx, fam, subnetID, id.Type, id.Value)
		if err == nil {
			return h, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	return nil, ErrNotFound
}

// first returns the first host a source finds.
func (m *Manager) first(op string, get func(DataSource) (*Host, error)) (*Host, error) {
	for _, ds := range m.sources() {
		h, err := get(ds)
		if err == nil {
			return h, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, sourceErr(ds, op, err)
		}
	}
	return nil, ErrNotFound
}

// Get4ByAddress returns the first host reserving addr in the v4 subnet
// (Kea's HostMgr::get4(subnet_id, address)).
func (m *Manager) Get4ByAddress(ctx context.Context, subnetID SubnetID, addr netip.Addr) (*Host, error) {
	return m.first("get4 by address", func(ds DataSource) (*Host, error) { return ds.Get4ByAddress(ctx, subnetID, addr) })
}

// Get6ByAddress returns the first host reserving addr in the v6 subnet
// (Kea's HostMgr::get6(subnet_id, address)).
func (m *Manager) Get6ByAddress(ctx context.Context, subnetID SubnetID, addr netip.Addr) (*Host, error) {
	return m.first("get6 by address", func(ds DataSource) (*Host, error) { return ds.Get6ByAddress(ctx, subnetID, addr) })
}

// Get6ByPrefix returns the first host reserving the prefix (Kea's
// HostMgr::get6(prefix, prefix_len)).
func (m *Manager) Get6ByPrefix(ctx context.Context, prefix netip.Prefix) (*Host, error) {
	return m.first("get6 by prefix", func(ds DataSource) (*Host, error) { return ds.Get6ByPrefix(ctx, prefix) })
}

// all concatenates the sources' results.
func (m *Manager) all(op string, get func(DataSource) ([]*Host, error)) ([]*Host, error) {
	var out []*Host
	for _, ds := range m.sources() {
		hs, err := get(ds)
		if err != nil {
			return nil, sourceErr(ds, op, err)
		}
		out = append(out, hs...)
	}
	return out, nil
}

// GetAll returns the hosts with the identifier from all targeted sources
// (Kea's HostMgr::getAll(identifier_type, identifier)).
func (m *Manager) GetAll(ctx context.Context, t IdentifierType, id []byte) ([]*Host, error) {
	return m.all("get all", func(ds DataSource) ([]*Host, error) { return ds.GetAll(ctx, t, id) })
}

// GetAll4 returns the hosts of the v4 subnet (Kea's HostMgr::getAll4).
func (m *Manager) GetAll4(ctx context.Context, subnetID SubnetID) ([]*Host, error) {
	return m.all("get all4", func(ds DataSource) ([]*Host, error) { return ds.GetAll4(ctx, subnetID) })
}

// GetAll6 returns the hosts of the v6 subnet (Kea's HostMgr::getAll6).
func (m *Manager) GetAll6(ctx context.Context, subnetID SubnetID) ([]*Host, error) {
	return m.all("get all6", func(ds DataSource) ([]*Host, error) { return ds.GetAll6(ctx, subnetID) })
}

// GetAllByHostname returns the hosts with the hostname, ignoring case
// (Kea's HostMgr::getAllbyHostname).
func (m *Manager) GetAllByHostname(ctx context.Context, hostname string) ([]*Host, error) {
	return m.all("get by hostname", func(ds DataSource) ([]*Host, error) { return ds.GetAllByHostname(ctx, hostname) })
}

// GetAllByHostname4 is GetAllByHostname in a v4 subnet (Kea's
// HostMgr::getAllbyHostname4).
func (m *Manager) GetAllByHostname4(ctx context.Context, hostname string, subnetID SubnetID) ([]*Host, error) {
	return m.all("get by hostname4", func(ds DataSource) ([]*Host, error) { return ds.GetAllByHostname4(ctx, hostname, subnetID) })
}

// GetAllByHostname6 is GetAllByHostname in a v6 subnet (Kea's
// HostMgr::getAllbyHostname6).
func (m *Manager) GetAllByHostname6(ctx context.Context, hostname string, subnetID SubnetID) ([]*Host, error) {
	return m.all("get by hostname6", func(ds DataSource) ([]*Host, error) { return ds.GetAllByHostname6(ctx, hostname, subnetID) })
}

// GetAll4ByAddress returns the hosts reserving addr in any v4 subnet
// (Kea's HostMgr::getAll4(address)).
func (m *Manager) GetAll4ByAddress(ctx context.Context, addr netip.Addr) ([]*Host, error) {
	return m.all("get all4 by address", func(ds DataSource) ([]*Host, error) { return ds.GetAll4ByAddress(ctx, addr) })
}

// GetAll4ByAddressInSubnet returns the hosts reserving addr in the v4
// subnet (Kea's HostMgr::getAll4(subnet_id, address)).
func (m *Manager) GetAll4ByAddressInSubnet(ctx context.Context, subnetID SubnetID, addr netip.Addr) ([]*Host, error) {
	return m.all("get all4 by address", func(ds DataSource) ([]*Host, error) { return ds.GetAll4ByAddressInSubnet(ctx, subnetID, addr) })
}

// GetAll6ByAddress returns the hosts reserving addr in any v6 subnet
// (Kea's HostMgr::getAll6(address)).
func (m *Manager) GetAll6ByAddress(ctx context.Context, addr netip.Addr) ([]*Host, error) {
	return m.all("get all6 by address", func(ds DataSource) ([]*Host, error) { return ds.GetAll6ByAddress(ctx, addr) })
}

// GetAll6ByAddressInSubnet returns the hosts reserving addr in the v6
// subnet (Kea's HostMgr::getAll6(subnet_id, address)).
func (m *Manager) GetAll6ByAddressInSubnet(ctx context.Context, subnetID SubnetID, addr netip.Addr) ([]*Host, error) {
	return m.all("get all6 by address", func(ds DataSource) ([]*Host, error) { return ds.GetAll6ByAddressInSubnet(ctx, subnetID, addr) })
}

// Cursor is a position in a paged walk over a Manager's sources: Kea's
// (source_index, lower_host_id). The zero Cursor starts a walk.
type Cursor struct {
	Source int    // index into the targeted sources, primary first
	HostID uint64 // last HostID returned from that source
}

func (m *Manager) page(pageSize int, c Cursor, get func(ds DataSource, lower uint64) ([]*Host, error)) ([]*Host, Cursor, error) {
	if pageSize <= 0 {
		return nil, c, fmt.Errorf("hostmgr: page size %d: must be positive", pageSize)
	}
	if c.Source < 0 {
		return nil, c, fmt.Errorf("hostmgr: invalid cursor source %d", c.Source)
	}
	srcs := m.sources()
	for i := c.Source; i < len(srcs); i++ {
		lower := uint64(0)
		if i == c.Source {
			lower = c.HostID
		}
		hs, err := get(srcs[i], lower)
		if err != nil {
			return nil, c, sourceErr(srcs[i], "get page", err)
		}
		if len(hs) > 0 {
			return hs, Cursor{Source: i, HostID: hs[len(hs)-1].HostID}, nil
		}
	}
	return nil, Cursor{Source: len(srcs)}, nil
}

// GetPage4 returns the next page of hosts of the v4 subnet and the cursor
// for the page after it (Kea's HostMgr::getPage4(subnet_id, source_index,
// lower_host_id, page_size)). A page holds hosts of one source; an empty
// page ends the walk.
func (m *Manager) GetPage4(ctx context.Context, subnetID SubnetID, c Cursor, pageSize int) ([]*Host, Cursor, error) {
	return m.page(pageSize, c, func(ds DataSource, lower uint64) ([]*Host, error) {
		return ds.GetPage4(ctx, subnetID, lower, pageSize)
	})
}

// GetPage6 is GetPage4 for a v6 subnet (Kea's HostMgr::getPage6).
func (m *Manager) GetPage6(ctx context.Context, subnetID SubnetID, c Cursor, pageSize int) ([]*Host, Cursor, error) {
	return m.page(pageSize, c, func(ds DataSource, lower uint64) ([]*Host, error) {
		return ds.GetPage6(ctx, subnetID, lower, pageSize)
	})
}

// GetPageAll4 pages through the hosts with a v4 part in all subnets (Kea's
// HostMgr::getPage4(source_index, lower_host_id, page_size)).
func (m *Manager) GetPageAll4(ctx context.Context, c Cursor, pageSize int) ([]*Host, Cursor, error) {
	return m.page(pageSize, c, func(ds DataSource, lower uint64) ([]*Host, error) {
		return ds.GetPageAll4(ctx, lower, pageSize)
	})
}

// GetPageAll6 pages through the hosts with a v6 part in all subnets.
func (m *Manager) GetPageAll6(ctx context.Context, c Cursor, pageSize int) ([]*Host, Cursor, error) {
	return m.page(pageSize, c, func(ds DataSource, lower uint64) ([]*Host, error) {
		return ds.GetPageAll6(ctx, lower, pageSize)
	})
}

// writers returns the targeted sources that implement Writer.
func (m *Manager) writers(op string) ([]DataSource, error) {
	var out []DataSource
	for _, ds := range m.sources() {
		if _, ok := ds.(Writer); ok {
			out = append(out, ds)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("hostmgr: %s: no writable source in target %s: %w", op, m.target, ErrReadOnly)
	}
	return out, nil
}

// forget drops cached absences that a write may have made wrong.
func (m *Manager) forget(h *Host) {
	neg := m.st.neg
	if neg == nil {
		return
	}
	var kb [keyBufLen + 1]byte
	if h.HasV4Part() {
		neg.remove(negKey(kb[:0], 4, h.SubnetID4, h.IdentifierType, h.Identifier))
	}
	if h.HasV6Part() {
		neg.remove(negKey(kb[:0], 6, h.SubnetID6, h.IdentifierType, h.Identifier))
	}
}

// Add adds h to every targeted source that implements Writer (Kea's
// HostMgr::add(host, target)); use WithTarget to choose, for example
// AlternateSources as Kea's reservation-add does by default. It is not
// atomic across sources: on an error, the sources before the failing one
// keep the host. ErrReadOnly if no targeted source is writable.
func (m *Manager) Add(ctx context.Context, h *Host) error {
	if err := h.Validate(); err != nil {
		return err
	}
	ws, err := m.writers("add")
	if err != nil {
		return err
	}
	defer m.forget(h)
	for _, ds := range ws {
		if err := ds.(Writer).Add(ctx, h); err != nil {
			return sourceErr(ds, "add", err)
		}
	}
	return nil
}

// Update updates h in every targeted writable source that has it (Kea's
// HostMgr::update(host, target)). ErrNotFound if none had it.
func (m *Manager) Update(ctx context.Context, h *Host) error {
	if err := h.Validate(); err != nil {
		return err
	}
	defer m.forget(h)
	return m.delOrUpdate("update", func(w Writer) error { return w.Update(ctx, h) })
}

// Del removes the hosts reserving addr in the subnet from every targeted
// writable source (Kea's HostMgr::del(subnet_id, address, target)).
// ErrNotFound if no source had one.
func (m *Manager) Del(ctx context.Context, subnetID SubnetID, addr netip.Addr) error {
	return m.delOrUpdate("delete", func(w Writer) error { return w.Del(ctx, subnetID, addr) })
}

// Del4 removes the host with the identifier in the v4 subnet from every
// targeted writable source (Kea's HostMgr::del4). ErrNotFound if no source
// had it.
func (m *Manager) Del4(ctx context.Context, subnetID SubnetID, t IdentifierType, id []byte) error {
	defer m.forget(&Host{IdentifierType: t, Identifier: id, SubnetID4: subnetID, SubnetID6: SubnetIDUnused})
	return m.delOrUpdate("delete4", func(w Writer) error { return w.Del4(ctx, subnetID, t, id) })
}

// Del6 removes the host with the identifier in the v6 subnet from every
// targeted writable source (Kea's HostMgr::del6). ErrNotFound if no source
// had it.
func (m *Manager) Del6(ctx context.Context, subnetID SubnetID, t IdentifierType, id []byte) error {
	defer m.forget(&Host{IdentifierType: t, Identifier: id, SubnetID4: SubnetIDUnused, SubnetID6: subnetID})
	return m.delOrUpdate("delete6", func(w Writer) error { return w.Del6(ctx, subnetID, t, id) })
}

func (m *Manager) delOrUpdate(op string, do func(Writer) error) error {
	ws, err := m.writers(op)
	if err != nil {
		return err
	}
	done := false
	for _, ds := range ws {
		err := do(ds.(Writer))
		switch {
		case err == nil:
			done = true
		case errors.Is(err, ErrNotFound):
		default:
			return sourceErr(ds, op, err)
		}
	}
	if !done {
		return fmt.Errorf("hostmgr: %s: %w", op, ErrNotFound)
	}
	return nil
}

// SetIPReservationsUnique applies ip-reservations-unique to every source,
// primary and alternates, whatever the target (Kea's
// HostMgr::setIPReservationsUnique). A source that does not implement
// IPReservationsUniqueSetter accepts only true; the error then names it
// and matches ErrNotSupported. Sources that accepted keep the setting.
func (m *Manager) SetIPReservationsUnique(unique bool) error {
	var errs []error
	for _, ds := range m.WithTarget(AllSources).sources() {
		if s, ok := ds.(IPReservationsUniqueSetter); ok {
			if err := s.SetIPReservationsUnique(unique); err != nil {
				errs = append(errs, sourceErr(ds, "set ip-reservations-unique", err))
			}
		} else if !unique {
			errs = append(errs, fmt.Errorf("hostmgr: %s source supports only unique IP reservations: %w", ds.Type(), ErrNotSupported))
		}
	}
	return errors.Join(errs...)
}
