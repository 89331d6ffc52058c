package dhcp4srv

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
)

// errRawUnsupported: packet sockets are not available on this system; the
// transport then behaves as with SocketUDP.
var errRawUnsupported = errors.New("dhcp4srv: raw sockets are not supported on this system")

// rawSender sends whole Ethernet frames out of one interface.
type rawSender interface {
	send(frame []byte, dst net.HardwareAddr) error
	close() error
}

const (
	ethHeaderLen  = 14
	ipv4HeaderLen = 20
	udpHeaderLen  = 8
	etherTypeIPv4 = 0x0800
	rawTTL        = 64
)

// appendFrame appends an Ethernet II frame carrying an IPv4/UDP datagram
// with payload to b: what Kea's PktFilterLPF writes for a reply to a client
// that has no address yet. The IPv4 and UDP checksums are computed; the
// frame is not padded (the driver pads to 60 bytes).
func appendFrame(b []byte, dstMAC, srcMAC net.HardwareAddr, src, dst netip.AddrPort, payload []byte) []byte {
	start := len(b)
	total := ethHeaderLen + ipv4HeaderLen + udpHeaderLen + len(payload)
	b = append(b, make([]byte, total-len(payload))...)
	b = append(b, payload...)
	f := b[start:]

	// Ethernet.
	copy(f[0:6], dstMAC)
	copy(f[6:12], srcMAC)
	binary.BigEndian.PutUint16(f[12:14], etherTypeIPv4)

	// IPv4.
	ip := f[ethHeaderLen : ethHeaderLen+ipv4HeaderLen]
	ip[0] = 0x45 // version 4, IHL 5
	ip[1] = 0    // DSCP/ECN
	binary.BigEndian.PutUint16(ip[2:4], uint16(ipv4HeaderLen+udpHeaderLen+len(payload)))
	binary.BigEndian.PutUint16(ip[4:6], 0)      // identification
	binary.BigEndian.PutUint16(ip[6:8], 0x4000) // DF, no fragment offset
	ip[8] = rawTTL
	ip[9] = 17 // UDP
	s4, d4 := src.Addr().As4(), dst.Addr().As4()
	copy(ip[12:16], s4[:])
	copy(ip[16:20], d4[:])
	binary.BigEndian.PutUint16(ip[10:12], ^uint16(checksum(0, ip)))

	// UDP.
	u := f[ethHeaderLen+ipv4HeaderLen:]
	binary.BigEndian.PutUint16(u[0:2], src.Port())
	binary.BigEndian.PutUint16(u[2:4], dst.Port())
	binary.BigEndian.PutUint16(u[4:6], uint16(len(u)))
	// Pseudo-header: source, destination, zero, protocol, UDP length.
	sum := checksum(0, s4[:])
	sum = checksum(sum, d4[:])
	sum += 17 + uint32(len(u))
	sum = checksum(sum, u)
	cs := ^fold(sum)
	if cs == 0 {
		cs = 0xffff
	}
	binary.BigEndian.PutUint16(u[6:8], cs)
	return b
}

// checksum adds b to the ones'-complement sum and returns it folded to 16
// bits (not complemented).
func checksum(sum uint32, b []byte) uint32 {
	for len(b) >= 2 {
		sum += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	return uint32(fold(sum))
}

func fold(sum uint32) uint16 {
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}
