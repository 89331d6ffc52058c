package dhcp4srv

import (
	"errors"
	"net"
	"net/netip"

	"github.com/dhcpsrv/dhcpsrv/internal/transport"
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

// Interface has the fields of the socket layer's internal/transport
// Interface, so that the two convert; this fails to compile if they part.
var _ = (*transport.Interface)((*Interface)(nil))

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
	return bindings(family.ResolveSystem(names))
}

func resolveInterfaces(names []string, all []net.Interface) ([]Binding, error) {
	return bindings(family.Resolve(names, all))
}

func bindings(rs []transport.Binding, err error) ([]Binding, error) {
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	out := make([]Binding, len(rs))
	for i, r := range rs {
		out[i].Interface = (*Interface)(r.Interface)
		if len(r.Addrs) > 0 {
			out[i].Addr = r.Addrs[len(r.Addrs)-1] // the last one named wins
		}
	}
	return out, nil
}
