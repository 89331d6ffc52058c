package timermgr_test

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/timermgr"
)

var epoch = time.Date(2026, 12, 4, 21, 8, 59, 0, time.UTC)

func newManager(t *testing.T, opts ...timermgr.Option) (*timermgr.Manager, *timermgr.FakeClock) {
	t.Helper()
	clk := timermgr.NewFakeClock(epoch)
	m := timermgr.New(append([]timermgr.Option{timermgr.WithClock(clk)}, opts...)...)
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	return m, clk
}

// recorder is a callback that records the clock's time at each run.
type recorder struct {
	clk *timermgr.FakeClock
	mu  sync.Mutex
	at  []time.Duration // since epoch
}

func (r *recorder) cb(context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.at = append(r.at, r.clk.Now().Sub(epoch))
}

func (r *recorder) runs() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.at...)
}

func TestRegisterErrors(t *testing.T) {
	m, _ := newManager(t)
	nop := func(context.Context) {}
	require.NoError(t, m.Register("a", time.Second, timermgr.OneShot, nop))
	require.ErrorIs(t, m.Register("a", time.Second, timermgr.OneShot, nop), timermgr.ErrExists)
	require.ErrorIs(t, m.Register("b", 0, timermgr.OneShot, nop), timermgr.ErrInvalidInterval)
	require.ErrorIs(t, m.Register("b", -time.Second, timermgr.Repeating, nop), timermgr.ErrInvalidInterval)
	require.ErrorIs(t, m.Register("", time.Second, timermgr.OneShot, nop), timermgr.ErrInvalidArgument)
	require.ErrorIs(t, m.Register("b", time.Second, timermgr.OneShot, nil), timermgr.ErrInvalidArgument)
	require.ErrorIs(t, m.Register("b", time.Second, timermgr.Mode(0), nop), timermgr.ErrInvalidArgument)
	for _, op := range []func(string) error{m.Setup, m.Cancel, m.Unregister} {
		err := op("missing")
		require.ErrorIs(t, err, timermgr.ErrNotRegistered)
		require.Contains(t, err.Error(), `"missing"`)
	}
	require.True(t, m.IsRegistered("a"))
	require.False(t, m.IsRegistered("b"))
	require.Equal(t, 1, m.Count())
	require.Equal(t, "one-shot", timermgr.OneShot.String())
	require.Equal(t, "repeating", timermgr.Repeating.String())
}

func TestRepeatingRearms(t *testing.T) {
	m, clk := newManager(t)
	r := &recorder{clk: clk}
	require.NoError(t, m.Register("lfc", time.Hour, timermgr.Repeating, r.cb))
	clk.Advance(2 * time.Hour)
	require.Empty(t, r.runs(), "not armed before Setup")

	require.NoError(t, m.Setup("lfc")) // at 2h
	require.True(t, m.IsArmed("lfc"))
	clk.Advance(59 * time.Minute)
	require.Empty(t, r.runs())
	clk.Advance(time.Minute)
	require.Equal(t, []time.Duration{3 * time.Hour}, r.runs())
	clk.Advance(3 * time.Hour) // one Advance over several intervals fires each
	require.Equal(t, []time.Duration{3 * time.Hour, 4 * time.Hour, 5 * time.Hour, 6 * time.Hour}, r.runs())
	require.True(t, m.IsArmed("lfc"))
	require.Equal(t, 1, clk.Pending())
}

func TestOneShotNeedsSetup(t *testing.T) {
	m, clk := newManager(t)
	r := &recorder{clk: clk}
	require.NoError(t, m.Register("flush", 10*time.Second, timermgr.OneShot, r.cb))
	require.NoError(t, m.Setup("flush"))
	clk.Advance(time.Minute)
	require.Equal(t, []time.Duration{10 * time.Second}, r.runs())
	require.False(t, m.IsArmed("flush"))
	require.Zero(t, clk.Pending())

	require.NoError(t, m.Setup("flush")) // at 60s
	clk.Advance(time.Minute)
	require.Equal(t, []time.Duration{10 * time.Second, 70 * time.Second}, r.runs())
}

// Kea's reclamation: a one-shot timer re-armed at the end of its callback,
// so the wait counts from the end of one run.
func TestOneShotRearmedByCallback(t *testing.T) {
	m, clk := newManager(t)
	var at []time.Duration
	cb := func(context.Context) {
		// Re-arm even if the work panics.
		defer func() { assert.NoError(t, m.Setup("reclaim")) }()
		at = append(at, clk.Now().Sub(epoch))
	}
	require.NoError(t, m.Register("reclaim", 10*time.Second, timermgr.OneShot, cb))
	require.NoError(t, m.Setup("reclaim"))
	clk.Advance(35 * time.Second)
	require.Equal(t, []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second}, at)
	require.True(t, m.IsArmed("reclaim"))
}

func TestSetupRestartsInterval(t *testing.T) {
	m, clk := newManager(t)
	r := &recorder{clk: clk}
	require.NoError(t, m.Register("t", 10*time.Second, timermgr.OneShot, r.cb))
	require.NoError(t, m.Setup("t"))
	clk.Advance(8 * time.Second)
	require.NoError(t, m.Setup("t"))
	clk.Advance(8 * time.Second)
	require.Empty(t, r.runs())
	clk.Advance(2 * time.Second)
	require.Equal(t, []time.Duration{18 * time.Second}, r.runs())
	require.Zero(t, clk.Pending(), "the first arm's clock timer was stopped")
}

func TestCancel(t *testing.T) {
	m, clk := newManager(t)
	r := &recorder{clk: clk}
	require.NoError(t, m.Register("t", time.Second, timermgr.Repeating, r.cb))
	require.NoError(t, m.Setup("t"))
	clk.Advance(2 * time.Second)
	require.NoError(t, m.Cancel("t"))
	require.NoError(t, m.Cancel("t"), "cancel of a disarmed timer is a no-op")
	require.False(t, m.IsArmed("t"))
	require.True(t, m.IsRegistered("t"))
	clk.Advance(time.Minute)
	require.Equal(t, []time.Duration{time.Second, 2 * time.Second}, r.runs())
	require.Zero(t, clk.Pending())

	require.NoError(t, m.Setup("t")) // at 62s
	clk.Advance(time.Second)
	require.Equal(t, []time.Duration{time.Second, 2 * time.Second, 63 * time.Second}, r.runs())
}

func TestUnregisterWhileArmed(t *testing.T) {
	m, clk := newManager(t)
	r := &recorder{clk: clk}
	var ctxErr error
	require.NoError(t, m.Register("t", time.Second, timermgr.Repeating, r.cb))
	require.NoError(t, m.Register("u", time.Second, timermgr.OneShot, func(ctx context.Context) { ctxErr = ctx.Err() }))
	require.NoError(t, m.Setup("t"))
	require.NoError(t, m.Setup("u"))
	require.NoError(t, m.Unregister("t"))
	require.False(t, m.IsRegistered("t"))
	require.Equal(t, 1, m.Count())
	require.ErrorIs(t, m.Setup("t"), timermgr.ErrNotRegistered)
	clk.Advance(time.Minute)
	require.Empty(t, r.runs())
	require.NoError(t, ctxErr)

	// The name can be registered again.
	require.NoError(t, m.Register("t", time.Second, timermgr.OneShot, r.cb))
	require.NoError(t, m.Setup("t"))
	m.UnregisterAll()
	require.Zero(t, m.Count())
	require.Zero(t, clk.Pending())
	clk.Advance(time.Minute)
	require.Empty(t, r.runs())
}

// A stale fire (the clock fired just before Cancel/Setup) must not run the
// callback: simulated with a clock that hands the functions to the test.
func TestStaleFireIgnored(t *testing.T) {
	clk := &captureClock{}
	m := timermgr.New(timermgr.WithClock(clk))
	defer m.Close()
	var n atomic.Int32
	require.NoError(t, m.Register("t", time.Second, timermgr.OneShot, func(context.Context) { n.Add(1) }))
	require.NoError(t, m.Setup("t"))
	first := clk.last()
	require.NoError(t, m.Setup("t")) // re-arm: first is stale
	first()
	require.NoError(t, m.Cancel("t"))
	clk.last()() // cancelled: stale
	require.Zero(t, n.Load())
}

type captureClock struct {
	mu sync.Mutex
	fs []func()
}

func (c *captureClock) Now() time.Time { return epoch }
func (c *captureClock) AfterFunc(_ time.Duration, f func()) timermgr.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fs = append(c.fs, f)
	return nopTimer{}
}
func (c *captureClock) last() func() {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fs[len(c.fs)-1]
}

type nopTimer struct{}

func (nopTimer) Stop() bool { return true }

// A repeating timer whose callback is slower than its interval never runs
// its callback twice at once; the ticks that fall due meanwhile are merged
// into one run right after.
func TestNoConcurrentRuns(t *testing.T) {
	m, clk := newManager(t)
	var active, maxActive, runs atomic.Int32
	started := make(chan struct{}, 10)
	release := make(chan struct{})
	cb := func(context.Context) {
		n := active.Add(1)
		defer active.Add(-1)
		for {
			old := maxActive.Load()
			if n <= old || maxActive.CompareAndSwap(old, n) {
				break
			}
		}
		if runs.Add(1) == 1 {
			started <- struct{}{}
			<-release // the first run is slow
		}
	}
	require.NoError(t, m.Register("slow", time.Second, timermgr.Repeating, cb))
	require.NoError(t, m.Setup("slow"))
	clk.AdvanceNoWait(time.Second)
	<-started
	for range 5 {
		clk.AdvanceNoWait(time.Second) // due while the first run is blocked
	}
	require.Equal(t, int32(1), runs.Load())
	close(release)
	clk.Settle()
	require.Equal(t, int32(2), runs.Load(), "five missed ticks merged into one run")
	require.Equal(t, int32(1), maxActive.Load())

	clk.Advance(3 * time.Second)
	require.Equal(t, int32(5), runs.Load())
	require.Equal(t, int32(1), maxActive.Load())
}

func TestSlowCallbackDoesNotDelayOthers(t *testing.T) {
	m, clk := newManager(t)
	release := make(chan struct{})
	fast := make(chan time.Duration, 10)
	require.NoError(t, m.Register("slow", time.Second, timermgr.OneShot, func(context.Context) { <-release }))
	require.NoError(t, m.Register("fast", time.Second, timermgr.Repeating, func(context.Context) {
		fast <- clk.Now().Sub(epoch)
	}))
	require.NoError(t, m.Setup("slow"))
	require.NoError(t, m.Setup("fast"))
	for i := 1; i <= 3; i++ {
		clk.AdvanceNoWait(time.Second)
		require.Equal(t, time.Duration(i)*time.Second, <-fast) // while slow blocks
	}
	close(release)
	clk.Settle()
}

func TestPanicRecoveredAndLogged(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	m, clk := newManager(t, timermgr.WithLogger(log))
	var runs atomic.Int32
	require.NoError(t, m.Register("boom", time.Second, timermgr.Repeating, func(context.Context) {
		runs.Add(1)
		panic("kaboom")
	}))
	require.NoError(t, m.Setup("boom"))
	clk.Advance(3 * time.Second)
	require.Equal(t, int32(3), runs.Load(), "the timer carries on after a panic")
	out := buf.String()
	require.Contains(t, out, "timer callback panicked")
	require.Contains(t, out, "timer=boom")
	require.Contains(t, out, "kaboom")
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestCloseWaitsForCallbacks(t *testing.T) {
	clk := timermgr.NewFakeClock(epoch)
	m := timermgr.New(timermgr.WithClock(clk))
	started := make(chan struct{})
	release := make(chan struct{})
	var finished atomic.Bool
	var ctxDone atomic.Bool
	require.NoError(t, m.Register("t", time.Second, timermgr.Repeating, func(ctx context.Context) {
		close(started)
		<-release
		ctxDone.Store(ctx.Err() != nil)
		finished.Store(true)
	}))
	require.NoError(t, m.Setup("t"))
	clk.AdvanceNoWait(time.Second)
	<-started

	closed := make(chan struct{})
	go func() {
		require.NoError(t, m.Close())
		close(closed)
	}()
	// Close cancels the context before it waits; the callback sees that
	// once released. Close cannot return before the callback finished.
	for m.Count() != 0 {
		runtime.Gosched()
	}
	select {
	case <-closed:
		t.Fatal("Close returned while a callback was running")
	default:
	}
	close(release)
	<-closed
	require.True(t, finished.Load())
	require.True(t, ctxDone.Load())

	require.Zero(t, clk.Pending())
	clk.Advance(time.Minute) // nothing fires after Close
	require.ErrorIs(t, m.Register("x", time.Second, timermgr.OneShot, func(context.Context) {}), timermgr.ErrClosed)
	require.ErrorIs(t, m.Setup("t"), timermgr.ErrClosed)
	require.ErrorIs(t, m.Cancel("t"), timermgr.ErrClosed)
	require.ErrorIs(t, m.Unregister("t"), timermgr.ErrClosed)
	require.NoError(t, m.Close(), "Close is idempotent")
	requireNoLeak(t)
}

func TestCloseFromCallback(t *testing.T) {
	clk := timermgr.NewFakeClock(epoch)
	m := timermgr.New(timermgr.WithClock(clk))
	var setupErr error
	require.NoError(t, m.Register("a", time.Second, timermgr.OneShot, func(context.Context) {
		assert.NoError(t, m.Close()) // must not wait for itself
		setupErr = m.Setup("a")
	}))
	require.NoError(t, m.Register("b", time.Second, timermgr.OneShot, func(context.Context) {
		assert.NoError(t, m.Close()) // two callbacks closing at once
	}))
	require.NoError(t, m.Setup("a"))
	require.NoError(t, m.Setup("b"))
	clk.AdvanceNoWait(time.Second)
	clk.Settle()
	require.ErrorIs(t, setupErr, timermgr.ErrClosed)
	require.NoError(t, m.Close())
	requireNoLeak(t)
}

// The real clock, briefly: callbacks run, Close stops them and leaves no
// goroutine behind. Nothing here measures time.
func TestRealClock(t *testing.T) {
	m := timermgr.New()
	ticks := make(chan struct{}, 100)
	require.NoError(t, m.Register("t", time.Millisecond, timermgr.Repeating, func(context.Context) {
		select {
		case ticks <- struct{}{}:
		default:
		}
	}))
	require.NoError(t, m.Setup("t"))
	for range 3 {
		<-ticks
	}
	require.NoError(t, m.Close())
	requireNoLeak(t)
}

// requireNoLeak checks that no goroutine is left in the package's code.
// Goroutines that have signalled completion may need a moment to exit, so
// it yields until they have; it never sleeps.
func requireNoLeak(t *testing.T) {
	t.Helper()
	var stacks string
	for range 100000 {
		buf := make([]byte, 1<<20)
		stacks = string(buf[:runtime.Stack(buf, true)])
		leaked := false
		for _, g := range strings.Split(stacks, "\n\n") {
			if strings.Contains(g, "dhcpsrv/timermgr.(*") && !strings.Contains(g, "timermgr_test.") {
				leaked = true
			}
		}
		if !leaked {
			return
		}
		runtime.Gosched()
	}
	t.Fatalf("goroutines left after Close:\n%s", stacks)
}

// A callback that calls runtime.Goexit (t.FailNow from a callback) must not
// wedge its timer or Close.
func TestCallbackGoexit(t *testing.T) {
	m, clk := newManager(t)
	var runs atomic.Int32
	require.NoError(t, m.Register("t", time.Second, timermgr.Repeating, func(context.Context) {
		runs.Add(1)
		runtime.Goexit()
	}))
	require.NoError(t, m.Setup("t"))
	clk.Advance(3 * time.Second)
	require.Equal(t, int32(3), runs.Load())
}
