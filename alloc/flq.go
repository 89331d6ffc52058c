package alloc

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// MaxFLQPoolSize is the largest pool, in resources, that the flq allocator
// takes (2^24: an IPv4 /8, or a PD pool of 16,777,216 prefixes; the limit
// Kea's shared FLQ has too). Its free set costs one bit per resource.
const MaxFLQPoolSize = 1 << 24

// FLQ is the free lease queue allocator ("flq", Kea 2.3.7+): it knows which
// resources are free and proposes only those, in O(1) whatever the
// occupancy, so it stays fast when pools are nearly exhausted.
//
// Free set. Each pool has a random keyed bijection π of its offsets (a
// Feistel network) and a bitmap indexed by position in that order: bit k
// is set when the resource π(k) is free, with summary levels (one bit per
// non-zero word) to find the next free position in O(log64 n), at most four
// steps for a /8. The queue of Kea's FLQ is this bitmap read cyclically
// from a cursor: a pick takes the first free position at or after the
// cursor and moves the cursor past it ("pop front, push back": a proposed
// resource stays free until a lease appears), so candidates come in a
// random order fixed at construction. Memory is size/8 bytes per pool
// (2 MiB for a /8) against 16 bytes and more per free resource for a queue
// of offsets with a position index (256 MiB for a /8). Building is a memset
// plus one bit per existing lease; see BenchmarkFLQBuild for figures.
//
// Pick chooses among the permitted pools with free resources left in the
// round, with a probability proportional to their free count (Kea draws the
// pool uniformly), and rounds follow the Allocator contract: a pool's round
// ends when its cursor has gone once around the bitmap, so a resource is
// proposed at most once per round, and a resource freed behind the cursor
// waits for the next round.
//
// Tracking. Built at construction from Spec.Leases' leases of the subnet
// (Leases4BySubnet / Leases6BySubnet of the lease type; leases of other
// subnets in the pools' ranges are ignored, as in Kea), then kept current
// by the lease manager's change notifications, which it must offer
// (leasemgr.Watcher): a lease occupies its resource unless it has expired
// or is in state expired-reclaimed or released. So an add of an unexpired
// lease marks its resource used, an update marks it free if the lease has
// expired or is reclaimed/released and used otherwise, and a delete marks it
// free. Unlike Kea, a lease that expired without being reclaimed counts as
// free when the allocator is built (the engine reclaims and reuses it), but
// nothing is told when a lease expires later: it is free again once
// reclaimed, so keep the reclaim timer short.
//
// Lease types: v4 and PD as in Kea, and also IPv6 addresses (NA, TA) when
// each pool holds at most MaxFLQPoolSize addresses (Kea rejects flq for
// address pools; a /64 address pool is refused here with ErrUnsupported).
//
// An FLQ is safe for concurrent use (one mutex per allocator, also taken by
// the change notifications). Close stops following the lease manager; the
// engine calls it when the configuration is replaced.
type FLQ struct {
	ps  poolSet
	now func() time.Time

	mu       sync.Mutex
	rng      *rand.Rand
	pools    []flqPool
	building bool
	pending  []leasemgr.Event

	cancel    func()
	closeOnce sync.Once
}

type flqPool struct {
	perm   feistel // position → offset
	free   bitset  // positions whose resource is free
	nfree  uint64
	cursor uint64 // next position to look at
	walked uint64 // positions passed in this round
}

var (
	_ Allocator = (*FLQ)(nil)
	_ io.Closer = (*FLQ)(nil)
)

// NewFLQ returns a free lease queue allocator for spec's pools, built from
// spec.Leases and following its changes. It fails, wrapping ErrUnsupported,
// when spec.Leases is nil or not a leasemgr.Watcher or a pool is larger
// than MaxFLQPoolSize, wrapping ErrInvalidPool on a malformed Spec, and
// with the lease manager's error if reading the leases fails.
func NewFLQ(spec Spec, opts AllocatorOptions) (*FLQ, error) {
	ps, err := newPoolSet(FLQName, spec)
	if err != nil {
		return nil, err
	}
	for i := range ps.spans {
		if s := &ps.spans[i]; s.size > MaxFLQPoolSize {
			what := "prefixes"
			if spec.Type != leasemgr.TypePD {
				what = "addresses"
			}
			return nil, fmt.Errorf("alloc: flq: subnet %d: pool %s - %s holds %d %s, more than flq supports (%d); use iterative or random: %w",
				spec.SubnetID, s.First, s.Last, s.size, what, MaxFLQPoolSize, ErrUnsupported)
		}
	}
	w, ok := spec.Leases.(leasemgr.Watcher)
	if !ok {
		return nil, fmt.Errorf("alloc: flq: subnet %d: the lease manager (%T) does not report lease changes (leasemgr.Watcher): %w",
			spec.SubnetID, spec.Leases, ErrUnsupported)
	}
	a := &FLQ{ps: ps, now: opts.Now, rng: newRand(opts.Seed), pools: make([]flqPool, len(ps.spans))}
	if a.now == nil {
		a.now = time.Now
	}
	// Watch first, buffering changes, then read: replaying the changes
	// made since the watch began over the leases read gives the current
	// state, since the last change of a resource tells its state.
	a.building = true
	a.cancel = w.Watch(a.onEvent)
	if err := a.build(spec); err != nil {
		a.cancel()
		return nil, err
	}
	a.mu.Lock()
	for _, ev := range a.pending {
		a.apply(ev)
	}
	a.pending, a.building = nil, false
	a.mu.Unlock()
	return a, nil
}

func (a *FLQ) build(spec Spec) error {
	for i := range a.pools {
		n := a.ps.spans[i].size
		a.pools[i] = flqPool{perm: newFeistel(n, a.rng.Uint64()), free: newFullBitset(n), nfree: n}
	}
	ctx := context.Background()
	now := a.now()
	if spec.Type == leasemgr.TypeV4 {
		leases, err := spec.Leases.Leases4BySubnet(ctx, spec.SubnetID)
		if err != nil {
			return fmt.Errorf("alloc: flq: subnet %d: read leases: %w", spec.SubnetID, err)
		}
		for _, l := range leases {
			if occupies(l.Expired(now), l.State) {
				a.mark(l.Addr, true)
			}
		}
		return nil
	}
	leases, err := spec.Leases.Leases6BySubnet(ctx, spec.SubnetID)
	if err != nil {
		return fmt.Errorf("alloc: flq: subnet %d: read leases: %w", spec.SubnetID, err)
	}
	for _, l := range leases {
		if l.Type == spec.Type && occupies(l.Expired(now), l.State) {
			a.mark(l.Addr, true)
		}
	}
	return nil
}

// occupies tells whether a lease keeps its resource from being offered.
func occupies(expired bool, st leasemgr.State) bool {
	return !expired && st != leasemgr.StateExpiredReclaimed && st != leasemgr.StateReleased
}

func (a *FLQ) onEvent(ev leasemgr.Event) {
	switch {
	case ev.Lease4 != nil:
		if a.ps.typ != leasemgr.TypeV4 || ev.Lease4.SubnetID != a.ps.subnetID {
			return
		}
	case ev.Lease6 != nil:
		if a.ps.typ != ev.Lease6.Type || ev.Lease6.SubnetID != a.ps.subnetID {
			return
		}
	default:
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.building {
		a.pending = append(a.pending, ev)
		return
	}
	a.apply(ev)
}

// apply applies a change of this subnet and type; a.mu is held.
func (a *FLQ) apply(ev leasemgr.Event) {
	var addr netip.Addr
	var used bool
	now := a.now()
	if l := ev.Lease4; l != nil {
		addr, used = l.Addr, occupies(l.Expired(now), l.State)
	} else {
		l := ev.Lease6
		addr, used = l.Addr, occupies(l.Expired(now), l.State)
	}
	if ev.Op == leasemgr.OpDelete {
		used = false
	}
	a.mark(addr, used)
}

// mark records resource addr as used or free.
func (a *FLQ) mark(addr netip.Addr, used bool) {
	i, off, ok := a.ps.find(addr)
	if !ok {
		return
	}
	p := &a.pools[i]
	pos := p.perm.index(off)
	if used {
		if p.free.remove(pos) {
			p.nfree--
		}
	} else if p.free.add(pos) {
		p.nfree++
	}
}

// pick takes the next free position of the round; false ends the round.
func (p *flqPool) pick() (uint64, bool) {
	n := p.free.n
	k, ok := p.free.next(p.cursor)
	if !ok {
		k, ok = p.free.next(0)
	}
	var d uint64
	if k >= p.cursor {
		d = k - p.cursor
	} else {
		d = n - p.cursor + k
	}
	if !ok || d >= n-p.walked {
		p.walked = n
		return 0, false
	}
	p.walked += d + 1
	p.cursor = k + 1
	if p.cursor >= n {
		p.cursor = 0
	}
	return k, true
}

// Pick proposes a free resource of a permitted pool, or answers
// ErrExhausted when the permitted pools have no free resource left in
// this round.
func (a *FLQ) Pick(req *Request) (Candidate, error) {
	req = orEmpty(req)
	a.mu.Lock()
	defer a.mu.Unlock()
	for {
		i, ok := chooseWeighted(&a.ps, req, a.rng, func(i int) uint64 {
			if p := &a.pools[i]; p.walked < p.free.n {
				return p.nfree
			}
			return 0
		})
		if !ok {
			break
		}
		p := &a.pools[i]
		if pos, ok := p.pick(); ok {
			return a.ps.spans[i].candidate(p.perm.at(pos)), nil
		}
	}
	for i := range a.ps.spans {
		if a.ps.allows(&a.ps.spans[i], req) {
			a.pools[i].walked = 0
		}
	}
	return Candidate{}, ErrExhausted
}

// Capacity returns the number of resources of the pools permitted for
// classes (free or not).
func (a *FLQ) Capacity(classes ClientClasses) uint64 { return a.ps.capacity(classes) }

// Free returns the number of free resources of the pools permitted for
// classes.
func (a *FLQ) Free(classes ClientClasses) uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	var free uint64
	for i := range a.ps.spans {
		if classes.Allows(a.ps.spans[i].ClientClass) {
			free += a.pools[i].nfree
		}
	}
	return free
}

// Occupancy returns the share of the permitted pools' resources that are
// in use (0 when no pool is permitted).
func (a *FLQ) Occupancy(classes ClientClasses) float64 {
	c := a.Capacity(classes)
	if c == 0 {
		return 0
	}
	return float64(c-a.Free(classes)) / float64(c)
}

// Close stops following the lease manager's changes. It always returns
// nil; calling it again does nothing. Pick keeps working on the free set as
// it was.
func (a *FLQ) Close() error {
	a.closeOnce.Do(a.cancel)
	return nil
}
