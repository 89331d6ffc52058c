package stats

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNotFound means no statistic of that name exists.
var ErrNotFound = errors.New("stats: statistic not found")

// Kind is the type of a statistic's value, as Kea's StatsMgr types.
type Kind uint8

const (
	// KindInt is a 64-bit integer: counters and gauges (Kea's "integer").
	KindInt Kind = iota + 1
	// KindFloat is a float64 (Kea's "float").
	KindFloat
	// KindDuration is a time.Duration (Kea's "duration").
	KindDuration
)

// String returns Kea's name of the kind: "integer", "float" or "duration".
func (k Kind) String() string {
	switch k {
	case KindInt:
		return "integer"
	case KindFloat:
		return "float"
	case KindDuration:
		return "duration"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Value is a statistic's latest sample: its value and the time of its
// last change. Only the field of its Kind is set.
type Value struct {
	Kind     Kind
	Int      int64
	Float    float64
	Duration time.Duration
	// Time is when the value last changed (Add, Set, Reset) or, if it
	// never did, when the statistic was created; in the Manager's
	// location (WithLocation, default time.Local as Kea).
	Time time.Time
}

// Any returns the value as an int64, float64 or time.Duration.
func (v Value) Any() any {
	switch v.Kind {
	case KindFloat:
		return v.Float
	case KindDuration:
		return v.Duration
	}
	return v.Int
}

// Statistic is a named Value, as GetAll returns them.
type Statistic struct {
	Name string
	Value
}

// An Option configures a Manager.
type Option func(*Manager)

// WithClock makes the Manager timestamp changes with now instead of its
// default clock. It exists for deterministic tests; the default is cheaper
// (see the package documentation, "Cost").
func WithClock(now func() time.Time) Option { return func(m *Manager) { m.clk.now = now } }

// WithLocation sets the location of Value.Time and of the timestamps in
// Kea's JSON. The default is time.Local, as Kea prints local time.
func WithLocation(loc *time.Location) Option { return func(m *Manager) { m.loc = loc } }

// Manager holds named statistics: Kea's StatsMgr, without the singleton.
// It is safe for concurrent use. A nil *Manager is valid: it holds
// nothing, and its handles are nil handles, which discard what they are
// given; code can then keep statistics optional without checks.
type Manager struct {
	clk clock
	loc *time.Location

	mu    sync.RWMutex
	stats map[string]stat
}

// New returns an empty Manager.
func New(opts ...Option) *Manager {
	m := &Manager{stats: make(map[string]stat), loc: time.Local}
	for _, o := range opts {
		o(m)
	}
	m.clk.base = time.Now()
	m.clk.baseUnix = m.clk.base.UnixNano()
	return m
}

// clock produces the Unix nanoseconds of a change. By default it reads
// only the monotonic clock (time.Since of a base time with a monotonic
// reading), which is cheaper than time.Now; timestamps then follow the
// monotonic clock from New on and ignore later steps of the wall clock.
type clock struct {
	now      func() time.Time
	base     time.Time
	baseUnix int64
}

func (c *clock) nanos() int64 {
	if c.now != nil {
		return c.now().UnixNano()
	}
	return c.baseUnix + int64(time.Since(c.base))
}

// entry is the state shared by all handle kinds. The value and its
// timestamp come first, in one cache line, and the padding keeps two
// statistics out of one line, so per-goroutine statistics do not share.
type entry struct {
	bits    atomic.Uint64 // int64, float64 bits or duration nanoseconds
	ts      atomic.Int64  // Unix nanoseconds of the last change
	clk     *clock
	name    string
	removed atomic.Bool
	kind    Kind
	_       [64 - 8 - 8 - 8 - 16 - 4 - 1]byte
}

func (e *entry) touch() { e.ts.Store(e.clk.nanos()) }

func (e *entry) value(loc *time.Location) Value {
	ts := e.ts.Load()
	b := e.bits.Load()
	v := Value{Kind: e.kind, Time: time.Unix(0, ts).In(loc)}
	switch e.kind {
	case KindInt:
		v.Int = int64(b)
	case KindFloat:
		v.Float = math.Float64frombits(b)
	case KindDuration:
		v.Duration = time.Duration(b)
	}
	return v
}

type stat interface{ base() *entry }

func (i *Int) base() *entry      { return &i.e }
func (f *Float) base() *entry    { return &f.e }
func (d *Duration) base() *entry { return &d.e }

// get returns the statistic called name if it is of kind k, creating it
// (and replacing one of another kind) otherwise.
func get[T any, PT interface {
	*T
	stat
}](m *Manager, name string, k Kind) PT {
	if m == nil {
		return nil
	}
	m.mu.RLock()
	s, ok := m.stats[name]
	m.mu.RUnlock()
	if h, ok2 := s.(PT); ok && ok2 {
		return h
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok = m.stats[name]
	if h, ok2 := s.(PT); ok && ok2 {
		return h
	}
	if ok {
		s.base().removed.Store(true)
	}
	h := PT(new(T))
	e := h.base()
	e.clk, e.name, e.kind = &m.clk, name, k
	e.touch()
	m.stats[name] = h
	return h
}

// Int returns the handle of the integer statistic called name, creating
// it with value 0 if it does not exist (as Kea's addValue and setValue
// do). Obtain handles once, not per packet: Int takes a lock and a map
// lookup, the handle's methods are single atomic operations. If name holds
// a statistic of another kind, that one is removed (see Remove) and an
// integer statistic takes its place.
func (m *Manager) Int(name string) *Int { return get[Int](m, name, KindInt) }

// Float returns the handle of the float statistic called name, as Int.
func (m *Manager) Float(name string) *Float { return get[Float](m, name, KindFloat) }

// Duration returns the handle of the duration statistic called name, as
// Int.
func (m *Manager) Duration(name string) *Duration { return get[Duration](m, name, KindDuration) }

// Get returns the statistic called name (Kea's statistic-get).
func (m *Manager) Get(name string) (Value, bool) {
	if m == nil {
		return Value{}, false
	}
	m.mu.RLock()
	s, ok := m.stats[name]
	m.mu.RUnlock()
	if !ok {
		return Value{}, false
	}
	return s.base().value(m.loc), true
}

// GetAll returns every statistic, sorted by name (Kea's
// statistic-get-all).
func (m *Manager) GetAll() []Statistic {
	var all []Statistic
	m.Each(func(name string, v Value) { all = append(all, Statistic{Name: name, Value: v}) })
	return all
}

// Each calls fn for every statistic, in order of name, with its latest
// value. It is the pull interface for metrics exporters: call it at scrape
// time, and the hot path pays nothing for the export. fn runs without the
// Manager's lock held, so it may use the Manager; statistics added or
// removed meanwhile may or may not be visited.
func (m *Manager) Each(fn func(name string, v Value)) {
	if m == nil {
		return
	}
	m.mu.RLock()
	entries := make([]*entry, 0, len(m.stats))
	for _, s := range m.stats {
		entries = append(entries, s.base())
	}
	m.mu.RUnlock()
	slices.SortFunc(entries, func(a, b *entry) int { return strings.Compare(a.name, b.name) })
	for _, e := range entries {
		fn(e.name, e.value(m.loc))
	}
}

// Names returns the names of all statistics, sorted.
func (m *Manager) Names() []string {
	if m == nil {
		return nil
	}
	m.mu.RLock()
	names := make([]string, 0, len(m.stats))
	for name := range m.stats {
		names = append(names, name)
	}
	m.mu.RUnlock()
	slices.Sort(names)
	return names
}

// Len returns the number of statistics.
func (m *Manager) Len() int {
	if m == nil {
		return 0
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.stats)
}

// Reset sets the statistic called name to zero, with the current time
// (Kea's statistic-reset). Its handles stay valid.
func (m *Manager) Reset(name string) error {
	if m == nil {
		return fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	m.mu.RLock()
	s, ok := m.stats[name]
	m.mu.RUnlock()
	if !ok {
		return fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	e := s.base()
	e.bits.Store(0)
	e.touch()
	return nil
}

// ResetAll sets every statistic to zero (Kea's statistic-reset-all).
func (m *Manager) ResetAll() {
	if m == nil {
		return
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, s := range m.stats {
		e := s.base()
		e.bits.Store(0)
		e.touch()
	}
}

// Remove deletes the statistic called name (Kea's statistic-remove). Get
// and GetAll no longer report it. Its handles become detached: they keep
// working on a value that nothing reports, and never fault; Removed
// reports it. A later Int(name) creates a new statistic with a new handle,
// so code that holds handles takes them again after a Remove (as after a
// configuration commit, where Kea removes and recreates subnet
// statistics).
func (m *Manager) Remove(name string) error {
	if m == nil {
		return fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.stats[name]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	s.base().removed.Store(true)
	delete(m.stats, name)
	return nil
}

// RemoveAll removes every statistic (Kea's statistic-remove-all), as
// Remove.
func (m *Manager) RemoveAll() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, s := range m.stats {
		s.base().removed.Store(true)
		delete(m.stats, name)
	}
}

// RemovePrefix removes every statistic whose name starts with prefix, as
// Remove, and returns how many it removed. RemovePrefix(SubnetPrefix(id))
// removes a subnet's statistics, pool statistics included.
func (m *Manager) RemovePrefix(prefix string) int {
	if m == nil {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for name, s := range m.stats {
		if strings.HasPrefix(name, prefix) {
			s.base().removed.Store(true)
			delete(m.stats, name)
			n++
		}
	}
	return n
}

// Int is the handle of an integer statistic: a counter or a gauge. Its
// methods are safe for concurrent use, never block and do not allocate;
// a nil *Int discards what it is given and loads 0.
type Int struct{ e entry }

// Add adds delta (negative to subtract) with one atomic add, and records
// the time of the change.
func (i *Int) Add(delta int64) {
	if i == nil {
		return
	}
	i.e.bits.Add(uint64(delta))
	i.e.touch()
}

// Inc adds 1.
func (i *Int) Inc() { i.Add(1) }

// Dec subtracts 1.
func (i *Int) Dec() { i.Add(-1) }

// Set sets the value.
func (i *Int) Set(v int64) {
	if i == nil {
		return
	}
	i.e.bits.Store(uint64(v))
	i.e.touch()
}

// Load returns the value.
func (i *Int) Load() int64 {
	if i == nil {
		return 0
	}
	return int64(i.e.bits.Load())
}

// Name returns the statistic's name.
func (i *Int) Name() string {
	if i == nil {
		return ""
	}
	return i.e.name
}

// Removed reports whether the statistic was removed from its Manager (or
// replaced by one of another kind), so the handle is detached.
func (i *Int) Removed() bool { return i == nil || i.e.removed.Load() }

// Float is the handle of a float statistic, as Int.
type Float struct{ e entry }

// Add adds delta with a compare-and-swap loop.
func (f *Float) Add(delta float64) {
	if f == nil {
		return
	}
	for {
		old := f.e.bits.Load()
		if f.e.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+delta)) {
			break
		}
	}
	f.e.touch()
}

// Set sets the value.
func (f *Float) Set(v float64) {
	if f == nil {
		return
	}
	f.e.bits.Store(math.Float64bits(v))
	f.e.touch()
}

// Load returns the value.
func (f *Float) Load() float64 {
	if f == nil {
		return 0
	}
	return math.Float64frombits(f.e.bits.Load())
}

// Name returns the statistic's name.
func (f *Float) Name() string {
	if f == nil {
		return ""
	}
	return f.e.name
}

// Removed reports whether the handle is detached, as Int.Removed.
func (f *Float) Removed() bool { return f == nil || f.e.removed.Load() }

// Duration is the handle of a duration statistic, as Int.
type Duration struct{ e entry }

// Add adds delta.
func (d *Duration) Add(delta time.Duration) {
	if d == nil {
		return
	}
	d.e.bits.Add(uint64(delta))
	d.e.touch()
}

// Set sets the value.
func (d *Duration) Set(v time.Duration) {
	if d == nil {
		return
	}
	d.e.bits.Store(uint64(v))
	d.e.touch()
}

// Load returns the value.
func (d *Duration) Load() time.Duration {
	if d == nil {
		return 0
	}
	return time.Duration(d.e.bits.Load())
}

// Name returns the statistic's name.
func (d *Duration) Name() string {
	if d == nil {
		return ""
	}
	return d.e.name
}

// Removed reports whether the handle is detached, as Int.Removed.
func (d *Duration) Removed() bool { return d == nil || d.e.removed.Load() }
