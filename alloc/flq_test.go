package alloc_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

var flqNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func lease4(a string, subnet uint32, state leasemgr.State, expired bool) *leasemgr.Lease4 {
	l := &leasemgr.Lease4{Addr: netip.MustParseAddr(a), SubnetID: subnet, State: state, ValidLifetime: 3600, CLTT: flqNow.Unix() - 60}
	if expired {
		l.CLTT = flqNow.Unix() - 7200
	}
	return l
}

// flqRound returns the candidates of one full round.
func flqRound(t *testing.T, a alloc.Allocator, req *alloc.Request) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	for i := 0; ; i++ {
		c, err := a.Pick(req)
		if errors.Is(err, alloc.ErrExhausted) {
			return got
		}
		require.NoError(t, err)
		require.False(t, got[c.Addr.String()], "%s twice", c.Addr)
		got[c.Addr.String()] = true
		require.Less(t, i, 1<<20)
	}
}

func set(addrs ...string) map[string]bool {
	m := map[string]bool{}
	for _, a := range addrs {
		m[a] = true
	}
	return m
}

func newFLQ(t *testing.T, spec alloc.Spec) *alloc.FLQ {
	t.Helper()
	a, err := alloc.NewFLQ(spec, alloc.AllocatorOptions{Seed: 7, Now: func() time.Time { return flqNow }})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func TestFLQBuildsFromLeases(t *testing.T) {
	lm := newFakeLeases()
	lm.put4(leasemgr.OpAdd, lease4("192.0.2.1", 1, leasemgr.StateDefault, false))         // used
	lm.put4(leasemgr.OpAdd, lease4("192.0.2.2", 1, leasemgr.StateExpiredReclaimed, true)) // free
	lm.put4(leasemgr.OpAdd, lease4("192.0.2.3", 1, leasemgr.StateDefault, true))          // expired: free
	lm.put4(leasemgr.OpAdd, lease4("192.0.2.4", 1, leasemgr.StateDeclined, false))        // probation: used
	lm.put4(leasemgr.OpAdd, lease4("192.0.2.5", 2, leasemgr.StateDefault, false))         // other subnet: ignored
	lm.put4(leasemgr.OpAdd, lease4("192.0.2.6", 1, leasemgr.StateReleased, true))         // released: free
	lm.put4(leasemgr.OpAdd, lease4("192.0.2.99", 1, leasemgr.StateDefault, false))        // outside the pools
	a := newFLQ(t, alloc.Spec{SubnetID: 1, Type: leasemgr.TypeV4, Leases: lm, Pools: []alloc.Pool{v4pool("192.0.2.1", "192.0.2.8", 1, "")}})
	require.Equal(t, uint64(8), a.Capacity(nil))
	require.Equal(t, uint64(6), a.Free(nil))
	require.InDelta(t, 2.0/8, a.Occupancy(nil), 1e-9)
	want := set("192.0.2.2", "192.0.2.3", "192.0.2.5", "192.0.2.6", "192.0.2.7", "192.0.2.8")
	require.Equal(t, want, flqRound(t, a, nil))
	require.Equal(t, want, flqRound(t, a, nil), "second round")
}

func TestFLQFollowsLeaseChanges(t *testing.T) {
	lm := newFakeLeases()
	a := newFLQ(t, alloc.Spec{SubnetID: 1, Type: leasemgr.TypeV4, Leases: lm, Pools: []alloc.Pool{v4pool("192.0.2.1", "192.0.2.4", 1, "")}})
	require.Equal(t, 1, lm.watching())
	all := set("192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4")
	require.Equal(t, all, flqRound(t, a, nil))

	l1 := lease4("192.0.2.1", 1, leasemgr.StateDefault, false)
	l2 := lease4("192.0.2.2", 1, leasemgr.StateDefault, false)
	lm.put4(leasemgr.OpAdd, l1)
	lm.put4(leasemgr.OpAdd, l2)
	lm.put4(leasemgr.OpAdd, lease4("192.0.2.3", 1, leasemgr.StateDefault, true))  // expired add: stays free
	lm.put4(leasemgr.OpAdd, lease4("192.0.2.4", 9, leasemgr.StateDefault, false)) // other subnet
	require.Equal(t, set("192.0.2.3", "192.0.2.4"), flqRound(t, a, nil))
	require.Equal(t, uint64(2), a.Free(nil))

	// Reclaimed → free; declined (in probation) → used; delete → free.
	l1.State = leasemgr.StateExpiredReclaimed
	lm.put4(leasemgr.OpUpdate, l1)
	l3 := lease4("192.0.2.3", 1, leasemgr.StateDeclined, false)
	lm.put4(leasemgr.OpUpdate, l3)
	require.Equal(t, set("192.0.2.1", "192.0.2.4"), flqRound(t, a, nil))
	lm.put4(leasemgr.OpDelete, l2)
	require.Equal(t, set("192.0.2.1", "192.0.2.2", "192.0.2.4"), flqRound(t, a, nil))
	// An update back to an active lease makes it used again.
	l1.State = leasemgr.StateDefault
	lm.put4(leasemgr.OpUpdate, l1)
	require.Equal(t, set("192.0.2.2", "192.0.2.4"), flqRound(t, a, nil))

	require.NoError(t, a.Close())
	require.NoError(t, a.Close())
	require.Equal(t, 0, lm.watching())
	lm.put4(leasemgr.OpDelete, l1)
	require.Equal(t, set("192.0.2.2", "192.0.2.4"), flqRound(t, a, nil), "closed: changes no longer followed")
}

// TestFLQChangesDuringBuild changes leases while flq reads them: the
// changes made after the watch began are replayed over the leases read.
func TestFLQChangesDuringBuild(t *testing.T) {
	lm := newFakeLeases()
	old := lease4("192.0.2.1", 1, leasemgr.StateDefault, false)
	lm.put4(leasemgr.OpAdd, old)
	lm.put4(leasemgr.OpAdd, lease4("192.0.2.4", 1, leasemgr.StateDefault, false))
	lm.onRead = func() {
		lm.onRead = nil
		lm.put4(leasemgr.OpAdd, lease4("192.0.2.2", 1, leasemgr.StateDefault, false))
		lm.put4(leasemgr.OpDelete, old)
	}
	a := newFLQ(t, alloc.Spec{SubnetID: 1, Type: leasemgr.TypeV4, Leases: lm, Pools: []alloc.Pool{v4pool("192.0.2.1", "192.0.2.4", 1, "")}})
	require.Equal(t, set("192.0.2.1", "192.0.2.3"), flqRound(t, a, nil))
	require.Equal(t, uint64(2), a.Free(nil))
}

func TestFLQPrefixesAndAddresses6(t *testing.T) {
	lm := newFakeLeases()
	p := netip.MustParsePrefix("2001:db8:1::/56")
	used := &leasemgr.Lease6{Type: leasemgr.TypePD, Addr: netip.MustParseAddr("2001:db8:1:10::"), PrefixLen: 60, SubnetID: 3, ValidLifetime: 3600, CLTT: flqNow.Unix()}
	na := &leasemgr.Lease6{Type: leasemgr.TypeNA, Addr: netip.MustParseAddr("2001:db8:1::"), PrefixLen: 128, SubnetID: 3, ValidLifetime: 3600, CLTT: flqNow.Unix()}
	lm.put6(leasemgr.OpAdd, used)
	lm.put6(leasemgr.OpAdd, na) // another type: ignored by the PD allocator
	a := newFLQ(t, alloc.Spec{SubnetID: 3, Type: leasemgr.TypePD, Leases: lm, Pools: []alloc.Pool{{
		First: p.Addr(), Last: netip.MustParseAddr("2001:db8:1:f0::"), PrefixLen: 60, Prefix: p, ID: 1,
	}}})
	require.Equal(t, uint64(15), a.Free(nil))
	got := flqRound(t, a, &alloc.Request{})
	require.Len(t, got, 15)
	require.False(t, got["2001:db8:1:10::"])
	require.True(t, got["2001:db8:1::"])
	lm.put6(leasemgr.OpDelete, used)
	require.Len(t, flqRound(t, a, &alloc.Request{}), 16)

	// Small NA pools are supported; a /64 is not.
	b := newFLQ(t, alloc.Spec{SubnetID: 3, Type: leasemgr.TypeNA, Leases: lm, Pools: []alloc.Pool{{
		First: netip.MustParseAddr("2001:db8:1::"), Last: netip.MustParseAddr("2001:db8:1::ff"), PrefixLen: 128,
	}}})
	require.Equal(t, uint64(255), b.Free(nil))
	_, err := alloc.NewFLQ(alloc.Spec{SubnetID: 3, Type: leasemgr.TypeNA, Leases: lm, Pools: []alloc.Pool{{
		First: netip.MustParseAddr("2001:db8:2::"), Last: netip.MustParseAddr("2001:db8:2::ffff:ffff:ffff:ffff"), PrefixLen: 128,
	}}}, alloc.AllocatorOptions{})
	require.ErrorIs(t, err, alloc.ErrUnsupported)
	require.ErrorContains(t, err, "more than flq supports")
}

func TestFLQNeedsAWatcher(t *testing.T) {
	spec := alloc.Spec{SubnetID: 1, Type: leasemgr.TypeV4, Pools: []alloc.Pool{v4pool("192.0.2.1", "192.0.2.3", 1, "")}}
	_, err := alloc.NewFLQ(spec, alloc.AllocatorOptions{})
	require.ErrorIs(t, err, alloc.ErrUnsupported)
	require.ErrorContains(t, err, "leasemgr.Watcher")
	spec.Leases = notWatcher{}
	_, err = alloc.NewAllocator("flq", spec)
	require.ErrorIs(t, err, alloc.ErrUnsupported)
}

// TestFLQNearlyFull fills a /16 but for two addresses: picks find them
// directly, each round costs a handful of steps.
func TestFLQNearlyFull(t *testing.T) {
	lm := newFakeLeases()
	a := newFLQ(t, alloc.Spec{SubnetID: 1, Type: leasemgr.TypeV4, Leases: lm, Pools: []alloc.Pool{v4pool("10.1.0.0", "10.1.255.255", 1, "")}})
	for i := 0; i < 1<<16; i++ {
		if i == 4242 || i == 60000 {
			continue
		}
		lm.put4(leasemgr.OpAdd, lease4(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}).String(), 1, leasemgr.StateDefault, false))
	}
	require.Equal(t, uint64(2), a.Free(nil))
	require.InDelta(t, 1-2.0/65536, a.Occupancy(nil), 1e-9)
	for range 3 {
		require.Equal(t, set("10.1.16.146", "10.1.234.96"), flqRound(t, a, nil))
	}
}
