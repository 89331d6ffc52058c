//go:build linux

package dhcp4srv

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// packetSender is an AF_PACKET/SOCK_RAW socket bound to one interface,
// used only to send (protocol 0: the kernel queues nothing for it to
// read).
type packetSender struct {
	fd      int
	ifindex int
}

func openRawSender(ifc *Interface) (rawSender, error) {
	if len(ifc.HardwareAddr) != 6 {
		// Not Ethernet: Kea's LPF filter supports Ethernet only.
		return nil, errRawUnsupported
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("dhcp4srv: packet socket on %s (needs CAP_NET_RAW): %w", ifc.Name, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: ifc.Index}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("dhcp4srv: bind packet socket to %s: %w", ifc.Name, err)
	}
	return &packetSender{fd: fd, ifindex: ifc.Index}, nil
}

func (s *packetSender) send(frame []byte, dst net.HardwareAddr) error {
	sa := &unix.SockaddrLinklayer{
		Ifindex:  s.ifindex,
		Protocol: htons(unix.ETH_P_IP),
		Halen:    6,
	}
	copy(sa.Addr[:], dst)
	if err := unix.Sendto(s.fd, frame, 0, sa); err != nil {
		return fmt.Errorf("dhcp4srv: raw send: %w", err)
	}
	return nil
}

func (s *packetSender) close() error { return unix.Close(s.fd) }

func htons(v uint16) uint16 { return v<<8 | v>>8 }
