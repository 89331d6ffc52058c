package dhcp4srv

import (
	"bytes"
	"net"
	"net/netip"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// Packet ↔ lease helpers: conversions at the boundary with insomniacslk/dhcp.

// addr4 converts a net.IP from a packet field to a netip.Addr; nil,
// malformed and 0.0.0.0 give the zero Addr.
func addr4(ip net.IP) netip.Addr {
	if ip4 := ip.To4(); ip4 != nil {
		a := netip.AddrFrom4([4]byte(ip4))
		if !a.IsUnspecified() {
			return a
		}
	}
	return netip.Addr{}
}

// ipOf converts an address to the 4-byte net.IP insomniacslk expects;
// the zero Addr gives 0.0.0.0.
func ipOf(a netip.Addr) net.IP {
	if !a.IsValid() || !a.Is4() {
		return net.IPv4zero.To4()
	}
	b := a.As4()
	return net.IP(b[:])
}

// optAddr reads a 4-byte address option, or the zero Addr.
func optAddr(req *dhcpv4.DHCPv4, code dhcpv4.OptionCode) netip.Addr {
	b := req.Options.Get(code)
	if len(b) != 4 {
		return netip.Addr{}
	}
	a := netip.AddrFrom4([4]byte(b))
	if a.IsUnspecified() {
		return netip.Addr{}
	}
	return a
}

// hwAddrOf returns the client's hardware address from chaddr; all-zero or
// empty chaddr gives the zero HWAddr.
func hwAddrOf(req *dhcpv4.DHCPv4) leasemgr.HWAddr {
	hw := req.ClientHWAddr
	if len(hw) == 0 || len(hw) > leasemgr.MaxHWAddrLen {
		return leasemgr.HWAddr{}
	}
	zero := true
	for _, c := range hw {
		if c != 0 {
			zero = false
			break
		}
	}
	if zero {
		return leasemgr.HWAddr{}
	}
	return leasemgr.HWAddr{Addr: hw, Type: uint16(req.HWType)}
}

// clientIDOf returns option 61, or nil when absent or shorter than 2
// bytes (Kea rejects such client identifiers).
func clientIDOf(req *dhcpv4.DHCPv4) []byte {
	b := req.Options.Get(dhcpv4.OptionClientIdentifier)
	if len(b) < 2 || len(b) > hostmgr.MaxClientIDLen {
		return nil
	}
	return b
}

// RAI sub-option codes the server reads.
const (
	raiCircuitID        = 1
	raiServerIDOverride = 11
)

// hostIdentifiers builds the client's identifiers in the order of
// host-reservation-identifiers (Kea's Dhcpv4Exchange::setHostIdentifiers):
// hw-address (chaddr), duid (from an RFC 4361 client identifier of type
// 255), circuit-id (RAI sub-option 1), client-id (option 61 as sent).
// flex-id needs a hook and is skipped. The result reuses dst.
func hostIdentifiers(dst []hostmgr.Identifier, types []hostmgr.IdentifierType, req *dhcpv4.DHCPv4, hw leasemgr.HWAddr, cid []byte) []hostmgr.Identifier {
	dst = dst[:0]
	for _, t := range types {
		var v []byte
		switch t {
		case hostmgr.IdentHWAddr:
			v = hw.Addr
		case hostmgr.IdentDUID:
			if len(cid) > 5 && cid[0] == 0xff {
				v = cid[5:]
			}
		case hostmgr.IdentCircuitID:
			if rai := req.Options.Get(dhcpv4.OptionRelayAgentInformation); rai != nil {
				v, _ = option.SubOption4(rai, raiCircuitID)
			}
		case hostmgr.IdentClientID:
			v = cid
		}
		if len(v) > 0 && len(v) <= t.MaxLen() {
			dst = append(dst, hostmgr.Identifier{Type: t, Value: v})
		}
	}
	return dst
}

// belongsToClient is Kea's Lease4::belongsToClient: the client identifiers
// match, or, when either side has none, the hardware addresses match.
// Pass a nil clientID when match-client-id is false.
func belongsToClient(l *leasemgr.Lease4, hw []byte, clientID []byte) bool {
	if len(clientID) > 0 && len(l.ClientID) > 0 {
		return bytes.Equal(clientID, l.ClientID)
	}
	return len(hw) > 0 && bytes.Equal(hw, l.HWAddr.Addr)
}
