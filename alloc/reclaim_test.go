package alloc_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/stats"
	"github.com/dhcpsrv/dhcpsrv/timermgr"
)

// allocN makes n leases for n clients.
func (f *fixture) allocN(n int) []*leasemgr.Lease4 {
	out := make([]*leasemgr.Lease4, 0, n)
	for i := 0; i < n; i++ {
		l, err := f.eng.Request4(bg, f.ctx4(1, mac(byte(i+1))))
		require.NoError(f.t, err)
		out = append(out, l)
	}
	return out
}

func TestReclaimRemove(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	f.allocN(5)
	require.EqualValues(t, 5, f.stat(stats.AssignedAddresses))
	f.clock.Advance(5000 * time.Second)
	res, err := f.eng.ReclaimExpired4(bg, 3, 0, true)
	require.NoError(t, err)
	require.Equal(t, 3, res.Reclaimed)
	require.False(t, res.Complete)
	res, err = f.eng.ReclaimExpired4(bg, 3, 0, true)
	require.NoError(t, err)
	require.Equal(t, 2, res.Reclaimed)
	require.True(t, res.Complete)
	all, err := f.leases.AllLeases4(bg)
	require.NoError(t, err)
	require.Empty(t, all)
	require.EqualValues(t, 5, f.stat(stats.ReclaimedLeases))
	require.EqualValues(t, 5, f.stat(stats.SubnetName(1, stats.ReclaimedLeases)))
	require.EqualValues(t, 0, f.stat(stats.AssignedAddresses))
	f.checkStats4()
}

func TestReclaimAffinityAndFlush(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	ls := f.allocN(2)
	f.clock.Advance(5000 * time.Second)
	res, err := f.eng.ReclaimExpired4(bg, 0, 0, false)
	require.NoError(t, err)
	require.Equal(t, 2, res.Reclaimed)
	l, err := f.leases.Lease4(bg, ls[0].Addr)
	require.NoError(t, err)
	require.Equal(t, leasemgr.StateExpiredReclaimed, l.State)
	f.checkStats4()
	// The returning client gets its old address (affinity).
	c := f.ctx4(1, mac(1))
	got, err := f.eng.Request4(bg, c)
	require.NoError(t, err)
	require.Equal(t, ls[0].Addr, got.Addr)
	f.checkStats4()
	// Flush after the hold time removes the other.
	n, err := f.eng.DeleteExpiredReclaimed4(bg, time.Hour)
	require.NoError(t, err)
	require.Equal(t, 0, n)
	f.clock.Advance(2 * time.Hour)
	n, err = f.eng.DeleteExpiredReclaimed4(bg, time.Hour)
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

func TestReclaimReleasedKeepsStats(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	ls := f.allocN(2)
	c := f.ctx4(1, mac(1))
	c.RequestedAddr = ls[0].Addr
	_, err := f.eng.Release4(bg, c)
	require.NoError(t, err)
	require.EqualValues(t, 1, f.stat(stats.AssignedAddresses))
	f.clock.Advance(5000 * time.Second)
	_, err = f.eng.ReclaimExpired4(bg, 0, 0, false)
	require.NoError(t, err)
	require.EqualValues(t, 0, f.stat(stats.AssignedAddresses), "released lease not decremented twice")
	f.checkStats4()
}

func TestReclaimDeclined(t *testing.T) {
	for _, skip := range []bool{false, true} {
		recovered := 0
		f := newFixture(t, cfgSimple4, alloc.WithHooks(alloc.Hooks{
			Lease4Recover: func(context.Context, *leasemgr.Lease4) alloc.Verdict {
				recovered++
				if skip {
					return alloc.Skip
				}
				return alloc.Continue
			},
		}))
		ls := f.allocN(1)
		c := f.ctx4(1, mac(1))
		c.RequestedAddr = ls[0].Addr
		_, err := f.eng.Decline4(bg, c)
		require.NoError(t, err)
		f.clock.Advance(86401 * time.Second)
		res, err := f.eng.ReclaimExpired4(bg, 0, 0, false) // affinity on: declined still removed
		require.NoError(t, err)
		require.Equal(t, 1, recovered)
		_, err = f.leases.Lease4(bg, ls[0].Addr)
		if skip {
			require.NoError(t, err)
			require.Equal(t, 1, res.Skipped)
			require.EqualValues(t, 1, f.stat(stats.DeclinedAddresses))
			continue
		}
		require.ErrorIs(t, err, leasemgr.ErrNotFound)
		require.EqualValues(t, 0, f.stat(stats.DeclinedAddresses))
		require.EqualValues(t, 1, f.stat(stats.ReclaimedDeclinedAddresses))
		require.EqualValues(t, 1, f.stat(stats.SubnetName(1, stats.ReclaimedDeclinedAddresses)))
		f.checkStats4()
	}
}

func TestReclaimExpireHookSkips(t *testing.T) {
	f := newFixture(t, cfgSimple4, alloc.WithHooks(alloc.Hooks{
		Lease4Expire: func(_ context.Context, l *leasemgr.Lease4, _ bool) alloc.Verdict {
			if l.Addr == netip.MustParseAddr("192.0.2.100") {
				return alloc.Skip
			}
			return alloc.Continue
		},
	}))
	f.allocN(2)
	f.clock.Advance(5000 * time.Second)
	res, err := f.eng.ReclaimExpired4(bg, 0, 0, true)
	require.NoError(t, err)
	require.Equal(t, 1, res.Reclaimed)
	require.Equal(t, 1, res.Skipped)
}

func TestReclaimAlwaysOneDespiteTimeout(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	f.allocN(3)
	f.clock.Advance(5000 * time.Second)
	res, err := f.eng.ReclaimExpired4(bg, 0, time.Nanosecond, true)
	require.NoError(t, err)
	require.GreaterOrEqual(t, res.Reclaimed, 1)
}

func TestScheduleReclamation(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	f.allocN(3)
	clk := timermgr.NewFakeClock(time.Unix(0, 0))
	tm := timermgr.New(timermgr.WithClock(clk))
	defer tm.Close()
	p := f.cfg.ExpiredLeases
	require.NoError(t, f.eng.ScheduleReclamation(tm, leasemgr.V4, p))
	require.True(t, tm.IsArmed(alloc.TimerReclaimExpired))
	require.True(t, tm.IsArmed(alloc.TimerFlushReclaimed))
	f.clock.Advance(5000 * time.Second)
	clk.Advance(10 * time.Second)
	require.True(t, tm.IsArmed(alloc.TimerReclaimExpired), "re-armed after the run")
	all, err := f.leases.AllLeases4(bg)
	require.NoError(t, err)
	for _, l := range all {
		require.Equal(t, leasemgr.StateExpiredReclaimed, l.State)
	}
	f.clock.Advance(2 * time.Hour)
	clk.Advance(15 * time.Second) // flush at 25 s
	all, err = f.leases.AllLeases4(bg)
	require.NoError(t, err)
	require.Empty(t, all)
	// Rescheduling replaces the timers; zero disables.
	p.ReclaimTimerWaitTime = 0
	p.FlushReclaimedTimerWaitTime = 0
	require.NoError(t, f.eng.ScheduleReclamation(tm, leasemgr.V4, p))
	require.False(t, tm.IsRegistered(alloc.TimerReclaimExpired))
	require.Error(t, f.eng.ScheduleReclamation(nil, leasemgr.V4, p))
}
