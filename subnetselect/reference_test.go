package subnetselect

// A straightforward, linear transcription of Kea's selection code
// (CfgSubnets4::selectSubnet/selectSubnet4o6, CfgSubnets6::selectSubnet,
// Subnet::clientSupported). The property tests check the indexes against it.

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
)

func refSupported(sel *Selector, own, net *cfgmgr.Params) bool {
	if net != nil && net.ClientClass != nil && *net.ClientClass != "" && !slices.Contains(sel.ClientClasses, *net.ClientClass) {
		return false
	}
	return own.ClientClass == nil || *own.ClientClass == "" || slices.Contains(sel.ClientClasses, *own.ClientClass)
}

func refNet4(s *cfgmgr.Subnet4) *cfgmgr.Params {
	if s.Network == nil {
		return nil
	}
	return &s.Network.Params
}

func refNet6(s *cfgmgr.Subnet6) *cfgmgr.Params {
	if s.Network == nil {
		return nil
	}
	return &s.Network.Params
}

// refHasRelay: the subnet's relay list if it has one, else its network's.
func refHasRelay(a netip.Addr, own, net *cfgmgr.Params) bool {
	if len(own.RelayAddresses) > 0 {
		return slices.Contains(own.RelayAddresses, a)
	}
	return net != nil && slices.Contains(net.RelayAddresses, a)
}

// refIface: the subnet's interface if not empty, else its network's.
func refIface(own, net *cfgmgr.Params) string {
	if own.Interface != nil && *own.Interface != "" {
		return *own.Interface
	}
	if net != nil && net.Interface != nil {
		return *net.Interface
	}
	return ""
}

func refIfaceID(own, net *cfgmgr.Params) string {
	if own.InterfaceID != nil && *own.InterfaceID != "" {
		return *own.InterfaceID
	}
	if net != nil && net.InterfaceID != nil {
		return *net.InterfaceID
	}
	return ""
}

func sorted4(cfg *cfgmgr.Config) []*cfgmgr.Subnet4 {
	s := slices.Clone(cfg.Subnets4)
	s = slices.DeleteFunc(s, func(s *cfgmgr.Subnet4) bool { return s == nil })
	slices.SortStableFunc(s, func(a, b *cfgmgr.Subnet4) int { return cmp.Compare(a.ID, b.ID) })
	return s
}

func sorted6(cfg *cfgmgr.Config) []*cfgmgr.Subnet6 {
	s := slices.Clone(cfg.Subnets6)
	s = slices.DeleteFunc(s, func(s *cfgmgr.Subnet6) bool { return s == nil })
	slices.SortStableFunc(s, func(a, b *cfgmgr.Subnet6) int { return cmp.Compare(a.ID, b.ID) })
	return s
}

func isZero4(a netip.Addr) bool { return !a.IsValid() || a == netip.IPv4Unspecified() }

// normalized returns sel with addresses as Kea would see them: without
// zones, and IPv4-mapped addresses unmapped in the v4 fields.
func normalized(sel *Selector, v4 bool) *Selector {
	c := *sel
	for _, a := range []*netip.Addr{&c.CIAddr, &c.GIAddr, &c.OptionSelect, &c.LocalAddr, &c.IfaceAddr4} {
		*a = a.Unmap()
	}
	if v4 && !c.DHCP4o6 {
		c.RemoteAddr = c.RemoteAddr.Unmap()
	}
	c.RemoteAddr = c.RemoteAddr.WithZone("")
	c.FirstRelayLinkAddr = c.FirstRelayLinkAddr.WithZone("")
	return &c
}

func refSelect4(cfg *cfgmgr.Config, sel *Selector) *cfgmgr.Subnet4 {
	sel = normalized(sel, true)
	if sel.DHCP4o6 {
		return refSelect4o6(cfg, sel)
	}
	subs := sorted4(cfg)
	byAddr := func(a netip.Addr) *cfgmgr.Subnet4 {
		for _, s := range subs {
			if s.Prefix.Masked().Contains(a) && refSupported(sel, &s.Params, refNet4(s)) {
				return s
			}
		}
		return nil
	}
	if !isZero4(sel.OptionSelect) {
		return byAddr(sel.OptionSelect)
	}
	if !isZero4(sel.GIAddr) {
		for _, s := range subs {
			if refHasRelay(sel.GIAddr, &s.Params, refNet4(s)) && refSupported(sel, &s.Params, refNet4(s)) {
				return s
			}
		}
	}
	bcast := sel.LocalAddr == netip.MustParseAddr("255.255.255.255")
	var a netip.Addr
	switch {
	case !isZero4(sel.GIAddr):
		a = sel.GIAddr
	case !isZero4(sel.CIAddr) && !bcast:
		a = sel.CIAddr
	case !isZero4(sel.RemoteAddr) && !bcast:
		a = sel.RemoteAddr
	case sel.IfaceName != "":
		for _, s := range subs {
			if refIface(&s.Params, refNet4(s)) == sel.IfaceName && refSupported(sel, &s.Params, refNet4(s)) {
				return s
			}
		}
		a = sel.IfaceAddr4
	}
	if isZero4(a) {
		return nil
	}
	return byAddr(a)
}

func refSelect4o6(cfg *cfgmgr.Config, sel *Selector) *cfgmgr.Subnet4 {
	for _, s := range sorted4(cfg) {
		if !refSupported(sel, &s.Params, refNet4(s)) {
			continue
		}
		if p := s.Subnet4o6; p.IsValid() && !p.Addr().IsUnspecified() && p.Masked().Contains(sel.RemoteAddr) {
			return s
		}
		if s.InterfaceID4o6 != "" && s.InterfaceID4o6 == sel.InterfaceID {
			return s
		}
		if s.Interface4o6 != "" && s.Interface4o6 == sel.IfaceName {
			return s
		}
	}
	return nil
}

func refSelect6(cfg *cfgmgr.Config, opts Options6, sel *Selector) *cfgmgr.Subnet6 {
	sel = normalized(sel, false)
	subs := sorted6(cfg)
	byAddr := func(a netip.Addr) *cfgmgr.Subnet6 {
		for _, s := range subs {
			if s.Prefix.Masked().Contains(a) && refSupported(sel, &s.Params, refNet6(s)) {
				return s
			}
		}
		return nil
	}
	link := sel.FirstRelayLinkAddr
	if !link.IsValid() {
		link = netip.IPv6Unspecified()
	}
	direct := link == netip.IPv6Unspecified()
	if opts.InterfaceIDRelayed && sel.InterfaceID != "" {
		direct = false
	}
	if direct {
		if sel.IfaceName != "" {
			for _, s := range subs {
				if refIface(&s.Params, refNet6(s)) == sel.IfaceName && refSupported(sel, &s.Params, refNet6(s)) {
					return s
				}
			}
		}
		if sel.RemoteAddr.IsValid() && sel.RemoteAddr != netip.IPv6Unspecified() {
			return byAddr(sel.RemoteAddr)
		}
		return nil
	}
	if sel.InterfaceID != "" {
		for _, s := range subs {
			if refIfaceID(&s.Params, refNet6(s)) == sel.InterfaceID && refSupported(sel, &s.Params, refNet6(s)) {
				return s
			}
		}
	}
	if link == netip.IPv6Unspecified() {
		return nil
	}
	for _, s := range subs {
		if refHasRelay(link, &s.Params, refNet6(s)) && refSupported(sel, &s.Params, refNet6(s)) {
			return s
		}
	}
	return byAddr(link)
}
