package alloc

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/timermgr"
)

// Timer names Kea's servers register for lease reclamation.
const (
	TimerReclaimExpired = "reclaim-expired-leases"
	TimerFlushReclaimed = "flush-reclaimed-leases"
)

// reclaimCycles counts consecutive reclamation runs that left expired
// leases behind (Kea's incomplete_v4/6_reclamations_).
type reclaimCycles struct {
	mu         sync.Mutex
	incomplete uint32
}

// ReclaimResult is what one reclamation run did.
type ReclaimResult struct {
	// Reclaimed counts leases reclaimed (deleted or kept as
	// expired-reclaimed, declined ones recovered).
	Reclaimed int
	// Skipped counts leases a hook kept, or that were busy (being
	// allocated) or changed meanwhile.
	Skipped int
	// Complete is false when expired leases were left for a later run
	// (the lease or time limit was reached).
	Complete bool
}

// ReclaimExpired4 reclaims expired DHCPv4 leases (Kea's
// reclaimExpiredLeases4): at most maxLeases of them (0 = no limit) and for
// at most timeout (0 = no limit), always at least one. With remove (Kea:
// flush-reclaimed-timer-wait-time 0) reclaimed leases are deleted, else they
// stay in state expired-reclaimed for lease affinity. Declined leases whose
// probation ended are removed either way, unless the recover hook skips.
// Each reclaimed lease runs the expire hook, which may skip it.
func (e *Engine) ReclaimExpired4(ctx context.Context, maxLeases int, timeout time.Duration, remove bool) (ReclaimResult, error) {
	return reclaimRun(ctx, e, &e.cycles4, "v4", maxLeases, timeout, e.leases.ExpiredLeases4,
		func(l *leasemgr.Lease4) (leasemgr.LeaseType, netip.Addr) { return leasemgr.TypeV4, l.Addr },
		func(ctx context.Context, st *state, l *leasemgr.Lease4) (bool, error) {
			return e.reclaim4(ctx, st, l, remove)
		})
}

// reclaimRun is the reclamation loop both families share: fetch one more
// expired lease than allowed (to know whether a backlog remains), then
// reclaim each under the in-flight resource lock until the lease or time
// limit, always at least one.
func reclaimRun[L any](ctx context.Context, e *Engine, cycles *reclaimCycles, fam string, maxLeases int, timeout time.Duration,
	expired func(ctx context.Context, now time.Time, max int) ([]L, error),
	resource func(L) (leasemgr.LeaseType, netip.Addr),
	reclaimOne func(ctx context.Context, st *state, l L) (bool, error)) (ReclaimResult, error) {
	st, err := e.acquire()
	if err != nil {
		return ReclaimResult{}, err
	}
	defer st.release()
	begin := time.Now()
	fetch := 0
	if maxLeases > 0 {
		fetch = maxLeases + 1
	}
	leases, err := expired(ctx, e.now(), fetch)
	if err != nil {
		return ReclaimResult{}, fmt.Errorf("alloc: expired leases: %w", err)
	}
	res := ReclaimResult{Complete: true}
	if maxLeases > 0 && len(leases) > maxLeases {
		leases = leases[:maxLeases]
		res.Complete = false
	}
	h := NewResourceHandler(&e.res)
	for i, l := range leases {
		if i > 0 && ((timeout > 0 && time.Since(begin) >= timeout) || ctx.Err() != nil) {
			res.Complete = false
			break
		}
		if !h.TryLock(resource(l)) {
			res.Skipped++
			continue
		}
		ok, err := reclaimOne(ctx, st, l)
		h.Release()
		if err != nil {
			return res, err
		}
		if ok {
			res.Reclaimed++
		} else {
			res.Skipped++
		}
	}
	cycles.done(e, st, res.Complete, fam)
	return res, nil
}

// reclaim4 reclaims one lease; false if a hook skipped it or it changed.
func (e *Engine) reclaim4(ctx context.Context, st *state, l *leasemgr.Lease4, remove bool) (bool, error) {
	old := l.Clone()
	declined := l.State == leasemgr.StateDeclined
	if hook := e.hooks.Lease4Expire; hook != nil && hook(ctx, l, remove || declined) == Skip {
		return false, nil
	}
	if declined {
		if hook := e.hooks.Lease4Recover; hook != nil && hook(ctx, l) == Skip {
			return false, nil
		}
	}
	var err error
	if remove || declined {
		err = e.leases.DeleteLease4(ctx, l)
	} else {
		l.State = leasemgr.StateExpiredReclaimed
		l.Hostname = ""
		l.FQDNFwd, l.FQDNRev = false, false
		l.UserContext = nil
		err = e.leases.UpdateLease4(ctx, l)
	}
	if err != nil {
		if errors.Is(err, leasemgr.ErrNotFound) || errors.Is(err, leasemgr.ErrConflict) {
			return false, nil
		}
		return false, fmt.Errorf("alloc: reclaim %s: %w", l.Addr, err)
	}
	st.count4(old, -1)
	st.reclaimed4(old, declined)
	return true, nil
}

// done counts incomplete runs and warns after unwarned-reclaim-cycles of
// them in a row.
func (c *reclaimCycles) done(e *Engine, st *state, complete bool, fam string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if complete {
		c.incomplete = 0
		return
	}
	c.incomplete++
	if limit := st.cfg.ExpiredLeases.UnwarnedReclaimCycles; limit > 0 && c.incomplete > limit {
		e.log.Warn("alloc: expired leases are left after several reclamation cycles; consider raising max-reclaim-leases or max-reclaim-time",
			"family", fam, "cycles", c.incomplete)
		c.incomplete = 0
	}
}

// DeleteExpiredReclaimed4 removes the DHCPv4 leases in state
// expired-reclaimed that expired more than hold ago (Kea's
// deleteExpiredReclaimedLeases4 with hold-reclaimed-time).
func (e *Engine) DeleteExpiredReclaimed4(ctx context.Context, hold time.Duration) (int, error) {
	return e.leases.DeleteExpiredReclaimedLeases4(ctx, e.now().Add(-hold))
}

// DeleteExpiredReclaimed6 is DeleteExpiredReclaimed4 for DHCPv6.
func (e *Engine) DeleteExpiredReclaimed6(ctx context.Context, hold time.Duration) (int, error) {
	return e.leases.DeleteExpiredReclaimedLeases6(ctx, e.now().Add(-hold))
}

// ScheduleReclamation registers Kea's one-shot "reclaim-expired-leases" and
// "flush-reclaimed-leases" timers in tm for the family u (leasemgr.V4 or
// V6), with the parameters of expired-leases-processing, and arms them.
// Each callback re-arms its timer when it has run, so the wait is measured
// from the end of a run. A zero reclaim-timer-wait-time disables
// reclamation, a zero flush-reclaimed-timer-wait-time the flush (reclaimed
// leases are then deleted at once). Calling it again replaces the timers.
func (e *Engine) ScheduleReclamation(tm *timermgr.Manager, u leasemgr.Universe, p cfgmgr.ExpiredLeasesProcessing) error {
	if tm == nil {
		return fmt.Errorf("%w: nil timer manager", ErrBadRequest)
	}
	if u != leasemgr.V4 && u != leasemgr.V6 {
		return fmt.Errorf("%w: universe %v", ErrBadRequest, u)
	}
	for _, name := range []string{TimerReclaimExpired, TimerFlushReclaimed} {
		if tm.IsRegistered(name) {
			if err := tm.Unregister(name); err != nil {
				return err
			}
		}
	}
	remove := p.FlushReclaimedTimerWaitTime == 0
	if p.ReclaimTimerWaitTime > 0 {
		maxLeases := int(p.MaxReclaimLeases)
		timeout := time.Duration(p.MaxReclaimTime) * time.Millisecond
		err := tm.Register(TimerReclaimExpired, time.Duration(p.ReclaimTimerWaitTime)*time.Second, timermgr.OneShot,
			func(ctx context.Context) {
				defer func() { _ = tm.Setup(TimerReclaimExpired) }()
				var err error
				if u == leasemgr.V4 {
					_, err = e.ReclaimExpired4(ctx, maxLeases, timeout, remove)
				} else {
					_, err = e.ReclaimExpired6(ctx, maxLeases, timeout, remove)
				}
				if err != nil {
					e.log.Error("alloc: lease reclamation failed", "error", err)
				}
			})
		if err != nil {
			return err
		}
		if err := tm.Setup(TimerReclaimExpired); err != nil {
			return err
		}
	}
	if p.FlushReclaimedTimerWaitTime > 0 {
		hold := time.Duration(p.HoldReclaimedTime) * time.Second
		err := tm.Register(TimerFlushReclaimed, time.Duration(p.FlushReclaimedTimerWaitTime)*time.Second, timermgr.OneShot,
			func(ctx context.Context) {
				defer func() { _ = tm.Setup(TimerFlushReclaimed) }()
				var err error
				if u == leasemgr.V4 {
					_, err = e.DeleteExpiredReclaimed4(ctx, hold)
				} else {
					_, err = e.DeleteExpiredReclaimed6(ctx, hold)
				}
				if err != nil {
					e.log.Error("alloc: flushing reclaimed leases failed", "error", err)
				}
			})
		if err != nil {
			return err
		}
		if err := tm.Setup(TimerFlushReclaimed); err != nil {
			return err
		}
	}
	return nil
}

// ReclaimExpired6 is ReclaimExpired4 for DHCPv6 leases (Kea's
// reclaimExpiredLeases6).
func (e *Engine) ReclaimExpired6(ctx context.Context, maxLeases int, timeout time.Duration, remove bool) (ReclaimResult, error) {
	return reclaimRun(ctx, e, &e.cycles6, "v6", maxLeases, timeout, e.leases.ExpiredLeases6,
		func(l *leasemgr.Lease6) (leasemgr.LeaseType, netip.Addr) { return l.Type, l.Addr },
		func(ctx context.Context, st *state, l *leasemgr.Lease6) (bool, error) {
			return e.reclaim6(ctx, st, l, remove)
		})
}

func (e *Engine) reclaim6(ctx context.Context, st *state, l *leasemgr.Lease6, remove bool) (bool, error) {
	old := l.Clone()
	declined := l.State == leasemgr.StateDeclined
	if hook := e.hooks.Lease6Expire; hook != nil && hook(ctx, l, remove || declined) == Skip {
		return false, nil
	}
	if declined {
		if hook := e.hooks.Lease6Recover; hook != nil && hook(ctx, l) == Skip {
			return false, nil
		}
	}
	var err error
	if remove || declined {
		err = e.leases.DeleteLease6(ctx, l)
	} else {
		l.State = leasemgr.StateExpiredReclaimed
		l.Hostname = ""
		l.FQDNFwd, l.FQDNRev = false, false
		l.UserContext = nil
		l.PreferredLifetime = 0
		err = e.leases.UpdateLease6(ctx, l)
	}
	if err != nil {
		if errors.Is(err, leasemgr.ErrNotFound) || errors.Is(err, leasemgr.ErrConflict) {
			return false, nil
		}
		return false, fmt.Errorf("alloc: reclaim %s: %w", l.Addr, err)
	}
	st.count6(old, -1)
	st.reclaimed6(old, declined)
	return true, nil
}
