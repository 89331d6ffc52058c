package leasetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// Run runs the suite. open must return a new, empty Manager that serves
// both DHCPv4 and DHCPv6; Run calls it once per subtest and closes the
// Manager when the subtest ends (Close may thus be called twice if open
// also registers a Close).
func Run(t *testing.T, open func(t *testing.T) leasemgr.Manager) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, m leasemgr.Manager)
	}{
		{"v4/AddGet", testAddGet4},
		{"v4/Copies", testCopies4},
		{"v4/ByIdentifiers", testByIdentifiers4},
		{"v4/BySubnetHostname", testBySubnetHostname4},
		{"v4/Page", testPage4},
		{"v4/Expired", testExpired4},
		{"v4/Update", testUpdate4},
		{"v4/Delete", testDelete4},
		{"v4/DeleteExpiredReclaimed", testDeleteReclaimed4},
		{"v4/Wipe", testWipe4},
		{"v4/Declined", testDeclined4},
		{"v4/Infinite", testInfinite4},
		{"v6/AddGet", testAddGet6},
		{"v6/ByIdentifiers", testByIdentifiers6},
		{"v6/Page", testPage6},
		{"v6/ExpiredAndReclaimed", testExpired6},
		{"v6/UpdateDelete", testUpdateDelete6},
		{"v6/WipeDeclined", testWipeDeclined6},
		{"Watcher", testWatcher},
		{"StatsCounter", testStats},
		{"Concurrent", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := open(t)
			require.NotNil(t, m)
			t.Cleanup(func() { m.Close() })
			tc.fn(t, m)
		})
	}
}

// Base is the client last transmission time the suite's leases use
// (2026-01-01T00:00:00Z): far from zero, exact in seconds.
var Base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var ctx = context.Background()

func a4(s string) netip.Addr { return netip.MustParseAddr(s) }

// Lease4 returns a complete DHCPv4 lease for 192.0.2.n, the kind of lease
// the suite stores: hardware address 00:00:5e:00:53:n, client-id
// 01:00:00:5e:00:53:n, 3600 s valid from Base, subnet 1, pool 1.
func Lease4(n byte) *leasemgr.Lease4 {
	return &leasemgr.Lease4{
		Addr:          netip.AddrFrom4([4]byte{192, 0, 2, n}),
		HWAddr:        leasemgr.HWAddr{Addr: []byte{0, 0, 0x5e, 0, 0x53, n}, Type: leasemgr.HTypeEthernet},
		ClientID:      []byte{1, 0, 0, 0x5e, 0, 0x53, n},
		ValidLifetime: 3600,
		CLTT:          Base.Unix(),
		SubnetID:      1,
		PoolID:        1,
	}
}

// Lease6 returns a complete DHCPv6 IA_NA lease for 2001:db8::n: DUID
// 00:03:00:01:00:00:5e:00:53:n, IAID n, 3600/1800 s from Base, subnet 1.
func Lease6(n byte) *leasemgr.Lease6 {
	return &leasemgr.Lease6{
		Type:              leasemgr.TypeNA,
		Addr:              netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: n}),
		PrefixLen:         128,
		IAID:              uint32(n),
		DUID:              []byte{0, 3, 0, 1, 0, 0, 0x5e, 0, 0x53, n},
		PreferredLifetime: 1800,
		ValidLifetime:     3600,
		CLTT:              Base.Unix(),
		SubnetID:          1,
		PoolID:            1,
	}
}

func requireEqual4(t *testing.T, want, got *leasemgr.Lease4) {
	t.Helper()
	if !want.Equal(got) {
		require.Failf(t, "leases differ", "want %s\n got %s", dump(want), dump(got))
	}
}

func requireEqual6(t *testing.T, want, got *leasemgr.Lease6) {
	t.Helper()
	if !want.Equal(got) {
		require.Failf(t, "leases differ", "want %s\n got %s", dump(want), dump(got))
	}
}

// dump formats every field of a lease (%+v would use String).
func dump(l any) string {
	switch l := l.(type) {
	case *leasemgr.Lease4:
		if l != nil {
			type plain leasemgr.Lease4
			return fmt.Sprintf("%+v", (*plain)(l))
		}
	case *leasemgr.Lease6:
		if l != nil {
			type plain leasemgr.Lease6
			return fmt.Sprintf("%+v", (*plain)(l))
		}
	}
	return "<nil>"
}

func addrs4(ls []*leasemgr.Lease4) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Addr.String()
	}
	return out
}

func addrs6(ls []*leasemgr.Lease6) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Addr.String()
	}
	return out
}

func add4(t *testing.T, m leasemgr.Manager, ls ...*leasemgr.Lease4) {
	t.Helper()
	for _, l := range ls {
		require.NoError(t, m.AddLease4(ctx, l))
	}
}

func add6(t *testing.T, m leasemgr.Manager, ls ...*leasemgr.Lease6) {
	t.Helper()
	for _, l := range ls {
		require.NoError(t, m.AddLease6(ctx, l))
	}
}

func testAddGet4(t *testing.T, m leasemgr.Manager) {
	l := Lease4(1)
	l.FQDNFwd, l.FQDNRev = true, true
	l.Hostname = "host,with&odd\nchars.example.com."
	l.State = leasemgr.StateDefault
	l.PoolID = 7
	l.UserContext = leasemgr.UserContext{"ISC": map[string]any{"relay-agent-info": map[string]any{"sub-options": "0x0104AABBCCDD"}}, "n": json.Number("42"), "l": []any{true, nil, "x"}}
	add4(t, m, l)
	got, err := m.Lease4(ctx, l.Addr)
	require.NoError(t, err)
	requireEqual4(t, l, got)
	cltt, valid, ok := got.Loaded()
	require.True(t, ok, "returned leases remember what storage held")
	require.Equal(t, l.CLTT, cltt)
	require.Equal(t, l.ValidLifetime, valid)

	require.ErrorIs(t, m.AddLease4(ctx, Lease4(1)), leasemgr.ErrExists)
	_, err = m.Lease4(ctx, a4("192.0.2.99"))
	require.ErrorIs(t, err, leasemgr.ErrNotFound)
	_, err = m.Lease4(ctx, a4("2001:db8::1"))
	require.ErrorIs(t, err, leasemgr.ErrInvalid)
	bad := Lease4(2)
	bad.Addr = a4("2001:db8::2")
	require.ErrorIs(t, m.AddLease4(ctx, bad), leasemgr.ErrInvalid)
	require.ErrorIs(t, m.AddLease4(ctx, nil), leasemgr.ErrInvalid)

	// A lease with only a client-id, and one with only a hardware address.
	c := Lease4(3)
	c.HWAddr = leasemgr.HWAddr{}
	h := Lease4(4)
	h.ClientID = nil
	add4(t, m, c, h)
	got, err = m.Lease4(ctx, c.Addr)
	require.NoError(t, err)
	requireEqual4(t, c, got)
	got, err = m.Lease4(ctx, h.Addr)
	require.NoError(t, err)
	requireEqual4(t, h, got)
}

func testCopies4(t *testing.T, m leasemgr.Manager) {
	l := Lease4(1)
	l.UserContext = leasemgr.UserContext{"k": "v"}
	add4(t, m, l)
	l.HWAddr.Addr[0] = 0xff
	l.UserContext["k"] = "changed"
	l.Hostname = "changed"
	got, err := m.Lease4(ctx, l.Addr)
	require.NoError(t, err)
	requireEqual4(t, withUC(Lease4(1), leasemgr.UserContext{"k": "v"}), got)
	require.Equal(t, byte(0), got.HWAddr.Addr[0], "the manager kept a reference to the caller's bytes")
	require.Equal(t, "v", got.UserContext["k"], "the manager kept a reference to the caller's user context")
	got.ClientID[1] = 0xff
	got.UserContext["k"] = "x"
	again, err := m.Lease4(ctx, l.Addr)
	require.NoError(t, err)
	require.Equal(t, byte(0), again.ClientID[1], "the manager returned its own bytes")
	require.Equal(t, "v", again.UserContext["k"])
}

func withUC(l *leasemgr.Lease4, uc leasemgr.UserContext) *leasemgr.Lease4 {
	l.UserContext = uc
	return l
}

func testByIdentifiers4(t *testing.T, m leasemgr.Manager) {
	l1, l2, l3 := Lease4(1), Lease4(2), Lease4(3)
	// l2 is the same client as l1 in another subnet.
	l2.HWAddr, l2.ClientID, l2.SubnetID = l1.HWAddr.Clone(), slices.Clone(l1.ClientID), 2
	add4(t, m, l3, l2, l1)

	ls, err := m.Leases4ByHWAddr(ctx, l1.HWAddr.Addr)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"192.0.2.1", "192.0.2.2"}, addrs4(ls))
	ls, err = m.Leases4ByClientID(ctx, l1.ClientID)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"192.0.2.1", "192.0.2.2"}, addrs4(ls))
	ls, err = m.Leases4ByHWAddr(ctx, []byte{9, 9, 9, 9, 9, 9})
	require.NoError(t, err)
	require.Empty(t, ls)
	ls, err = m.Leases4ByClientID(ctx, []byte{9, 9})
	require.NoError(t, err)
	require.Empty(t, ls)

	got, err := m.Lease4ByHWAddrSubnet(ctx, l1.HWAddr.Addr, 2)
	require.NoError(t, err)
	requireEqual4(t, l2, got)
	got, err = m.Lease4ByClientIDSubnet(ctx, l1.ClientID, 1)
	require.NoError(t, err)
	requireEqual4(t, l1, got)
	_, err = m.Lease4ByHWAddrSubnet(ctx, l1.HWAddr.Addr, 3)
	require.ErrorIs(t, err, leasemgr.ErrNotFound)
	_, err = m.Lease4ByClientIDSubnet(ctx, l3.ClientID, 2)
	require.ErrorIs(t, err, leasemgr.ErrNotFound)
}

func testBySubnetHostname4(t *testing.T, m leasemgr.Manager) {
	var ls []*leasemgr.Lease4
	for n := byte(10); n > 0; n-- {
		l := Lease4(n)
		l.SubnetID = uint32(n%3 + 1)
		if n%2 == 0 {
			l.Hostname = "even.example.com"
		}
		ls = append(ls, l)
	}
	add4(t, m, ls...)
	got, err := m.Leases4BySubnet(ctx, 2)
	require.NoError(t, err)
	require.Equal(t, []string{"192.0.2.1", "192.0.2.4", "192.0.2.7", "192.0.2.10"}, addrs4(got), "by subnet, in address order")
	got, err = m.Leases4BySubnet(ctx, 99)
	require.NoError(t, err)
	require.Empty(t, got)
	got, err = m.Leases4ByHostname(ctx, "even.example.com")
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"192.0.2.2", "192.0.2.4", "192.0.2.6", "192.0.2.8", "192.0.2.10"}, addrs4(got))
	got, err = m.Leases4ByHostname(ctx, "EVEN.example.com")
	require.NoError(t, err)
	require.Empty(t, got, "hostnames match exactly")
	all, err := m.AllLeases4(ctx)
	require.NoError(t, err)
	require.Len(t, all, 10)
	require.True(t, slices.IsSortedFunc(all, func(a, b *leasemgr.Lease4) int { return a.Addr.Compare(b.Addr) }), "all leases in address order")
}

func testPage4(t *testing.T, m leasemgr.Manager) {
	// Empty store.
	got, err := m.Leases4Page(ctx, netip.IPv4Unspecified(), 10)
	require.NoError(t, err)
	require.Empty(t, got)
	for _, n := range []byte{200, 1, 255, 7, 128, 2, 3, 100} {
		add4(t, m, Lease4(n))
	}
	want := []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.7", "192.0.2.100", "192.0.2.128", "192.0.2.200", "192.0.2.255"}
	for _, size := range []int{1, 3, 4, 8, 100} {
		var all []string
		after := netip.IPv4Unspecified()
		for i := 0; ; i++ {
			page, err := m.Leases4Page(ctx, after, size)
			require.NoError(t, err)
			require.LessOrEqual(t, len(page), size)
			if len(page) == 0 {
				break
			}
			all = append(all, addrs4(page)...)
			after = page[len(page)-1].Addr
			require.Less(t, i, 20)
		}
		require.Equal(t, want, all, "page size %d", size)
	}
	// The lower bound is exclusive, need not be a lease, and may lie
	// before or beyond every lease.
	page, err := m.Leases4Page(ctx, a4("192.0.2.3"), 2)
	require.NoError(t, err)
	require.Equal(t, []string{"192.0.2.7", "192.0.2.100"}, addrs4(page))
	page, err = m.Leases4Page(ctx, a4("192.0.2.4"), 1)
	require.NoError(t, err)
	require.Equal(t, []string{"192.0.2.7"}, addrs4(page))
	page, err = m.Leases4Page(ctx, a4("192.0.2.255"), 5)
	require.NoError(t, err)
	require.Empty(t, page)
	page, err = m.Leases4Page(ctx, a4("10.0.0.0"), 2)
	require.NoError(t, err)
	require.Equal(t, []string{"192.0.2.1", "192.0.2.2"}, addrs4(page))
	page, err = m.Leases4Page(ctx, netip.Addr{}, 1)
	require.NoError(t, err)
	require.Equal(t, []string{"192.0.2.1"}, addrs4(page), "the zero Addr starts at the beginning")
	_, err = m.Leases4Page(ctx, netip.IPv4Unspecified(), 0)
	require.ErrorIs(t, err, leasemgr.ErrInvalid)
	_, err = m.Leases4Page(ctx, a4("2001:db8::"), 1)
	require.ErrorIs(t, err, leasemgr.ErrInvalid)
}

func testExpired4(t *testing.T, m leasemgr.Manager) {
	now := Base.Add(10000 * time.Second)
	mk := func(n byte, validFor, agoExpired int64, st leasemgr.State) *leasemgr.Lease4 {
		l := Lease4(n)
		l.ValidLifetime = uint32(validFor)
		l.CLTT = now.Unix() - agoExpired - validFor
		l.State = st
		return l
	}
	add4(t, m,
		mk(1, 100, 50, leasemgr.StateDefault),           // expired 50 s ago
		mk(2, 100, 500, leasemgr.StateDefault),          // expired 500 s ago: oldest
		mk(3, 100, -50, leasemgr.StateDefault),          // expires in 50 s
		mk(4, 100, 0, leasemgr.StateDefault),            // expires right now: not expired yet
		mk(5, 100, 300, leasemgr.StateExpiredReclaimed), // reclaimed: excluded
		mk(6, 100, 200, leasemgr.StateDeclined),         // declined, probation over
		mk(7, 100, 1, leasemgr.StateReleased),
	)
	inf := Lease4(8)
	inf.ValidLifetime = leasemgr.InfiniteLifetime
	inf.CLTT = 0
	add4(t, m, inf)

	got, err := m.ExpiredLeases4(ctx, now, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"192.0.2.2", "192.0.2.6", "192.0.2.1", "192.0.2.7"}, addrs4(got), "oldest first")
	got, err = m.ExpiredLeases4(ctx, now, 2)
	require.NoError(t, err)
	require.Equal(t, []string{"192.0.2.2", "192.0.2.6"}, addrs4(got))
	got, err = m.ExpiredLeases4(ctx, Base, 0)
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = m.ExpiredLeases4(ctx, now, -1)
	require.ErrorIs(t, err, leasemgr.ErrInvalid)

	// Reclaiming takes a lease out of the expired set.
	l, err := m.Lease4(ctx, a4("192.0.2.2"))
	require.NoError(t, err)
	l.State = leasemgr.StateExpiredReclaimed
	l.Hostname = ""
	require.NoError(t, m.UpdateLease4(ctx, l))
	got, err = m.ExpiredLeases4(ctx, now, 1)
	require.NoError(t, err)
	require.Equal(t, []string{"192.0.2.6"}, addrs4(got))
	// Renewing too.
	l, err = m.Lease4(ctx, a4("192.0.2.6"))
	require.NoError(t, err)
	l.CLTT = now.Unix()
	l.State = leasemgr.StateDefault
	l.HWAddr = Lease4(6).HWAddr
	require.NoError(t, m.UpdateLease4(ctx, l))
	got, err = m.ExpiredLeases4(ctx, now, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"192.0.2.1", "192.0.2.7"}, addrs4(got))
}

func testUpdate4(t *testing.T, m leasemgr.Manager) {
	l := Lease4(1)
	add4(t, m, l)
	// The lease the caller added can be updated again: Add marked it.
	l.CLTT += 60
	l.Hostname = "renewed.example.com"
	l.HWAddr.Addr = []byte{2, 2, 2, 2, 2, 2}
	l.SubnetID = 5
	require.NoError(t, m.UpdateLease4(ctx, l))
	got, err := m.Lease4(ctx, l.Addr)
	require.NoError(t, err)
	requireEqual4(t, l, got)
	// Indexes follow the change.
	ls, err := m.Leases4ByHWAddr(ctx, Lease4(1).HWAddr.Addr)
	require.NoError(t, err)
	require.Empty(t, ls)
	ls, err = m.Leases4ByHWAddr(ctx, []byte{2, 2, 2, 2, 2, 2})
	require.NoError(t, err)
	require.Len(t, ls, 1)
	ls, err = m.Leases4BySubnet(ctx, 1)
	require.NoError(t, err)
	require.Empty(t, ls)
	ls, err = m.Leases4ByHostname(ctx, "renewed.example.com")
	require.NoError(t, err)
	require.Len(t, ls, 1)

	// Two readers of the same lease: the second writer is stale.
	a, err := m.Lease4(ctx, l.Addr)
	require.NoError(t, err)
	b, err := m.Lease4(ctx, l.Addr)
	require.NoError(t, err)
	a.CLTT += 10
	require.NoError(t, m.UpdateLease4(ctx, a))
	b.CLTT += 20
	require.ErrorIs(t, m.UpdateLease4(ctx, b), leasemgr.ErrConflict)
	b.ValidLifetime = 1 // changing other fields does not help
	require.ErrorIs(t, m.UpdateLease4(ctx, b), leasemgr.ErrConflict)
	got, err = m.Lease4(ctx, l.Addr)
	require.NoError(t, err)
	requireEqual4(t, a, got)
	// A stale update changes only the expiry basis: a change of the
	// valid lifetime alone is also detected.
	c, err := m.Lease4(ctx, l.Addr)
	require.NoError(t, err)
	d, err := m.Lease4(ctx, l.Addr)
	require.NoError(t, err)
	c.ValidLifetime = 7200
	require.NoError(t, m.UpdateLease4(ctx, c))
	d.Hostname = "other"
	require.ErrorIs(t, m.UpdateLease4(ctx, d), leasemgr.ErrConflict)
	// Forgetting makes it unconditional.
	d.ForgetLoaded()
	require.NoError(t, m.UpdateLease4(ctx, d))
	got, err = m.Lease4(ctx, l.Addr)
	require.NoError(t, err)
	requireEqual4(t, d, got)
	// A lease built by the caller updates unconditionally.
	fresh := Lease4(1)
	fresh.CLTT += 1000
	require.NoError(t, m.UpdateLease4(ctx, fresh))

	require.ErrorIs(t, m.UpdateLease4(ctx, Lease4(99)), leasemgr.ErrNotFound)
	bad := Lease4(1)
	bad.Addr = netip.Addr{}
	require.ErrorIs(t, m.UpdateLease4(ctx, bad), leasemgr.ErrInvalid)
}

func testDelete4(t *testing.T, m leasemgr.Manager) {
	add4(t, m, Lease4(1), Lease4(2))
	l, err := m.Lease4(ctx, a4("192.0.2.1"))
	require.NoError(t, err)
	stale, err := m.Lease4(ctx, a4("192.0.2.2"))
	require.NoError(t, err)
	require.NoError(t, m.DeleteLease4(ctx, l))
	_, err = m.Lease4(ctx, l.Addr)
	require.ErrorIs(t, err, leasemgr.ErrNotFound)
	require.ErrorIs(t, m.DeleteLease4(ctx, l), leasemgr.ErrNotFound)
	ls, err := m.Leases4ByHWAddr(ctx, l.HWAddr.Addr)
	require.NoError(t, err)
	require.Empty(t, ls)

	cur, err := m.Lease4(ctx, stale.Addr)
	require.NoError(t, err)
	cur.CLTT += 5
	require.NoError(t, m.UpdateLease4(ctx, cur))
	require.ErrorIs(t, m.DeleteLease4(ctx, stale), leasemgr.ErrConflict)
	require.NoError(t, m.DeleteLease4(ctx, cur))
	all, err := m.AllLeases4(ctx)
	require.NoError(t, err)
	require.Empty(t, all)
	// The address can be leased again.
	add4(t, m, Lease4(1))
}

func testDeleteReclaimed4(t *testing.T, m leasemgr.Manager) {
	now := Base.Add(time.Hour * 10)
	for n := byte(1); n <= 6; n++ {
		l := Lease4(n)
		l.ValidLifetime = 100
		l.CLTT = now.Unix() - int64(n)*1000 // expired n*1000-100 s ago
		if n != 3 {
			l.State = leasemgr.StateExpiredReclaimed
		}
		add4(t, m, l)
	}
	// hold 2500 s: leases 3 (not reclaimed) and 1, 2 (expired 900, 1900 s ago) stay.
	n, err := m.DeleteExpiredReclaimedLeases4(ctx, now.Add(-2500*time.Second))
	require.NoError(t, err)
	require.Equal(t, 3, n)
	all, err := m.AllLeases4(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"}, addrs4(all))
	n, err = m.DeleteExpiredReclaimedLeases4(ctx, now.Add(-2500*time.Second))
	require.NoError(t, err)
	require.Zero(t, n)
	n, err = m.DeleteExpiredReclaimedLeases4(ctx, now)
	require.NoError(t, err)
	require.Equal(t, 2, n)
}

func testWipe4(t *testing.T, m leasemgr.Manager) {
	for n := byte(1); n <= 9; n++ {
		l := Lease4(n)
		l.SubnetID = uint32(n % 3)
		add4(t, m, l)
	}
	n, err := m.WipeLeases4(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	ls, err := m.Leases4BySubnet(ctx, 1)
	require.NoError(t, err)
	require.Empty(t, ls)
	all, err := m.AllLeases4(ctx)
	require.NoError(t, err)
	require.Len(t, all, 6)
	n, err = m.WipeLeases4(ctx, 42)
	require.NoError(t, err)
	require.Zero(t, n)
}

func testDeclined4(t *testing.T, m leasemgr.Manager) {
	// Kea's declined lease has no owner: no hwaddr, no client-id, no hostname.
	for n := byte(1); n <= 3; n++ {
		l := Lease4(n)
		l.HWAddr, l.ClientID = leasemgr.HWAddr{}, nil
		l.State = leasemgr.StateDeclined
		l.ValidLifetime = 86400
		add4(t, m, l)
		got, err := m.Lease4(ctx, l.Addr)
		require.NoError(t, err)
		requireEqual4(t, l, got)
	}
	ls, err := m.Leases4ByHWAddr(ctx, nil)
	require.NoError(t, err)
	require.Empty(t, ls, "an empty hardware address matches no lease")
	ls, err = m.Leases4ByClientID(ctx, nil)
	require.NoError(t, err)
	require.Empty(t, ls)
}

func testInfinite4(t *testing.T, m leasemgr.Manager) {
	l := Lease4(1)
	l.ValidLifetime = leasemgr.InfiniteLifetime
	add4(t, m, l)
	got, err := m.Lease4(ctx, l.Addr)
	require.NoError(t, err)
	requireEqual4(t, l, got)
	require.Equal(t, leasemgr.Never, got.ExpiresAt())
	require.False(t, got.Expired(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)))
	ls, err := m.ExpiredLeases4(ctx, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), 0)
	require.NoError(t, err)
	require.Empty(t, ls)
	// Reclaimed with an infinite lifetime: never old enough to delete.
	got.State = leasemgr.StateExpiredReclaimed
	require.NoError(t, m.UpdateLease4(ctx, got))
	n, err := m.DeleteExpiredReclaimedLeases4(ctx, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Zero(t, n)
}

func testAddGet6(t *testing.T, m leasemgr.Manager) {
	na := Lease6(1)
	na.Hostname = "h,1&x.example.com"
	na.FQDNFwd = true
	na.HWAddr = leasemgr.HWAddr{Addr: []byte{0, 0, 0x5e, 0, 0x53, 1}, Type: leasemgr.HTypeEthernet, Source: leasemgr.HWAddrSourceIPv6LinkLocal}
	na.UserContext = leasemgr.UserContext{"ISC": map[string]any{"relays": []any{map[string]any{"hop": json.Number("0")}}}}
	pd := Lease6(2)
	pd.Type = leasemgr.TypePD
	pd.Addr = netip.MustParseAddr("2001:db8:1:200::")
	pd.PrefixLen = 56
	pd.PoolID = 3
	ta := Lease6(3)
	ta.Type = leasemgr.TypeTA
	add6(t, m, na, pd, ta)
	for _, l := range []*leasemgr.Lease6{na, pd, ta} {
		got, err := m.Lease6(ctx, l.Type, l.Addr)
		require.NoError(t, err)
		requireEqual6(t, l, got)
	}
	_, err := m.Lease6(ctx, leasemgr.TypePD, na.Addr)
	require.ErrorIs(t, err, leasemgr.ErrNotFound, "a lease of another type is not found")
	_, err = m.Lease6(ctx, leasemgr.TypeNA, netip.MustParseAddr("2001:db8::99"))
	require.ErrorIs(t, err, leasemgr.ErrNotFound)
	_, err = m.Lease6(ctx, leasemgr.TypeNA, a4("192.0.2.1"))
	require.ErrorIs(t, err, leasemgr.ErrInvalid)
	require.ErrorIs(t, m.AddLease6(ctx, Lease6(1)), leasemgr.ErrExists)
	noDUID := Lease6(9)
	noDUID.DUID = nil
	require.ErrorIs(t, m.AddLease6(ctx, noDUID), leasemgr.ErrInvalid)
	v4 := Lease6(9)
	v4.Addr = a4("192.0.2.9")
	require.ErrorIs(t, m.AddLease6(ctx, v4), leasemgr.ErrInvalid)
	// v4 and v6 stores are separate.
	all4, err := m.AllLeases4(ctx)
	require.NoError(t, err)
	require.Empty(t, all4)
}

func testByIdentifiers6(t *testing.T, m leasemgr.Manager) {
	a, b, c, d := Lease6(1), Lease6(2), Lease6(3), Lease6(4)
	b.DUID, b.IAID = slices.Clone(a.DUID), a.IAID // same IA as a, another address
	c.DUID, c.IAID, c.Type = slices.Clone(a.DUID), a.IAID, leasemgr.TypePD
	c.Addr, c.PrefixLen = netip.MustParseAddr("2001:db8:2::"), 48
	d.DUID, d.IAID, d.SubnetID = slices.Clone(a.DUID), a.IAID, 2
	d.HWAddr = leasemgr.HWAddr{Addr: []byte{1, 2, 3, 4, 5, 6}, Type: 1}
	d.Hostname = "d.example.com"
	add6(t, m, a, b, c, d)
	ls, err := m.Leases6ByDUIDIAID(ctx, leasemgr.TypeNA, a.DUID, a.IAID)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"2001:db8::1", "2001:db8::2", "2001:db8::4"}, addrs6(ls))
	ls, err = m.Leases6ByDUIDIAID(ctx, leasemgr.TypePD, a.DUID, a.IAID)
	require.NoError(t, err)
	require.Equal(t, []string{"2001:db8:2::"}, addrs6(ls))
	ls, err = m.Leases6ByDUIDIAID(ctx, leasemgr.TypeNA, a.DUID, a.IAID+1)
	require.NoError(t, err)
	require.Empty(t, ls)
	ls, err = m.Leases6ByDUIDIAIDSubnet(ctx, leasemgr.TypeNA, a.DUID, a.IAID, 2)
	require.NoError(t, err)
	require.Equal(t, []string{"2001:db8::4"}, addrs6(ls))
	ls, err = m.Leases6ByDUID(ctx, a.DUID)
	require.NoError(t, err)
	require.Len(t, ls, 4)
	ls, err = m.Leases6ByDUID(ctx, []byte{9, 9, 9})
	require.NoError(t, err)
	require.Empty(t, ls)
	ls, err = m.Leases6ByHWAddr(ctx, []byte{1, 2, 3, 4, 5, 6})
	require.NoError(t, err)
	require.Equal(t, []string{"2001:db8::4"}, addrs6(ls))
	ls, err = m.Leases6BySubnet(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, []string{"2001:db8::1", "2001:db8::2", "2001:db8:2::"}, addrs6(ls))
	ls, err = m.Leases6ByHostname(ctx, "d.example.com")
	require.NoError(t, err)
	require.Equal(t, []string{"2001:db8::4"}, addrs6(ls))
}

func testPage6(t *testing.T, m leasemgr.Manager) {
	var want []string
	for n := byte(30); n >= 1; n-- {
		add6(t, m, Lease6(n))
	}
	for n := byte(1); n <= 30; n++ {
		want = append(want, Lease6(n).Addr.String())
	}
	for _, size := range []int{1, 7, 10, 30, 31} {
		var got []string
		after := netip.IPv6Unspecified()
		for {
			page, err := m.Leases6Page(ctx, after, size)
			require.NoError(t, err)
			if len(page) == 0 {
				break
			}
			require.LessOrEqual(t, len(page), size)
			got = append(got, addrs6(page)...)
			after = page[len(page)-1].Addr
		}
		require.Equal(t, want, got, "page size %d", size)
	}
	page, err := m.Leases6Page(ctx, netip.MustParseAddr("2001:db8::1e"), 3)
	require.NoError(t, err)
	require.Empty(t, page)
	page, err = m.Leases6Page(ctx, netip.MustParseAddr("2001:db8::1d"), 3)
	require.NoError(t, err)
	require.Equal(t, []string{"2001:db8::1e"}, addrs6(page))
	_, err = m.Leases6Page(ctx, a4("192.0.2.1"), 3)
	require.ErrorIs(t, err, leasemgr.ErrInvalid)
	_, err = m.Leases6Page(ctx, netip.IPv6Unspecified(), -1)
	require.ErrorIs(t, err, leasemgr.ErrInvalid)
}

func testExpired6(t *testing.T, m leasemgr.Manager) {
	now := Base.Add(time.Hour)
	var ls []*leasemgr.Lease6
	for n := byte(1); n <= 5; n++ {
		l := Lease6(n)
		l.ValidLifetime = 100
		l.CLTT = now.Unix() - 100 - int64(n)*10 // expired 10n s ago
		ls = append(ls, l)
	}
	ls[1].State = leasemgr.StateExpiredReclaimed
	ls[2].ValidLifetime = leasemgr.InfiniteLifetime
	ls[2].PreferredLifetime = leasemgr.InfiniteLifetime
	add6(t, m, ls...)
	got, err := m.ExpiredLeases6(ctx, now, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"2001:db8::5", "2001:db8::4", "2001:db8::1"}, addrs6(got))
	got, err = m.ExpiredLeases6(ctx, now, 1)
	require.NoError(t, err)
	require.Equal(t, []string{"2001:db8::5"}, addrs6(got))
	n, err := m.DeleteExpiredReclaimedLeases6(ctx, now.Add(-21*time.Second))
	require.NoError(t, err)
	require.Zero(t, n, "lease 2 expired 20 s ago, after the cutoff")
	n, err = m.DeleteExpiredReclaimedLeases6(ctx, now.Add(-19*time.Second))
	require.NoError(t, err)
	require.Equal(t, 1, n)
	_, err = m.Lease6(ctx, leasemgr.TypeNA, ls[1].Addr)
	require.ErrorIs(t, err, leasemgr.ErrNotFound)
}

func testUpdateDelete6(t *testing.T, m leasemgr.Manager) {
	l := Lease6(1)
	add6(t, m, l)
	l.CLTT += 100
	l.PreferredLifetime = 900
	l.IAID = 77
	require.NoError(t, m.UpdateLease6(ctx, l))
	ls, err := m.Leases6ByDUIDIAID(ctx, leasemgr.TypeNA, l.DUID, 77)
	require.NoError(t, err)
	require.Len(t, ls, 1)
	requireEqual6(t, l, ls[0])
	ls, err = m.Leases6ByDUIDIAID(ctx, leasemgr.TypeNA, l.DUID, 1)
	require.NoError(t, err)
	require.Empty(t, ls)

	a, err := m.Lease6(ctx, leasemgr.TypeNA, l.Addr)
	require.NoError(t, err)
	b := a.Clone()
	a.ValidLifetime = 7200
	require.NoError(t, m.UpdateLease6(ctx, a))
	require.ErrorIs(t, m.UpdateLease6(ctx, b), leasemgr.ErrConflict)
	require.ErrorIs(t, m.DeleteLease6(ctx, b), leasemgr.ErrConflict)
	require.ErrorIs(t, m.UpdateLease6(ctx, Lease6(50)), leasemgr.ErrNotFound)

	pd := a.Clone()
	pd.Type = leasemgr.TypePD
	require.ErrorIs(t, m.DeleteLease6(ctx, pd), leasemgr.ErrNotFound, "delete needs the stored lease's type")
	require.NoError(t, m.DeleteLease6(ctx, a))
	require.ErrorIs(t, m.DeleteLease6(ctx, a), leasemgr.ErrNotFound)
	ls, err = m.Leases6ByDUID(ctx, l.DUID)
	require.NoError(t, err)
	require.Empty(t, ls)
}

func testWipeDeclined6(t *testing.T, m leasemgr.Manager) {
	for n := byte(1); n <= 40; n++ {
		l := Lease6(n)
		if n%2 == 0 {
			// Kea's declined lease: DUID 00:00:00, no hostname, no hwaddr.
			l.DUID = slices.Clone(leasemgr.DeclinedDUID)
			l.State = leasemgr.StateDeclined
			l.IAID = 0
		}
		l.SubnetID = uint32(n%4) + 1
		add6(t, m, l)
	}
	ls, err := m.Leases6ByDUID(ctx, leasemgr.DeclinedDUID)
	require.NoError(t, err)
	require.Len(t, ls, 20)
	n, err := m.WipeLeases6(ctx, 3) // n%4 == 2: ten declined leases
	require.NoError(t, err)
	require.Equal(t, 10, n)
	ls, err = m.Leases6ByDUID(ctx, leasemgr.DeclinedDUID)
	require.NoError(t, err)
	require.Len(t, ls, 10)
	for _, l := range ls {
		require.NoError(t, m.DeleteLease6(ctx, l))
	}
	all, err := m.AllLeases6(ctx)
	require.NoError(t, err)
	require.Len(t, all, 40-10-10)
}

func testWatcher(t *testing.T, m leasemgr.Manager) {
	w, ok := m.(leasemgr.Watcher)
	if !ok {
		t.Skip("the manager has no Watcher ability")
	}
	var mu sync.Mutex
	var events []string
	cancel := w.Watch(func(e leasemgr.Event) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case e.Lease4 != nil:
			events = append(events, fmt.Sprintf("%s %s %d", e.Op, e.Lease4.Addr, e.Lease4.CLTT-Base.Unix()))
		case e.Lease6 != nil:
			events = append(events, fmt.Sprintf("%s %s %d", e.Op, e.Lease6.Addr, e.Lease6.CLTT-Base.Unix()))
		}
		// Reading from a callback is allowed.
		_, _ = m.AllLeases4(ctx)
	})
	l := Lease4(1)
	add4(t, m, l)
	l.CLTT += 5
	require.NoError(t, m.UpdateLease4(ctx, l))
	require.ErrorIs(t, m.AddLease4(ctx, Lease4(1)), leasemgr.ErrExists) // no event
	require.NoError(t, m.DeleteLease4(ctx, l))
	add6(t, m, Lease6(1))
	l2 := Lease4(2)
	l2.SubnetID = 9
	add4(t, m, l2)
	_, err := m.WipeLeases4(ctx, 9)
	require.NoError(t, err)
	cancel()
	cancel()
	add4(t, m, Lease4(3))
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{
		"add 192.0.2.1 0", "update 192.0.2.1 5", "delete 192.0.2.1 5",
		"add 2001:db8::1 0", "add 192.0.2.2 0", "delete 192.0.2.2 0",
	}, events)
}

func testStats(t *testing.T, m leasemgr.Manager) {
	sc, ok := m.(leasemgr.StatsCounter)
	if !ok {
		t.Skip("the manager has no StatsCounter ability")
	}
	states := []leasemgr.State{leasemgr.StateDefault, leasemgr.StateDefault, leasemgr.StateDeclined,
		leasemgr.StateExpiredReclaimed, leasemgr.StateReleased, leasemgr.StateDefault}
	for i, st := range states {
		l := Lease4(byte(i + 1))
		l.State = st
		l.PoolID = uint32(i % 2)
		add4(t, m, l)
	}
	l := Lease4(50)
	l.SubnetID = 2
	add4(t, m, l)
	got, err := sc.CountLeases4(ctx)
	require.NoError(t, err)
	require.Equal(t, []leasemgr.LeaseCount{
		{SubnetID: 1, PoolID: 0, Type: leasemgr.TypeV4, Assigned: 2, Declined: 1}, // leases 1, 3 (5 released: no)
		{SubnetID: 1, PoolID: 1, Type: leasemgr.TypeV4, Assigned: 2},              // leases 2, 6 (4 reclaimed: no)
		{SubnetID: 2, PoolID: 1, Type: leasemgr.TypeV4, Assigned: 1},
	}, got)

	na, pd := Lease6(1), Lease6(2)
	pd.Type, pd.Addr, pd.PrefixLen = leasemgr.TypePD, netip.MustParseAddr("2001:db8:9::"), 48
	reg := Lease6(3)
	reg.State = leasemgr.StateRegistered
	add6(t, m, na, pd, reg)
	got, err = sc.CountLeases6(ctx)
	require.NoError(t, err)
	require.Equal(t, []leasemgr.LeaseCount{
		{SubnetID: 1, PoolID: 1, Type: leasemgr.TypeNA, Assigned: 1, Registered: 1},
		{SubnetID: 1, PoolID: 1, Type: leasemgr.TypePD, Assigned: 1},
	}, got)
}

func testConcurrent(t *testing.T, m leasemgr.Manager) {
	workers, rounds := 8, 200
	if testing.Short() {
		rounds = 50
	}
	var wg sync.WaitGroup
	var conflicts, hotUpdates atomic.Int64
	hot := Lease4(250)
	add4(t, m, hot)
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			fail := func(err error) { errs <- fmt.Errorf("worker %d: %w", w, err) }
			for i := 0; i < rounds; i++ {
				n := byte(w*20 + i%20 + 1)
				l := Lease4(n)
				l.CLTT += int64(i)
				err := m.AddLease4(ctx, l)
				if err != nil && !isErr(err, leasemgr.ErrExists) {
					fail(err)
					return
				}
				got, err := m.Lease4(ctx, l.Addr)
				if err != nil {
					fail(err)
					return
				}
				got.CLTT++
				if err := m.UpdateLease4(ctx, got); err != nil {
					fail(err)
					return
				}
				if i%3 == 0 {
					if err := m.DeleteLease4(ctx, got); err != nil {
						fail(err)
						return
					}
				}
				// Contended lease: read, modify, write, retry on conflict.
				for {
					h, err := m.Lease4(ctx, hot.Addr)
					if err != nil {
						fail(err)
						return
					}
					h.CLTT++
					err = m.UpdateLease4(ctx, h)
					if isErr(err, leasemgr.ErrConflict) {
						conflicts.Add(1)
						continue
					}
					if err != nil {
						fail(err)
						return
					}
					hotUpdates.Add(1)
					break
				}
				l6 := Lease6(n)
				_ = m.AddLease6(ctx, l6)
				if _, err := m.Leases6ByDUID(ctx, l6.DUID); err != nil {
					fail(err)
					return
				}
				if _, err := m.Leases4Page(ctx, netip.IPv4Unspecified(), 16); err != nil {
					fail(err)
					return
				}
				if _, err := m.ExpiredLeases4(ctx, Base.Add(time.Hour*2), 10); err != nil {
					fail(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	h, err := m.Lease4(ctx, hot.Addr)
	require.NoError(t, err)
	require.Equal(t, hot.CLTT+hotUpdates.Load(), h.CLTT, "every acknowledged update of the hot lease counted once (%d conflicts retried)", conflicts.Load())
	require.EqualValues(t, workers*rounds, hotUpdates.Load())
	// Indexes agree with the primary store.
	all, err := m.AllLeases4(ctx)
	require.NoError(t, err)
	for _, l := range all {
		ls, err := m.Leases4ByHWAddr(ctx, l.HWAddr.Addr)
		require.NoError(t, err)
		require.Contains(t, addrs4(ls), l.Addr.String())
	}
	bySubnet, err := m.Leases4BySubnet(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, addrs4(all), addrs4(bySubnet))
}

func isErr(err, target error) bool { return errors.Is(err, target) }
