package subnetselect

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
)

// Options6 chooses between Kea versions where their DHCPv6 selection
// differs. The zero value is Kea 2.2's behaviour.
type Options6 struct {
	// InterfaceIDRelayed treats a packet that carries an interface-id
	// option but no usable relay link address (a layer-2 relay) as relayed,
	// as Kea does since #4358. When false (Kea 2.2), only a relay link
	// address other than :: makes a packet relayed.
	InterfaceIDRelayed bool
}

// Index6 selects DHCPv6 subnets of one configuration: Kea's
// CfgSubnets6::selectSubnet.
//
// Build one per committed configuration with New6 and keep it next to the
// config. An Index6 is immutable and safe for concurrent use; it keeps
// pointers to the config's subnets, so the config must not change while the
// index is in use (a committed cfgmgr.Config does not).
type Index6 struct {
	cfg      *cfgmgr.Config
	opts     Options6
	n        int
	prefixes prefixTable[cfgmgr.Subnet6]
	relays   map[netip.Addr]list[cfgmgr.Subnet6]
	ifaces   map[string]list[cfgmgr.Subnet6]
	ifaceIDs map[string]list[cfgmgr.Subnet6]
}

// New6 builds the index of cfg.Subnets6 with Kea 2.2's rules (the zero
// Options6). See Options6.New6.
func New6(cfg *cfgmgr.Config) *Index6 { return Options6{}.New6(cfg) }

// New6 builds the index of cfg.Subnets6 with these options. The subnets need
// not be sorted; a nil cfg gives an index that selects nothing.
//
// Each subnet is indexed by its effective selection keys: its "relay"
// addresses, or if it has none those of its shared network; its
// "interface" and "interface-id", each its own or if it has none its shared
// network's; and its own and its shared network's "client-class" guard (both
// must accept a packet). The keys are read from the Params of the subnet and
// of its Network, so a config built by hand need not have been validated;
// it must not have two subnets with the same id.
func (o Options6) New6(cfg *cfgmgr.Config) *Index6 {
	x := &Index6{
		cfg:      cfg,
		opts:     o,
		relays:   map[netip.Addr]list[cfgmgr.Subnet6]{},
		ifaces:   map[string]list[cfgmgr.Subnet6]{},
		ifaceIDs: map[string]list[cfgmgr.Subnet6]{},
	}
	if cfg == nil {
		return x
	}
	subs := slices.Clone(cfg.Subnets6)
	subs = slices.DeleteFunc(subs, func(s *cfgmgr.Subnet6) bool { return s == nil })
	slices.SortStableFunc(subs, func(a, b *cfgmgr.Subnet6) int { return cmp.Compare(a.ID, b.ID) })
	x.n = len(subs)
	for _, s := range subs {
		var netParams *cfgmgr.Params
		if s.Network != nil {
			netParams = &s.Network.Params
		}
		f := fieldsOf(&s.Params, netParams)
		e := entry[cfgmgr.Subnet6]{s: s, id: s.ID, class: f.class, netClass: f.netClass}
		if s.Prefix.IsValid() && s.Prefix.Addr().Is6() {
			x.prefixes.add(s.Prefix, e)
		}
		for _, a := range f.relays {
			if a = addr6(a); a.IsValid() {
				x.relays[a] = x.relays[a].add(e)
			}
		}
		if f.iface != "" {
			x.ifaces[f.iface] = x.ifaces[f.iface].add(e)
		}
		if f.ifaceID != "" {
			x.ifaceIDs[f.ifaceID] = x.ifaceIDs[f.ifaceID].add(e)
		}
	}
	return x
}

// Config returns the configuration the index was built from (nil for a
// nil index).
func (x *Index6) Config() *cfgmgr.Config {
	if x == nil {
		return nil
	}
	return x.cfg
}

// Len returns the number of subnets indexed.
func (x *Index6) Len() int {
	if x == nil {
		return 0
	}
	return x.n
}

// Options returns the options the index was built with.
func (x *Index6) Options() Options6 {
	if x == nil {
		return Options6{}
	}
	return x.opts
}

// Select returns the subnet for a DHCPv6 packet, or nil when none fits,
// applying Kea's rules; each step takes the first subnet in ascending id
// whose class guards accept sel.ClientClasses.
//
// A packet is relayed when FirstRelayLinkAddr is set (not ::), or, with
// Options6.InterfaceIDRelayed, when it carries an InterfaceID.
//
// Direct: a subnet whose interface (its own, or if it has none its shared
// network's) is IfaceName; else the subnet whose prefix contains RemoteAddr.
//
// Relayed: a subnet whose interface-id (its own or its shared network's)
// equals InterfaceID; else, if FirstRelayLinkAddr is set, a subnet whose
// relay addresses (its own, or if it has none its shared network's) include
// it, else the subnet whose prefix contains it.
func (x *Index6) Select(sel *Selector) *cfgmgr.Subnet6 {
	if x == nil || sel == nil {
		return nil
	}
	link := addr6(sel.FirstRelayLinkAddr)
	relayed := link.IsValid() || (x.opts.InterfaceIDRelayed && sel.InterfaceID != "")
	if !relayed {
		if sel.IfaceName != "" {
			if e := x.ifaces[sel.IfaceName].first(sel); e != nil {
				return e.s
			}
		}
		return subnetOf(x.prefixes.lookup(addr6(sel.RemoteAddr), sel))
	}
	if sel.InterfaceID != "" {
		if e := x.ifaceIDs[sel.InterfaceID].first(sel); e != nil {
			return e.s
		}
	}
	if !link.IsValid() {
		return nil
	}
	if e := x.relays[link].first(sel); e != nil {
		return e.s
	}
	return subnetOf(x.prefixes.lookup(link, sel))
}
