// Package timermgr runs named one-shot and repeating timers: the Go
// counterpart of Kea's TimerMgr (libdhcpsrv, timer_mgr.h).
//
// # Kea concept mapping
//
//	Kea TimerMgr                           timermgr.Manager
//	registerTimer(name, cb, ms, mode)      Register(name, interval, mode, cb)
//	unregisterTimer(name)                  Unregister(name)
//	unregisterTimers()                     UnregisterAll()
//	isTimerRegistered(name)                IsRegistered(name)
//	timersCount()                          Count()
//	setup(name)                            Setup(name)
//	cancel(name)                           Cancel(name)
//	IntervalTimer::REPEATING / ONE_SHOT    Repeating / OneShot
//	setIOService(ios)                      New(WithClock(c)); no IO service
//
// A Repeating timer re-arms itself each time it fires (Kea's memfile-lfc
// timer). A OneShot timer fires once and its owner re-arms it with Setup,
// usually at the end of the callback, so that the wait is measured from the
// end of one run to the start of the next (Kea's reclaim-expired-leases and
// flush-reclaimed-leases timers).
//
// Differences from Kea: there is no singleton and no IO service; each
// timer's callback runs in a goroutine of its own, so a slow callback
// delays only its own timer; every method is safe for concurrent use at any
// time (Kea allows register/unregister only before worker threads start);
// callbacks receive a context that Unregister and Close cancel; Close waits
// for running callbacks.
//
// # Testing with a fake clock
//
// The Manager takes its time from a [Clock]. [RealClock] is the default;
// [FakeClock] stands still until a test calls Advance, which fires the
// timers that fall due in order and waits for their callbacks to return, so
// tests never sleep:
//
//	clk := timermgr.NewFakeClock(time.Unix(0, 0))
//	m := timermgr.New(timermgr.WithClock(clk))
//	defer m.Close()
//	m.Register("reclaim", 10*time.Second, timermgr.OneShot, reclaim)
//	m.Setup("reclaim")
//	clk.Advance(10 * time.Second) // reclaim has run and returned
//
// Tests of callbacks that block use AdvanceNoWait and Settle.
package timermgr
