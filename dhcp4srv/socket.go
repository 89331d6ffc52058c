package dhcp4srv

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/internal/pipeline"
	"github.com/dhcpsrv/dhcpsrv/internal/transport"
)

// SocketType is Kea's interfaces-config "dhcp-socket-type".
type SocketType string

const (
	// SocketRaw (Kea's default, "raw") receives on UDP sockets and sends
	// replies for clients without an address through a packet socket
	// (AF_PACKET), unicast to the client's hardware address. Linux only;
	// elsewhere it behaves as SocketUDP.
	SocketRaw SocketType = "raw"
	// SocketUDP ("udp") uses UDP sockets only: replies to clients without
	// an address are broadcast.
	SocketUDP SocketType = "udp"
)

// DefaultQueueSize is the total packet queue size when Config.QueueSize is
// 0: Kea's packet-queue-size default.
const DefaultQueueSize = 64

// DefaultDrainTimeout bounds the drain of queued packets when Serve's
// context is cancelled.
const DefaultDrainTimeout = 5 * time.Second

// Config is the transport's configuration. The zero value listens on no
// interface (use ServeConn), with raw sockets, ports 67/68, GOMAXPROCS
// workers and a queue of 64 packets.
type Config struct {
	// Interfaces is interfaces-config "interfaces": "eth0",
	// "eth0/192.0.2.1", "*". See ResolveInterfaces.
	Interfaces []string
	// SocketType is "dhcp-socket-type"; empty means SocketRaw.
	SocketType SocketType
	// UseRouting is outbound-interface "use-routing": with udp sockets,
	// replies to relays follow the routing table instead of leaving by
	// the receiving interface.
	UseRouting bool
	// ServerPort is the port the server listens on and sends from
	// (kea-dhcp4 -p); 0 means 67.
	ServerPort uint16
	// ClientPort, when not 0, is the destination port of every reply
	// (kea-dhcp4 -P).
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
		SocketType: SocketType(ic.DHCPSocketType),
		UseRouting: ic.OutboundInterface == "use-routing",
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

func (c *Config) socketType() SocketType {
	if c.SocketType == "" {
		return SocketRaw
	}
	return c.SocketType
}

// ListenUDP opens the UDP socket of one interface: bound to 0.0.0.0:port
// (a socket bound to a unicast address does not receive limited
// broadcasts on Linux), with SO_REUSEADDR and SO_BROADCAST, and, when
// ifname is not empty, SO_BINDTODEVICE (Linux; other systems ignore
// ifname and rely on the interface index of each packet). The socket
// delivers the receiving interface and destination address of each
// datagram as control messages.
func ListenUDP(ctx context.Context, ifname string, port uint16) (*net.UDPConn, error) {
	uc, err := family.ListenUDP(ctx, ifname, port)
	if err != nil {
		return nil, err
	}
	if err := ipv4.NewPacketConn(uc).SetControlMessage(ipv4.FlagDst|ipv4.FlagInterface, true); err != nil {
		uc.Close()
		return nil, fmt.Errorf("dhcp4srv: control messages on %s: %w", ifname, err)
	}
	return uc, nil
}

// listenBindings opens a listener per binding.
func (t *Transport) listenBindings(ctx context.Context, bs []Binding) ([]*listener, error) {
	var ls []*listener
	fail := func(err error) ([]*listener, error) {
		for _, l := range ls {
			l.Close()
		}
		return nil, err
	}
	for _, b := range bs {
		uc, err := ListenUDP(ctx, b.Interface.Name, t.cfg.serverPort())
		if err != nil {
			return fail(err)
		}
		l := t.newListener(uc)
		l.iface = b.Interface
		l.addr = b.Addr
		t.ifaces.Put((*transport.Interface)(b.Interface))
		if t.cfg.socketType() == SocketRaw && !b.Interface.Loopback {
			rs, err := openRawSender(b.Interface)
			if err != nil && err != errRawUnsupported {
				uc.Close()
				return fail(err)
			}
			l.raw = rs
		}
		ls = append(ls, l)
	}
	return ls, nil
}

// sourceFor picks the source address of a reply: the address the request
// was sent to when it was unicast, else the configured address of the
// interface, else the interface's first address.
func (l *listener) sourceFor(dst netip.Addr, ifc *Interface) netip.Addr {
	if isSet(dst) && dst != ipv4Bcast && !dst.IsMulticast() {
		return dst
	}
	if l.addr.IsValid() {
		return l.addr
	}
	if ifc != nil {
		return ifc.Addr()
	}
	return netip.Addr{}
}
