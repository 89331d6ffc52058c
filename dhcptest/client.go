package dhcptest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// ErrNoReply is returned when the server does not answer before the
// timeout (a request the server drops, such as a DISCOVER when the pool is
// exhausted).
var ErrNoReply = errors.New("dhcptest: no reply")

// ErrNAK is returned by DORA when the server answers the REQUEST with a
// DHCPNAK.
var ErrNAK = errors.New("dhcptest: DHCPNAK")

// DefaultTimeout is how long a Client waits for a reply.
const DefaultTimeout = 2 * time.Second

// Client sends requests to a test server from its own socket on
// 127.0.0.1. It is not safe for concurrent use: take one per goroutine.
type Client struct {
	// Timeout bounds the wait for each reply (DefaultTimeout when 0).
	// A request the server drops waits this long, so tests that expect
	// silence set it low.
	Timeout time.Duration

	conn   *net.UDPConn
	server netip.AddrPort
	buf    []byte
}

// Client returns a new client of s. Its socket is closed at the end of the
// test.
func (s *Server4) Client() *Client {
	s.t.Helper()
	return newTestClient(s.t, s.addr, NewClient)
}

// NewClient returns a client that sends to server (a test server's Addr,
// or any DHCPv4 server that replies to the source address).
func NewClient(server netip.AddrPort) (*Client, error) {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	return &Client{conn: conn, server: server, buf: make([]byte, 1500)}, nil
}

// Close closes the client's socket.
func (c *Client) Close() error { return c.conn.Close() }

// Exchange sends req and returns the first reply with its transaction id,
// or ErrNoReply when none comes in time.
func (c *Client) Exchange(ctx context.Context, req *dhcpv4.DHCPv4) (*dhcpv4.DHCPv4, error) {
	if _, err := c.conn.WriteToUDPAddrPort(req.ToBytes(), c.server); err != nil {
		return nil, fmt.Errorf("dhcptest: send: %w", err)
	}
	return c.wait(ctx, req.TransactionID)
}

// Send sends req and waits for nothing (RELEASE, DECLINE).
func (c *Client) Send(req *dhcpv4.DHCPv4) error {
	_, err := c.conn.WriteToUDPAddrPort(req.ToBytes(), c.server)
	return err
}

func (c *Client) wait(ctx context.Context, xid dhcpv4.TransactionID) (*dhcpv4.DHCPv4, error) {
	if err := setReadDeadline(ctx, c.conn, c.Timeout); err != nil {
		return nil, err
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, _, err := c.conn.ReadFromUDPAddrPort(c.buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return nil, ErrNoReply
			}
			return nil, err
		}
		p, err := dhcpv4.FromBytes(c.buf[:n])
		if err != nil || p.TransactionID != xid || p.OpCode != dhcpv4.OpcodeBootReply {
			continue // not ours: a late reply to an earlier request
		}
		return p, nil
	}
}

// Discover sends a DHCPDISCOVER for hw and returns the DHCPOFFER.
func (c *Client) Discover(ctx context.Context, hw net.HardwareAddr, mods ...dhcpv4.Modifier) (*dhcpv4.DHCPv4, error) {
	d, err := dhcpv4.NewDiscovery(hw, append([]dhcpv4.Modifier{dhcpv4.WithBroadcast(true)}, mods...)...)
	if err != nil {
		return nil, err
	}
	return c.Exchange(ctx, d)
}

// Request sends a DHCPREQUEST in SELECTING state for offer and returns the
// reply (DHCPACK or DHCPNAK).
func (c *Client) Request(ctx context.Context, offer *dhcpv4.DHCPv4, mods ...dhcpv4.Modifier) (*dhcpv4.DHCPv4, error) {
	r, err := dhcpv4.NewRequestFromOffer(offer, append([]dhcpv4.Modifier{dhcpv4.WithBroadcast(true)}, mods...)...)
	if err != nil {
		return nil, err
	}
	return c.Exchange(ctx, r)
}

// DORA runs DISCOVER, OFFER, REQUEST, ACK for hw and returns the DHCPACK
// (ErrNAK for a DHCPNAK).
func (c *Client) DORA(ctx context.Context, hw net.HardwareAddr, mods ...dhcpv4.Modifier) (*dhcpv4.DHCPv4, error) {
	offer, err := c.Discover(ctx, hw, mods...)
	if err != nil {
		return nil, fmt.Errorf("discover: %w", err)
	}
	if offer.MessageType() != dhcpv4.MessageTypeOffer {
		return nil, fmt.Errorf("dhcptest: got %s to a DHCPDISCOVER", offer.MessageType())
	}
	ack, err := c.Request(ctx, offer, mods...)
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	switch ack.MessageType() {
	case dhcpv4.MessageTypeAck:
		return ack, nil
	case dhcpv4.MessageTypeNak:
		return ack, ErrNAK
	}
	return nil, fmt.Errorf("dhcptest: got %s to a DHCPREQUEST", ack.MessageType())
}

// Renew sends a DHCPREQUEST in RENEWING state (ciaddr, unicast to the
// server) for the lease of ack and returns the reply.
func (c *Client) Renew(ctx context.Context, ack *dhcpv4.DHCPv4, mods ...dhcpv4.Modifier) (*dhcpv4.DHCPv4, error) {
	r, err := dhcpv4.NewRenewFromAck(ack, mods...)
	if err != nil {
		return nil, err
	}
	return c.Exchange(ctx, r)
}

// Rebind sends a DHCPREQUEST in REBINDING state (ciaddr, broadcast, no
// server identifier) and returns the reply.
func (c *Client) Rebind(ctx context.Context, ack *dhcpv4.DHCPv4, mods ...dhcpv4.Modifier) (*dhcpv4.DHCPv4, error) {
	r, err := dhcpv4.NewRenewFromAck(ack, append([]dhcpv4.Modifier{dhcpv4.WithBroadcast(true)}, mods...)...)
	if err != nil {
		return nil, err
	}
	r.SetBroadcast()
	return c.Exchange(ctx, r)
}

// InitReboot sends a DHCPREQUEST in INIT-REBOOT state (requested address,
// no server identifier, broadcast) and returns the reply; ErrNoReply when
// the server stays silent.
func (c *Client) InitReboot(ctx context.Context, hw net.HardwareAddr, addr net.IP, mods ...dhcpv4.Modifier) (*dhcpv4.DHCPv4, error) {
	r, err := dhcpv4.New(append([]dhcpv4.Modifier{
		dhcpv4.WithHwAddr(hw), dhcpv4.WithMessageType(dhcpv4.MessageTypeRequest), dhcpv4.WithBroadcast(true),
		dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(addr)),
	}, mods...)...)
	if err != nil {
		return nil, err
	}
	return c.Exchange(ctx, r)
}

// Release sends a DHCPRELEASE of the lease of ack. The server does not
// answer, so Release returns once the message is sent; the server handles
// the requests of one hardware address in order, so the next exchange of
// the same client sees the lease released.
func (c *Client) Release(ctx context.Context, ack *dhcpv4.DHCPv4, mods ...dhcpv4.Modifier) error {
	r, err := dhcpv4.NewReleaseFromACK(ack, mods...)
	if err != nil {
		return err
	}
	return c.Send(r)
}

// Decline sends a DHCPDECLINE of the address of ack. The server does not
// answer; as with Release, the next exchange of the same client sees the
// address declined.
func (c *Client) Decline(ctx context.Context, ack *dhcpv4.DHCPv4, mods ...dhcpv4.Modifier) error {
	r, err := dhcpv4.New(append([]dhcpv4.Modifier{
		dhcpv4.WithHwAddr(ack.ClientHWAddr), dhcpv4.WithMessageType(dhcpv4.MessageTypeDecline),
		dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(ack.YourIPAddr)),
		dhcpv4.WithOptionCopied(ack, dhcpv4.OptionServerIdentifier),
		dhcpv4.WithOptionCopied(ack, dhcpv4.OptionClientIdentifier),
	}, mods...)...)
	if err != nil {
		return err
	}
	return c.Send(r)
}

// Inform sends a DHCPINFORM from a client that has address ciaddr and
// returns the DHCPACK.
func (c *Client) Inform(ctx context.Context, hw net.HardwareAddr, ciaddr net.IP, mods ...dhcpv4.Modifier) (*dhcpv4.DHCPv4, error) {
	r, err := dhcpv4.NewInform(hw, ciaddr, mods...)
	if err != nil {
		return nil, err
	}
	return c.Exchange(ctx, r)
}

// The helpers below are shared by Client and Client6.

// newTestClient returns a client of the test server at addr, made by
// newClient and closed at the end of the test.
func newTestClient[C io.Closer](t testing.TB, addr netip.AddrPort, newClient func(netip.AddrPort) (C, error)) C {
	t.Helper()
	c, err := newClient(addr)
	if err != nil {
		t.Fatalf("dhcptest: client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// setReadDeadline bounds the wait for a reply on conn by timeout
// (DefaultTimeout when 0) and by ctx's deadline.
func setReadDeadline(ctx context.Context, conn *net.UDPConn, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	return conn.SetReadDeadline(deadline)
}
