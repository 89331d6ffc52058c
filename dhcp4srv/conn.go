package dhcp4srv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"golang.org/x/net/ipv4"

	"github.com/dhcpsrv/dhcpsrv/internal/pipeline"
	"github.com/dhcpsrv/dhcpsrv/internal/transport"
)

// Handler answers DHCPv4 requests.
//
// ServeDHCP4 is called from several worker goroutines at once, but never
// concurrently for one client: requests of one client (one hardware
// address, or client identifier when chaddr is empty) go to one worker and
// are handled in the order they arrived. It sends zero or more replies
// with w.Write and returns. req and w are valid only until ServeDHCP4
// returns; w must not be used from another goroutine. ctx is cancelled
// when the transport gives up waiting for handlers at shutdown.
//
// The transport has parsed req with dhcpv4.FromBytes and counted it
// (pkt4-received and pkt4-<type>-received); it does not look at the op
// code or message type: accepting or dropping is the handler's decision.
// A panic in ServeDHCP4 is recovered, logged and counted; it does not stop
// the server.
type Handler interface {
	ServeDHCP4(ctx context.Context, w ResponseWriter, req *dhcpv4.DHCPv4)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, w ResponseWriter, req *dhcpv4.DHCPv4)

// ServeDHCP4 calls f(ctx, w, req).
func (f HandlerFunc) ServeDHCP4(ctx context.Context, w ResponseWriter, req *dhcpv4.DHCPv4) {
	f(ctx, w, req)
}

// ResponseWriter sends the replies to one request and describes where the
// request came from. Its methods do not allocate except Write's encoding.
type ResponseWriter interface {
	// Write sends reply to where RouteReply says (Kea's rules), setting
	// the reply's BROADCAST flag when the route asks for it, from the
	// interface and address the request arrived on. It counts pkt4-sent
	// and pkt4-<type>-sent.
	Write(reply *dhcpv4.DHCPv4) error
	// Route returns where Write would send reply.
	Route(reply *dhcpv4.DHCPv4) Route
	// WriteRoute sends reply along r (from Route, possibly adjusted).
	WriteRoute(reply *dhcpv4.DHCPv4, r Route) error
	// Interface describes the interface the request arrived on; Index is
	// 0 when the connection gives no control messages. The Interface is
	// shared and must not be modified.
	Interface() *Interface
	// LocalAddr is the request's destination address and the server's
	// port (the address is 255.255.255.255 for a broadcast request, or
	// invalid when unknown).
	LocalAddr() netip.AddrPort
	// RemoteAddr is the request's source address and port.
	RemoteAddr() netip.AddrPort
	// Relayed tells whether the request came through a relay agent
	// (giaddr set).
	Relayed() bool
	// Received is when the request was read from the socket.
	Received() time.Time
	// Raw returns the request as received; valid until ServeDHCP4 returns.
	Raw() []byte
}

// listener is one socket the transport reads from.
type listener struct {
	transport.Socket
	t     *Transport
	cmOK  bool       // control messages enabled
	iface *Interface // interface bound to, or nil
	addr  netip.Addr // configured address of the interface, or zero
	raw   rawSender  // packet socket for L2 unicast, or nil
}

func (t *Transport) newListener(pc net.PacketConn) *listener {
	l := &listener{t: t}
	l.Init(pc)
	if l.UDP != nil {
		transport.SetBroadcast(l.UDP)
		if ipv4.NewPacketConn(l.UDP).SetControlMessage(ipv4.FlagDst|ipv4.FlagInterface, true) == nil {
			l.cmOK = true
		}
	}
	return l
}

// CloseSend closes the packet socket, once no worker can write to it.
func (l *listener) CloseSend() {
	if l.raw != nil {
		l.raw.close()
	}
}

// packet is a received request on its way through the pipeline. It is
// pooled, together with its buffer, and is the request's ResponseWriter.
type packet struct {
	buf     pipeline.Buffer
	_       [0]uint64 // aligns oob for control message headers
	oob     [64]byte
	n       int
	ifindex int        // receiving interface, from IP_PKTINFO (0: unknown)
	dst     netip.Addr // destination address, from IP_PKTINFO
	src     netip.AddrPort
	l       *listener
	recv    time.Time
	req     *dhcpv4.DHCPv4
	ifc     *Interface
	frame   []byte // reused raw frame buffer
}

var _ ResponseWriter = (*packet)(nil)

func (p *packet) reset() {
	p.n = 0
	p.ifindex = 0
	p.dst = netip.Addr{}
	p.src = netip.AddrPort{}
	p.l = nil
	p.req = nil
	p.ifc = nil
	p.frame = p.frame[:0]
}

// Read reads one datagram into p.
func (l *listener) Read(p *packet) error {
	p.reset()
	p.l = l
	n, oobn, src, err := l.ReadFrom(p.buf[:], p.oob[:])
	if err != nil {
		return err
	}
	p.n = n
	p.src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	if oobn > 0 {
		p.ifindex, p.dst = parseOOB(p.oob[:oobn])
	}
	p.recv = time.Now()
	return nil
}

// clientKey picks the dispatch key of a raw request without parsing it:
// the hardware address (htype + chaddr), else the client identifier
// (option 61), else the source address. Kea's ClientHandler serializes on
// both hardware address and client-id; one key can follow only one, and
// chaddr is the one every Ethernet client sends in every message.
func clientKey(b []byte, src netip.AddrPort) uint64 {
	const chaddrOff = 28
	if len(b) >= chaddrOff+16 {
		hlen := int(b[2])
		if hlen > 16 {
			hlen = 16
		}
		hw := b[chaddrOff : chaddrOff+hlen]
		for _, c := range hw {
			if c != 0 {
				h := pipeline.KeyByte(pipeline.KeyByte(pipeline.Key(nil), 'h'), b[1])
				return pipeline.Mix(pipeline.KeyAdd(h, hw))
			}
		}
		if id := findOption(b, 61); id != nil {
			return pipeline.Mix(pipeline.KeyAdd(pipeline.KeyByte(pipeline.Key(nil), 'c'), id))
		}
	}
	a := src.Addr().As16()
	return pipeline.Mix(pipeline.KeyAdd(pipeline.KeyByte(pipeline.Key(nil), 's'), a[:]))
}

// findOption returns the data of the first instance of an option in a raw
// DHCPv4 message, or nil. It does not parse overloaded sname/file.
func findOption(b []byte, code byte) []byte {
	const optOff = 240
	if len(b) < optOff || b[236] != 99 || b[237] != 130 || b[238] != 83 || b[239] != 99 {
		return nil
	}
	o := b[optOff:]
	for len(o) > 0 {
		c := o[0]
		switch c {
		case 0:
			o = o[1:]
			continue
		case 255:
			return nil
		}
		if len(o) < 2 || len(o) < 2+int(o[1]) {
			return nil
		}
		if c == code {
			return o[2 : 2+int(o[1])]
		}
		o = o[2+int(o[1]):]
	}
	return nil
}

// ResponseWriter implementation.

func (p *packet) Interface() *Interface {
	if p.ifc != nil {
		return p.ifc
	}
	if p.l.iface != nil && (p.ifindex == 0 || p.ifindex == p.l.iface.Index) {
		p.ifc = p.l.iface
	} else if ifc := p.l.t.ifaces.Get(p.ifindex); ifc != nil {
		p.ifc = (*Interface)(ifc)
	} else {
		p.ifc = &noInterface
	}
	return p.ifc
}

var noInterface Interface

func (p *packet) LocalAddr() netip.AddrPort {
	return netip.AddrPortFrom(p.dst, p.l.Port)
}

func (p *packet) RemoteAddr() netip.AddrPort { return p.src }

func (p *packet) Relayed() bool {
	if p.req == nil {
		return false
	}
	g := addrOf(p.req.GatewayIPAddr)
	return isSet(g) && g != ipv4Bcast
}

func (p *packet) Received() time.Time { return p.recv }

func (p *packet) Raw() []byte { return p.buf[:p.n] }

func (p *packet) policy() RoutePolicy {
	c := &p.l.t.cfg
	return RoutePolicy{
		DirectResponse: p.l.raw != nil,
		ClientPort:     c.ClientPort,
		SendToSource:   c.SendToSource,
		UseRouting:     c.UseRouting,
	}
}

func (p *packet) Route(reply *dhcpv4.DHCPv4) Route {
	return RouteReply(RouteInputOf(p.req, reply, p.src), p.policy())
}

func (p *packet) Write(reply *dhcpv4.DHCPv4) error {
	if reply == nil {
		return errNilReply
	}
	return p.WriteRoute(reply, p.Route(reply))
}

// ErrNoRoute is returned by Write when a reply cannot be sent along its
// route (an L2 unicast without a raw socket or to a non-Ethernet client).
var ErrNoRoute = errors.New("dhcp4srv: no route for reply")

var errNilReply = errors.New("dhcp4srv: nil reply")

func (p *packet) WriteRoute(reply *dhcpv4.DHCPv4, r Route) error {
	if reply == nil {
		return errNilReply
	}
	if r.SetBroadcast {
		reply.Flags |= flagBroadcast
	}
	b := reply.ToBytes()
	t := p.l.t
	ifc := p.Interface()
	src := p.l.sourceFor(p.LocalAddr().Addr(), ifc)
	if src.IsValid() && ifc != nil {
		// A request to a subnet broadcast address is answered from the
		// interface's address.
		for _, pf := range ifc.Addrs {
			if pf.Bits() < 31 && src == lastAddr(pf) {
				src = pf.Addr()
			}
		}
	}
	var err error
	if r.L2 {
		err = p.writeL2(b, src, r.Dst, ifc)
	} else {
		err = p.writeUDP(b, src, r)
	}
	if err != nil {
		if t.debug() {
			t.log.Debug("dhcp4srv: send failed", "dst", r.Dst, "if", ifc.Name, "err", err)
		}
		return err
	}
	t.st.Sent.Inc()
	if c := t.st.sentType(reply.MessageType()); c != nil {
		c.Inc()
	}
	return nil
}

func (p *packet) writeUDP(b []byte, src netip.Addr, r Route) error {
	l := p.l
	var oob []byte
	if l.UDP != nil && l.cmOK && !r.UseRouting && (p.ifindex != 0 || src.IsValid()) {
		// The request's oob buffer is free again: reuse it.
		oob = marshalOOB(p.oob[:0], p.ifindex, src)
	}
	return l.WriteTo(b, oob, r.Dst)
}

func (p *packet) writeL2(b []byte, src netip.Addr, dst netip.AddrPort, ifc *Interface) error {
	l := p.l
	hw := p.req.ClientHWAddr
	if l.raw == nil || p.req.HWType != 1 || len(hw) != 6 || len(ifc.HardwareAddr) != 6 {
		return fmt.Errorf("%w: L2 unicast to %s (%s)", ErrNoRoute, dst, hw)
	}
	if !src.IsValid() {
		src = netip.IPv4Unspecified()
	}
	port := l.Port
	if port == 0 {
		port = l.t.cfg.serverPort()
	}
	p.frame = appendFrame(p.frame[:0], hw, ifc.HardwareAddr, netip.AddrPortFrom(src, port), dst, b)
	return l.raw.send(p.frame, hw)
}

// lastAddr returns the broadcast address of an IPv4 prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
