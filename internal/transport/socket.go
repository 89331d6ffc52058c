package transport

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
)

// ListenUDP opens a server socket for interface ifname: bound to the
// wildcard address of f's family (0.0.0.0 or [::]) at port, with the
// options of Control. Control messages and multicast groups are the
// caller's.
func (f Family) ListenUDP(ctx context.Context, ifname string, port uint16) (*net.UDPConn, error) {
	network, host := "udp4", "0.0.0.0"
	if f.IPv6 {
		network, host = "udp6", "::"
	}
	lc := net.ListenConfig{Control: Control(ifname, !f.IPv6)}
	pc, err := lc.ListenPacket(ctx, network, net.JoinHostPort(host, strconv.Itoa(int(port))))
	if err != nil {
		if ifname != "" {
			return nil, fmt.Errorf("%s: listen on %s port %d: %w", f.Name, ifname, port, err)
		}
		return nil, fmt.Errorf("%s: listen on port %d: %w", f.Name, port, err)
	}
	return pc.(*net.UDPConn), nil
}

// Socket is the connection a listener reads requests from and writes
// replies to. Init it before use; the zero value has no connection.
type Socket struct {
	PC   net.PacketConn
	UDP  *net.UDPConn // PC as a *net.UDPConn, or nil
	Port uint16       // local port, 0 when unknown

	closeOnce sync.Once
}

// Init sets the socket's connection.
func (s *Socket) Init(pc net.PacketConn) {
	s.PC = pc
	s.UDP, _ = pc.(*net.UDPConn)
	if ap, err := netip.ParseAddrPort(pc.LocalAddr().String()); err == nil {
		s.Port = ap.Port()
	}
}

// Close closes the connection, once.
func (s *Socket) Close() {
	s.closeOnce.Do(func() {
		s.PC.Close()
	})
}

// ReadFrom reads a datagram into b and, from a UDPConn, its control
// messages into oob, without allocating; other connections give no control
// messages.
func (s *Socket) ReadFrom(b, oob []byte) (n, oobn int, src netip.AddrPort, err error) {
	if s.UDP != nil {
		n, oobn, _, src, err = s.UDP.ReadMsgUDPAddrPort(b, oob)
		return n, oobn, src, err
	}
	n, addr, err := s.PC.ReadFrom(b)
	if err != nil {
		return 0, 0, netip.AddrPort{}, err
	}
	if ua, ok := addr.(*net.UDPAddr); ok {
		src = ua.AddrPort()
	}
	return n, 0, src, nil
}

// WriteTo sends b to dst, with the control messages oob on a UDPConn
// (other connections cannot send them).
func (s *Socket) WriteTo(b, oob []byte, dst netip.AddrPort) error {
	if s.UDP == nil {
		_, err := s.PC.WriteTo(b, net.UDPAddrFromAddrPort(dst))
		return err
	}
	_, _, err := s.UDP.WriteMsgUDPAddrPort(b, oob, dst)
	return err
}
