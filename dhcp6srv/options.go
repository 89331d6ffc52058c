package dhcp6srv

import (
	"net/netip"
	"slices"

	"github.com/insomniacslk/dhcp/dhcpv6"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// Option resolution (Kea's Dhcpv6Srv::buildCfgOptionList and
// appendRequestedOptions).
//
// The option lists are searched in Kea's precedence: the host reservation,
// the pool or pd-pool of each leased address or prefix, the subnet, its
// shared network, each client class in the packet's class order, the
// global option-data. The first list holding an option of the dhcp6 space
// (whose per-option client-classes guard, if any, the packet passes) gives
// its value.
//
// Sent: the options the client lists in its option request option (6)
// and the options marked always-send in any list; an option marked
// never-send in any list is never sent. Options the server builds itself
// (identifiers, IAs, status, rapid commit, relay options, client FQDN) are
// never taken from the configuration.

// managed are the option codes the server sets itself.
var managed = map[uint16]bool{
	1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 8: true, 9: true,
	11: true, 13: true, 14: true, 18: true, 19: true, 20: true, 25: true,
	26: true, 39: true, 79: true, 135: true,
}

// appendOptions adds the configured options the reply gets.
func (x *exchange) appendOptions(reply *dhcpv6.Message, ias []*alloc.IA) {
	var lists [][]option.Data
	add := func(l []option.Data) {
		if len(l) > 0 {
			lists = append(lists, l)
		}
	}
	cfg := x.st.cfg
	if x.host != nil {
		add(x.host.Options6)
	}
	if s := x.subnet; s != nil {
		for _, ia := range ias {
			for _, l := range ia.Leases {
				ls := s
				if l.SubnetID != uint32(s.ID) {
					if o := cfg.Subnet6(cfgmgr.SubnetID(l.SubnetID)); o != nil {
						ls = o
					}
				}
				add(poolOptions(ls, l))
			}
		}
		add(s.Options)
		if s.Network != nil {
			add(s.Network.Options)
		}
	}
	for _, name := range x.classes {
		if c := cfg.ClientClass(name); c != nil {
			add(c.Options)
		}
	}
	add(cfg.Options)
	if len(lists) == 0 {
		return
	}

	allowed := func(d *option.Data) bool {
		if len(d.ClientClasses) == 0 {
			return true
		}
		for _, g := range d.ClientClasses {
			if slices.Contains(x.classes, g) {
				return true
			}
		}
		return false
	}
	find := func(code uint16) *option.Data {
		for _, l := range lists {
			for i := range l {
				d := &l[i]
				if d.Code == code && d.Space == option.SpaceDHCP6 && allowed(d) {
					return d
				}
			}
		}
		return nil
	}
	cancelled := func(code uint16) bool {
		for _, l := range lists {
			for i := range l {
				d := &l[i]
				if d.Code == code && d.Space == option.SpaceDHCP6 && d.NeverSend && allowed(d) {
					return true
				}
			}
		}
		return false
	}

	var codes []uint16
	for _, c := range x.msg.Options.RequestedOptions() {
		codes = append(codes, uint16(c))
	}
	for _, l := range lists {
		for i := range l {
			d := &l[i]
			if d.AlwaysSend && d.Space == option.SpaceDHCP6 && allowed(d) {
				codes = append(codes, d.Code)
			}
		}
	}
	var sent []uint16
	for _, code := range codes {
		if managed[code] || slices.Contains(sent, code) || cancelled(code) {
			continue
		}
		sent = append(sent, code)
		if d := find(code); d != nil {
			reply.AddOption(&dhcpv6.OptionGeneric{OptionCode: dhcpv6.OptionCode(code), OptionData: d.Wire})
		}
	}
}

// poolOptions returns the option-data of the pool or pd-pool a lease comes
// from.
func poolOptions(s *cfgmgr.Subnet6, l *leasemgr.Lease6) []option.Data {
	a := l.Addr
	if l.Type == leasemgr.TypePD {
		for _, p := range s.PDPools {
			if p.Prefix.Contains(a) && int(l.PrefixLen) >= p.Prefix.Bits() {
				return p.Options
			}
		}
		return nil
	}
	for _, p := range s.Pools {
		if inRange(a, p.First, p.Last) {
			return p.Options
		}
	}
	return nil
}

func inRange(a, first, last netip.Addr) bool {
	return a.Compare(first) >= 0 && a.Compare(last) <= 0
}
