package control

import (
	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

// LeaseStats keeps lease statistics in step with the lease commands, with
// the rules of Kea's lease_cmds (updateStatsOnAdd, updateStatsOnUpdate,
// updateStatsOnDelete). Use its methods as LeaseCommands.OnLease4Change and
// OnLease6Change:
//
//	ls := control.LeaseStats{Stats: st, Config: cfgs.Current}
//	cmds := &control.LeaseCommands{Leases: lm, Config: cfgs.Current,
//		OnLease4Change: ls.Lease4Changed, OnLease6Change: ls.Lease6Changed}
//
// A lease counts while it is in state default or declined (the states the
// backends' statistics recount counts as assigned):
//   - v4: subnet[id].assigned-addresses and, when the address is in a pool
//     of the current configuration, subnet[id].pool[pool-id].assigned-addresses;
//     a declined lease also counts in declined-addresses (global, subnet,
//     pool);
//   - v6 IA_NA: assigned-nas (subnet, pool) and declined-addresses (global,
//     subnet, pool); IA_PD: assigned-pds (subnet, pd-pool); IA_TA: nothing;
//     a v6 address lease in state registered counts in
//     subnet[id].registered-nas.
//
// A change applies the difference between what the old and the new lease
// count, so an update that changes nothing counted leaves the statistics
// alone. As in Kea, the global assigned-* statistics are not touched.
type LeaseStats struct {
	// Stats receives the changes. A nil Manager discards them.
	Stats *stats.Manager
	// Config returns the current configuration, for the pool ids; nil
	// means pool statistics are not updated.
	Config func() *cfgmgr.Config
}

type statDelta map[string]int64

func (s LeaseStats) config() *cfgmgr.Config {
	if s.Config == nil {
		return nil
	}
	return s.Config()
}

func (s LeaseStats) apply(d statDelta) {
	for name, v := range d {
		if v != 0 {
			s.Stats.Int(name).Add(v)
		}
	}
}

func counts(st leasemgr.State) bool {
	return st == leasemgr.StateDefault || st == leasemgr.StateDeclined
}

func (s LeaseStats) add4(d statDelta, cfg *cfgmgr.Config, l *leasemgr.Lease4, sign int64) {
	if l == nil || !counts(l.State) {
		return
	}
	var pool *cfgmgr.Pool4
	if cfg != nil {
		pool = pool4(cfg.Subnet4(cfgmgr.SubnetID(l.SubnetID)), l.Addr)
	}
	d[stats.SubnetName(l.SubnetID, stats.AssignedAddresses)] += sign
	if pool != nil {
		d[stats.PoolName(l.SubnetID, uint64(pool.ID), stats.AssignedAddresses)] += sign
	}
	if l.State == leasemgr.StateDeclined {
		d[stats.DeclinedAddresses] += sign
		d[stats.SubnetName(l.SubnetID, stats.DeclinedAddresses)] += sign
		if pool != nil {
			d[stats.PoolName(l.SubnetID, uint64(pool.ID), stats.DeclinedAddresses)] += sign
		}
	}
}

func (s LeaseStats) add6(d statDelta, cfg *cfgmgr.Config, l *leasemgr.Lease6, sign int64) {
	if l == nil {
		return
	}
	var poolID uint32
	var inPool bool
	if cfg != nil {
		poolID, inPool = pool6(cfg.Subnet6(cfgmgr.SubnetID(l.SubnetID)), l.Type, l.Addr)
	}
	switch {
	case l.Type == leasemgr.TypeNA && l.State == leasemgr.StateRegistered:
		d[stats.SubnetName(l.SubnetID, stats.RegisteredNAs)] += sign
	case !counts(l.State):
	case l.Type == leasemgr.TypeNA:
		d[stats.SubnetName(l.SubnetID, stats.AssignedNAs)] += sign
		if inPool {
			d[stats.PoolName(l.SubnetID, uint64(poolID), stats.AssignedNAs)] += sign
		}
		if l.State == leasemgr.StateDeclined {
			d[stats.DeclinedAddresses] += sign
			d[stats.SubnetName(l.SubnetID, stats.DeclinedAddresses)] += sign
			if inPool {
				d[stats.PoolName(l.SubnetID, uint64(poolID), stats.DeclinedAddresses)] += sign
			}
		}
	case l.Type == leasemgr.TypePD:
		d[stats.SubnetName(l.SubnetID, stats.AssignedPDs)] += sign
		if inPool {
			d[stats.PDPoolName(l.SubnetID, uint64(poolID), stats.AssignedPDs)] += sign
		}
	}
}

// Lease4Changed updates the statistics for a change from old to new (nil
// old: added; nil new: deleted).
func (s LeaseStats) Lease4Changed(old, new *leasemgr.Lease4) {
	if s.Stats == nil {
		return
	}
	cfg := s.config()
	d := statDelta{}
	s.add4(d, cfg, old, -1)
	s.add4(d, cfg, new, +1)
	s.apply(d)
}

// Lease6Changed is Lease4Changed for DHCPv6.
func (s LeaseStats) Lease6Changed(old, new *leasemgr.Lease6) {
	if s.Stats == nil {
		return
	}
	cfg := s.config()
	d := statDelta{}
	s.add6(d, cfg, old, -1)
	s.add6(d, cfg, new, +1)
	s.apply(d)
}
