package subnetselect

import (
	"net/netip"
	"slices"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
)

// entry is one subnet in a candidate list, with its class guards.
type entry[S any] struct {
	s        *S
	id       cfgmgr.SubnetID
	class    string // the subnet's own "client-class" ("" = none)
	netClass string // its shared network's ("" = none or no network)
}

// accepts is Kea's Subnet::clientSupported: the shared network's guard and
// the subnet's own guard must both accept the packet's classes.
func (e *entry[S]) accepts(sel *Selector) bool {
	return (e.class == "" || sel.InClass(e.class)) &&
		(e.netClass == "" || sel.InClass(e.netClass))
}

// list is a candidate list in ascending subnet id.
type list[S any] []entry[S]

// first returns the first entry whose guards accept the packet, or nil.
func (l list[S]) first(sel *Selector) *entry[S] {
	for i := range l {
		if l[i].accepts(sel) {
			return &l[i]
		}
	}
	return nil
}

// add appends e unless the list already ends with that subnet (a subnet
// listing one relay address twice).
func (l list[S]) add(e entry[S]) list[S] {
	if n := len(l); n > 0 && l[n-1].s == e.s {
		return l
	}
	return append(l, e)
}

// lower returns whichever of a and b has the lower id; nil counts as none.
func lower[S any](a, b *entry[S]) *entry[S] {
	if a == nil || (b != nil && b.id < a.id) {
		return b
	}
	return a
}

// subnetOf returns the subnet of e, or nil.
func subnetOf[S any](e *entry[S]) *S {
	if e == nil {
		return nil
	}
	return e.s
}

// prefixTable finds, among the subnets whose prefix contains an address, the
// one with the lowest id that accepts the packet. Prefixes are bucketed by
// length; a lookup masks the address once per distinct length present
// (at most 33 for IPv4, 129 for IPv6, one or a few in practice) and makes
// one map lookup each.
type prefixTable[S any] struct {
	lens []int // distinct prefix lengths present, ascending
	m    map[netip.Prefix]list[S]
}

func (t *prefixTable[S]) add(p netip.Prefix, e entry[S]) {
	if t.m == nil {
		t.m = make(map[netip.Prefix]list[S])
	}
	p = p.Masked()
	if i, ok := slices.BinarySearch(t.lens, p.Bits()); !ok {
		t.lens = slices.Insert(t.lens, i, p.Bits())
	}
	t.m[p] = t.m[p].add(e)
}

// lookup returns the lowest-id entry that contains a and accepts the packet.
// a must have no zone.
func (t *prefixTable[S]) lookup(a netip.Addr, sel *Selector) *entry[S] {
	if !a.IsValid() || len(t.m) == 0 {
		return nil
	}
	var best *entry[S]
	for _, n := range t.lens {
		if n > a.BitLen() {
			break
		}
		p, err := a.Prefix(n)
		if err != nil {
			break
		}
		if l, ok := t.m[p]; ok {
			best = lower(best, l.first(sel))
		}
	}
	return best
}

// ownOr returns own unless it is empty, else net: Kea's "the subnet's
// value, or if it has none, its shared network's" for the selection keys.
func ownOr[T any](own, net []T) []T {
	if len(own) > 0 {
		return own
	}
	return net
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// networkFields are the selection keys of one subnet: its own values and
// those of its shared network (params nil when it has none).
type networkFields struct {
	class, netClass string
	iface           string       // the subnet's interface, else its network's
	ifaceID         string       // v6: the subnet's interface-id, else its network's
	relays          []netip.Addr // the subnet's relay addresses, else its network's
}

func fieldsOf(own, net *cfgmgr.Params) networkFields {
	var f networkFields
	f.class = str(own.ClientClass)
	f.iface = str(own.Interface)
	f.ifaceID = str(own.InterfaceID)
	f.relays = own.RelayAddresses
	if net != nil {
		f.netClass = str(net.ClientClass)
		if f.iface == "" {
			f.iface = str(net.Interface)
		}
		if f.ifaceID == "" {
			f.ifaceID = str(net.InterfaceID)
		}
		f.relays = ownOr(own.RelayAddresses, net.RelayAddresses)
	}
	return f
}
