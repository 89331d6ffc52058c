package subnetselect

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
)

// Index4 selects DHCPv4 subnets (and DHCPv4-over-DHCPv6 subnets) of one
// configuration: Kea's CfgSubnets4::selectSubnet and selectSubnet4o6.
//
// Build one per committed configuration with New4 and keep it next to the
// config. An Index4 is immutable and safe for concurrent use; it keeps
// pointers to the config's subnets, so the config must not change while the
// index is in use (a committed cfgmgr.Config does not).
type Index4 struct {
	cfg      *cfgmgr.Config
	n        int
	prefixes prefixTable[cfgmgr.Subnet4]
	relays   map[netip.Addr]list[cfgmgr.Subnet4]
	ifaces   map[string]list[cfgmgr.Subnet4]

	// DHCPv4-over-DHCPv6.
	prefixes4o6 prefixTable[cfgmgr.Subnet4]
	ifaceIDs4o6 map[string]list[cfgmgr.Subnet4]
	ifaces4o6   map[string]list[cfgmgr.Subnet4]
}

// New4 builds the index of cfg.Subnets4. The subnets need not be sorted; a
// nil cfg gives an index that selects nothing.
//
// Each subnet is indexed by its effective selection keys: its "relay"
// addresses, or if it has none those of its shared network; its
// "interface", or if it has none its shared network's; its own and its
// shared network's "client-class" guard (both must accept a packet); and its
// 4o6-subnet, 4o6-interface-id and 4o6-interface. The keys are read from the
// Params of the subnet and of its Network, so a config built by hand need
// not have been validated; it must not have two subnets with the same id.
func New4(cfg *cfgmgr.Config) *Index4 {
	x := &Index4{
		cfg:         cfg,
		relays:      map[netip.Addr]list[cfgmgr.Subnet4]{},
		ifaces:      map[string]list[cfgmgr.Subnet4]{},
		ifaceIDs4o6: map[string]list[cfgmgr.Subnet4]{},
		ifaces4o6:   map[string]list[cfgmgr.Subnet4]{},
	}
	if cfg == nil {
		return x
	}
	subs := slices.Clone(cfg.Subnets4)
	subs = slices.DeleteFunc(subs, func(s *cfgmgr.Subnet4) bool { return s == nil })
	slices.SortStableFunc(subs, func(a, b *cfgmgr.Subnet4) int { return cmp.Compare(a.ID, b.ID) })
	x.n = len(subs)
	for _, s := range subs {
		var netParams *cfgmgr.Params
		if s.Network != nil {
			netParams = &s.Network.Params
		}
		f := fieldsOf(&s.Params, netParams)
		e := entry[cfgmgr.Subnet4]{s: s, id: s.ID, class: f.class, netClass: f.netClass}
		if s.Prefix.IsValid() && s.Prefix.Addr().Is4() {
			x.prefixes.add(s.Prefix, e)
		}
		for _, a := range f.relays {
			if a = addr4(a); a.IsValid() {
				x.relays[a] = x.relays[a].add(e)
			}
		}
		if f.iface != "" {
			x.ifaces[f.iface] = x.ifaces[f.iface].add(e)
		}
		if p := s.Subnet4o6; p.IsValid() && p.Addr().Is6() && !p.Addr().IsUnspecified() {
			x.prefixes4o6.add(p, e)
		}
		if s.InterfaceID4o6 != "" {
			x.ifaceIDs4o6[s.InterfaceID4o6] = x.ifaceIDs4o6[s.InterfaceID4o6].add(e)
		}
		if s.Interface4o6 != "" {
			x.ifaces4o6[s.Interface4o6] = x.ifaces4o6[s.Interface4o6].add(e)
		}
	}
	return x
}

// Config returns the configuration the index was built from (nil for a
// nil index).
func (x *Index4) Config() *cfgmgr.Config {
	if x == nil {
		return nil
	}
	return x.cfg
}

// Len returns the number of subnets indexed.
func (x *Index4) Len() int {
	if x == nil {
		return 0
	}
	return x.n
}

// Select returns the subnet for a DHCPv4 packet, or nil when none fits.
// When sel.DHCP4o6 is set it returns Select4o6(sel). Otherwise it applies
// Kea's rules in this order, each time taking the first subnet in ascending
// id whose class guards accept sel.ClientClasses:
//
//  1. If OptionSelect is set: the subnet whose prefix contains it, and
//     nothing else is tried.
//  2. If GIAddr is set: a subnet whose relay addresses (its own, or if it
//     has none its shared network's) include GIAddr.
//  3. An address to match: GIAddr if set; else CIAddr if set and LocalAddr
//     is not 255.255.255.255; else RemoteAddr under the same condition; else,
//     if IfaceName is set, a subnet whose interface (its own, or if it has
//     none its shared network's) is IfaceName is returned if there is one,
//     and IfaceAddr4 is the address otherwise.
//  4. The subnet whose prefix contains that address.
func (x *Index4) Select(sel *Selector) *cfgmgr.Subnet4 {
	if x == nil || sel == nil {
		return nil
	}
	if sel.DHCP4o6 {
		return x.Select4o6(sel)
	}
	if a := addr4(sel.OptionSelect); a.IsValid() {
		return subnetOf(x.prefixes.lookup(a, sel))
	}
	gi := addr4(sel.GIAddr)
	if gi.IsValid() {
		if e := x.relays[gi].first(sel); e != nil {
			return e.s
		}
	}
	bcast := sel.LocalAddr.Unmap() == broadcast4
	var a netip.Addr
	switch {
	case gi.IsValid():
		a = gi
	case addr4(sel.CIAddr).IsValid() && !bcast:
		a = addr4(sel.CIAddr)
	case addr4(sel.RemoteAddr).IsValid() && !bcast:
		a = addr4(sel.RemoteAddr)
	case sel.IfaceName != "":
		if e := x.ifaces[sel.IfaceName].first(sel); e != nil {
			return e.s
		}
		a = addr4(sel.IfaceAddr4)
	}
	return subnetOf(x.prefixes.lookup(a, sel))
}

// Select4o6 returns the subnet for a DHCPv4-over-DHCPv6 packet (Kea's
// selectSubnet4o6), or nil: the first subnet in ascending id whose class
// guards accept the packet and that matches any of
//
//  1. its 4o6-subnet prefix contains RemoteAddr (the IPv6 source address);
//  2. its 4o6-interface-id equals InterfaceID;
//  3. its 4o6-interface equals IfaceName.
//
// A 4o6-subnet whose address is :: (such as ::/0) never matches, as in Kea.
// The class check follows current Kea; Kea 2.2 did not make it.
func (x *Index4) Select4o6(sel *Selector) *cfgmgr.Subnet4 {
	if x == nil || sel == nil {
		return nil
	}
	var best *entry[cfgmgr.Subnet4]
	if r := sel.RemoteAddr.WithZone(""); r.Is6() {
		best = x.prefixes4o6.lookup(r, sel)
	}
	if sel.InterfaceID != "" {
		best = lower(best, x.ifaceIDs4o6[sel.InterfaceID].first(sel))
	}
	if sel.IfaceName != "" {
		best = lower(best, x.ifaces4o6[sel.IfaceName].first(sel))
	}
	return subnetOf(best)
}
