//go:build !linux

package dhcp4srv

import (
	"net"
	"net/netip"

	"golang.org/x/net/ipv4"
)

func parseOOB(oob []byte) (ifindex int, dst netip.Addr) {
	var cm ipv4.ControlMessage
	if cm.Parse(oob) != nil {
		return 0, netip.Addr{}
	}
	if d := cm.Dst.To4(); d != nil {
		dst = netip.AddrFrom4([4]byte(d))
	}
	return cm.IfIndex, dst
}

func marshalOOB(b []byte, ifindex int, src netip.Addr) []byte {
	cm := ipv4.ControlMessage{IfIndex: ifindex}
	if src.Is4() {
		s := src.As4()
		cm.Src = net.IP(s[:])
	}
	return append(b, cm.Marshal()...)
}
