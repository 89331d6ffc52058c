package timermgr

import (
	"sync"
	"time"
)

// A Clock tells the time and runs functions after a delay. The Manager uses
// it for every timer, so tests can replace the system clock with a
// [FakeClock]. Implementations must be safe for concurrent use.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc waits for d and then calls f. The Manager's functions
	// only take a lock briefly and never block on a callback, so a clock
	// may call f in its own goroutine (as time.AfterFunc does) or in the
	// goroutine that advances the clock (as FakeClock does).
	AfterFunc(d time.Duration, f func()) Timer
}

// A Timer is a pending call made by a [Clock]. *time.Timer implements it.
type Timer interface {
	// Stop prevents the call from happening. It reports whether it
	// stopped the call, false if the call already happened or was stopped.
	Stop() bool
}

// A Spawner is a [Clock] that also starts the goroutines that run timer
// callbacks, so it can tell when they have finished. It is optional: the
// Manager uses it when its clock implements it and a plain go statement
// otherwise. [FakeClock] implements it to make Advance wait for callbacks.
type Spawner interface {
	// Go runs f in a new goroutine.
	Go(f func())
}

// RealClock is the system clock: Now is time.Now and AfterFunc is
// time.AfterFunc. It is the Manager's default.
type RealClock struct{}

var _ Clock = RealClock{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// AfterFunc calls time.AfterFunc(d, f).
func (RealClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// FakeClock is a manual [Clock] for tests: time stands still until the test
// calls Advance. It is safe for concurrent use, but Advance, AdvanceNoWait
// and Set are meant to be called from one goroutine (the test's) at a time.
//
// Unlike time.AfterFunc, a FakeClock calls the functions of due timers
// synchronously, in the goroutine that advances the clock, in order of
// their due time (ties in the order they were set up), with Now reporting
// each timer's due time while its function runs. A function that re-arms a
// timer (as a repeating Manager timer does) is therefore seen by the same
// Advance. Functions passed to AfterFunc must not block; those of a Manager
// do not: they hand the callback to Go, which FakeClock tracks.
type FakeClock struct {
	mu     sync.Mutex
	cond   *sync.Cond // signalled when busy drops to zero
	now    time.Time
	seq    uint64
	timers []*fakeTimer
	busy   int // goroutines started by Go and still running
}

var (
	_ Clock   = (*FakeClock)(nil)
	_ Spawner = (*FakeClock)(nil)
)

// NewFakeClock returns a FakeClock whose time is start.
func NewFakeClock(start time.Time) *FakeClock {
	c := &FakeClock{now: start}
	c.cond = sync.NewCond(&c.mu)
	return c
}

type fakeTimer struct {
	c      *FakeClock
	when   time.Time
	seq    uint64
	f      func()
	active bool
}

// Now returns the clock's current time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc arranges for f to be called once the clock has been advanced by
// d or more. A d ≤ 0 makes the timer due at the next Advance (of any
// duration, zero included).
func (c *FakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &fakeTimer{c: c, when: c.now.Add(d), seq: c.seq, f: f, active: true}
	c.timers = append(c.timers, t)
	return t
}

// Stop removes the timer from its clock.
func (t *fakeTimer) Stop() bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if !t.active {
		return false
	}
	t.active = false
	c.remove(t)
	return true
}

func (c *FakeClock) remove(t *fakeTimer) {
	for i, x := range c.timers {
		if x == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			return
		}
	}
}

// Go runs f in a new goroutine that Advance and Settle wait for.
func (c *FakeClock) Go(f func()) {
	c.mu.Lock()
	c.busy++
	c.mu.Unlock()
	go func() {
		defer func() {
			c.mu.Lock()
			c.busy--
			if c.busy == 0 {
				c.cond.Broadcast()
			}
			c.mu.Unlock()
		}()
		f()
	}()
}

// Advance moves the clock forward by d. It fires every timer that falls due
// on the way, in order of due time, and after each one waits until the
// goroutines started with Go (the Manager's callbacks) have returned. So
// when Advance returns, every callback it triggered has finished, and a
// callback that re-arms its timer (Manager.Setup) did so at the due time it
// ran at, exactly as if callbacks took no time.
//
// Because it waits, Advance blocks for as long as any callback started with
// Go blocks, including one started by an earlier AdvanceNoWait, and it
// must not be called from such a callback (it would wait for itself).
// Tests of slow or blocked callbacks use AdvanceNoWait and Settle.
func (c *FakeClock) Advance(d time.Duration) { c.advance(d, true) }

// AdvanceNoWait is Advance without waiting for callbacks: it fires the
// timers that fall due in order and returns. Callbacks started by one timer
// may still be running when the next one fires.
func (c *FakeClock) AdvanceNoWait(d time.Duration) { c.advance(d, false) }

// Set advances the clock to t, as Advance(t.Sub(Now())). A t in the past
// fires the timers that are already due and leaves the time unchanged.
func (c *FakeClock) Set(t time.Time) { c.Advance(t.Sub(c.Now())) }

// Settle waits until every goroutine started with Go has returned.
func (c *FakeClock) Settle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.busy > 0 {
		c.cond.Wait()
	}
}

// Pending returns the number of timers that are set and have not fired.
func (c *FakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

func (c *FakeClock) advance(d time.Duration, wait bool) {
	if d < 0 {
		d = 0
	}
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		var next *fakeTimer
		for _, t := range c.timers {
			if t.when.After(target) {
				continue
			}
			if next == nil || t.when.Before(next.when) || (t.when.Equal(next.when) && t.seq < next.seq) {
				next = t
			}
		}
		if next == nil {
			if target.After(c.now) {
				c.now = target
			}
			c.mu.Unlock()
			break
		}
		next.active = false
		c.remove(next)
		if next.when.After(c.now) {
			c.now = next.when
		}
		c.mu.Unlock()
		next.f()
		if wait {
			c.Settle()
		}
	}
	if wait {
		c.Settle()
	}
}
