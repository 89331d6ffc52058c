package subnetselect

import (
	"errors"
	"fmt"
	"net/netip"
)

// Selector holds what subnet selection looks at in a packet: Kea's
// SubnetSelector. The server fills one per packet; the zero value of each
// field means "not present".
//
// Addresses are compared without their zone, and an IPv4-mapped IPv6 address
// counts as the IPv4 address in the v4 rules. An unspecified address
// (0.0.0.0 or ::) counts as not present, as in Kea, and so does an address
// of the wrong family (an IPv6 address in CIAddr, say).
//
// A Selector is read, never modified, by the selection methods.
type Selector struct {
	// CIAddr is the v4 client address field (ciaddr).
	CIAddr netip.Addr
	// GIAddr is the v4 relay agent address field (giaddr).
	GIAddr netip.Addr
	// OptionSelect is the v4 address from the relay agent link-selection
	// sub-option or the subnet-selection option 118; see OptionSelect.
	// When set, it alone decides the subnet.
	OptionSelect netip.Addr

	// InterfaceID is the data of the v6 interface-id option (18) from the
	// relays ("" = absent). The v4 server sets it for DHCPv4-over-DHCPv6.
	InterfaceID string
	// FirstRelayLinkAddr is the v6 relay link address used for selection;
	// see RelayLinkAddr. The zero Addr or :: means "not relayed" (Kea's
	// default ::).
	FirstRelayLinkAddr netip.Addr

	// LocalAddr is the destination address of the packet: the v4 rules
	// ignore CIAddr and RemoteAddr when it is 255.255.255.255.
	LocalAddr netip.Addr
	// RemoteAddr is the source address of the packet (for 4o6, the IPv6
	// source address of the DHCPv4-over-DHCPv6 message).
	RemoteAddr netip.Addr

	// ClientClasses are the classes the packet belongs to, checked against
	// the subnets' "client-class" guards. Order does not matter.
	ClientClasses []string

	// IfaceName is the name of the interface the packet came in on.
	IfaceName string
	// IfaceAddr4 is an IPv4 address of the interface IfaceName: Kea's last
	// resort for a v4 packet that is neither relayed nor unicast (Kea asks
	// IfaceMgr for it). Zero when unknown: then no subnet is selected in
	// that case.
	IfaceAddr4 netip.Addr

	// DHCP4o6 marks a DHCPv4 packet that came over DHCPv6 (RFC 7341):
	// Index4.Select then applies the 4o6 rules (see Index4.Select4o6).
	DHCP4o6 bool
}

// InClass reports whether the packet belongs to the class name.
func (s *Selector) InClass(name string) bool {
	for _, c := range s.ClientClasses {
		if c == name {
			return true
		}
	}
	return false
}

// ErrMalformedOption is returned by the option helpers for option bytes that
// cannot be parsed (a truncated sub-option, a wrong length).
var ErrMalformedOption = errors.New("subnetselect: malformed option")

// Option and sub-option codes used for selection.
const (
	// OptionRelayAgentInfo is the DHCPv4 Relay Agent Information option
	// (82, RFC 3046).
	OptionRelayAgentInfo = 82
	// OptionSubnetSelection is the DHCPv4 Subnet Selection option
	// (118, RFC 3011).
	OptionSubnetSelection = 118
	// SubOptionLinkSelection is the link-selection sub-option of option 82
	// (5, RFC 3527).
	SubOptionLinkSelection = 5
)

// LinkSelection returns the address in the link-selection sub-option (5) of
// rai, the payload of a relay agent information option (82) without its own
// code and length bytes.
//
// The address is the zero Addr, with a nil error, when the sub-option is
// absent or its length is not 4 (Kea ignores it then). Of several
// link-selection sub-options the first counts. A payload whose sub-options
// do not add up to its length returns ErrMalformedOption.
func LinkSelection(rai []byte) (netip.Addr, error) {
	var addr netip.Addr
	found := false
	for i := 0; i < len(rai); {
		if len(rai)-i < 2 {
			return netip.Addr{}, fmt.Errorf("%w: option 82: sub-option at offset %d truncated", ErrMalformedOption, i)
		}
		code, n := rai[i], int(rai[i+1])
		if len(rai)-i-2 < n {
			return netip.Addr{}, fmt.Errorf("%w: option 82: sub-option %d at offset %d: length %d exceeds the %d bytes left",
				ErrMalformedOption, code, i, n, len(rai)-i-2)
		}
		if code == SubOptionLinkSelection && !found {
			found = true
			if n == 4 {
				addr = netip.AddrFrom4([4]byte(rai[i+2 : i+6]))
			}
		}
		i += 2 + n
	}
	return addr, nil
}

// SubnetSelection returns the address in a subnet-selection option (118)
// payload, which must be 4 bytes long (ErrMalformedOption otherwise).
func SubnetSelection(opt []byte) (netip.Addr, error) {
	if len(opt) != 4 {
		return netip.Addr{}, fmt.Errorf("%w: option 118: length %d, want 4", ErrMalformedOption, len(opt))
	}
	return netip.AddrFrom4([4]byte(opt)), nil
}

// OptionSelect computes Selector.OptionSelect as Kea's DHCPv4 server does
// from the payloads of options 82 (rai) and 118 (subnetSel) of a packet;
// pass nil for an option the packet does not carry, and the config's
// Compatibility.IgnoreRAILinkSelection.
//
// When the packet carries option 82 and ignoreRAILinkSelection is false, the
// result comes from its link-selection sub-option only (LinkSelection), even
// when that is absent: option 118 is then not looked at, as in Kea.
// Otherwise it comes from option 118 (SubnetSelection). The zero Addr means
// no selection address; an error reports a malformed option and comes with
// the zero Addr.
func OptionSelect(rai, subnetSel []byte, ignoreRAILinkSelection bool) (netip.Addr, error) {
	if rai != nil && !ignoreRAILinkSelection {
		return LinkSelection(rai)
	}
	if subnetSel != nil {
		return SubnetSelection(subnetSel)
	}
	return netip.Addr{}, nil
}

// RelayLinkAddr returns the relay link address Kea uses for DHCPv6 subnet
// selection (Selector.FirstRelayLinkAddr). links holds the link-address
// fields of the relay-forward messages as the server unwraps them: links[0]
// from the outermost message (the relay closest to the server), the last
// from the relay closest to the client.
//
// Scanning from the relay closest to the client outward, the first address
// that is neither :: nor link-local is returned; :: when there is none.
func RelayLinkAddr(links ...netip.Addr) netip.Addr {
	for i := len(links) - 1; i >= 0; i-- {
		a := links[i].WithZone("")
		if a.IsValid() && !a.IsUnspecified() && !a.IsLinkLocalUnicast() {
			return a
		}
	}
	return netip.IPv6Unspecified()
}

var broadcast4 = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// addr4 normalises a v4 selector address: unmapped, without zone, and the
// zero Addr when it is not an IPv4 address or is 0.0.0.0.
func addr4(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if !a.Is4() || a.IsUnspecified() {
		return netip.Addr{}
	}
	return a
}

// addr6 normalises a v6 selector address: without zone, and the zero Addr
// when it is not an IPv6 address or is ::.
func addr6(a netip.Addr) netip.Addr {
	if !a.Is6() || a.IsUnspecified() {
		return netip.Addr{}
	}
	return a.WithZone("")
}
