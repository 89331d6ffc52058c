package dhcp4srv

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
)

// Interface describes the network interface a request arrived on.
type Interface struct {
	// Index is the kernel's interface index; 0 when unknown (a
	// connection without control messages).
	Index int
	// Name is the interface name ("eth0"); empty when unknown.
	Name string
	// HardwareAddr is the interface's link-layer address.
	HardwareAddr net.HardwareAddr
	// Addrs are the interface's IPv4 addresses with their prefix lengths,
	// as the system listed them when the interface was first seen.
	Addrs []netip.Prefix
	// Loopback is set for a loopback interface.
	Loopback bool
}

// Addr returns the interface's first IPv4 address, or the zero Addr.
func (i *Interface) Addr() netip.Addr {
	if len(i.Addrs) == 0 {
		return netip.Addr{}
	}
	return i.Addrs[0].Addr()
}

// interfaceOf builds an Interface from the system's description.
func interfaceOf(ni *net.Interface) (*Interface, error) {
	ifc := &Interface{
		Index:        ni.Index,
		Name:         ni.Name,
		HardwareAddr: ni.HardwareAddr,
		Loopback:     ni.Flags&net.FlagLoopback != 0,
	}
	addrs, err := ni.Addrs()
	if err != nil {
		return nil, fmt.Errorf("dhcp4srv: addresses of %s: %w", ni.Name, err)
	}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip4 := ipn.IP.To4()
		if ip4 == nil {
			continue
		}
		ones, _ := ipn.Mask.Size()
		ifc.Addrs = append(ifc.Addrs, netip.PrefixFrom(netip.AddrFrom4([4]byte(ip4)), ones))
	}
	return ifc, nil
}

// ifaceCache maps interface indexes to Interfaces, filled on demand. The
// packet path looks up an index once per packet that asks for it, under a
// read lock, without allocating.
type ifaceCache struct {
	mu   sync.RWMutex
	byIx map[int]*Interface
}

func (c *ifaceCache) get(index int) *Interface {
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
	ifc, err = interfaceOf(ni)
	if err != nil {
		return nil
	}
	c.put(ifc)
	return ifc
}

func (c *ifaceCache) put(ifc *Interface) {
	c.mu.Lock()
	if c.byIx == nil {
		c.byIx = make(map[int]*Interface)
	}
	c.byIx[ifc.Index] = ifc
	c.mu.Unlock()
}

// reset forgets every interface, so the next lookups see current
// addresses.
func (c *ifaceCache) reset() {
	c.mu.Lock()
	c.byIx = nil
	c.mu.Unlock()
}

// Binding is one entry of interfaces-config "interfaces", resolved.
type Binding struct {
	Interface *Interface
	// Addr is the address of an "eth0/192.0.2.1" entry: the server uses it
	// as the source of its replies on that interface. Zero otherwise.
	Addr netip.Addr
}

// ErrNoInterface is returned when a configured interface does not exist,
// has no IPv4 address, or the address named is not on it.
var ErrNoInterface = errors.New("dhcp4srv: no such interface")

// ResolveInterfaces turns Kea's interfaces-config "interfaces" list into
// bindings: "eth0", "eth0/192.0.2.1" (that address only) and "*" (every
// interface that is up, has an IPv4 address and is not a loopback, as in
// Kea, where loopback must be named). An interface named twice (or by name
// and "*") is bound once; an explicit address wins.
func ResolveInterfaces(names []string) ([]Binding, error) {
	all, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("dhcp4srv: list interfaces: %w", err)
	}
	return resolveInterfaces(names, all)
}

func resolveInterfaces(names []string, all []net.Interface) ([]Binding, error) {
	var out []Binding
	seen := map[string]int{}
	add := func(b Binding) {
		if i, ok := seen[b.Interface.Name]; ok {
			if b.Addr.IsValid() {
				out[i].Addr = b.Addr
			}
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
				if ni.Flags&net.FlagUp == 0 || ni.Flags&net.FlagLoopback != 0 {
					continue
				}
				ifc, err := interfaceOf(ni)
				if err != nil {
					return nil, err
				}
				if len(ifc.Addrs) == 0 {
					continue
				}
				add(Binding{Interface: ifc})
			}
			continue
		}
		name, addrText, hasAddr := strings.Cut(entry, "/")
		ni := byName(name)
		if ni == nil {
			return nil, fmt.Errorf("%w: %q", ErrNoInterface, entry)
		}
		ifc, err := interfaceOf(ni)
		if err != nil {
			return nil, err
		}
		b := Binding{Interface: ifc}
		if hasAddr {
			a, err := netip.ParseAddr(addrText)
			if err != nil || !a.Is4() {
				return nil, fmt.Errorf("dhcp4srv: interface %q: bad IPv4 address %q", entry, addrText)
			}
			found := false
			for _, p := range ifc.Addrs {
				if p.Addr() == a {
					found = true
				}
			}
			if !found {
				return nil, fmt.Errorf("%w: %q: %s is not an address of %s", ErrNoInterface, entry, a, name)
			}
			b.Addr = a
		}
		add(b)
	}
	return out, nil
}
