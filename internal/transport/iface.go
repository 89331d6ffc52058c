package transport

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
)

// Interface describes a network interface with its addresses of one
// family. dhcp4srv.Interface and dhcp6srv.Interface have the same fields
// (documented there for their users), so that a *Interface converts to
// either: (*dhcp4srv.Interface)(ifc). Keep the three in step.
type Interface struct {
	Index        int
	Name         string
	HardwareAddr net.HardwareAddr
	Addrs        []netip.Prefix
	Loopback     bool
}

// Interface builds an Interface from the system's description, with the
// addresses of f's family.
func (f Family) Interface(ni *net.Interface) (*Interface, error) {
	ifc := &Interface{
		Index:        ni.Index,
		Name:         ni.Name,
		HardwareAddr: ni.HardwareAddr,
		Loopback:     ni.Flags&net.FlagLoopback != 0,
	}
	addrs, err := ni.Addrs()
	if err != nil {
		return nil, fmt.Errorf("%s: addresses of %s: %w", f.Name, ni.Name, err)
	}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ones, _ := ipn.Mask.Size()
		ip4 := ipn.IP.To4()
		switch {
		case !f.IPv6 && ip4 != nil:
			ifc.Addrs = append(ifc.Addrs, netip.PrefixFrom(netip.AddrFrom4([4]byte(ip4)), ones))
		case f.IPv6 && ip4 == nil && len(ipn.IP) == net.IPv6len:
			ifc.Addrs = append(ifc.Addrs, netip.PrefixFrom(netip.AddrFrom16([16]byte(ipn.IP)), ones))
		}
	}
	return ifc, nil
}

// wildcardCandidate and wildcard tell whether "*" takes an interface: one
// that is up and not a loopback (which Kea binds only when named), with an
// IPv4 address for DHCPv4, or multicast-capable with a link-local address
// for DHCPv6.
func (f Family) wildcard(ifc *Interface) bool {
	if f.IPv6 {
		for _, p := range ifc.Addrs {
			if p.Addr().IsLinkLocalUnicast() {
				return true
			}
		}
		return false
	}
	return len(ifc.Addrs) > 0
}

func (f Family) wildcardCandidate(ni *net.Interface) bool {
	if ni.Flags&net.FlagUp == 0 || ni.Flags&net.FlagLoopback != 0 {
		return false
	}
	return !f.IPv6 || ni.Flags&net.FlagMulticast != 0
}

// Binding is one interface of a resolved interfaces-config list.
type Binding struct {
	Interface *Interface
	// Addrs are the addresses named for the interface ("eth0/192.0.2.1"),
	// in the order given; nil when the interface was named alone.
	Addrs []netip.Addr
}

// Resolve turns Kea's interfaces-config "interfaces" list into bindings,
// looking interfaces up in all (net.Interfaces): "eth0", "eth0/addr" (the
// address must be one of the interface's, of f's family) and "*" (see
// wildcard). An interface named more than once is bound once, at its
// first place, with the addresses of all its entries.
func (f Family) Resolve(names []string, all []net.Interface) ([]Binding, error) {
	var out []Binding
	seen := map[string]int{}
	add := func(b Binding) {
		if i, ok := seen[b.Interface.Name]; ok {
			out[i].Addrs = append(out[i].Addrs, b.Addrs...)
			return
		}
		seen[b.Interface.Name] = len(out)
		out = append(out, b)
	}
	byName := func(name string) *net.Interface {
		for i := range all {
			if all[i].Name == name {
				return &all[i]
			}
		}
		return nil
	}
	for _, entry := range names {
		if entry == "*" {
			for i := range all {
				ni := &all[i]
				if !f.wildcardCandidate(ni) {
					continue
				}
				ifc, err := f.Interface(ni)
				if err != nil {
					return nil, err
				}
				if !f.wildcard(ifc) {
					continue
				}
				add(Binding{Interface: ifc})
			}
			continue
		}
		name, addrText, hasAddr := strings.Cut(entry, "/")
		ni := byName(name)
		if ni == nil {
			return nil, fmt.Errorf("%w: %q", f.ErrNoInterface, entry)
		}
		ifc, err := f.Interface(ni)
		if err != nil {
			return nil, err
		}
		b := Binding{Interface: ifc}
		if hasAddr {
			a, err := netip.ParseAddr(addrText)
			if err != nil || !f.is(a) {
				return nil, fmt.Errorf("%s: interface %q: bad %s address %q", f.Name, entry, f.ipName(), addrText)
			}
			found := false
			for _, p := range ifc.Addrs {
				if p.Addr() == a {
					found = true
				}
			}
			if !found {
				return nil, fmt.Errorf("%w: %q: %s is not an address of %s", f.ErrNoInterface, entry, a, name)
			}
			b.Addrs = []netip.Addr{a}
		}
		add(b)
	}
	return out, nil
}

// is tells whether a is an address of f's family.
func (f Family) is(a netip.Addr) bool {
	if f.IPv6 {
		return a.Is6() && !a.Is4In6()
	}
	return a.Is4()
}

// ResolveSystem is Resolve on the system's interfaces.
func (f Family) ResolveSystem(names []string) ([]Binding, error) {
	all, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("%s: list interfaces: %w", f.Name, err)
	}
	return f.Resolve(names, all)
}

// IfaceCache maps interface indexes to Interfaces, filled on demand. The
// packet path looks up an index once per packet that asks for it, under a
// read lock, without allocating. The zero value is an empty cache; set
// Family before use.
type IfaceCache struct {
	Family Family

	mu   sync.RWMutex
	byIx map[int]*Interface
}

// Get returns the interface of index, looking it up in the system the
// first time; nil for index 0 or an interface that is gone.
func (c *IfaceCache) Get(index int) *Interface {
	if index <= 0 {
		return nil
	}
	c.mu.RLock()
	ifc := c.byIx[index]
	c.mu.RUnlock()
	if ifc != nil {
		return ifc
	}
	ni, err := net.InterfaceByIndex(index)
	if err != nil {
		return nil
	}
	ifc, err = c.Family.Interface(ni)
	if err != nil {
		return nil
	}
	c.Put(ifc)
	return ifc
}

// Put adds or replaces an interface.
func (c *IfaceCache) Put(ifc *Interface) {
	c.mu.Lock()
	if c.byIx == nil {
		c.byIx = make(map[int]*Interface)
	}
	c.byIx[ifc.Index] = ifc
	c.mu.Unlock()
}
