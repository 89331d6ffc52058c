package dhcp4srv

import (
	"net/netip"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"github.com/dhcpsrv/dhcpsrv/option"
)

// Well-known DHCPv4 ports.
const (
	ServerPort = 67 // DHCP4_SERVER_PORT, also the relay agents' port
	ClientPort = 68 // DHCP4_CLIENT_PORT
)

// flagBroadcast is the BROADCAST bit of the BOOTP flags field.
const flagBroadcast = 0x8000

var ipv4Bcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// RouteInput holds the facts about a request and its reply that decide
// where the reply goes. RouteInputOf fills it from the messages.
type RouteInput struct {
	QueryType dhcpv4.MessageType // the request's message type (0: BOOTP)
	ReplyType dhcpv4.MessageType // the reply's message type
	Ciaddr    netip.Addr         // request ciaddr (zero or 0.0.0.0: none)
	Giaddr    netip.Addr         // request giaddr (zero or 0.0.0.0: not relayed)
	Yiaddr    netip.Addr         // reply yiaddr
	Broadcast bool               // the request's BROADCAST flag
	// RelayPort: the request's relay agent information option (82)
	// carries the RFC 8357 relay source port sub-option (19).
	RelayPort bool
	// Src is the request's UDP source address and port.
	Src netip.AddrPort
}

// RoutePolicy holds the server's settings that take part in routing.
type RoutePolicy struct {
	// DirectResponse: the server can unicast at the link layer to a client
	// that has no address yet (Kea's IfaceMgr::isDirectResponseSupported,
	// true with dhcp-socket-type raw). Without it such replies are
	// broadcast.
	DirectResponse bool
	// ClientPort, when not 0, is the destination port of every reply
	// (kea-dhcp4 -P, for tests).
	ClientPort uint16
	// SendToSource sends every reply to the request's source address and
	// port (Kea's KEA_TEST_SEND_RESPONSES_TO_SOURCE), for tests on
	// loopback where broadcasts cannot be received.
	SendToSource bool
	// UseRouting: outbound-interface "use-routing"; replies to relays
	// leave by the routing table instead of the receiving interface.
	UseRouting bool
}

// Route says where and how a reply is sent.
type Route struct {
	// Dst is the destination address and UDP port.
	Dst netip.AddrPort
	// L2 is set when the reply is unicast to Dst at the link layer: the
	// Ethernet destination is the request's chaddr, because the client
	// has no address yet and cannot answer ARP. It needs a raw socket.
	L2 bool
	// SetBroadcast asks the writer to set the BROADCAST flag in the reply
	// (relayed DHCPNAK, relayed DHCPINFORM without ciaddr), so the relay
	// broadcasts it on the client's link.
	SetBroadcast bool
	// Relayed: the reply goes to a relay agent.
	Relayed bool
	// UseRouting: the reply leaves by the routing table, not pinned to
	// the receiving interface.
	UseRouting bool
}

func isSet(a netip.Addr) bool { return a.IsValid() && !a.IsUnspecified() }

// relayed is Kea's Pkt4::isRelayed: giaddr neither 0.0.0.0 nor broadcast.
func (in *RouteInput) relayed() bool { return isSet(in.Giaddr) && in.Giaddr != ipv4Bcast }

// RouteReply computes the destination of a reply by Kea's
// Dhcpv4Srv::adjustRemoteAddr and adjustIfaceData rules (RFC 2131 §4.1):
//
//   - DHCPINFORM: to ciaddr:68 when set; else, if relayed, to the relay
//     with the BROADCAST flag set; else back to the source.
//   - relayed (giaddr set): to giaddr, port 67, or the relay's source port
//     when the request carried the RFC 8357 relay-port sub-option; a
//     DHCPNAK gets the BROADCAST flag.
//   - ciaddr set (renewing): unicast to ciaddr:68.
//   - DHCPNAK: broadcast.
//   - yiaddr set: broadcast when the client set the BROADCAST flag or the
//     server cannot respond directly (udp sockets); otherwise unicast to
//     yiaddr at the link layer (chaddr).
//   - anything else: back to the request's source address.
//
// ClientPort and SendToSource in p override the port and destination for
// tests, as kea-dhcp4 -P and KEA_TEST_SEND_RESPONSES_TO_SOURCE do.
// RouteReply is a pure function.
func RouteReply(in RouteInput, p RoutePolicy) Route {
	var r Route
	var addr netip.Addr
	relayed := in.relayed()
	switch {
	case in.QueryType == dhcpv4.MessageTypeInform:
		switch {
		case isSet(in.Ciaddr):
			addr = in.Ciaddr
		case relayed:
			addr = in.Giaddr
			r.SetBroadcast = true
			r.Relayed = true
		default:
			addr = in.Src.Addr()
		}
	case relayed:
		addr = in.Giaddr
		r.Relayed = true
		if in.ReplyType == dhcpv4.MessageTypeNak {
			r.SetBroadcast = true
		}
	case isSet(in.Ciaddr):
		addr = in.Ciaddr
	case in.ReplyType == dhcpv4.MessageTypeNak:
		addr = ipv4Bcast
	case isSet(in.Yiaddr):
		if in.Broadcast || !p.DirectResponse {
			addr = ipv4Bcast
		} else {
			addr = in.Yiaddr
			r.L2 = true
		}
	default:
		addr = in.Src.Addr()
	}

	// Port: adjustIfaceData.
	var port uint16
	switch {
	case p.ClientPort != 0:
		port = p.ClientPort
	case in.QueryType == dhcpv4.MessageTypeInform &&
		(isSet(in.Ciaddr) || (!relayed && isSet(in.Src.Addr()))):
		port = ClientPort
	case !relayed:
		port = ClientPort
	case in.RelayPort && in.Src.Port() != 0:
		port = in.Src.Port()
	default:
		port = ServerPort
	}
	if p.SendToSource {
		addr, port = in.Src.Addr(), in.Src.Port()
		r.L2 = false
	}
	if !addr.IsValid() {
		addr = netip.IPv4Unspecified()
	}
	r.Dst = netip.AddrPortFrom(addr, port)
	r.UseRouting = p.UseRouting && r.Relayed
	return r
}

// RouteInputOf fills a RouteInput from a request, its reply and the
// request's source address.
func RouteInputOf(req, reply *dhcpv4.DHCPv4, src netip.AddrPort) RouteInput {
	in := RouteInput{
		QueryType: req.MessageType(),
		ReplyType: reply.MessageType(),
		Ciaddr:    addrOf(req.ClientIPAddr),
		Giaddr:    addrOf(req.GatewayIPAddr),
		Yiaddr:    addrOf(reply.YourIPAddr),
		Broadcast: req.Flags&flagBroadcast != 0,
		Src:       src,
	}
	if rai := req.Options.Get(dhcpv4.OptionRelayAgentInformation); rai != nil {
		_, in.RelayPort = option.SubOption4(rai, 19) // RFC 8357 relay source port
	}
	return in
}

// addrOf converts an insomniacslk net.IP to a netip.Addr (the zero Addr
// when nil or not IPv4).
func addrOf(ip []byte) netip.Addr {
	switch len(ip) {
	case 4:
		return netip.AddrFrom4([4]byte(ip))
	case 16:
		a := netip.AddrFrom16([16]byte(ip))
		if a.Is4In6() {
			return a.Unmap()
		}
	}
	return netip.Addr{}
}
