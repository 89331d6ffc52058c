package dhcp6srv

import (
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv6"
	"golang.org/x/net/ipv6"

	"github.com/dhcpsrv/dhcpsrv/internal/pipeline"
	"github.com/dhcpsrv/dhcpsrv/internal/transport"
)

// ResponseWriter sends the replies to one request and describes where the
// request came from.
type ResponseWriter interface {
	// Write sends reply to where RouteReply says, from the interface the
	// request arrived on (and from its destination address when that was
	// unicast). A client message (*dhcpv6.Message) answering a relayed
	// request is first wrapped in RELAY-REPL messages mirroring the
	// request's relay chain (EncapsulateReply); a *dhcpv6.RelayMessage is
	// sent as it is. It counts pkt6-sent and pkt6-<type>-sent.
	Write(reply dhcpv6.DHCPv6) error
	// Route returns where Write sends replies to this request.
	Route() Route
	// WriteRoute sends reply, as it is, along r.
	WriteRoute(reply dhcpv6.DHCPv6, r Route) error
	// Interface describes the interface the request arrived on; Index is
	// 0 when the connection gives no control messages. The Interface is
	// shared and must not be modified.
	Interface() *Interface
	// LocalAddr is the request's destination address (ff02::1:2 for a
	// multicast request; invalid when unknown) and the server's port.
	LocalAddr() netip.AddrPort
	// RemoteAddr is the request's source address and port: the client's
	// link-local address, or the (outermost) relay agent's address.
	RemoteAddr() netip.AddrPort
	// HopLimit is the IPv6 hop limit of the request (0 when unknown).
	HopLimit() int
	// AcceptsUnicast tells whether the socket the request came from
	// accepts requests unicast to LocalAddr: the address is named in
	// interfaces-config ("eth0/2001:db8::1"), or the connection was given
	// to ServeConn. When it does not, RFC 8415's rules for unicast
	// requests apply (UseMulticast, or drop).
	AcceptsUnicast() bool
	// Received is when the request was read from the socket.
	Received() time.Time
	// Raw returns the request as received; valid until ServeDHCP6 returns.
	Raw() []byte
}

// Route says where a reply is sent.
type Route struct {
	// Dst is the destination address and UDP port.
	Dst netip.AddrPort
	// Relayed: the reply goes to a relay agent (wrapped in RELAY-REPL).
	Relayed bool
}

// RouteInput holds the facts about a request that decide where its reply
// goes. RouteInputOf fills it from the request.
type RouteInput struct {
	// Src is the request's UDP source address and port.
	Src netip.AddrPort
	// Relayed: the request is a RELAY-FORW.
	Relayed bool
	// RelayPort: the outermost RELAY-FORW carries the RFC 8357 Relay
	// Source Port option (135).
	RelayPort bool
}

// RouteInputOf fills a RouteInput from a request and its source address.
func RouteInputOf(req dhcpv6.DHCPv6, src netip.AddrPort) RouteInput {
	in := RouteInput{Src: src}
	if r, ok := req.(*dhcpv6.RelayMessage); ok && r != nil {
		in.Relayed = true
		in.RelayPort = r.Options.GetOne(dhcpv6.OptionRelayPort) != nil
	}
	return in
}

// RoutePolicy holds the server's settings that take part in routing.
type RoutePolicy struct {
	// ClientPort, when not 0, is the destination port of replies to
	// clients on the link (kea-dhcp6 -P, for tests).
	ClientPort uint16
	// SendToSource sends every reply to the request's source address and
	// port (Kea's KEA_TEST_SEND_RESPONSES_TO_SOURCE), for tests on
	// loopback where the client is not on port 546.
	SendToSource bool
}

// RouteReply computes the destination of a reply (RFC 8415 §18.3.10,
// §19.3, RFC 8357 §5.2, Kea's Dhcpv6Srv rules):
//
//   - relayed: to the source address of the RELAY-FORW (the relay agent
//     closest to the server), port 547, or the relay's source port when
//     the outermost RELAY-FORW carried the Relay Source Port option;
//   - otherwise: to the client's source address (its link-local address),
//     port 546.
//
// SendToSource and ClientPort in p override the port for tests.
// RouteReply is a pure function.
func RouteReply(in RouteInput, p RoutePolicy) Route {
	r := Route{Relayed: in.Relayed}
	port := uint16(ClientPort)
	switch {
	case p.SendToSource:
		port = in.Src.Port()
	case in.Relayed && in.RelayPort:
		port = in.Src.Port()
	case in.Relayed:
		port = ServerPort
	case p.ClientPort != 0:
		port = p.ClientPort
	}
	r.Dst = netip.AddrPortFrom(in.Src.Addr(), port)
	return r
}

// listener is one socket the transport reads from.
type listener struct {
	transport.Socket
	t          *Transport
	cmOK       bool         // control messages enabled
	iface      *Interface   // interface bound to, or nil
	unicast    []netip.Addr // unicast addresses accepted
	unicastAll bool         // ServeConn: accept any unicast
}

func (t *Transport) newListener(pc net.PacketConn) *listener {
	l := &listener{t: t}
	l.Init(pc)
	if l.UDP != nil {
		if ipv6.NewPacketConn(l.UDP).SetControlMessage(ipv6.FlagDst|ipv6.FlagInterface|ipv6.FlagHopLimit, true) == nil {
			l.cmOK = true
		}
	}
	return l
}

// packet is a received request on its way through the pipeline. It is
// pooled, together with its buffer, and is the request's ResponseWriter.
type packet struct {
	buf      pipeline.Buffer
	oob      [128]byte
	cm       ipv6.ControlMessage
	dstBuf   [16]byte
	n        int
	src      netip.AddrPort
	l        *listener
	recv     time.Time
	req      dhcpv6.DHCPv6
	msg      *dhcpv6.Message
	relays   []*dhcpv6.RelayMessage
	relayBuf [4]*dhcpv6.RelayMessage
	ifc      *Interface
}

var _ ResponseWriter = (*packet)(nil)

func (p *packet) reset() {
	p.n = 0
	p.dstBuf = [16]byte{}
	p.cm = ipv6.ControlMessage{Dst: p.dstBuf[:]}
	p.src = netip.AddrPort{}
	p.l = nil
	p.req = nil
	p.msg = nil
	clear(p.relayBuf[:])
	p.relays = nil
	p.ifc = nil
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
	p.src = src
	if oobn > 0 && l.cmOK {
		if p.cm.Parse(p.oob[:oobn]) != nil {
			p.dstBuf = [16]byte{}
			p.cm = ipv6.ControlMessage{Dst: p.dstBuf[:]}
		}
	}
	p.recv = time.Now()
	return nil
}

// ResponseWriter implementation.

func (p *packet) Interface() *Interface {
	if p.ifc != nil {
		return p.ifc
	}
	ix := p.cm.IfIndex
	if p.l.iface != nil && (ix == 0 || ix == p.l.iface.Index) {
		p.ifc = p.l.iface
	} else if ifc := p.l.t.ifaces.Get(ix); ifc != nil {
		p.ifc = (*Interface)(ifc)
	} else {
		p.ifc = &noInterface
	}
	return p.ifc
}

var noInterface Interface

func (p *packet) dst() netip.Addr {
	if len(p.cm.Dst) != net.IPv6len {
		return netip.Addr{}
	}
	a := netip.AddrFrom16([16]byte(p.cm.Dst))
	if a.IsUnspecified() { // not given by the kernel
		return netip.Addr{}
	}
	return a
}

func (p *packet) LocalAddr() netip.AddrPort {
	return netip.AddrPortFrom(p.dst(), p.l.Port)
}

func (p *packet) RemoteAddr() netip.AddrPort { return p.src }

func (p *packet) HopLimit() int { return p.cm.HopLimit }

func (p *packet) AcceptsUnicast() bool {
	if p.l.unicastAll {
		return true
	}
	d := p.dst()
	for _, a := range p.l.unicast {
		if a == d {
			return true
		}
	}
	return false
}

func (p *packet) Received() time.Time { return p.recv }

func (p *packet) Raw() []byte { return p.buf[:p.n] }

func (p *packet) policy() RoutePolicy {
	c := &p.l.t.cfg
	return RoutePolicy{ClientPort: c.ClientPort, SendToSource: c.SendToSource}
}

func (p *packet) Route() Route {
	return RouteReply(RouteInputOf(p.req, p.src), p.policy())
}

var errNilReply = errors.New("dhcp6srv: nil reply")

func (p *packet) Write(reply dhcpv6.DHCPv6) error {
	if reply == nil {
		return errNilReply
	}
	if m, ok := reply.(*dhcpv6.Message); ok && len(p.relays) > 0 {
		w, err := EncapsulateReply(p.relays, m)
		if err != nil {
			return err
		}
		reply = w
	}
	return p.WriteRoute(reply, p.Route())
}

func (p *packet) WriteRoute(reply dhcpv6.DHCPv6, r Route) error {
	if reply == nil {
		return errNilReply
	}
	b := reply.ToBytes()
	t := p.l.t
	l := p.l
	var err error
	if l.UDP == nil {
		err = l.WriteTo(b, nil, r.Dst)
	} else {
		var oob []byte
		if l.cmOK {
			cm := ipv6.ControlMessage{IfIndex: p.cm.IfIndex}
			if d := p.dst(); d.IsValid() && !d.IsMulticast() {
				cm.Src = p.cm.Dst // answer from the address the client used
			}
			if cm.IfIndex != 0 || cm.Src != nil {
				oob = cm.Marshal()
			}
		}
		dst := r.Dst
		if dst.Addr().Is6() && dst.Addr().IsLinkLocalUnicast() && dst.Addr().Zone() == "" && p.cm.IfIndex == 0 && p.l.iface != nil {
			dst = netip.AddrPortFrom(dst.Addr().WithZone(p.l.iface.Name), dst.Port())
		}
		err = l.WriteTo(b, oob, dst)
	}
	if err != nil {
		if t.debug() {
			t.log.Debug("dhcp6srv: send failed", "dst", r.Dst, "err", err)
		}
		return err
	}
	t.st.Sent.Inc()
	mt := reply.Type()
	if m, err := innerMessage(reply); err == nil {
		mt = m.MessageType
	}
	if c := t.st.sentType(mt); c != nil {
		c.Inc()
	}
	return nil
}
