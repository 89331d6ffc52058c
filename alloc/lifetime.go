package alloc

import (
	"time"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// classBOOTP is Kea's built-in class of BOOTP clients, whose leases are
// infinite.
const classBOOTP = "BOOTP"

// validLifetime4 returns the valid lifetime of a DHCPv4 lease (Kea's
// getValidLft): infinite for BOOTP; else the first of the client's classes
// that defines one, or the subnet's triplet, with the client's requested
// lifetime (option 51) clamped into it, or its default.
func (st *state) validLifetime4(s *subnet4, c *ClientContext4) uint32 {
	if c.BOOTP || c.Classes.Contains(classBOOTP) {
		return leasemgr.InfiniteLifetime
	}
	t := s.valid
	for _, name := range c.Classes {
		if cl := st.classes[name]; cl != nil {
			if ct, ok := cl.ValidLifetime(); ok {
				t = ct
				break
			}
		}
	}
	if c.RequestedLifetime > 0 {
		return t.Clamp(c.RequestedLifetime)
	}
	return t.Default
}

// offerLifetime4 returns the offer-lifetime: the first class defining one,
// else the subnet's; 0 means DISCOVER writes no lease.
func (st *state) offerLifetime4(s *subnet4, c *ClientContext4) uint32 {
	if c.BOOTP {
		return 0
	}
	for _, name := range c.Classes {
		if cl := st.classes[name]; cl != nil && cl.Lifetimes.Offer != nil {
			return *cl.Lifetimes.Offer
		}
	}
	return s.offer
}

// lifetimes6 returns the preferred and valid lifetimes of a DHCPv6 lease
// (Kea's getLifetimes6): the first class defining them, else the subnet's
// triplets; the client's hinted lifetimes clamped into them, else the
// defaults; a preferred lifetime that is unset or longer than the valid one
// becomes 0.625 × valid.
func (st *state) lifetimes6(s *subnet6, classes ClientClasses, hintPref, hintValid uint32) (pref, valid uint32) {
	vt := s.valid
	pt, pSet := s.pref, s.prefSet
	vFound, pFound := false, false
	for _, name := range classes {
		cl := st.classes[name]
		if cl == nil {
			continue
		}
		if !vFound {
			if t, ok := cl.ValidLifetime(); ok {
				vt, vFound = t, true
			}
		}
		if !pFound {
			if t, ok := cl.PreferredLifetime(); ok {
				pt, pSet, pFound = t, true, true
			}
		}
		if vFound && pFound {
			break
		}
	}
	valid = vt.Default
	if hintValid > 0 {
		valid = vt.Clamp(hintValid)
	}
	if !pSet {
		return defaultPreferred(valid), valid
	}
	pref = pt.Default
	if hintPref > 0 {
		pref = pt.Clamp(hintPref)
	}
	if pref > valid {
		pref = defaultPreferred(valid)
	}
	return pref, valid
}

func defaultPreferred(valid uint32) uint32 {
	if valid == leasemgr.InfiniteLifetime {
		return valid
	}
	return uint32(uint64(valid) * 5 / 8)
}

// preferredSet reports whether a preferred lifetime is configured at the
// subnet, its shared network or the global level.
func preferredSet(cfg *cfgmgr.Config, s *cfgmgr.Subnet6) bool {
	set := func(p *cfgmgr.Params) bool {
		return p != nil && (p.PreferredLifetime != nil || p.MinPreferredLifetime != nil || p.MaxPreferredLifetime != nil)
	}
	if set(&s.Params) || set(&cfg.Globals.Params) {
		return true
	}
	return s.Network != nil && set(&s.Network.Params)
}

type timeT = time.Time

func unixToTime(s int64) time.Time { return time.Unix(s, 0) }
