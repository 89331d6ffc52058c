package classify

import (
	"encoding/binary"
	"net"
	"net/netip"
	"slices"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv6"
)

// Packet4 adapts an insomniacslk DHCPv4 message to Packet. Its fields are
// read during Eval; set them before. Option, fields and Member do not
// allocate.
type Packet4 struct {
	Msg     *dhcpv4.DHCPv4
	Classes []string // the packet's classes so far, for member()
	IfName  string
	SrcAddr netip.Addr
	DstAddr netip.Addr
	Size    int // datagram length
}

var _ Packet = (*Packet4)(nil)

// Option returns the (RFC 3396 concatenated) data of option code.
func (p *Packet4) Option(code uint16) ([]byte, bool) {
	if code > 255 || p.Msg == nil {
		return nil, false
	}
	v, ok := p.Msg.Options[uint8(code)]
	return v, ok
}

func appendIP4(dst []byte, ip net.IP) []byte {
	if v4 := ip.To4(); v4 != nil {
		return append(dst, v4...)
	}
	return append(dst, 0, 0, 0, 0)
}

// AppendField appends the pkt4 fields; pkt6 fields are not available.
func (p *Packet4) AppendField(dst []byte, f Field) ([]byte, bool) {
	m := p.Msg
	if m == nil {
		return dst, false
	}
	switch f {
	case FieldMAC:
		return append(dst, m.ClientHWAddr...), true
	case FieldHLen:
		return binary.BigEndian.AppendUint32(dst, uint32(len(m.ClientHWAddr))), true
	case FieldHType:
		return binary.BigEndian.AppendUint32(dst, uint32(m.HWType)), true
	case FieldCiaddr:
		return appendIP4(dst, m.ClientIPAddr), true
	case FieldGiaddr:
		return appendIP4(dst, m.GatewayIPAddr), true
	case FieldYiaddr:
		return appendIP4(dst, m.YourIPAddr), true
	case FieldSiaddr:
		return appendIP4(dst, m.ServerIPAddr), true
	case FieldMsgType4:
		var t uint32
		if v := m.Options[uint8(dhcpv4.OptionDHCPMessageType)]; len(v) == 1 {
			t = uint32(v[0])
		}
		return binary.BigEndian.AppendUint32(dst, t), true
	case FieldTransID4:
		return append(dst, m.TransactionID[:]...), true
	}
	return dst, false
}

// Relay6Count is 0: DHCPv4 has no relay6.
func (p *Packet4) Relay6Count() int { return 0 }

// Relay6Option is never found in DHCPv4.
func (p *Packet4) Relay6Option(int, uint16) ([]byte, bool) { return nil, false }

// Relay6Addrs is never found in DHCPv4.
func (p *Packet4) Relay6Addrs(int) (peer, link netip.Addr) { return }

// Member reports whether class is in Classes.
func (p *Packet4) Member(class string) bool { return slices.Contains(p.Classes, class) }

// Iface returns IfName.
func (p *Packet4) Iface() string { return p.IfName }

// Src returns SrcAddr.
func (p *Packet4) Src() netip.Addr { return p.SrcAddr }

// Dst returns DstAddr.
func (p *Packet4) Dst() netip.Addr { return p.DstAddr }

// Len returns Size.
func (p *Packet4) Len() int { return p.Size }

// Packet6 adapts an insomniacslk DHCPv6 message, decapsulated from its
// relays, to Packet. Msg is the client's message; Relays are the relay
// messages, the outermost (closest to the server) first, as Kea's
// relay_info_ and dhcp6srv.Decapsulate give them.
//
// Option of an option insomniacslk parsed into a typed value serializes
// it again (ToBytes) and allocates; generic options do not.
type Packet6 struct {
	Msg     *dhcpv6.Message
	Relays  []*dhcpv6.RelayMessage
	Classes []string
	IfName  string
	SrcAddr netip.Addr
	DstAddr netip.Addr
	Size    int
}

var _ Packet = (*Packet6)(nil)

func optionData(opts dhcpv6.Options, code uint16) ([]byte, bool) {
	o := opts.GetOne(dhcpv6.OptionCode(code))
	if o == nil {
		return nil, false
	}
	if g, ok := o.(*dhcpv6.OptionGeneric); ok {
		return g.OptionData, true
	}
	return o.ToBytes(), true
}

// Option returns the data of the first option code of Msg.
func (p *Packet6) Option(code uint16) ([]byte, bool) {
	if p.Msg == nil {
		return nil, false
	}
	return optionData(p.Msg.Options.Options, code)
}

// AppendField appends pkt6.msgtype and pkt6.transid.
func (p *Packet6) AppendField(dst []byte, f Field) ([]byte, bool) {
	if p.Msg == nil {
		return dst, false
	}
	switch f {
	case FieldMsgType6:
		return binary.BigEndian.AppendUint32(dst, uint32(p.Msg.MessageType)), true
	case FieldTransID6:
		t := p.Msg.TransactionID
		return append(dst, 0, t[0], t[1], t[2]), true
	}
	return dst, false
}

// Relay6Count returns len(Relays).
func (p *Packet6) Relay6Count() int { return len(p.Relays) }

// Relay6Option returns an option of Relays[nest].
func (p *Packet6) Relay6Option(nest int, code uint16) ([]byte, bool) {
	if nest < 0 || nest >= len(p.Relays) {
		return nil, false
	}
	return optionData(p.Relays[nest].Options.Options, code)
}

// Relay6Addrs returns the peer and link addresses of Relays[nest].
func (p *Packet6) Relay6Addrs(nest int) (peer, link netip.Addr) {
	if nest < 0 || nest >= len(p.Relays) {
		return
	}
	peer, _ = netip.AddrFromSlice(p.Relays[nest].PeerAddr)
	link, _ = netip.AddrFromSlice(p.Relays[nest].LinkAddr)
	if peer.Is4() {
		peer = netip.AddrFrom16(peer.As16())
	}
	if link.Is4() {
		link = netip.AddrFrom16(link.As16())
	}
	return peer, link
}

// Member reports whether class is in Classes.
func (p *Packet6) Member(class string) bool { return slices.Contains(p.Classes, class) }

// Iface returns IfName.
func (p *Packet6) Iface() string { return p.IfName }

// Src returns SrcAddr.
func (p *Packet6) Src() netip.Addr { return p.SrcAddr }

// Dst returns DstAddr.
func (p *Packet6) Dst() netip.Addr { return p.DstAddr }

// Len returns Size.
func (p *Packet6) Len() int { return p.Size }
