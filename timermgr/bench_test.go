package timermgr_test

import (
	"context"
	"testing"
	"time"

	"github.com/dhcpsrv/dhcpsrv/timermgr"
)

// Arming and disarming a timer on the real clock.
func BenchmarkSetupCancel(b *testing.B) {
	m := timermgr.New()
	defer m.Close()
	m.Register("t", time.Hour, timermgr.OneShot, func(context.Context) {})
	for b.Loop() {
		m.Setup("t")
		m.Cancel("t")
	}
}

// One fire of a repeating timer: re-arm, start the callback goroutine, run
// it and wait for it (FakeClock.Advance).
func BenchmarkFire(b *testing.B) {
	clk := timermgr.NewFakeClock(time.Unix(0, 0))
	m := timermgr.New(timermgr.WithClock(clk))
	defer m.Close()
	m.Register("t", time.Second, timermgr.Repeating, func(context.Context) {})
	m.Setup("t")
	for b.Loop() {
		clk.Advance(time.Second)
	}
}
