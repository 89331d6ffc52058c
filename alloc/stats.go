package alloc

import (
	"context"
	"net/netip"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/option"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

// Statistics handles, taken once per configuration so that the packet path
// never formats a name nor looks one up. A nil *stats.Int discards.

type poolStats struct {
	total, assigned, cumulative     *stats.Int
	declined, reclaimed, reclaimedD *stats.Int
}

// leaseStats are the counters of one lease family in a subnet (addresses
// for v4 and v6 NA, prefixes for PD).
type leaseStats struct {
	total, assigned, cumulative, reuses *stats.Int
	pools                               map[uint32]*poolStats
}

type subnetStats struct {
	addr, pd                        leaseStats
	declined, reclaimed, reclaimedD *stats.Int
	resConflicts                    *stats.Int
	fail, failNet, failSubnet       *stats.Int
	failNoPools, failClasses        *stats.Int
}

type globalStats struct {
	addr, pd                        leaseStats
	declined, reclaimed, reclaimedD *stats.Int
	resConflicts                    *stats.Int
	fail, failNet, failSubnet       *stats.Int
	failNoPools, failClasses        *stats.Int
}

type statNames struct {
	total, assigned, cumulative, reuses string
	fail, failNet, failSubnet           string
	failNoPools, failClasses            string
}

var (
	names4 = statNames{stats.TotalAddresses, stats.AssignedAddresses, stats.CumulativeAssignedAddresses, stats.V4LeaseReuses,
		stats.V4AllocationFail, stats.V4AllocationFailSharedNetwork, stats.V4AllocationFailSubnet,
		stats.V4AllocationFailNoPools, stats.V4AllocationFailClasses}
	names6 = statNames{stats.TotalNAs, stats.AssignedNAs, stats.CumulativeAssignedNAs, stats.V6IANALeaseReuses,
		stats.V6AllocationFail, stats.V6AllocationFailSharedNetwork, stats.V6AllocationFailSubnet,
		stats.V6AllocationFailNoPools, stats.V6AllocationFailClasses}
	namesPD = statNames{total: stats.TotalPDs, assigned: stats.AssignedPDs, cumulative: stats.CumulativeAssignedPDs, reuses: stats.V6IAPDLeaseReuses}
)

func (e *Engine) globalStats(v6 bool) globalStats {
	m := e.stats
	n := names4
	if v6 {
		n = names6
	}
	g := globalStats{
		addr:         leaseStats{assigned: m.Int(n.assigned), cumulative: m.Int(n.cumulative), reuses: m.Int(n.reuses)},
		declined:     m.Int(stats.DeclinedAddresses),
		reclaimed:    m.Int(stats.ReclaimedLeases),
		reclaimedD:   m.Int(stats.ReclaimedDeclinedAddresses),
		fail:         m.Int(n.fail),
		failNet:      m.Int(n.failNet),
		failSubnet:   m.Int(n.failSubnet),
		failNoPools:  m.Int(n.failNoPools),
		failClasses:  m.Int(n.failClasses),
		resConflicts: m.Int(stats.V4ReservationConflicts),
	}
	if v6 {
		g.resConflicts = nil
		g.pd = leaseStats{assigned: m.Int(namesPD.assigned), cumulative: m.Int(namesPD.cumulative), reuses: m.Int(namesPD.reuses)}
	}
	return g
}

// poolSpan is a pool's id and capacity for statistics.
type poolSpan struct {
	id   uint32
	size uint64
}

func (e *Engine) subnetStats(id uint32, v6 bool, pools, pdPools []poolSpan) subnetStats {
	m := e.stats
	n := names4
	if v6 {
		n = names6
	}
	sn := func(s string) *stats.Int { return m.Int(stats.SubnetName(id, s)) }
	st := subnetStats{
		addr:        e.leaseStats(id, n, pools, false),
		declined:    sn(stats.DeclinedAddresses),
		reclaimed:   sn(stats.ReclaimedLeases),
		reclaimedD:  sn(stats.ReclaimedDeclinedAddresses),
		fail:        sn(n.fail),
		failNet:     sn(n.failNet),
		failSubnet:  sn(n.failSubnet),
		failNoPools: sn(n.failNoPools),
		failClasses: sn(n.failClasses),
	}
	if !v6 {
		st.resConflicts = sn(stats.V4ReservationConflicts)
	} else {
		st.pd = e.leaseStats(id, namesPD, pdPools, true)
	}
	return st
}

func (e *Engine) leaseStats(id uint32, n statNames, pools []poolSpan, pd bool) leaseStats {
	m := e.stats
	ls := leaseStats{
		total:      m.Int(stats.SubnetName(id, n.total)),
		assigned:   m.Int(stats.SubnetName(id, n.assigned)),
		cumulative: m.Int(stats.SubnetName(id, n.cumulative)),
		reuses:     m.Int(stats.SubnetName(id, n.reuses)),
		pools:      make(map[uint32]*poolStats, len(pools)),
	}
	var total uint64
	for _, p := range pools {
		total = addSat(total, p.size)
		if ps := ls.pools[p.id]; ps != nil {
			ps.total.Add(satInt(p.size))
			continue
		}
		pn := func(s string) *stats.Int {
			if pd {
				return m.Int(stats.PDPoolName(id, uint64(p.id), s))
			}
			return m.Int(stats.PoolName(id, uint64(p.id), s))
		}
		ps := &poolStats{
			total:      pn(n.total),
			assigned:   pn(n.assigned),
			cumulative: pn(n.cumulative),
		}
		if !pd {
			ps.declined = pn(stats.DeclinedAddresses)
			ps.reclaimed = pn(stats.ReclaimedLeases)
			ps.reclaimedD = pn(stats.ReclaimedDeclinedAddresses)
		}
		ps.total.Set(satInt(p.size))
		ls.pools[p.id] = ps
	}
	ls.total.Set(satInt(total))
	return ls
}

func addSat(a, b uint64) uint64 {
	if a+b < a {
		return ^uint64(0)
	}
	return a + b
}

func satInt(v uint64) int64 {
	if v > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(v)
}

// dropStats removes the statistics of subnets that the new configuration
// no longer has (Kea removes and recreates them on commit; the statistics
// of subnets that stay keep their cumulative counters).
func (e *Engine) dropStats(old, st *state) {
	if old == nil || e.stats == nil {
		return
	}
	for id := range old.v4 {
		if st.v4[id] == nil {
			e.stats.RemovePrefix(stats.SubnetPrefix(uint32(id)))
		}
	}
	for id := range old.v6 {
		if st.v6[id] == nil {
			e.stats.RemovePrefix(stats.SubnetPrefix(uint32(id)))
		}
	}
}

// initStats takes the statistics handles of a new state.
func (e *Engine) initStats(st *state) {
	st.g = e.globalStats(st.cfg.Family == option.V6)
	for _, s := range st.v4 {
		spans := make([]poolSpan, 0, len(s.cfg.Pools))
		for _, p := range s.cfg.Pools {
			spans = append(spans, poolSpan{p.ID, rangeSize(p.First, p.Last)})
		}
		s.st = e.subnetStats(uint32(s.id), false, spans, nil)
	}
	for _, s := range st.v6 {
		spans := make([]poolSpan, 0, len(s.cfg.Pools))
		for _, p := range s.cfg.Pools {
			spans = append(spans, poolSpan{p.ID, rangeSize(p.First, p.Last)})
		}
		pdSpans := make([]poolSpan, 0, len(s.cfg.PDPools))
		for _, p := range PDPoolsOf(s.cfg) {
			pdSpans = append(pdSpans, poolSpan{p.ID, pdPoolSize(p)})
		}
		s.st = e.subnetStats(uint32(s.id), true, spans, pdSpans)
	}
}

// rangeSize returns the number of addresses from first to last, saturated.
func rangeSize(first, last netip.Addr) uint64 {
	a, b := first.As16(), last.As16()
	var hiA, hiB, loA, loB uint64
	for i := 0; i < 8; i++ {
		hiA = hiA<<8 | uint64(a[i])
		hiB = hiB<<8 | uint64(b[i])
		loA = loA<<8 | uint64(a[8+i])
		loB = loB<<8 | uint64(b[8+i])
	}
	if hiB < hiA || (hiB == hiA && loB < loA) {
		return 0
	}
	hi := hiB - hiA
	lo := loB - loA
	if loB < loA {
		hi--
	}
	if hi != 0 || lo == ^uint64(0) {
		return ^uint64(0)
	}
	return lo + 1
}

// pdPoolSize returns the number of delegated prefixes of a PD pool.
func pdPoolSize(p Pool) uint64 {
	bits := p.PrefixLen - p.Prefix.Bits()
	if bits < 0 {
		return 0
	}
	if bits >= 64 {
		return ^uint64(0)
	}
	n := uint64(1) << bits
	if p.Excluded.IsValid() && p.Prefix.Contains(p.Excluded.Addr()) && p.Excluded.Bits() >= p.PrefixLen {
		// RFC 6603: the excluded prefix lives inside one delegated
		// prefix, which stays delegable.
		return n
	}
	return n
}

// counted reports whether a lease counts in assigned-*: Kea counts leases in
// state default and declined.
func counted(s leasemgr.State) bool {
	return s == leasemgr.StateDefault || s == leasemgr.StateDeclined
}

// count4 adds d to the assigned (and declined) statistics of the lease.
func (st *state) count4(l *leasemgr.Lease4, d int64) {
	if l == nil || !counted(l.State) {
		return
	}
	decl := l.State == leasemgr.StateDeclined
	st.g.addr.assigned.Add(d)
	if decl {
		st.g.declined.Add(d)
	}
	s := st.v4[l.SubnetID]
	if s == nil {
		return
	}
	s.st.addr.assigned.Add(d)
	if decl {
		s.st.declined.Add(d)
	}
	if p := s.st.addr.pools[l.PoolID]; p != nil {
		p.assigned.Add(d)
		if decl {
			p.declined.Add(d)
		}
	}
}

// move4 accounts for a lease changing from old to nw (either may be nil).
func (st *state) move4(old, nw *leasemgr.Lease4) {
	if old != nil && nw != nil && old.State == nw.State && old.SubnetID == nw.SubnetID && old.PoolID == nw.PoolID {
		return
	}
	st.count4(old, -1)
	st.count4(nw, 1)
}

// cumulative4 counts one more assignment.
func (st *state) cumulative4(l *leasemgr.Lease4) {
	st.g.addr.cumulative.Inc()
	if s := st.v4[l.SubnetID]; s != nil {
		s.st.addr.cumulative.Inc()
		if p := s.st.addr.pools[l.PoolID]; p != nil {
			p.cumulative.Inc()
		}
	}
}

// reclaimed4 counts a reclaimed lease (and a recovered declined one).
func (st *state) reclaimed4(l *leasemgr.Lease4, declined bool) {
	st.g.reclaimed.Inc()
	if declined {
		st.g.reclaimedD.Inc()
	}
	if s := st.v4[l.SubnetID]; s != nil {
		s.st.reclaimed.Inc()
		if declined {
			s.st.reclaimedD.Inc()
		}
		if p := s.st.addr.pools[l.PoolID]; p != nil {
			p.reclaimed.Inc()
			if declined {
				p.reclaimedD.Inc()
			}
		}
	}
}

// recount sets assigned-* and declined-addresses from the lease database,
// with the backend's StatsCounter if it has one.
func (e *Engine) recount(ctx context.Context, st *state) error {
	if e.stats == nil {
		return nil
	}
	type key struct {
		subnet, pool uint32
		typ          leasemgr.LeaseType
	}
	counts := map[key][2]int64{}
	add := func(k key, assigned, declined int64) {
		c := counts[k]
		c[0] += assigned
		c[1] += declined
		counts[k] = c
	}
	v6 := st.cfg.Family == option.V6
	if sc, ok := e.leases.(leasemgr.StatsCounter); ok {
		var rows []leasemgr.LeaseCount
		var err error
		if v6 {
			rows, err = sc.CountLeases6(ctx)
		} else {
			rows, err = sc.CountLeases4(ctx)
		}
		if err != nil {
			return err
		}
		for _, r := range rows {
			add(key{r.SubnetID, r.PoolID, r.Type}, r.Assigned, r.Declined)
		}
	} else if v6 {
		ls, err := e.leases.AllLeases6(ctx)
		if err != nil {
			return err
		}
		for _, l := range ls {
			if counted(l.State) {
				add(key{l.SubnetID, l.PoolID, l.Type}, 1, b2i(l.State == leasemgr.StateDeclined))
			}
		}
	} else {
		ls, err := e.leases.AllLeases4(ctx)
		if err != nil {
			return err
		}
		for _, l := range ls {
			if counted(l.State) {
				add(key{l.SubnetID, l.PoolID, leasemgr.TypeV4}, 1, b2i(l.State == leasemgr.StateDeclined))
			}
		}
	}
	zero := func(ls *leaseStats) {
		ls.assigned.Set(0)
		for _, p := range ls.pools {
			p.assigned.Set(0)
			if p.declined != nil {
				p.declined.Set(0)
			}
		}
	}
	for _, s := range st.v4 {
		zero(&s.st.addr)
		s.st.declined.Set(0)
	}
	for _, s := range st.v6 {
		zero(&s.st.addr)
		zero(&s.st.pd)
		s.st.declined.Set(0)
	}
	var gA, gPD, gD int64
	for k, c := range counts {
		var ls *leaseStats
		var sd *stats.Int
		switch {
		case !v6 && k.typ == leasemgr.TypeV4:
			if s := st.v4[k.subnet]; s != nil {
				ls, sd = &s.st.addr, s.st.declined
			}
			gA += c[0]
		case v6 && k.typ == leasemgr.TypeNA:
			if s := st.v6[k.subnet]; s != nil {
				ls, sd = &s.st.addr, s.st.declined
			}
			gA += c[0]
		case v6 && k.typ == leasemgr.TypePD:
			if s := st.v6[k.subnet]; s != nil {
				ls, sd = &s.st.pd, s.st.declined
			}
			gPD += c[0]
		default:
			continue
		}
		gD += c[1]
		if ls == nil {
			continue
		}
		ls.assigned.Add(c[0])
		sd.Add(c[1])
		if p := ls.pools[k.pool]; p != nil {
			p.assigned.Add(c[0])
			if p.declined != nil {
				p.declined.Add(c[1])
			}
		}
	}
	st.g.addr.assigned.Set(gA)
	st.g.declined.Set(gD)
	if v6 {
		st.g.pd.assigned.Set(gPD)
	}
	return nil
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// leaseStats6 returns the subnet's counters for a v6 lease type (nil for
// TA, which Kea does not count).
func (s *subnet6) leaseStats(t leasemgr.LeaseType) *leaseStats {
	switch t {
	case leasemgr.TypeNA:
		return &s.st.addr
	case leasemgr.TypePD:
		return &s.st.pd
	}
	return nil
}

func (g *globalStats) leaseStats(t leasemgr.LeaseType) *leaseStats {
	switch t {
	case leasemgr.TypeNA:
		return &g.addr
	case leasemgr.TypePD:
		return &g.pd
	}
	return nil
}

// count6 is count4 for DHCPv6 (assigned-nas / assigned-pds).
func (st *state) count6(l *leasemgr.Lease6, d int64) {
	if l == nil || !counted(l.State) {
		return
	}
	gl := st.g.leaseStats(l.Type)
	if gl == nil {
		return
	}
	decl := l.State == leasemgr.StateDeclined
	gl.assigned.Add(d)
	if decl {
		st.g.declined.Add(d)
	}
	s := st.v6[l.SubnetID]
	if s == nil {
		return
	}
	ls := s.leaseStats(l.Type)
	ls.assigned.Add(d)
	if decl {
		s.st.declined.Add(d)
	}
	if p := ls.pools[l.PoolID]; p != nil {
		p.assigned.Add(d)
		if decl && p.declined != nil {
			p.declined.Add(d)
		}
	}
}

func (st *state) move6(old, nw *leasemgr.Lease6) {
	if old != nil && nw != nil && old.State == nw.State && old.SubnetID == nw.SubnetID && old.PoolID == nw.PoolID {
		return
	}
	st.count6(old, -1)
	st.count6(nw, 1)
}

func (st *state) cumulative6(l *leasemgr.Lease6) {
	gl := st.g.leaseStats(l.Type)
	if gl == nil {
		return
	}
	gl.cumulative.Inc()
	if s := st.v6[l.SubnetID]; s != nil {
		ls := s.leaseStats(l.Type)
		ls.cumulative.Inc()
		if p := ls.pools[l.PoolID]; p != nil {
			p.cumulative.Inc()
		}
	}
}

func (st *state) reclaimed6(l *leasemgr.Lease6, declined bool) {
	st.g.reclaimed.Inc()
	if declined {
		st.g.reclaimedD.Inc()
	}
	if s := st.v6[l.SubnetID]; s != nil {
		s.st.reclaimed.Inc()
		if declined {
			s.st.reclaimedD.Inc()
		}
		if ls := s.leaseStats(l.Type); ls != nil {
			if p := ls.pools[l.PoolID]; p != nil && p.reclaimed != nil {
				p.reclaimed.Inc()
				if declined {
					p.reclaimedD.Inc()
				}
			}
		}
	}
}
