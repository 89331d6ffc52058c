package memfile

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// Config configures a memfile Manager. The zero value (plus a Universe)
// is Kea's default memfile with the lease file in the current directory and
// no automatic cleanup.
type Config struct {
	// Universe is leasemgr.V4 or leasemgr.V6, the family of the single
	// lease file; 0 serves both families with one file each (tests, tools).
	Universe leasemgr.Universe
	// Dir holds the lease files whose Name has no directory part (Kea's
	// data directory). Empty means the current directory.
	Dir string
	// Name is the lease file (Kea's "name"): default kea-leases4.csv or
	// kea-leases6.csv in Dir. Only with a single Universe.
	Name string
	// InMemory keeps leases in memory only (Kea's "persist": false). Leases
	// are lost when the Manager closes.
	InMemory bool
	// MaxRowErrors is how many bad rows a lease file may have (Kea's
	// "max-row-errors"); 0 means any number. Bad rows are skipped and
	// reported by RowErrors; beyond the limit Open fails with a *LoadError.
	MaxRowErrors int
	// LFCInterval runs a lease file cleanup this often in the background
	// (Kea's "lfc-interval"); 0 means never (call Compact yourself, e.g.
	// from the server's timer).
	LFCInterval time.Duration
	// Schema is the file format written; both formats are always read. A
	// file found in the other format is cleaned up (rewritten) on Open, as
	// Kea does.
	Schema Schema
	// Durability is what an acknowledged change survives (default: a
	// crash of the process).
	Durability Durability
	// Logger receives load reports and cleanup results; nil discards them.
	Logger *slog.Logger
}

// Manager is the memfile lease backend: every lease in memory, indexed for
// each query, every change appended to a Kea-compatible CSV lease file
// before it is visible or acknowledged.
//
// It is safe for concurrent use. Reads run in parallel; changes are
// serialized per family (v4, v6), and a change holds the lock that readers
// wait for only while it updates memory, not while it writes the file.
// Only one Manager (or Kea server) may use a lease file at a time.
type Manager struct {
	cfg      Config
	v4       *store[uint32, leasemgr.Lease4]
	v6       *store[key6, leasemgr.Lease6]
	watchers watchers
	stop     context.CancelFunc
	wg       sync.WaitGroup
}

var (
	_ leasemgr.Manager      = (*Manager)(nil)
	_ leasemgr.Watcher      = (*Manager)(nil)
	_ leasemgr.StatsCounter = (*Manager)(nil)
	_ leasemgr.Compactor    = (*Manager)(nil)
)

func init() {
	leasemgr.Register("memfile", func(ctx context.Context, p leasemgr.Params) (leasemgr.Manager, error) {
		cfg, err := ConfigFromParams(p)
		if err != nil {
			return nil, err
		}
		return Open(ctx, cfg)
	})
}

// ConfigFromParams builds a Config from Kea's lease-database map (type
// "memfile"): persist, name, lfc-interval (default 3600 as in Kea),
// max-row-errors, and the keys Kea accepts for memfile without effect
// (max-reconnect-tries and reconnect-wait-time, which must be 0, on-fail,
// retry-on-startup, extended-info-tables). Two keys are ours: "schema"
// ("2.2" to write Kea 2.2's format, "latest" by default) and "durability"
// ("flush" by default, or "fsync").
func ConfigFromParams(p leasemgr.Params) (Config, error) {
	cfg := Config{Universe: p.Universe, Dir: p.DataDir, Logger: p.Logger, LFCInterval: time.Hour}
	fail := func(err error) (Config, error) { return Config{}, fmt.Errorf("memfile: %w", err) }
	if err := p.CheckKeys("type", "persist", "name", "lfc-interval", "max-row-errors", "max-reconnect-tries",
		"reconnect-wait-time", "on-fail", "retry-on-startup", "extended-info-tables", "schema", "durability"); err != nil {
		return fail(err)
	}
	if b, ok, err := p.Bool("persist"); err != nil {
		return fail(err)
	} else if ok {
		cfg.InMemory = !b
	}
	if s, _, err := p.String("name"); err != nil {
		return fail(err)
	} else {
		cfg.Name = s
	}
	if n, ok, err := p.Int("lfc-interval", 0, 1<<32-1); err != nil {
		return fail(err)
	} else if ok {
		cfg.LFCInterval = time.Duration(n) * time.Second
	}
	if n, _, err := p.Int("max-row-errors", 0, 1<<32-1); err != nil {
		return fail(err)
	} else {
		cfg.MaxRowErrors = int(n)
	}
	for _, k := range []string{"max-reconnect-tries", "reconnect-wait-time"} {
		if _, _, err := p.Int(k, 0, 0); err != nil {
			return fail(fmt.Errorf("%w (memfile does not reconnect)", err))
		}
	}
	if _, _, err := p.String("on-fail"); err != nil {
		return fail(err)
	}
	for _, k := range []string{"retry-on-startup", "extended-info-tables"} {
		if _, _, err := p.Bool(k); err != nil {
			return fail(err)
		}
	}
	switch s, _, err := p.String("schema"); {
	case err != nil:
		return fail(err)
	case s == "" || s == "latest" || s == "2.4":
		cfg.Schema = SchemaLatest
	case s == "2.2":
		cfg.Schema = Schema22
	default:
		return fail(fmt.Errorf("%w: lease-database/schema: %q (want \"2.2\" or \"latest\")", leasemgr.ErrInvalid, s))
	}
	switch s, _, err := p.String("durability"); {
	case err != nil:
		return fail(err)
	case s == "" || s == "flush":
		cfg.Durability = FlushEachChange
	case s == "fsync":
		cfg.Durability = SyncGroupCommit
	default:
		return fail(fmt.Errorf("%w: lease-database/durability: %q (want \"flush\" or \"fsync\")", leasemgr.ErrInvalid, s))
	}
	return cfg, nil
}

// Path returns the lease file of a family ("" if not persisted or not
// served).
func (c Config) Path(u leasemgr.Universe) string {
	if c.InMemory || (c.Universe != 0 && c.Universe != u) {
		return ""
	}
	name := c.Name
	if name == "" || c.Universe == 0 {
		name = family4.defName
		if u == leasemgr.V6 {
			name = family6.defName
		}
	}
	if filepath.Base(name) == name {
		name = filepath.Join(c.Dir, name)
	}
	return name
}

// Open loads the lease files and returns a Manager ready to serve. Loading
// follows Kea's order (<file>.completed, else <file>.2 then <file>.1;
// then <file>), the last row of an address wins and a row with valid
// lifetime 0 deletes it. Open fails while a lease file cleanup (kea-lfc)
// runs on the files.
func Open(ctx context.Context, cfg Config) (*Manager, error) {
	switch {
	case cfg.Universe != 0 && cfg.Universe != leasemgr.V4 && cfg.Universe != leasemgr.V6:
		return nil, fmt.Errorf("memfile: %w: universe %d", leasemgr.ErrInvalid, cfg.Universe)
	case cfg.Universe == 0 && cfg.Name != "":
		return nil, fmt.Errorf("memfile: %w: a file name needs a single universe", leasemgr.ErrInvalid)
	case cfg.MaxRowErrors < 0 || cfg.LFCInterval < 0 || cfg.Schema > Schema22 || cfg.Durability > SyncGroupCommit:
		return nil, fmt.Errorf("memfile: %w: bad config %+v", leasemgr.ErrInvalid, cfg)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m := &Manager{cfg: cfg}
	if cfg.Universe != leasemgr.V6 {
		m.v4 = &store[uint32, leasemgr.Lease4]{f: family4, cfg: &m.cfg, log: log, path: cfg.Path(leasemgr.V4), schema: cfg.Schema, w: &m.watchers}
		if err := m.v4.open(ctx); err != nil {
			return nil, err
		}
	}
	if cfg.Universe != leasemgr.V4 {
		m.v6 = &store[key6, leasemgr.Lease6]{f: family6, cfg: &m.cfg, log: log, path: cfg.Path(leasemgr.V6), schema: cfg.Schema, w: &m.watchers}
		if err := m.v6.open(ctx); err != nil {
			if m.v4 != nil {
				m.v4.close()
			}
			return nil, err
		}
	}
	bg, stop := context.WithCancel(context.Background())
	m.stop = stop
	if cfg.LFCInterval > 0 && !cfg.InMemory {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			t := time.NewTicker(cfg.LFCInterval)
			defer t.Stop()
			for {
				select {
				case <-bg.Done():
					return
				case <-t.C:
					m.Compact(bg) // errors are logged
				}
			}
		}()
	}
	return m, nil
}

// RowErrors returns the bad rows Open skipped (at most 100 per file).
func (m *Manager) RowErrors() []RowError {
	var out []RowError
	if m.v4 != nil {
		out = append(out, m.v4.rowErrors...)
	}
	if m.v6 != nil {
		out = append(out, m.v6.rowErrors...)
	}
	return out
}

// Path returns the lease file of a family, "" when not persisted.
func (m *Manager) Path(u leasemgr.Universe) string { return m.cfg.Path(u) }

// Close stops background cleanups, waits for a running one, and closes the
// lease files (after an fsync with SyncGroupCommit).
func (m *Manager) Close() error {
	if m.stop != nil {
		m.stop()
	}
	m.wg.Wait()
	var err error
	if m.v4 != nil {
		m.v4.lfcMu.Lock()
		err = m.v4.close()
		m.v4.lfcMu.Unlock()
	}
	if m.v6 != nil {
		m.v6.lfcMu.Lock()
		if e := m.v6.close(); err == nil {
			err = e
		}
		m.v6.lfcMu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("memfile: close: %w", err)
	}
	return nil
}

// Compact runs a lease file cleanup (Kea's LFC) of each lease file now and
// returns when it has finished. It uses Kea's file protocol (<file>.1,
// .2, .output, .completed, .pid), so kea-lfc may clean up files that
// memfile uses and the other way round. Changes go on meanwhile: they
// wait only while the active file is renamed. A no-op without persistence.
func (m *Manager) Compact(ctx context.Context) error {
	if m.v4 != nil {
		if err := m.v4.compact(ctx); err != nil {
			return err
		}
	}
	if m.v6 != nil {
		return m.v6.compact(ctx)
	}
	return nil
}

// watchers is the Manager's list of change callbacks, copied on write.
type watchers struct {
	mu   sync.Mutex
	next int
	list atomic.Pointer[[]watcher]
}

type watcher struct {
	id int
	fn func(leasemgr.Event)
}

func (w *watchers) active() []watcher {
	if p := w.list.Load(); p != nil {
		return *p
	}
	return nil
}

// Watch registers fn to be called after every change; see leasemgr.Watcher.
// Changes of one family are reported in order, from the goroutine that
// made them, while the family's other changes wait; v4 and v6 changes may
// be reported concurrently.
func (m *Manager) Watch(fn func(leasemgr.Event)) (cancel func()) {
	w := &m.watchers
	w.mu.Lock()
	defer w.mu.Unlock()
	w.next++
	id := w.next
	l := append(append([]watcher(nil), w.active()...), watcher{id, fn})
	w.list.Store(&l)
	var once sync.Once
	return func() {
		once.Do(func() {
			w.mu.Lock()
			defer w.mu.Unlock()
			var l []watcher
			for _, x := range w.active() {
				if x.id != id {
					l = append(l, x)
				}
			}
			w.list.Store(&l)
		})
	}
}

// CountLeases4 recounts DHCPv4 leases per subnet and pool.
func (m *Manager) CountLeases4(ctx context.Context) ([]leasemgr.LeaseCount, error) {
	if m.v4 == nil {
		return nil, m.no4("count")
	}
	return m.v4.count(ctx)
}

// CountLeases6 recounts DHCPv6 leases per subnet, pool and type.
func (m *Manager) CountLeases6(ctx context.Context) ([]leasemgr.LeaseCount, error) {
	if m.v6 == nil {
		return nil, m.no6("count")
	}
	return m.v6.count(ctx)
}

func (m *Manager) no4(op string) error {
	return fmt.Errorf("memfile: %s: %w: the lease database serves DHCPv6 only", op, leasemgr.ErrInvalid)
}

func (m *Manager) no6(op string) error {
	return fmt.Errorf("memfile: %s: %w: the lease database serves DHCPv4 only", op, leasemgr.ErrInvalid)
}

func wrap(op string, subject any, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("memfile: %s %v: %w", op, subject, err)
}

func hexs(b []byte) string {
	if len(b) == 0 {
		return "(empty)"
	}
	return leasemgr.FormatHex(b)
}

// ---- DHCPv4 ----

// AddLease4 implements leasemgr.Manager4.
func (m *Manager) AddLease4(ctx context.Context, l *leasemgr.Lease4) error {
	if m.v4 == nil {
		return m.no4("add")
	}
	return wrap("add", addr4(l), m.v4.add(ctx, l))
}

func addr4(l *leasemgr.Lease4) any {
	if l == nil {
		return "(nil)"
	}
	return l.Addr
}

func addr6(l *leasemgr.Lease6) any {
	if l == nil {
		return "(nil)"
	}
	return l.Addr
}

// Lease4 implements leasemgr.Manager4.
func (m *Manager) Lease4(ctx context.Context, addr netip.Addr) (*leasemgr.Lease4, error) {
	if m.v4 == nil {
		return nil, m.no4("get")
	}
	l, err := m.v4.get(ctx, addr, nil)
	return l, wrap("get", addr, err)
}

// Leases4ByHWAddr implements leasemgr.Manager4.
func (m *Manager) Leases4ByHWAddr(ctx context.Context, hwaddr []byte) ([]*leasemgr.Lease4, error) {
	if m.v4 == nil {
		return nil, m.no4("get")
	}
	ls, err := m.v4.read(ctx, func(t *table[uint32, leasemgr.Lease4]) []*leasemgr.Lease4 { return t.byIdent(idxHW4, hwaddr) })
	return ls, wrap("get by hwaddr", hexs(hwaddr), err)
}

// Lease4ByHWAddrSubnet implements leasemgr.Manager4.
func (m *Manager) Lease4ByHWAddrSubnet(ctx context.Context, hwaddr []byte, subnetID uint32) (*leasemgr.Lease4, error) {
	if m.v4 == nil {
		return nil, m.no4("get")
	}
	l, err := m.v4.one(ctx, func(t *table[uint32, leasemgr.Lease4]) []*leasemgr.Lease4 {
		return filterSubnet4(t.byIdent(idxHW4, hwaddr), subnetID)
	})
	return l, wrap("get by hwaddr", fmt.Sprintf("%s subnet %d", hexs(hwaddr), subnetID), err)
}

func filterSubnet4(ls []*leasemgr.Lease4, id uint32) []*leasemgr.Lease4 {
	for _, l := range ls {
		if l.SubnetID == id {
			return []*leasemgr.Lease4{l}
		}
	}
	return nil
}

// Leases4ByClientID implements leasemgr.Manager4.
func (m *Manager) Leases4ByClientID(ctx context.Context, clientID []byte) ([]*leasemgr.Lease4, error) {
	if m.v4 == nil {
		return nil, m.no4("get")
	}
	ls, err := m.v4.read(ctx, func(t *table[uint32, leasemgr.Lease4]) []*leasemgr.Lease4 { return t.byIdent(idxClientID4, clientID) })
	return ls, wrap("get by client-id", hexs(clientID), err)
}

// Lease4ByClientIDSubnet implements leasemgr.Manager4.
func (m *Manager) Lease4ByClientIDSubnet(ctx context.Context, clientID []byte, subnetID uint32) (*leasemgr.Lease4, error) {
	if m.v4 == nil {
		return nil, m.no4("get")
	}
	l, err := m.v4.one(ctx, func(t *table[uint32, leasemgr.Lease4]) []*leasemgr.Lease4 {
		return filterSubnet4(t.byIdent(idxClientID4, clientID), subnetID)
	})
	return l, wrap("get by client-id", fmt.Sprintf("%s subnet %d", hexs(clientID), subnetID), err)
}

// Leases4BySubnet implements leasemgr.Manager4.
func (m *Manager) Leases4BySubnet(ctx context.Context, subnetID uint32) ([]*leasemgr.Lease4, error) {
	if m.v4 == nil {
		return nil, m.no4("get")
	}
	ls, err := m.v4.read(ctx, func(t *table[uint32, leasemgr.Lease4]) []*leasemgr.Lease4 { return t.bySubnetID(subnetID) })
	return ls, wrap("get by subnet", subnetID, err)
}

// Leases4ByHostname implements leasemgr.Manager4.
func (m *Manager) Leases4ByHostname(ctx context.Context, hostname string) ([]*leasemgr.Lease4, error) {
	if m.v4 == nil {
		return nil, m.no4("get")
	}
	ls, err := m.v4.read(ctx, func(t *table[uint32, leasemgr.Lease4]) []*leasemgr.Lease4 { return t.byHostname(hostname) })
	return ls, wrap("get by hostname", fmt.Sprintf("%q", hostname), err)
}

// Leases4Page implements leasemgr.Manager4.
func (m *Manager) Leases4Page(ctx context.Context, after netip.Addr, pageSize int) ([]*leasemgr.Lease4, error) {
	if m.v4 == nil {
		return nil, m.no4("get page")
	}
	ls, err := m.v4.page(ctx, after, pageSize)
	return ls, wrap("get page after", after, err)
}

// AllLeases4 implements leasemgr.Manager4.
func (m *Manager) AllLeases4(ctx context.Context) ([]*leasemgr.Lease4, error) {
	if m.v4 == nil {
		return nil, m.no4("get all")
	}
	ls, err := m.v4.read(ctx, (*table[uint32, leasemgr.Lease4]).all)
	return ls, wrap("get", "all", err)
}

// ExpiredLeases4 implements leasemgr.Manager4.
func (m *Manager) ExpiredLeases4(ctx context.Context, now time.Time, max int) ([]*leasemgr.Lease4, error) {
	if m.v4 == nil {
		return nil, m.no4("get expired")
	}
	ls, err := m.v4.expired(ctx, now, max)
	return ls, wrap("get expired", now.Unix(), err)
}

// UpdateLease4 implements leasemgr.Manager4.
func (m *Manager) UpdateLease4(ctx context.Context, l *leasemgr.Lease4) error {
	if m.v4 == nil {
		return m.no4("update")
	}
	return wrap("update", addr4(l), m.v4.update(ctx, l))
}

// DeleteLease4 implements leasemgr.Manager4.
func (m *Manager) DeleteLease4(ctx context.Context, l *leasemgr.Lease4) error {
	if m.v4 == nil {
		return m.no4("delete")
	}
	return wrap("delete", addr4(l), m.v4.delete(ctx, l, nil))
}

// DeleteExpiredReclaimedLeases4 implements leasemgr.Manager4.
func (m *Manager) DeleteExpiredReclaimedLeases4(ctx context.Context, cutoff time.Time) (int, error) {
	if m.v4 == nil {
		return 0, m.no4("delete expired-reclaimed")
	}
	n, err := m.v4.deleteReclaimed(ctx, cutoff)
	return n, wrap("delete expired-reclaimed before", cutoff.Unix(), err)
}

// WipeLeases4 implements leasemgr.Manager4.
func (m *Manager) WipeLeases4(ctx context.Context, subnetID uint32) (int, error) {
	if m.v4 == nil {
		return 0, m.no4("wipe")
	}
	n, err := m.v4.wipe(ctx, subnetID)
	return n, wrap("wipe subnet", subnetID, err)
}

// ---- DHCPv6 ----

// AddLease6 implements leasemgr.Manager6.
func (m *Manager) AddLease6(ctx context.Context, l *leasemgr.Lease6) error {
	if m.v6 == nil {
		return m.no6("add")
	}
	return wrap("add", addr6(l), m.v6.add(ctx, l))
}

// Lease6 implements leasemgr.Manager6.
func (m *Manager) Lease6(ctx context.Context, typ leasemgr.LeaseType, addr netip.Addr) (*leasemgr.Lease6, error) {
	if m.v6 == nil {
		return nil, m.no6("get")
	}
	l, err := m.v6.get(ctx, addr, func(l *leasemgr.Lease6) bool { return l.Type == typ })
	return l, wrap("get "+typ.String(), addr, err)
}

func (m *Manager) leases6(ctx context.Context, what string, q func(t *table[key6, leasemgr.Lease6]) []*leasemgr.Lease6) ([]*leasemgr.Lease6, error) {
	if m.v6 == nil {
		return nil, m.no6("get")
	}
	ls, err := m.v6.read(ctx, q)
	return ls, wrap("get by", what, err)
}

// Leases6ByDUIDIAID implements leasemgr.Manager6.
func (m *Manager) Leases6ByDUIDIAID(ctx context.Context, typ leasemgr.LeaseType, duid []byte, iaid uint32) ([]*leasemgr.Lease6, error) {
	return m.leases6(ctx, fmt.Sprintf("%s duid %s iaid %d", typ, hexs(duid), iaid), func(t *table[key6, leasemgr.Lease6]) []*leasemgr.Lease6 {
		return filter6(t.byIdent(idxDUID6, duid), func(l *leasemgr.Lease6) bool { return l.Type == typ && l.IAID == iaid })
	})
}

// Leases6ByDUIDIAIDSubnet implements leasemgr.Manager6.
func (m *Manager) Leases6ByDUIDIAIDSubnet(ctx context.Context, typ leasemgr.LeaseType, duid []byte, iaid uint32, subnetID uint32) ([]*leasemgr.Lease6, error) {
	return m.leases6(ctx, fmt.Sprintf("%s duid %s iaid %d subnet %d", typ, hexs(duid), iaid, subnetID), func(t *table[key6, leasemgr.Lease6]) []*leasemgr.Lease6 {
		return filter6(t.byIdent(idxDUID6, duid), func(l *leasemgr.Lease6) bool {
			return l.Type == typ && l.IAID == iaid && l.SubnetID == subnetID
		})
	})
}

func filter6(ls []*leasemgr.Lease6, keep func(*leasemgr.Lease6) bool) []*leasemgr.Lease6 {
	out := ls[:0]
	for _, l := range ls {
		if keep(l) {
			out = append(out, l)
		}
	}
	return out
}

// Leases6ByDUID implements leasemgr.Manager6.
func (m *Manager) Leases6ByDUID(ctx context.Context, duid []byte) ([]*leasemgr.Lease6, error) {
	return m.leases6(ctx, "duid "+hexs(duid), func(t *table[key6, leasemgr.Lease6]) []*leasemgr.Lease6 { return t.byIdent(idxDUID6, duid) })
}

// Leases6ByHWAddr implements leasemgr.Manager6.
func (m *Manager) Leases6ByHWAddr(ctx context.Context, hwaddr []byte) ([]*leasemgr.Lease6, error) {
	return m.leases6(ctx, "hwaddr "+hexs(hwaddr), func(t *table[key6, leasemgr.Lease6]) []*leasemgr.Lease6 { return t.byIdent(idxHW6, hwaddr) })
}

// Leases6BySubnet implements leasemgr.Manager6.
func (m *Manager) Leases6BySubnet(ctx context.Context, subnetID uint32) ([]*leasemgr.Lease6, error) {
	return m.leases6(ctx, fmt.Sprintf("subnet %d", subnetID), func(t *table[key6, leasemgr.Lease6]) []*leasemgr.Lease6 { return t.bySubnetID(subnetID) })
}

// Leases6ByHostname implements leasemgr.Manager6.
func (m *Manager) Leases6ByHostname(ctx context.Context, hostname string) ([]*leasemgr.Lease6, error) {
	return m.leases6(ctx, fmt.Sprintf("hostname %q", hostname), func(t *table[key6, leasemgr.Lease6]) []*leasemgr.Lease6 { return t.byHostname(hostname) })
}

// Leases6Page implements leasemgr.Manager6.
func (m *Manager) Leases6Page(ctx context.Context, after netip.Addr, pageSize int) ([]*leasemgr.Lease6, error) {
	if m.v6 == nil {
		return nil, m.no6("get page")
	}
	ls, err := m.v6.page(ctx, after, pageSize)
	return ls, wrap("get page after", after, err)
}

// AllLeases6 implements leasemgr.Manager6.
func (m *Manager) AllLeases6(ctx context.Context) ([]*leasemgr.Lease6, error) {
	return m.leases6(ctx, "all", (*table[key6, leasemgr.Lease6]).all)
}

// ExpiredLeases6 implements leasemgr.Manager6.
func (m *Manager) ExpiredLeases6(ctx context.Context, now time.Time, max int) ([]*leasemgr.Lease6, error) {
	if m.v6 == nil {
		return nil, m.no6("get expired")
	}
	ls, err := m.v6.expired(ctx, now, max)
	return ls, wrap("get expired", now.Unix(), err)
}

// UpdateLease6 implements leasemgr.Manager6.
func (m *Manager) UpdateLease6(ctx context.Context, l *leasemgr.Lease6) error {
	if m.v6 == nil {
		return m.no6("update")
	}
	return wrap("update", addr6(l), m.v6.update(ctx, l))
}

// DeleteLease6 implements leasemgr.Manager6. The stored lease must have
// l's type.
func (m *Manager) DeleteLease6(ctx context.Context, l *leasemgr.Lease6) error {
	if m.v6 == nil {
		return m.no6("delete")
	}
	var match func(*leasemgr.Lease6) bool
	if l != nil {
		typ := l.Type
		match = func(s *leasemgr.Lease6) bool { return s.Type == typ }
	}
	return wrap("delete", addr6(l), m.v6.delete(ctx, l, match))
}

// DeleteExpiredReclaimedLeases6 implements leasemgr.Manager6.
func (m *Manager) DeleteExpiredReclaimedLeases6(ctx context.Context, cutoff time.Time) (int, error) {
	if m.v6 == nil {
		return 0, m.no6("delete expired-reclaimed")
	}
	n, err := m.v6.deleteReclaimed(ctx, cutoff)
	return n, wrap("delete expired-reclaimed before", cutoff.Unix(), err)
}

// WipeLeases6 implements leasemgr.Manager6.
func (m *Manager) WipeLeases6(ctx context.Context, subnetID uint32) (int, error) {
	if m.v6 == nil {
		return 0, m.no6("wipe")
	}
	n, err := m.v6.wipe(ctx, subnetID)
	return n, wrap("wipe subnet", subnetID, err)
}
