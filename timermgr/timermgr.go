package timermgr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"time"
)

// Errors returned by the Manager. They are wrapped with the timer's name;
// test them with errors.Is.
var (
	// ErrNotRegistered means no timer of that name is registered.
	ErrNotRegistered = errors.New("timermgr: timer not registered")
	// ErrExists means a timer of that name is already registered.
	ErrExists = errors.New("timermgr: timer already registered")
	// ErrClosed means the Manager has been closed.
	ErrClosed = errors.New("timermgr: manager closed")
	// ErrInvalidInterval means the interval is zero or negative. (Kea's
	// configuration uses 0 to disable a timer: do not register it.)
	ErrInvalidInterval = errors.New("timermgr: interval must be positive")
	// ErrInvalidArgument means an empty name, a nil callback or an
	// unknown Mode.
	ErrInvalidArgument = errors.New("timermgr: invalid argument")
)

// Mode says what a timer does after it fires.
type Mode uint8

const (
	// OneShot timers fire once per Setup. The owner re-arms the timer
	// with Setup, typically at the end of its callback, so the interval
	// counts from the end of one run to the start of the next (Kea's
	// ONE_SHOT, used by lease reclamation).
	OneShot Mode = iota + 1
	// Repeating timers re-arm themselves each time they fire, so they
	// fire every interval from Setup on (Kea's REPEATING, used by the
	// lease file cleanup).
	Repeating
)

// String returns "one-shot" or "repeating".
func (m Mode) String() string {
	switch m {
	case OneShot:
		return "one-shot"
	case Repeating:
		return "repeating"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// A Callback is the work a timer does when it fires. ctx is cancelled when
// the timer is unregistered or the Manager is closed, so a long callback
// can stop early; it is not cancelled by Cancel.
type Callback func(ctx context.Context)

// An Option configures a Manager.
type Option func(*Manager)

// WithClock makes the Manager use c instead of [RealClock].
func WithClock(c Clock) Option { return func(m *Manager) { m.clock = c } }

// WithLogger makes the Manager log to l (callback panics at Error, timer
// events at Debug). The default discards everything.
func WithLogger(l *slog.Logger) Option { return func(m *Manager) { m.log = l } }

// Manager runs named timers: Kea's TimerMgr.
//
// A timer is registered with a name, an interval, a Mode and a Callback,
// armed with Setup and disarmed with Cancel. Each timer is independent:
// its callback runs in a goroutine of its own, so a slow callback delays
// only its own timer. One timer's callback never runs twice at once: if
// the timer falls due while its callback is still running, one more run is
// made as soon as the running one returns (later due times in between are
// merged into that run, as time.Ticker drops ticks). A callback that
// panics is recovered and logged, and its timer carries on (a OneShot
// timer stays disarmed unless the callback re-armed it before panicking;
// see the package example for defer m.Setup).
//
// Unlike Kea's TimerMgr, all methods are safe for concurrent use at any
// time, including from callbacks.
type Manager struct {
	clock   Clock
	spawner Spawner
	log     *slog.Logger

	mu     sync.Mutex
	timers map[string]*timer
	runs   map[*run]struct{} // callback goroutines in progress
	closed bool
}

type timer struct {
	name     string
	interval time.Duration
	mode     Mode
	cb       Callback
	ctx      context.Context
	cancel   context.CancelFunc

	// Guarded by Manager.mu.
	armed   bool
	gen     uint64 // incremented by each arm and disarm
	ct      Timer  // the clock timer of the current arm
	running bool   // a callback goroutine is in progress
	runner  *run   // the latest callback goroutine
	pending bool   // the timer fell due while running
	removed bool
}

type run struct {
	goid uint64 // of the goroutine running the callbacks; 0 until it starts
	done chan struct{}
}

// New returns a Manager with no timers.
func New(opts ...Option) *Manager {
	m := &Manager{
		clock:  RealClock{},
		timers: make(map[string]*timer),
		runs:   make(map[*run]struct{}),
	}
	for _, o := range opts {
		o(m)
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.spawner, _ = m.clock.(Spawner)
	return m
}

// Register adds a disarmed timer; Setup arms it. It fails with ErrExists
// if the name is taken, ErrInvalidInterval, ErrInvalidArgument or
// ErrClosed.
func (m *Manager) Register(name string, interval time.Duration, mode Mode, cb Callback) error {
	switch {
	case name == "" || cb == nil || (mode != OneShot && mode != Repeating):
		return fmt.Errorf("%w: register %q (mode %v, callback set %t)", ErrInvalidArgument, name, mode, cb != nil)
	case interval <= 0:
		return fmt.Errorf("%w: register %q: %v", ErrInvalidInterval, name, interval)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("%w: register %q", ErrClosed, name)
	}
	if _, ok := m.timers[name]; ok {
		return fmt.Errorf("%w: %q", ErrExists, name)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.timers[name] = &timer{name: name, interval: interval, mode: mode, cb: cb, ctx: ctx, cancel: cancel}
	m.log.Debug("timer registered", "timer", name, "interval", interval, "mode", mode)
	return nil
}

// Unregister disarms and removes a timer and cancels its callback's
// context. It does not wait for a callback in progress, which may still
// be running when Unregister returns; the name may be registered again at
// once (the new timer's callback may then overlap the old one's).
func (m *Manager) Unregister(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, err := m.lookup("unregister", name)
	if err != nil {
		return err
	}
	m.remove(t)
	return nil
}

// UnregisterAll removes every timer, as Unregister does.
func (m *Manager) UnregisterAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range m.timers {
		m.remove(t)
	}
}

// Setup arms a timer: it will fire one interval from now. Setup on an
// armed timer restarts its interval (as Kea's setup does). Setup on a
// timer whose callback is running arms it as usual; if it falls due before
// the callback returns, the callback runs again right after.
func (m *Manager) Setup(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, err := m.lookup("setup", name)
	if err != nil {
		return err
	}
	m.arm(t)
	return nil
}

// Cancel disarms a timer and drops a run that was pending behind a running
// callback. It does not stop or wait for a callback in progress. Cancel on
// a disarmed timer does nothing.
func (m *Manager) Cancel(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, err := m.lookup("cancel", name)
	if err != nil {
		return err
	}
	m.disarm(t)
	t.pending = false
	return nil
}

// IsRegistered reports whether a timer of that name is registered.
func (m *Manager) IsRegistered(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.timers[name]
	return ok
}

// IsArmed reports whether a timer of that name is registered and armed.
func (m *Manager) IsArmed(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.timers[name]
	return ok && t.armed
}

// Count returns the number of registered timers.
func (m *Manager) Count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.timers)
}

// Close unregisters every timer, cancels the callbacks' contexts and waits
// until the callbacks in progress have returned. Later calls of Register,
// Setup, Cancel and Unregister fail with ErrClosed. Close may be called
// more than once; each call waits.
//
// Called from a callback, Close does the same but returns without waiting
// (waiting for itself, or for another callback that is waiting for it,
// would deadlock); the calling callback should return soon, and a later
// Close from outside waits for it. Close always returns nil.
func (m *Manager) Close() error {
	self := goid()
	m.mu.Lock()
	if !m.closed {
		m.closed = true
		for _, t := range m.timers {
			m.remove(t)
		}
		m.log.Debug("timer manager closed")
	}
	var wait []chan struct{}
	inCallback := false
	for r := range m.runs {
		if r.goid == self {
			inCallback = true
		}
		wait = append(wait, r.done)
	}
	m.mu.Unlock()
	if inCallback {
		return nil
	}
	for _, done := range wait {
		<-done
	}
	return nil
}

func (m *Manager) lookup(op, name string) (*timer, error) {
	if m.closed {
		return nil, fmt.Errorf("%w: %s %q", ErrClosed, op, name)
	}
	t, ok := m.timers[name]
	if !ok {
		return nil, fmt.Errorf("%w: %s %q", ErrNotRegistered, op, name)
	}
	return t, nil
}

// remove, arm and disarm are called with m.mu held.

func (m *Manager) remove(t *timer) {
	m.disarm(t)
	t.pending = false
	t.removed = true
	t.cancel()
	delete(m.timers, t.name)
	m.log.Debug("timer unregistered", "timer", t.name)
}

func (m *Manager) arm(t *timer) {
	m.disarm(t)
	t.armed = true
	gen := t.gen
	t.ct = m.clock.AfterFunc(t.interval, func() { m.fire(t, gen) })
}

func (m *Manager) disarm(t *timer) {
	if t.ct != nil {
		t.ct.Stop()
		t.ct = nil
	}
	t.armed = false
	t.gen++
}

// fire is called by the clock when the arm gen of t falls due. It never
// blocks on a callback.
func (m *Manager) fire(t *timer, gen uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed || t.removed || !t.armed || t.gen != gen {
		return // a stale fire: cancelled, re-armed or removed meanwhile
	}
	if t.mode == Repeating {
		m.arm(t)
	} else {
		t.armed = false
		t.ct = nil
		t.gen++
	}
	if t.running {
		t.pending = true
		m.log.Debug("timer due while its callback is running", "timer", t.name)
		return
	}
	t.running = true
	r := &run{done: make(chan struct{})}
	t.runner = r
	m.runs[r] = struct{}{}
	if m.spawner != nil {
		m.spawner.Go(func() { m.loop(t, r) })
	} else {
		go m.loop(t, r)
	}
}

// loop runs the callback of t, and runs it again while it fell due
// meanwhile. Its cleanup also runs if a callback calls runtime.Goexit
// (t.FailNow in a test).
func (m *Manager) loop(t *timer, r *run) {
	id := goid()
	m.mu.Lock()
	r.goid = id
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		if t.running && t.runner == r { // not reset by the loop: Goexit
			t.pending = false
			t.running = false
		}
		delete(m.runs, r)
		m.mu.Unlock()
		close(r.done)
	}()
	for {
		m.call(t)
		m.mu.Lock()
		again := t.pending && !t.removed && !m.closed
		t.pending = false
		if !again {
			// Decided under the same lock as fire, so no due time
			// is lost between this check and the cleanup.
			t.running = false
		}
		m.mu.Unlock()
		if !again {
			return
		}
	}
}

func (m *Manager) call(t *timer) {
	defer func() {
		if v := recover(); v != nil {
			m.log.Error("timer callback panicked", "timer", t.name, "panic", v, "stack", string(debug.Stack()))
		}
	}()
	m.log.Debug("timer callback", "timer", t.name)
	t.cb(t.ctx)
}

// goid returns the id of the calling goroutine. It is used only to let
// Close see that it was called from a callback, which would otherwise wait
// for itself.
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}
