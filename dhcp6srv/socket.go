package dhcp6srv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"golang.org/x/net/ipv6"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/internal/pipeline"
	"github.com/dhcpsrv/dhcpsrv/internal/transport"
)

// Ports of DHCPv6 (RFC 8415 §7.2).
const (
	ServerPort = 547
	ClientPort = 546
)

// AllDHCPRelayAgentsAndServers is the link-scoped multicast group servers
// join on every interface they serve (RFC 8415 §7.1).
var AllDHCPRelayAgentsAndServers = netip.MustParseAddr("ff02::1:2")

// DefaultQueueSize is the total packet queue size when Config.QueueSize is
// 0: Kea's packet-queue-size default.
const DefaultQueueSize = 64

// DefaultDrainTimeout bounds the drain of queued packets when Serve's
// context is cancelled.
const DefaultDrainTimeout = 5 * time.Second

// Config is the transport's configuration. The zero value listens on no
// interface (use ServeConn), on port 547, with GOMAXPROCS workers and a
// queue of 64 packets.
type Config struct {
	// Interfaces is interfaces-config "interfaces": "eth0",
	// "eth0/2001:db8::1" (also accept unicast to that address), "*".
	// See ResolveInterfaces.
	Interfaces []string
	// ServerPort is the port the server listens on and sends from
	// (kea-dhcp6 -p); 0 means 547.
	ServerPort uint16
	// ClientPort, when not 0, is the destination port of replies to
	// clients on the link (kea-dhcp6 -P); 0 means 546.
	ClientPort uint16
	// SendToSource sends every reply back to the request's source address
	// and port (Kea's KEA_TEST_SEND_RESPONSES_TO_SOURCE). For tests.
	SendToSource bool
	// Workers is the number of handler goroutines: multi-threading
	// "thread-pool-size" (0: GOMAXPROCS); 1 when multi-threading is off.
	Workers int
	// QueueSize is "packet-queue-size", the number of packets that may wait
	// for a worker (split evenly among workers); 0 means DefaultQueueSize.
	QueueSize int
	// DropNewest drops the arriving packet, rather than the oldest queued
	// one (Kea's behaviour), when a queue is full.
	DropNewest bool
	// DrainTimeout bounds the drain of queued packets when Serve's context
	// is cancelled; 0 means DefaultDrainTimeout. (Shutdown takes its own
	// context.)
	DrainTimeout time.Duration
}

// ConfigFromKea builds a Config from the parsed interfaces-config and
// multi-threading maps. Kea's packet-queue-size 0 (unlimited) becomes a
// large bound.
func ConfigFromKea(ic cfgmgr.InterfacesConfig, mt cfgmgr.MultiThreading) Config {
	c := Config{
		Interfaces: append([]string(nil), ic.Interfaces...),
		Workers:    int(mt.ThreadPoolSize),
		QueueSize:  int(mt.PacketQueueSize),
	}
	if !mt.EnableMultiThreading {
		c.Workers = 1
	}
	if mt.PacketQueueSize == 0 {
		c.QueueSize = pipeline.DefaultQueueSize
	}
	return c
}

func (c *Config) serverPort() uint16 {
	if c.ServerPort == 0 {
		return ServerPort
	}
	return c.ServerPort
}

// ListenUDP opens the UDP socket of one interface: bound to [::]:port with
// SO_REUSEADDR and, when ifname is not empty, SO_BINDTODEVICE (Linux; other
// systems rely on the interface index of each packet), joined to
// ff02::1:2 on that interface. The socket delivers the receiving
// interface, destination address and hop limit of each datagram as
// control messages. An empty ifname gives a socket that joins no group.
func ListenUDP(ctx context.Context, ifname string, port uint16) (*net.UDPConn, error) {
	uc, err := family.ListenUDP(ctx, ifname, port)
	if err != nil {
		return nil, err
	}
	p := ipv6.NewPacketConn(uc)
	if err := p.SetControlMessage(ipv6.FlagDst|ipv6.FlagInterface|ipv6.FlagHopLimit, true); err != nil {
		uc.Close()
		return nil, fmt.Errorf("dhcp6srv: control messages on %s: %w", ifname, err)
	}
	if ifname != "" {
		ni, err := net.InterfaceByName(ifname)
		if err != nil {
			uc.Close()
			return nil, fmt.Errorf("%w: %q: %v", ErrNoInterface, ifname, err)
		}
		grp := &net.UDPAddr{IP: net.IP(AllDHCPRelayAgentsAndServers.AsSlice())}
		if err := p.JoinGroup(ni, grp); err != nil {
			uc.Close()
			return nil, fmt.Errorf("dhcp6srv: join %s on %s: %w", AllDHCPRelayAgentsAndServers, ifname, err)
		}
		_ = p.SetMulticastInterface(ni)
		_ = p.SetMulticastLoopback(false)
	}
	return uc, nil
}

// listenBindings opens a listener per binding.
func (t *Transport) listenBindings(ctx context.Context, bs []Binding) ([]*listener, error) {
	var ls []*listener
	for _, b := range bs {
		uc, err := ListenUDP(ctx, b.Interface.Name, t.cfg.serverPort())
		if err != nil {
			for _, l := range ls {
				l.Close()
			}
			return nil, err
		}
		l := t.newListener(uc)
		l.iface = b.Interface
		l.unicast = b.Unicast
		t.ifaces.Put((*transport.Interface)(b.Interface))
		ls = append(ls, l)
	}
	return ls, nil
}

// Interface describes the network interface a request arrived on.
type Interface struct {
	// Index is the kernel's interface index; 0 when unknown (a
	// connection without control messages).
	Index int
	// Name is the interface name ("eth0"); empty when unknown.
	Name string
	// HardwareAddr is the interface's link-layer address.
	HardwareAddr net.HardwareAddr
	// Addrs are the interface's IPv6 addresses with their prefix lengths,
	// as the system listed them when the interface was first seen.
	Addrs []netip.Prefix
	// Loopback is set for a loopback interface.
	Loopback bool
}

// LinkLocal returns the interface's first link-local address, or the zero
// Addr.
func (i *Interface) LinkLocal() netip.Addr {
	for _, p := range i.Addrs {
		if p.Addr().IsLinkLocalUnicast() {
			return p.Addr()
		}
	}
	return netip.Addr{}
}

// Interface has the fields of the socket layer's internal/transport
// Interface, so that the two convert; this fails to compile if they part.
var _ = (*transport.Interface)((*Interface)(nil))

// Binding is one entry of interfaces-config "interfaces", resolved.
type Binding struct {
	Interface *Interface
	// Unicast are the addresses of "eth0/2001:db8::1" entries: the server
	// accepts requests sent directly to them (RFC 8415 unicast).
	Unicast []netip.Addr
}

// ErrNoInterface is returned when a configured interface does not exist or
// the unicast address named is not on it.
var ErrNoInterface = errors.New("dhcp6srv: no such interface")

// ResolveInterfaces turns Kea's interfaces-config "interfaces" list into
// bindings: "eth0", "eth0/2001:db8::1" (the interface, also accepting
// unicast to that address) and "*" (every interface that is up, is not a
// loopback and has a link-local address, as in Kea). An interface named
// twice is bound once.
func ResolveInterfaces(names []string) ([]Binding, error) {
	rs, err := family.ResolveSystem(names)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	out := make([]Binding, len(rs))
	for i, r := range rs {
		out[i] = Binding{Interface: (*Interface)(r.Interface), Unicast: r.Addrs}
	}
	return out, nil
}
