package dhcptest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv6"
)

// Client6 sends DHCPv6 requests to a test server from its own socket on
// [::1]. It is not safe for concurrent use: take one per goroutine.
type Client6 struct {
	// Timeout bounds the wait for each reply (DefaultTimeout when 0).
	Timeout time.Duration
	// LinkAddr, when set, makes the client act through a relay agent on
	// the link with this address: requests are wrapped in a RELAY-FORW
	// (link-address LinkAddr, peer-address fe80::1, interface-id
	// InterfaceID when not empty) and replies are unwrapped, so the server
	// selects the subnet containing LinkAddr.
	LinkAddr    netip.Addr
	InterfaceID string

	conn   *net.UDPConn
	server netip.AddrPort
	buf    []byte
}

// Client returns a new client of s. Its socket is closed at the end of the
// test.
func (s *Server6) Client() *Client6 {
	s.t.Helper()
	return newTestClient(s.t, s.addr, NewClient6)
}

// NewClient6 returns a client that sends to server (a test server's Addr,
// or any DHCPv6 server that replies to the source address).
func NewClient6(server netip.AddrPort) (*Client6, error) {
	conn, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		return nil, err
	}
	return &Client6{conn: conn, server: server, buf: make([]byte, 65536)}, nil
}

// Close closes the client's socket.
func (c *Client6) Close() error { return c.conn.Close() }

// Exchange sends req and returns the reply with the same transaction id,
// or ErrNoReply when none comes before the timeout or ctx ends.
func (c *Client6) Exchange(ctx context.Context, req *dhcpv6.Message) (*dhcpv6.Message, error) {
	var out dhcpv6.DHCPv6 = req
	if c.LinkAddr.IsValid() {
		r, err := dhcpv6.EncapsulateRelay(req, dhcpv6.MessageTypeRelayForward, net.IP(c.LinkAddr.AsSlice()), net.ParseIP("fe80::1"))
		if err != nil {
			return nil, err
		}
		if c.InterfaceID != "" {
			r.AddOption(dhcpv6.OptInterfaceID([]byte(c.InterfaceID)))
		}
		out = r
	}
	if _, err := c.conn.WriteToUDPAddrPort(out.ToBytes(), c.server); err != nil {
		return nil, err
	}
	if err := setReadDeadline(ctx, c.conn, c.Timeout); err != nil {
		return nil, err
	}
	for {
		n, _, err := c.conn.ReadFromUDPAddrPort(c.buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return nil, fmt.Errorf("%w to %s", ErrNoReply, req.MessageType)
			}
			return nil, err
		}
		d, err := dhcpv6.FromBytes(c.buf[:n])
		if err != nil {
			continue
		}
		m, err := d.GetInnerMessage()
		if err != nil || m.TransactionID != req.TransactionID {
			continue
		}
		return m, nil
	}
}

// message builds a client message with a new transaction id, the client
// identifier duid and an elapsed time option.
func message(t dhcpv6.MessageType, duid []byte, mods ...dhcpv6.Modifier) (*dhcpv6.Message, error) {
	xid, err := dhcpv6.GenerateTransactionID()
	if err != nil {
		return nil, err
	}
	m := &dhcpv6.Message{MessageType: t, TransactionID: xid}
	if duid != nil {
		d, err := dhcpv6.DUIDFromBytes(duid)
		if err != nil {
			return nil, fmt.Errorf("dhcptest: client DUID: %w", err)
		}
		m.AddOption(dhcpv6.OptClientID(d))
	}
	m.AddOption(dhcpv6.OptElapsedTime(0))
	for _, mod := range mods {
		mod(m)
	}
	return m, nil
}

// fromReply builds a request that continues an exchange: the client and
// (unless rebind) server identifiers and the IAs of prev, with their
// addresses and prefixes.
func fromReply(t dhcpv6.MessageType, prev *dhcpv6.Message, withServer, naOnly bool, mods ...dhcpv6.Modifier) (*dhcpv6.Message, error) {
	if prev == nil {
		return nil, errors.New("dhcptest: nil previous message")
	}
	xid, err := dhcpv6.GenerateTransactionID()
	if err != nil {
		return nil, err
	}
	m := &dhcpv6.Message{MessageType: t, TransactionID: xid}
	if o := prev.GetOneOption(dhcpv6.OptionClientID); o != nil {
		m.AddOption(o)
	}
	if withServer {
		if o := prev.GetOneOption(dhcpv6.OptionServerID); o != nil {
			m.AddOption(o)
		}
	}
	m.AddOption(dhcpv6.OptElapsedTime(0))
	for _, ia := range prev.Options.IANA() {
		n := &dhcpv6.OptIANA{IaId: ia.IaId}
		for _, a := range ia.Options.Addresses() {
			if a.ValidLifetime > 0 {
				n.Options.Add(&dhcpv6.OptIAAddress{IPv6Addr: a.IPv6Addr})
			}
		}
		m.AddOption(n)
	}
	if !naOnly {
		for _, ia := range prev.Options.IAPD() {
			n := &dhcpv6.OptIAPD{IaId: ia.IaId}
			for _, p := range ia.Options.Prefixes() {
				if p.ValidLifetime > 0 && p.Prefix != nil {
					n.Options.Add(&dhcpv6.OptIAPrefix{Prefix: p.Prefix})
				}
			}
			m.AddOption(n)
		}
	}
	for _, mod := range mods {
		mod(m)
	}
	return m, nil
}

// WithNA returns a modifier adding an IA_NA with the given IAID and
// address hints.
func WithNA(iaid uint32, hints ...netip.Addr) dhcpv6.Modifier {
	return func(d dhcpv6.DHCPv6) {
		ia := &dhcpv6.OptIANA{IaId: iaidOf(iaid)}
		for _, h := range hints {
			ia.Options.Add(&dhcpv6.OptIAAddress{IPv6Addr: net.IP(h.AsSlice())})
		}
		d.AddOption(ia)
	}
}

// WithPD returns a modifier adding an IA_PD with the given IAID and
// prefix hints (a zero address with a length, "::/56", asks for a length).
func WithPD(iaid uint32, hints ...netip.Prefix) dhcpv6.Modifier {
	return func(d dhcpv6.DHCPv6) {
		ia := &dhcpv6.OptIAPD{IaId: iaidOf(iaid)}
		for _, h := range hints {
			ia.Options.Add(&dhcpv6.OptIAPrefix{Prefix: &net.IPNet{IP: net.IP(h.Addr().AsSlice()), Mask: net.CIDRMask(h.Bits(), 128)}})
		}
		d.AddOption(ia)
	}
}

func iaidOf(v uint32) [4]byte { return [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }

// Solicit sends a SOLICIT with one IA_NA (IAID 1) plus mods and returns
// the ADVERTISE (or, with rapid commit, the REPLY).
func (c *Client6) Solicit(ctx context.Context, duid []byte, mods ...dhcpv6.Modifier) (*dhcpv6.Message, error) {
	return c.send(ctx, dhcpv6.MessageTypeSolicit, duid, append([]dhcpv6.Modifier{WithNA(1)}, mods...)...)
}

// SolicitPD sends a SOLICIT with one IA_PD (IAID 1) plus mods.
func (c *Client6) SolicitPD(ctx context.Context, duid []byte, mods ...dhcpv6.Modifier) (*dhcpv6.Message, error) {
	return c.send(ctx, dhcpv6.MessageTypeSolicit, duid, append([]dhcpv6.Modifier{WithPD(1)}, mods...)...)
}

func (c *Client6) send(ctx context.Context, t dhcpv6.MessageType, duid []byte, mods ...dhcpv6.Modifier) (*dhcpv6.Message, error) {
	m, err := message(t, duid, mods...)
	if err != nil {
		return nil, err
	}
	return c.Exchange(ctx, m)
}

// Request sends the REQUEST for an ADVERTISE: its server identifier and
// its IAs with what they offer.
func (c *Client6) Request(ctx context.Context, adv *dhcpv6.Message, mods ...dhcpv6.Modifier) (*dhcpv6.Message, error) {
	m, err := fromReply(dhcpv6.MessageTypeRequest, adv, true, false, mods...)
	if err != nil {
		return nil, err
	}
	return c.Exchange(ctx, m)
}

// SARR runs SOLICIT, ADVERTISE, REQUEST, REPLY for one IA_NA (plus mods,
// sent in both requests) and returns the REPLY.
func (c *Client6) SARR(ctx context.Context, duid []byte, mods ...dhcpv6.Modifier) (*dhcpv6.Message, error) {
	return c.sarr(ctx, duid, append([]dhcpv6.Modifier{WithNA(1)}, mods...))
}

// SARRPD is SARR for one IA_PD.
func (c *Client6) SARRPD(ctx context.Context, duid []byte, mods ...dhcpv6.Modifier) (*dhcpv6.Message, error) {
	return c.sarr(ctx, duid, append([]dhcpv6.Modifier{WithPD(1)}, mods...))
}

func (c *Client6) sarr(ctx context.Context, duid []byte, mods []dhcpv6.Modifier) (*dhcpv6.Message, error) {
	adv, err := c.send(ctx, dhcpv6.MessageTypeSolicit, duid, mods...)
	if err != nil {
		return nil, err
	}
	if adv.MessageType == dhcpv6.MessageTypeReply { // rapid commit
		return adv, nil
	}
	var extra []dhcpv6.Modifier
	for _, mod := range mods { // carry non-IA options (ORO, FQDN...) over
		probe := &dhcpv6.Message{}
		mod(probe)
		for _, o := range probe.Options.Options {
			switch o.Code() {
			case dhcpv6.OptionIANA, dhcpv6.OptionIATA, dhcpv6.OptionIAPD, dhcpv6.OptionRapidCommit:
			default:
				extra = append(extra, dhcpv6.WithOption(o))
			}
		}
	}
	return c.Request(ctx, adv, extra...)
}

// Renew sends a RENEW for the leases of a REPLY.
func (c *Client6) Renew(ctx context.Context, reply *dhcpv6.Message, mods ...dhcpv6.Modifier) (*dhcpv6.Message, error) {
	m, err := fromReply(dhcpv6.MessageTypeRenew, reply, true, false, mods...)
	if err != nil {
		return nil, err
	}
	return c.Exchange(ctx, m)
}

// Rebind sends a REBIND (no server identifier) for the leases of a REPLY.
func (c *Client6) Rebind(ctx context.Context, reply *dhcpv6.Message, mods ...dhcpv6.Modifier) (*dhcpv6.Message, error) {
	m, err := fromReply(dhcpv6.MessageTypeRebind, reply, false, false, mods...)
	if err != nil {
		return nil, err
	}
	return c.Exchange(ctx, m)
}

// Release sends a RELEASE for the leases of a REPLY and returns the
// server's REPLY.
func (c *Client6) Release(ctx context.Context, reply *dhcpv6.Message, mods ...dhcpv6.Modifier) (*dhcpv6.Message, error) {
	m, err := fromReply(dhcpv6.MessageTypeRelease, reply, true, false, mods...)
	if err != nil {
		return nil, err
	}
	return c.Exchange(ctx, m)
}

// Decline sends a DECLINE for the addresses (IA_NA) of a REPLY.
func (c *Client6) Decline(ctx context.Context, reply *dhcpv6.Message, mods ...dhcpv6.Modifier) (*dhcpv6.Message, error) {
	m, err := fromReply(dhcpv6.MessageTypeDecline, reply, true, true, mods...)
	if err != nil {
		return nil, err
	}
	return c.Exchange(ctx, m)
}

// Confirm sends a CONFIRM for addrs (in one IA_NA). The server does not
// answer when it cannot tell (no subnet): ErrNoReply.
func (c *Client6) Confirm(ctx context.Context, duid []byte, addrs ...netip.Addr) (*dhcpv6.Message, error) {
	return c.send(ctx, dhcpv6.MessageTypeConfirm, duid, WithNA(1, addrs...))
}

// InformationRequest sends an INFORMATION-REQUEST asking for the options
// codes (duid may be nil: no client identifier).
func (c *Client6) InformationRequest(ctx context.Context, duid []byte, codes ...dhcpv6.OptionCode) (*dhcpv6.Message, error) {
	var mods []dhcpv6.Modifier
	if len(codes) > 0 {
		mods = append(mods, dhcpv6.WithRequestedOptions(codes...))
	}
	return c.send(ctx, dhcpv6.MessageTypeInformationRequest, duid, mods...)
}

// Addrs returns the addresses with a non-zero valid lifetime in the IA_NAs
// of m.
func Addrs(m *dhcpv6.Message) []netip.Addr {
	var out []netip.Addr
	for _, ia := range m.Options.IANA() {
		for _, a := range ia.Options.Addresses() {
			if ip, ok := netip.AddrFromSlice(a.IPv6Addr); ok && a.ValidLifetime > 0 {
				out = append(out, ip)
			}
		}
	}
	return out
}

// Prefixes returns the prefixes with a non-zero valid lifetime in the
// IA_PDs of m.
func Prefixes(m *dhcpv6.Message) []netip.Prefix {
	var out []netip.Prefix
	for _, ia := range m.Options.IAPD() {
		for _, p := range ia.Options.Prefixes() {
			if p.Prefix == nil || p.ValidLifetime == 0 {
				continue
			}
			ip, ok := netip.AddrFromSlice(p.Prefix.IP)
			ones, bits := p.Prefix.Mask.Size()
			if ok && bits == 128 {
				out = append(out, netip.PrefixFrom(ip, ones))
			}
		}
	}
	return out
}
