package timermgr_test

import (
	"context"
	"fmt"
	"time"

	"github.com/dhcpsrv/dhcpsrv/timermgr"
)

// Kea's lease reclamation: a one-shot timer that its callback re-arms when
// it is done, so the wait counts from the end of one run. The deferred
// Setup re-arms it even if the work panics.
func Example_reclamation() {
	clk := timermgr.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	m := timermgr.New(timermgr.WithClock(clk))
	defer m.Close()

	const name = "reclaim-expired-leases"
	reclaim := func(ctx context.Context) {
		defer m.Setup(name)
		fmt.Println("reclaiming at", clk.Now().Format(time.TimeOnly))
	}
	if err := m.Register(name, 10*time.Second, timermgr.OneShot, reclaim); err != nil {
		fmt.Println(err)
		return
	}
	m.Setup(name)
	clk.Advance(25 * time.Second) // fires at 10s and 20s, waiting for each run
	// Output:
	// reclaiming at 00:00:10
	// reclaiming at 00:00:20
}

// A repeating timer, as Kea's memfile-lfc, re-arms itself.
func ExampleManager_Register() {
	clk := timermgr.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	m := timermgr.New(timermgr.WithClock(clk))
	defer m.Close()

	m.Register("memfile-lfc", time.Hour, timermgr.Repeating, func(ctx context.Context) {
		fmt.Println("lease file cleanup at", clk.Now().Format(time.TimeOnly))
	})
	m.Setup("memfile-lfc")
	clk.Advance(3 * time.Hour)
	m.Cancel("memfile-lfc")
	clk.Advance(3 * time.Hour)
	fmt.Println(m.Count(), "timer registered, armed:", m.IsArmed("memfile-lfc"))
	// Output:
	// lease file cleanup at 01:00:00
	// lease file cleanup at 02:00:00
	// lease file cleanup at 03:00:00
	// 1 timer registered, armed: false
}

// Errors are sentinels wrapped with the timer's name.
func ExampleManager_Setup() {
	m := timermgr.New()
	defer m.Close()
	err := m.Setup("flush-reclaimed-leases")
	fmt.Println(err)
	// Output:
	// timermgr: timer not registered: setup "flush-reclaimed-leases"
}
