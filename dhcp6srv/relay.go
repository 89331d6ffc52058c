package dhcp6srv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/insomniacslk/dhcp/dhcpv6"

	"github.com/dhcpsrv/dhcpsrv/internal/pipeline"
)

// HopCountLimit is RFC 8415's HOP_COUNT_LIMIT: the most relay agents a
// message may have passed. A request nested in more RELAY-FORW messages,
// or whose relay carries a hop-count of HopCountLimit or more, is dropped.
const HopCountLimit = 32

// ErrBadRelay is returned (wrapped) by Decapsulate for a relay chain that is
// too deep, has no relay message option, or does not end in a client
// message.
var ErrBadRelay = errors.New("dhcp6srv: bad relay chain")

// Decapsulate returns the client's message of a request and its relay
// chain, outermost relay (the one closest to the server, that sent the
// datagram) first, as Kea's Pkt6::relay_info_ holds them. A direct request
// gives a nil chain. It fails with ErrBadRelay as described there, and for
// a message that is neither a client message nor a RELAY-FORW.
func Decapsulate(req dhcpv6.DHCPv6) (*dhcpv6.Message, []*dhcpv6.RelayMessage, error) {
	return decapsulate(req, nil)
}

func decapsulate(req dhcpv6.DHCPv6, relays []*dhcpv6.RelayMessage) (*dhcpv6.Message, []*dhcpv6.RelayMessage, error) {
	d := req
	for {
		switch m := d.(type) {
		case *dhcpv6.Message:
			if m == nil {
				return nil, nil, fmt.Errorf("%w: nil message", ErrBadRelay)
			}
			if len(relays) == 0 {
				relays = nil
			}
			return m, relays, nil
		case *dhcpv6.RelayMessage:
			if m == nil {
				return nil, nil, fmt.Errorf("%w: nil relay message", ErrBadRelay)
			}
			if m.MessageType != dhcpv6.MessageTypeRelayForward {
				return nil, nil, fmt.Errorf("%w: %s from a relay", ErrBadRelay, m.MessageType)
			}
			if len(relays) >= HopCountLimit || m.HopCount >= HopCountLimit {
				return nil, nil, fmt.Errorf("%w: more than %d relays", ErrBadRelay, HopCountLimit)
			}
			relays = append(relays, m)
			d = m.Options.RelayMessage()
			if d == nil {
				return nil, nil, fmt.Errorf("%w: no relay message option", ErrBadRelay)
			}
		default:
			return nil, nil, fmt.Errorf("%w: not a DHCPv6 message", ErrBadRelay)
		}
	}
}

// innerMessage returns the client message inside d, for any message type.
func innerMessage(d dhcpv6.DHCPv6) (*dhcpv6.Message, error) {
	for range HopCountLimit + 1 {
		switch m := d.(type) {
		case *dhcpv6.Message:
			return m, nil
		case *dhcpv6.RelayMessage:
			d = m.Options.RelayMessage()
		default:
			return nil, ErrBadRelay
		}
	}
	return nil, ErrBadRelay
}

// EncapsulateReply wraps a reply to a relayed request in RELAY-REPL
// messages mirroring the request's relay chain (outermost first, as
// Decapsulate returns it): each layer keeps the hop-count, link-address and
// peer-address of its RELAY-FORW, echoes its Interface-ID option (RFC 8415
// §19.3) and its Relay Source Port option (RFC 8357), and carries the next
// layer in a Relay Message option. Other relay options are not copied, as
// in Kea. With no relays it returns reply itself.
func EncapsulateReply(relays []*dhcpv6.RelayMessage, reply *dhcpv6.Message) (dhcpv6.DHCPv6, error) {
	if reply == nil {
		return nil, errNilReply
	}
	var out dhcpv6.DHCPv6 = reply
	for i := len(relays) - 1; i >= 0; i-- {
		r := relays[i]
		if r == nil {
			return nil, fmt.Errorf("%w: nil relay message", ErrBadRelay)
		}
		rr := &dhcpv6.RelayMessage{
			MessageType: dhcpv6.MessageTypeRelayReply,
			HopCount:    r.HopCount,
			LinkAddr:    r.LinkAddr,
			PeerAddr:    r.PeerAddr,
		}
		if o := r.Options.GetOne(dhcpv6.OptionInterfaceID); o != nil {
			rr.Options.Add(o)
		}
		if o := r.Options.GetOne(dhcpv6.OptionRelayPort); o != nil {
			rr.Options.Add(o)
		}
		rr.Options.Add(dhcpv6.OptRelayMessage(out))
		out = rr
	}
	return out, nil
}

// clientKey picks the dispatch key of a raw request without parsing it:
// the client identifier (option 1) of the client message, found through
// any relay layers, else the source address. Kea's ClientHandler
// serializes a client's queries by DUID too.
func clientKey(b []byte, src netip.AddrPort) uint64 {
	for range HopCountLimit + 1 {
		if len(b) < 4 {
			break
		}
		switch b[0] {
		case byte(dhcpv6.MessageTypeRelayForward), byte(dhcpv6.MessageTypeRelayReply):
			if len(b) < dhcpv6.RelayHeaderSize {
				break
			}
			inner := findOption(b[dhcpv6.RelayHeaderSize:], uint16(dhcpv6.OptionRelayMsg))
			if inner == nil {
				break
			}
			b = inner
			continue
		default:
			if id := findOption(b[4:], uint16(dhcpv6.OptionClientID)); len(id) > 0 {
				return pipeline.Mix(pipeline.KeyAdd(pipeline.KeyByte(pipeline.Key(nil), 'd'), id))
			}
		}
		break
	}
	a := src.Addr().As16()
	return pipeline.Mix(pipeline.KeyAdd(pipeline.KeyByte(pipeline.Key(nil), 's'), a[:]))
}

// findOption returns the data of the first option with code in a raw
// DHCPv6 option area, or nil.
func findOption(o []byte, code uint16) []byte {
	for len(o) >= 4 {
		c := binary.BigEndian.Uint16(o)
		n := int(binary.BigEndian.Uint16(o[2:]))
		if len(o) < 4+n {
			return nil
		}
		if c == code {
			return o[4 : 4+n]
		}
		o = o[4+n:]
	}
	return nil
}
