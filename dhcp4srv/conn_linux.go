//go:build linux

package dhcp4srv

import (
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// appendPktInfo appends an IP_PKTINFO control message (egress interface and
// source address) to b without allocating when b has room.
func appendPktInfo(b []byte, ifindex int, src netip.Addr) []byte {
	n := unix.CmsgSpace(unix.SizeofInet4Pktinfo)
	start := len(b)
	b = append(b, make([]byte, n)...) // does not allocate when cap suffices
	m := b[start:]
	clear(m)
	h := (*unix.Cmsghdr)(unsafe.Pointer(&m[0]))
	h.Level = unix.IPPROTO_IP
	h.Type = unix.IP_PKTINFO
	h.SetLen(unix.CmsgLen(unix.SizeofInet4Pktinfo))
	pi := (*unix.Inet4Pktinfo)(unsafe.Pointer(&m[unix.CmsgLen(0)]))
	pi.Ifindex = int32(ifindex)
	if src.Is4() {
		pi.Spec_dst = src.As4()
	}
	return b
}

// parsePktInfo reads the IP_PKTINFO control message of a received datagram:
// the receiving interface index and the destination address.
func parsePktInfo(oob []byte) (ifindex int, dst netip.Addr, ok bool) {
	for len(oob) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(h.Len)
		if l < unix.SizeofCmsghdr || l > len(oob) {
			return 0, netip.Addr{}, false
		}
		if h.Level == unix.IPPROTO_IP && h.Type == unix.IP_PKTINFO && l >= unix.CmsgLen(unix.SizeofInet4Pktinfo) {
			pi := (*unix.Inet4Pktinfo)(unsafe.Pointer(&oob[unix.CmsgLen(0)]))
			return int(pi.Ifindex), netip.AddrFrom4(pi.Addr), true
		}
		sp := unix.CmsgSpace(l - unix.CmsgLen(0))
		if sp > len(oob) {
			break
		}
		oob = oob[sp:]
	}
	return 0, netip.Addr{}, false
}

func parseOOB(oob []byte) (ifindex int, dst netip.Addr) {
	ifindex, dst, _ = parsePktInfo(oob)
	return ifindex, dst
}

func marshalOOB(b []byte, ifindex int, src netip.Addr) []byte {
	return appendPktInfo(b, ifindex, src)
}
