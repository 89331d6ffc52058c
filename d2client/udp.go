package d2client

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
)

// UDPConfig configures a UDPSender: Kea's "dhcp-ddns" map.
type UDPConfig struct {
	// Server is kea-dhcp-ddns's address ("server-ip", "server-port");
	// the zero value means 127.0.0.1:53001.
	Server netip.AddrPort
	// Local is the address to send from ("sender-ip", "sender-port"); an
	// invalid Addr means the unspecified address of Server's family, port 0
	// an ephemeral port.
	Local netip.AddrPort
	// Queue holds "max-queue-size" and the failure policy.
	Queue QueueConfig
}

// DefaultD2Server is kea-dhcp-ddns's default listening address.
var DefaultD2Server = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 53001)

// UDPConfigFromKea converts a parsed "dhcp-ddns" map. It fails, as Kea does,
// for "ncr-protocol" TCP ("not yet supported"), a format other than JSON,
// mixed address families or a sender address equal to the server's.
// The Queue settings other than MaxQueueSize are left for the caller.
func UDPConfigFromKea(c *cfgmgr.DDNSConfig) (UDPConfig, error) {
	if c == nil {
		return UDPConfig{}, fmt.Errorf("d2client: no dhcp-ddns configuration")
	}
	if p := strings.ToUpper(c.NCRProtocol); p != "" && p != "UDP" {
		return UDPConfig{}, fmt.Errorf("d2client: dhcp-ddns: ncr-protocol %q is not supported", c.NCRProtocol)
	}
	if f := strings.ToUpper(c.NCRFormat); f != "" && f != "JSON" {
		return UDPConfig{}, fmt.Errorf("d2client: dhcp-ddns: ncr-format %q is not supported", c.NCRFormat)
	}
	ip := c.ServerIP
	if !ip.IsValid() {
		ip = DefaultD2Server.Addr()
	}
	port := c.ServerPort
	if port == 0 {
		port = DefaultD2Server.Port()
	}
	cfg := UDPConfig{
		Server: netip.AddrPortFrom(ip, port),
		Local:  netip.AddrPortFrom(c.SenderIP, c.SenderPort),
		Queue:  QueueConfig{MaxQueueSize: int(c.MaxQueueSize)},
	}
	return cfg, cfg.validate()
}

func (c *UDPConfig) validate() error {
	if !c.Server.Addr().IsValid() {
		c.Server = DefaultD2Server
	}
	srv := c.Server.Addr().Unmap()
	if !c.Local.Addr().IsValid() {
		un := netip.IPv4Unspecified()
		if srv.Is6() {
			un = netip.IPv6Unspecified()
		}
		c.Local = netip.AddrPortFrom(un, c.Local.Port())
	}
	if c.Local.Addr().Unmap().Is4() != srv.Is4() {
		return fmt.Errorf("d2client: dhcp-ddns: sender-ip %s and server-ip %s are of different families", c.Local.Addr(), srv)
	}
	if c.Local == c.Server {
		return fmt.Errorf("d2client: dhcp-ddns: sender address %s equals the server address", c.Local)
	}
	return nil
}

// UDPSender sends NCRs to kea-dhcp-ddns over UDP, one datagram each in Kea's
// wire format (Kea's NameChangeUDPSender): a 2-octet length and the JSON.
// UDP has no acknowledgement: a send error is a local socket error. It is
// safe for concurrent use.
type UDPSender struct {
	*queue
	conn   *net.UDPConn
	server netip.AddrPort
	bufMu  sync.Mutex
	buf    []byte
}

var _ Sender = (*UDPSender)(nil)

// NewUDPSender opens the socket and starts the delivery goroutine.
func NewUDPSender(cfg UDPConfig) (*UDPSender, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(cfg.Local))
	if err != nil {
		return nil, fmt.Errorf("d2client: dhcp-ddns sender socket %s: %w", cfg.Local, err)
	}
	s := &UDPSender{conn: conn, server: cfg.Server, buf: make([]byte, 0, 512)}
	s.queue = newQueue(cfg.Queue, s.deliver)
	return s, nil
}

func (s *UDPSender) deliver(ctx context.Context, n *NCR) error {
	// Only the worker goroutine calls deliver; the lock documents it.
	s.bufMu.Lock()
	defer s.bufMu.Unlock()
	b, err := n.AppendWire(s.buf[:0])
	if err != nil {
		return permanent(err)
	}
	s.buf = b
	if dl, ok := ctx.Deadline(); ok {
		_ = s.conn.SetWriteDeadline(dl)
	}
	if _, err := s.conn.WriteToUDPAddrPort(b, s.server); err != nil {
		return fmt.Errorf("d2client: send NCR to %s: %w", s.server, err)
	}
	return nil
}

// LocalAddr returns the address the sender sends from.
func (s *UDPSender) LocalAddr() netip.AddrPort {
	return s.conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

// Close drains the queue for at most DrainTimeout, then closes the socket.
func (s *UDPSender) Close() error {
	err := s.queue.Close()
	if cerr := s.conn.Close(); err == nil && cerr != nil && !strings.Contains(cerr.Error(), "use of closed") {
		err = cerr
	}
	return err
}
