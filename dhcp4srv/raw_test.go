package dhcp4srv

import (
	"encoding/binary"
	"net"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAppendFrame(t *testing.T) {
	dstMAC := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x0c}
	srcMAC := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x05}
	src := netip.MustParseAddrPort("192.0.2.1:67")
	dst := netip.MustParseAddrPort("192.0.2.100:68")
	payload := []byte("a DHCP reply of odd length")
	f := appendFrame([]byte{0xee}, dstMAC, srcMAC, src, dst, payload)
	require.Equal(t, byte(0xee), f[0], "appends")
	f = f[1:]
	require.Len(t, f, 14+20+8+len(payload))
	require.Equal(t, []byte(dstMAC), f[0:6])
	require.Equal(t, []byte(srcMAC), f[6:12])
	require.Equal(t, uint16(0x0800), binary.BigEndian.Uint16(f[12:14]))
	ip := f[14:34]
	require.Equal(t, byte(0x45), ip[0])
	require.Equal(t, uint16(20+8+len(payload)), binary.BigEndian.Uint16(ip[2:4]))
	require.Equal(t, byte(17), ip[9])
	require.Equal(t, []byte{192, 0, 2, 1}, ip[12:16])
	require.Equal(t, []byte{192, 0, 2, 100}, ip[16:20])
	require.Equal(t, uint16(0xffff), fold(checksum(0, ip)), "IPv4 header checksum verifies")
	u := f[34:]
	require.Equal(t, uint16(67), binary.BigEndian.Uint16(u[0:2]))
	require.Equal(t, uint16(68), binary.BigEndian.Uint16(u[2:4]))
	require.Equal(t, uint16(8+len(payload)), binary.BigEndian.Uint16(u[4:6]))
	sum := checksum(0, ip[12:20])
	sum += 17 + uint32(len(u))
	require.Equal(t, uint16(0xffff), fold(checksum(sum, u)), "UDP checksum verifies")
	require.Equal(t, payload, u[8:])
}

func TestChecksumKnown(t *testing.T) {
	// RFC 1071 example words.
	require.Equal(t, uint16(0xddf2), fold(checksum(0, []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7})))
}
