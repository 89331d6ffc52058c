package dhcp4srv

import (
	"net"
	"net/netip"
	"testing"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/stretchr/testify/require"
)

func TestRouteReply(t *testing.T) {
	var (
		zero   = netip.IPv4Unspecified()
		bcast  = netip.MustParseAddr("255.255.255.255")
		giaddr = netip.MustParseAddr("192.0.2.254")
		ciaddr = netip.MustParseAddr("192.0.2.50")
		yiaddr = netip.MustParseAddr("192.0.2.100")
		srcCli = netip.MustParseAddrPort("0.0.0.0:68")
		srcUni = netip.MustParseAddrPort("192.0.2.50:68")
		srcRel = netip.MustParseAddrPort("192.0.2.254:67")
		srcRP  = netip.MustParseAddrPort("192.0.2.254:3067")
		raw    = RoutePolicy{DirectResponse: true}
		udp    = RoutePolicy{}
		ap     = netip.AddrPortFrom
	)
	const (
		discover = dhcpv4.MessageTypeDiscover
		request  = dhcpv4.MessageTypeRequest
		inform   = dhcpv4.MessageTypeInform
		offer    = dhcpv4.MessageTypeOffer
		ack      = dhcpv4.MessageTypeAck
		nak      = dhcpv4.MessageTypeNak
	)
	tests := []struct {
		name string
		in   RouteInput
		p    RoutePolicy
		want Route
	}{
		{"relayed offer to giaddr:67",
			RouteInput{QueryType: discover, ReplyType: offer, Giaddr: giaddr, Yiaddr: yiaddr, Src: srcRel}, raw,
			Route{Dst: ap(giaddr, 67), Relayed: true}},
		{"relayed ack with relay-port to relay source port",
			RouteInput{QueryType: request, ReplyType: ack, Giaddr: giaddr, Yiaddr: yiaddr, RelayPort: true, Src: srcRP}, raw,
			Route{Dst: ap(giaddr, 3067), Relayed: true}},
		{"relayed without relay-port ignores source port",
			RouteInput{QueryType: request, ReplyType: ack, Giaddr: giaddr, Yiaddr: yiaddr, Src: srcRP}, raw,
			Route{Dst: ap(giaddr, 67), Relayed: true}},
		{"relayed nak gets broadcast bit",
			RouteInput{QueryType: request, ReplyType: nak, Giaddr: giaddr, Src: srcRel}, raw,
			Route{Dst: ap(giaddr, 67), Relayed: true, SetBroadcast: true}},
		{"relayed with ciaddr still to relay",
			RouteInput{QueryType: request, ReplyType: ack, Giaddr: giaddr, Ciaddr: ciaddr, Yiaddr: ciaddr, Src: srcRel}, raw,
			Route{Dst: ap(giaddr, 67), Relayed: true}},
		{"renew: unicast to ciaddr:68",
			RouteInput{QueryType: request, ReplyType: ack, Ciaddr: ciaddr, Yiaddr: ciaddr, Src: srcUni}, raw,
			Route{Dst: ap(ciaddr, 68)}},
		{"renew nak: to ciaddr",
			RouteInput{QueryType: request, ReplyType: nak, Ciaddr: ciaddr, Src: srcUni}, raw,
			Route{Dst: ap(ciaddr, 68)}},
		{"direct nak: broadcast",
			RouteInput{QueryType: request, ReplyType: nak, Src: srcCli}, raw,
			Route{Dst: ap(bcast, 68)}},
		{"broadcast flag: broadcast",
			RouteInput{QueryType: discover, ReplyType: offer, Yiaddr: yiaddr, Broadcast: true, Src: srcCli}, raw,
			Route{Dst: ap(bcast, 68)}},
		{"raw socket: L2 unicast to yiaddr",
			RouteInput{QueryType: discover, ReplyType: offer, Yiaddr: yiaddr, Src: srcCli}, raw,
			Route{Dst: ap(yiaddr, 68), L2: true}},
		{"udp socket: broadcast instead of L2 unicast",
			RouteInput{QueryType: discover, ReplyType: offer, Yiaddr: yiaddr, Src: srcCli}, udp,
			Route{Dst: ap(bcast, 68)}},
		{"inform with ciaddr: to ciaddr:68",
			RouteInput{QueryType: inform, ReplyType: ack, Ciaddr: ciaddr, Src: srcUni}, raw,
			Route{Dst: ap(ciaddr, 68)}},
		{"relayed inform with ciaddr: to ciaddr:68, not the relay",
			RouteInput{QueryType: inform, ReplyType: ack, Ciaddr: ciaddr, Giaddr: giaddr, Src: srcRel}, raw,
			Route{Dst: ap(ciaddr, 68)}},
		{"relayed inform without ciaddr: relay, broadcast bit",
			RouteInput{QueryType: inform, ReplyType: ack, Giaddr: giaddr, Src: srcRel}, raw,
			Route{Dst: ap(giaddr, 67), Relayed: true, SetBroadcast: true}},
		{"inform without ciaddr: back to source",
			RouteInput{QueryType: inform, ReplyType: ack, Src: srcUni}, raw,
			Route{Dst: ap(ciaddr, 68)}},
		{"no yiaddr, no ciaddr: back to source",
			RouteInput{QueryType: request, ReplyType: ack, Src: netip.MustParseAddrPort("192.0.2.7:68")}, raw,
			Route{Dst: netip.MustParseAddrPort("192.0.2.7:68")}},
		{"no address at all: 0.0.0.0",
			RouteInput{QueryType: request, ReplyType: ack}, raw,
			Route{Dst: ap(zero, 68)}},
		{"giaddr broadcast is not relayed",
			RouteInput{QueryType: discover, ReplyType: offer, Giaddr: bcast, Yiaddr: yiaddr, Broadcast: true, Src: srcCli}, raw,
			Route{Dst: ap(bcast, 68)}},
		{"-P client port applies to every reply",
			RouteInput{QueryType: discover, ReplyType: offer, Giaddr: giaddr, Yiaddr: yiaddr, Src: srcRel}, RoutePolicy{ClientPort: 10068},
			Route{Dst: ap(giaddr, 10068), Relayed: true}},
		{"-P with L2 unicast",
			RouteInput{QueryType: discover, ReplyType: offer, Yiaddr: yiaddr, Src: srcCli}, RoutePolicy{DirectResponse: true, ClientPort: 10068},
			Route{Dst: ap(yiaddr, 10068), L2: true}},
		{"send to source",
			RouteInput{QueryType: discover, ReplyType: offer, Yiaddr: yiaddr, Src: netip.MustParseAddrPort("192.0.2.9:40000")}, RoutePolicy{DirectResponse: true, SendToSource: true},
			Route{Dst: netip.MustParseAddrPort("192.0.2.9:40000")}},
		{"use-routing for relays",
			RouteInput{QueryType: discover, ReplyType: offer, Giaddr: giaddr, Yiaddr: yiaddr, Src: srcRel}, RoutePolicy{UseRouting: true},
			Route{Dst: ap(giaddr, 67), Relayed: true, UseRouting: true}},
		{"use-routing ignored for direct clients",
			RouteInput{QueryType: request, ReplyType: ack, Ciaddr: ciaddr, Src: srcUni}, RoutePolicy{UseRouting: true},
			Route{Dst: ap(ciaddr, 68)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, RouteReply(tc.in, tc.p))
		})
	}
}

func TestRouteInputOf(t *testing.T) {
	mac := net.HardwareAddr{0x02, 0, 0, 0, 0, 1}
	req, err := dhcpv4.New(
		dhcpv4.WithHwAddr(mac),
		dhcpv4.WithMessageType(dhcpv4.MessageTypeRequest),
		dhcpv4.WithGatewayIP(net.IPv4(192, 0, 2, 254)),
		dhcpv4.WithBroadcast(true),
		dhcpv4.WithOption(dhcpv4.OptRelayAgentInfo(
			dhcpv4.OptGeneric(dhcpv4.AgentCircuitIDSubOption, []byte("eth0")),
			dhcpv4.OptGeneric(dhcpv4.RelaySourcePortSubOption, nil),
		)),
	)
	require.NoError(t, err)
	reply, err := dhcpv4.NewReplyFromRequest(req,
		dhcpv4.WithMessageType(dhcpv4.MessageTypeAck),
		dhcpv4.WithYourIP(net.IPv4(192, 0, 2, 100)))
	require.NoError(t, err)
	src := netip.MustParseAddrPort("192.0.2.254:3067")
	in := RouteInputOf(req, reply, src)
	require.Equal(t, RouteInput{
		QueryType: dhcpv4.MessageTypeRequest,
		ReplyType: dhcpv4.MessageTypeAck,
		Ciaddr:    netip.IPv4Unspecified(),
		Giaddr:    netip.MustParseAddr("192.0.2.254"),
		Yiaddr:    netip.MustParseAddr("192.0.2.100"),
		Broadcast: true,
		RelayPort: true,
		Src:       src,
	}, in)
	require.Equal(t, netip.MustParseAddrPort("192.0.2.254:3067"), RouteReply(in, RoutePolicy{}).Dst)
}
