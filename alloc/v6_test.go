package alloc_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

const cfgSimple6 = `{"Dhcp6": {"valid-lifetime": 4000, "cache-threshold": 0,
  "subnet6": [{"id": 1, "subnet": "2001:db8:1::/48",
    "pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::1ff"}],
    "pd-pools": [
      {"prefix": "2001:db8:1:8000::", "prefix-len": 52, "delegated-len": 56},
      {"prefix": "2001:db8:1:9000::", "prefix-len": 56, "delegated-len": 64}],
    "reservations": [{"duid": "01:02:03:04:05:aa", "ip-addresses": ["2001:db8:1::5"], "prefixes": ["2001:db8:1:a000::/56"]}]
  }]}}`

func duid(b byte) []byte { return []byte{1, 2, 3, 4, 5, b} }

func (f *fixture) ctx6(subnet cfgmgr.SubnetID, d []byte, ias ...*alloc.IA) *alloc.ClientContext6 {
	s := f.cfg.Subnet6(subnet)
	require.NotNil(f.t, s)
	return &alloc.ClientContext6{Subnet: s, DUID: d, IAs: ias,
		HostIdentifiers: []hostmgr.Identifier{{Type: hostmgr.IdentDUID, Value: d}}}
}

func na(iaid uint32, hints ...string) *alloc.IA {
	ia := &alloc.IA{Type: leasemgr.TypeNA, IAID: iaid}
	for _, h := range hints {
		ia.Hints = append(ia.Hints, alloc.Hint{Prefix: netip.PrefixFrom(netip.MustParseAddr(h), 128)})
	}
	return ia
}

func pd(iaid uint32, hints ...string) *alloc.IA {
	ia := &alloc.IA{Type: leasemgr.TypePD, IAID: iaid}
	for _, h := range hints {
		ia.Hints = append(ia.Hints, alloc.Hint{Prefix: netip.MustParsePrefix(h)})
	}
	return ia
}

func (f *fixture) checkStats6() {
	f.t.Helper()
	ls, err := f.leases.AllLeases6(bg)
	require.NoError(f.t, err)
	nas, pds := map[uint32]int64{}, map[uint32]int64{}
	for _, l := range ls {
		if l.State == leasemgr.StateDefault || l.State == leasemgr.StateDeclined {
			if l.Type == leasemgr.TypeNA {
				nas[l.SubnetID]++
			} else if l.Type == leasemgr.TypePD {
				pds[l.SubnetID]++
			}
		}
	}
	var gn, gp int64
	for _, s := range f.cfg.Subnets6 {
		id := uint32(s.ID)
		require.Equal(f.t, nas[id], f.stat(stats.SubnetName(id, stats.AssignedNAs)), "subnet %d nas", id)
		require.Equal(f.t, pds[id], f.stat(stats.SubnetName(id, stats.AssignedPDs)), "subnet %d pds", id)
		gn += nas[id]
		gp += pds[id]
	}
	require.Equal(f.t, gn, f.stat(stats.AssignedNAs))
	require.Equal(f.t, gp, f.stat(stats.AssignedPDs))
}

func TestSolicitNoWrite(t *testing.T) {
	f := newFixture(t, cfgSimple6)
	ia := na(1)
	require.NoError(t, f.eng.Solicit6(bg, f.ctx6(1, duid(1), ia)))
	require.Len(t, ia.Leases, 1)
	require.Equal(t, ip("2001:db8:1::100"), ia.Leases[0].Addr)
	require.EqualValues(t, 4000, ia.Leases[0].ValidLifetime)
	require.EqualValues(t, 2500, ia.Leases[0].PreferredLifetime, "0.625 × valid")
	all, err := f.leases.AllLeases6(bg)
	require.NoError(t, err)
	require.Empty(t, all)
}

func TestRequest6NAAndPD(t *testing.T) {
	f := newFixture(t, cfgSimple6)
	a, p := na(1), pd(2)
	require.NoError(t, f.eng.Request6(bg, f.ctx6(1, duid(1), a, p)))
	require.Len(t, a.Leases, 1)
	require.Len(t, p.Leases, 1)
	require.Equal(t, netip.MustParsePrefix("2001:db8:1:8000::/56"), p.Leases[0].Prefix())
	require.EqualValues(t, 1, f.stat(stats.SubnetName(1, stats.AssignedNAs)))
	require.EqualValues(t, 1, f.stat(stats.SubnetName(1, stats.AssignedPDs)))
	require.EqualValues(t, 256, f.stat(stats.SubnetName(1, stats.TotalNAs)))
	require.EqualValues(t, 16+256, f.stat(stats.SubnetName(1, stats.TotalPDs)))
	f.checkStats6()
	// REQUEST again: same leases (case 2).
	a2, p2 := na(1), pd(2)
	f.clock.Advance(time.Minute)
	require.NoError(t, f.eng.Request6(bg, f.ctx6(1, duid(1), a2, p2)))
	require.Equal(t, a.Leases[0].Addr, a2.Leases[0].Addr)
	require.Equal(t, p.Leases[0].Addr, p2.Leases[0].Addr)
	f.checkStats6()
}

func TestRequest6Hint(t *testing.T) {
	f := newFixture(t, cfgSimple6)
	a := na(1, "2001:db8:1::1a0")
	require.NoError(t, f.eng.Request6(bg, f.ctx6(1, duid(1), a)))
	require.Equal(t, ip("2001:db8:1::1a0"), a.Leases[0].Addr)
	// Out of pool hint ignored.
	b := na(1, "2001:db8:1::5000")
	require.NoError(t, f.eng.Request6(bg, f.ctx6(1, duid(2), b)))
	require.Equal(t, ip("2001:db8:1::100"), b.Leases[0].Addr)
	// Hint reserved for another client ignored (in-subnet reservation).
	require.NoError(t, f.eng.Configure(f.cfg))
}

func TestPDLengthMatching(t *testing.T) {
	for _, tc := range []struct {
		hint string
		want int
	}{
		{"::/64", 64},  // equal
		{"::/56", 56},  // equal
		{"::/60", 56},  // no equal: lower (shorter) first
		{"::/48", 56},  // no equal, no lower: higher (first pool)
		{"::/128", 56}, // 128 means no length: any pool
		{"2001:db8:1:9012::/64", 64},
	} {
		f := newFixture(t, cfgSimple6)
		p := pd(1, tc.hint)
		require.NoError(t, f.eng.Request6(bg, f.ctx6(1, duid(1), p)), tc.hint)
		require.Len(t, p.Leases, 1)
		require.EqualValues(t, tc.want, p.Leases[0].PrefixLen, tc.hint)
		if tc.hint == "2001:db8:1:9012::/64" {
			require.Equal(t, netip.MustParsePrefix("2001:db8:1:9012::/64"), p.Leases[0].Prefix(), "hint taken")
		}
	}
}

func TestRequest6Reservations(t *testing.T) {
	f := newFixture(t, cfgSimple6)
	a, p := na(1), pd(2)
	require.NoError(t, f.eng.Request6(bg, f.ctx6(1, duid(0xaa), a, p)))
	require.Equal(t, ip("2001:db8:1::5"), a.Leases[0].Addr)
	require.Equal(t, netip.MustParsePrefix("2001:db8:1:a000::/56"), p.Leases[0].Prefix())
	f.checkStats6()
	// Another client hinting the reserved address does not get it.
	b := na(1, "2001:db8:1::5")
	require.NoError(t, f.eng.Request6(bg, f.ctx6(1, duid(1), b)))
	require.NotEqual(t, ip("2001:db8:1::5"), b.Leases[0].Addr)
}

func TestReservationTakesOverDynamicLease(t *testing.T) {
	f := newFixture(t, cfgSimple6)
	// Client has a dynamic lease, then gets a reservation (case 3): the
	// reserved address replaces the dynamic one.
	a := na(1)
	require.NoError(t, f.eng.Request6(bg, f.ctx6(1, duid(0xaa), a)))
	old := a.Leases[0].Addr
	require.Equal(t, ip("2001:db8:1::5"), old)
	dyn := &leasemgr.Lease6{Type: leasemgr.TypeNA, Addr: ip("2001:db8:1::150"), PrefixLen: 128, IAID: 1, DUID: duid(0xaa),
		PreferredLifetime: 100, ValidLifetime: 200, CLTT: f.clock.Now().Unix(), SubnetID: 1}
	require.NoError(t, f.leases.AddLease6(bg, dyn))
	require.NoError(t, f.eng.Configure(f.cfg)) // recount
	a = na(1)
	require.NoError(t, f.eng.Renew6(bg, f.ctx6(1, duid(0xaa), a)))
	require.Len(t, a.Leases, 1)
	require.Equal(t, ip("2001:db8:1::5"), a.Leases[0].Addr)
	require.Len(t, a.OldLeases, 1)
	require.Equal(t, ip("2001:db8:1::150"), a.OldLeases[0].Addr)
	f.checkStats6()
}

func TestRenew6ExtendsAndInvalidates(t *testing.T) {
	f := newFixture(t, cfgSimple6)
	a := na(1)
	require.NoError(t, f.eng.Request6(bg, f.ctx6(1, duid(1), a)))
	f.clock.Advance(1000 * time.Second)
	a2 := na(1, a.Leases[0].Addr.String())
	require.NoError(t, f.eng.Renew6(bg, f.ctx6(1, duid(1), a2)))
	require.Equal(t, a.Leases[0].Addr, a2.Leases[0].Addr)
	require.Equal(t, f.clock.Now().Unix(), a2.Leases[0].CLTT)

	// Reconfigure: subnet 1 gets another prefix; the lease is no longer in
	// range and is returned for zero lifetimes; a new one is allocated.
	cfg2 := parseConfig(t, `{"Dhcp6": {"subnet6": [{"id": 1, "subnet": "2001:db8:2::/48",
	  "pools": [{"pool": "2001:db8:2::100 - 2001:db8:2::1ff"}]}]}}`)
	require.NoError(t, f.eng.Configure(cfg2))
	f.cfg = cfg2
	a3 := na(1, a.Leases[0].Addr.String())
	require.NoError(t, f.eng.Renew6(bg, f.ctx6(1, duid(1), a3)))
	require.Len(t, a3.OldLeases, 1)
	require.Equal(t, a.Leases[0].Addr, a3.OldLeases[0].Addr)
	require.Len(t, a3.Leases, 1)
	require.Equal(t, ip("2001:db8:2::100"), a3.Leases[0].Addr)
	f.checkStats6()
}

func TestRenew6ReuseCache(t *testing.T) {
	f := newFixture(t, `{"Dhcp6": {"valid-lifetime": 1000, "preferred-lifetime": 600, "cache-threshold": 0.5,
	  "subnet6": [{"id": 1, "subnet": "2001:db8:1::/48", "pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::1ff"}]}]}}`)
	a := na(1)
	require.NoError(t, f.eng.Request6(bg, f.ctx6(1, duid(1), a)))
	f.clock.Advance(100 * time.Second)
	a2 := na(1)
	require.NoError(t, f.eng.Renew6(bg, f.ctx6(1, duid(1), a2)))
	require.True(t, a2.Reused[0])
	require.EqualValues(t, 900, a2.Leases[0].ValidLifetime)
	require.EqualValues(t, 500, a2.Leases[0].PreferredLifetime)
	require.EqualValues(t, 1, f.stat(stats.V6IANALeaseReuses))
}

func TestRelease6AndDecline6(t *testing.T) {
	f := newFixture(t, cfgSimple6)
	a, p := na(1), pd(2)
	require.NoError(t, f.eng.Request6(bg, f.ctx6(1, duid(1), a, p)))
	// Wrong owner.
	r := na(1, a.Leases[0].Addr.String())
	require.ErrorIs(t, f.eng.Release6(bg, f.ctx6(1, duid(2), r)), alloc.ErrNotOwner)
	// Release PD with affinity (defaults).
	rp := pd(2, p.Leases[0].Prefix().String())
	require.NoError(t, f.eng.Release6(bg, f.ctx6(1, duid(1), rp)))
	l, err := f.leases.Lease6(bg, leasemgr.TypePD, p.Leases[0].Addr)
	require.NoError(t, err)
	require.Equal(t, leasemgr.StateReleased, l.State)
	require.EqualValues(t, 0, l.ValidLifetime)
	f.checkStats6()
	// Decline NA.
	d := na(1, a.Leases[0].Addr.String())
	require.NoError(t, f.eng.Decline6(bg, f.ctx6(1, duid(1), d)))
	l, err = f.leases.Lease6(bg, leasemgr.TypeNA, a.Leases[0].Addr)
	require.NoError(t, err)
	require.Equal(t, leasemgr.StateDeclined, l.State)
	require.Equal(t, leasemgr.DeclinedDUID, l.DUID)
	require.EqualValues(t, 1, f.stat(stats.DeclinedAddresses))
	f.checkStats6()
	// Reclaim after probation.
	f.clock.Advance(86401 * time.Second)
	res, err := f.eng.ReclaimExpired6(bg, 0, 0, false)
	require.NoError(t, err)
	require.Equal(t, 2, res.Reclaimed)
	require.EqualValues(t, 1, f.stat(stats.ReclaimedDeclinedAddresses))
	f.checkStats6()
}

func TestV6BadRequests(t *testing.T) {
	f := newFixture(t, cfgSimple6)
	require.ErrorIs(t, f.eng.Request6(bg, f.ctx6(1, nil, na(1))), alloc.ErrBadRequest)
	c := f.ctx6(1, duid(1), na(1))
	c.Subnet = nil
	require.ErrorIs(t, f.eng.Request6(bg, c), alloc.ErrNoSubnet)
	require.ErrorIs(t, f.eng.Request6(bg, f.ctx6(1, duid(1), &alloc.IA{Type: 7})), alloc.ErrBadRequest)
}

func TestV6PoolExhausted(t *testing.T) {
	f := newFixture(t, `{"Dhcp6": {"subnet6": [{"id": 1, "subnet": "2001:db8:1::/48",
	  "pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::101"}]}]}}`)
	for i := byte(1); i <= 2; i++ {
		require.NoError(t, f.eng.Request6(bg, f.ctx6(1, duid(i), na(1))))
	}
	err := f.eng.Request6(bg, f.ctx6(1, duid(3), na(1)))
	require.ErrorIs(t, err, alloc.ErrNoAddressAvailable)
	require.EqualValues(t, 1, f.stat(stats.V6AllocationFail))
	require.EqualValues(t, 1, f.stat(stats.V6AllocationFailSubnet))
}
