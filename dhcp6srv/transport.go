package dhcp6srv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"

	"github.com/insomniacslk/dhcp/dhcpv6"

	"github.com/dhcpsrv/dhcpsrv/internal/pipeline"
	"github.com/dhcpsrv/dhcpsrv/internal/transport"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

// ErrClosed is returned by Serve and ServeConn after Shutdown.
var ErrClosed = errors.New("dhcp6srv: transport closed")

// Statistic names maintained by the transport (Kea's packet statistics).
// Per message type there are also pkt6-<type>-received (solicit, request,
// renew, rebind, release, decline, infrequest, advertise, reply,
// dhcpv4-query, dhcpv4-response, unknown) and pkt6-advertise-sent,
// pkt6-reply-sent.
const (
	StatPkt6Received    = "pkt6-received"
	StatPkt6Sent        = "pkt6-sent"
	StatPkt6ParseFailed = "pkt6-parse-failed"
	StatPkt6ReceiveDrop = "pkt6-receive-drop"
	StatPkt6QueueFull   = "pkt6-queue-full"
)

// Handler answers DHCPv6 requests.
//
// ServeDHCP6 is called from several worker goroutines at once, but never
// concurrently for one client: requests of one client (one DUID, or one
// source address when the message carries no client identifier) go to one
// worker and are handled in the order they arrived. It sends zero or more
// replies with w.Write and returns. req and w are valid only until
// ServeDHCP6 returns; w must not be used from another goroutine. ctx is
// cancelled when the transport gives up waiting for handlers at shutdown.
//
// req is the message as received: a *dhcpv6.Message from a client on the
// link, or a *dhcpv6.RelayMessage (RELAY-FORW) for a relayed one; Decapsulate
// returns the client's message and the relay chain. The transport has
// parsed req, checked that a relay chain ends in a client message within
// HopCountLimit relays, and counted it (pkt6-received and
// pkt6-<type>-received); accepting or dropping by message type is the
// handler's decision. A panic in ServeDHCP6 is recovered, logged and
// counted; it does not stop the server.
type Handler interface {
	ServeDHCP6(ctx context.Context, w ResponseWriter, req dhcpv6.DHCPv6)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, w ResponseWriter, req dhcpv6.DHCPv6)

// ServeDHCP6 calls f(ctx, w, req).
func (f HandlerFunc) ServeDHCP6(ctx context.Context, w ResponseWriter, req dhcpv6.DHCPv6) {
	f(ctx, w, req)
}

// Transport is the DHCPv6 socket layer and packet pipeline: it reads
// requests from its sockets, queues them per client on a bounded set of
// workers, parses them and calls the Handler, whose replies it wraps for
// the relays and sends. It is what Kea's Dhcpv6Srv::run/processPacket loop
// and IfaceMgr do below the message handling.
//
// Its methods are safe for concurrent use. Serve and ServeConn may run
// several at a time (several sockets share the workers). After Shutdown
// the Transport cannot be reused.
type Transport struct {
	cfg     Config
	handler Handler
	log     *slog.Logger
	stats   *stats.Manager
	st      transportStats

	pipe   *transport.Loop[packet, *listener] // sockets, readers, workers
	pkts   *pipeline.Pool[packet]
	ifaces transport.IfaceCache
}

// family is what internal/transport needs to know of this package.
var family = transport.Family{Name: "dhcp6srv", IPv6: true, ErrClosed: ErrClosed, ErrNoInterface: ErrNoInterface}

// NewTransport returns a Transport that passes requests to h. It opens no
// socket and starts no goroutine until Serve or ServeConn.
func NewTransport(cfg Config, h Handler, opts ...Option) *Transport {
	t := &Transport{
		cfg:     cfg,
		handler: h,
		log:     slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		if o != nil {
			o(t)
		}
	}
	t.st.init(t.stats)
	t.pkts = pipeline.NewPool(func() *packet { return new(packet) })
	t.ifaces.Family = family
	q := cfg.QueueSize
	if q <= 0 {
		q = DefaultQueueSize
	}
	d := cfg.DrainTimeout
	if d <= 0 {
		d = DefaultDrainTimeout
	}
	t.pipe = transport.NewLoop[packet, *listener](transport.Config[packet]{
		Family:       family,
		Pipeline:     pipeline.Config{Workers: cfg.Workers, QueueSize: q, DropNewest: cfg.DropNewest},
		DrainTimeout: d,
		Log:          t.log,
		Counters:     &t.st.Counters,
		Packets:      t.pkts,
		Key:          func(p *packet) uint64 { return clientKey(p.buf[:p.n], p.src) },
		Source:       func(p *packet) netip.AddrPort { return p.src },
		Handle:       t.handle,
		Release:      t.release,
	})
	return t
}

// Workers returns the number of worker goroutines (0 before Serve).
func (t *Transport) Workers() int { return t.pipe.Workers() }

// Listen opens a socket per configured interface (Config.Interfaces; see
// ResolveInterfaces and ListenUDP) and joins All_DHCP_Relay_Agents_and_Servers
// (ff02::1:2) on each. A program that must drop privileges calls Listen
// first, drops them, then calls Serve. Packets that arrive between Listen
// and Serve wait in the sockets' buffers.
func (t *Transport) Listen(ctx context.Context) error {
	return t.pipe.Listen(ctx, t.open)
}

// open opens the listeners of Config.Interfaces.
func (t *Transport) open(ctx context.Context) ([]*listener, error) {
	bs, err := ResolveInterfaces(t.cfg.Interfaces)
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 {
		return nil, fmt.Errorf("dhcp6srv: no interface to listen on (interfaces %q)", t.cfg.Interfaces)
	}
	return t.listenBindings(ctx, bs)
}

// Serve serves the sockets of Listen (calling it first if needed) until
// ctx is cancelled or Shutdown is called. Cancelling ctx shuts the whole
// Transport down, as Shutdown does with a context of Config.DrainTimeout,
// and Serve returns ctx.Err(); after Shutdown it returns ErrClosed. It
// returns an error if a socket cannot be opened or fails.
func (t *Transport) Serve(ctx context.Context) error {
	return t.pipe.Serve(ctx, t.open)
}

// ServeConn serves requests read from pc until ctx is cancelled or
// Shutdown is called, as Serve does; the transport closes pc when it
// stops. pc is typically a *net.UDPConn (from ListenUDP, or bound to
// [::1] on an ephemeral port in tests): then the transport reads the
// receiving interface, destination address and hop limit of each request
// from control messages and replies through the same interface. Other
// PacketConns work without that information. A connection given here
// accepts unicast requests (ResponseWriter.AcceptsUnicast is true).
func (t *Transport) ServeConn(ctx context.Context, pc net.PacketConn) error {
	l := t.newListener(pc)
	l.unicastAll = true
	return t.pipe.ServeConn(ctx, l)
}

// Shutdown stops the transport gracefully: it closes the sockets so no
// request is read any more, lets the workers handle the requests already
// queued, and waits for them. If ctx ends first, the handlers' context is
// cancelled, the requests still queued are dropped (counted in
// pkt6-receive-drop) and Shutdown returns ctx.Err() without waiting for
// handlers still running.
func (t *Transport) Shutdown(ctx context.Context) error {
	return t.pipe.Shutdown(ctx)
}

func (t *Transport) release(p *packet) {
	p.reset()
	t.pkts.Put(p)
}

// handle runs on a worker: parse, check the relay chain, count, call the
// handler. The loop recovers a panic and releases p.
func (t *Transport) handle(ctx context.Context, p *packet) {
	req, err := dhcpv6.FromBytes(p.buf[:p.n])
	if err == nil {
		p.msg, p.relays, err = decapsulate(req, p.relayBuf[:0])
	}
	if err != nil {
		t.st.ParseFailed.Inc()
		t.st.ReceiveDrop.Inc()
		if t.debug() {
			t.log.Debug("dhcp6srv: bad packet", "src", p.src, "len", p.n, "err", err)
		}
		return
	}
	p.req = req
	t.st.recvType(p.msg.MessageType).Inc()
	t.handler.ServeDHCP6(ctx, p, req)
}

// debug tells whether debug logging is on; the packet path checks it
// before building log arguments, which would allocate.
func (t *Transport) debug() bool { return transport.Debug(t.log) }

// Panics returns the number of handler panics recovered so far.
func (t *Transport) Panics() uint64 { return t.pipe.Panics() }

// transportStats holds the statistic handles, taken once.
type transportStats struct {
	transport.Counters
	recv                                     map[dhcpv6.MessageType]*stats.Int
	recvUnknown                              *stats.Int
	sentAdvertise, sentReply, sentV4Response *stats.Int
}

func (s *transportStats) init(m *stats.Manager) {
	s.Counters = transport.NewCounters(m, "pkt6") // StatPkt6Received...
	s.recv = map[dhcpv6.MessageType]*stats.Int{}
	for mt, n := range map[dhcpv6.MessageType]string{
		dhcpv6.MessageTypeSolicit:            "solicit",
		dhcpv6.MessageTypeAdvertise:          "advertise",
		dhcpv6.MessageTypeRequest:            "request",
		dhcpv6.MessageTypeReply:              "reply",
		dhcpv6.MessageTypeRenew:              "renew",
		dhcpv6.MessageTypeRebind:             "rebind",
		dhcpv6.MessageTypeRelease:            "release",
		dhcpv6.MessageTypeDecline:            "decline",
		dhcpv6.MessageTypeInformationRequest: "infrequest",
		dhcpv6.MessageTypeDHCPv4Query:        "dhcpv4-query",
		dhcpv6.MessageTypeDHCPv4Response:     "dhcpv4-response",
	} {
		s.recv[mt] = m.Int("pkt6-" + n + "-received")
	}
	s.recvUnknown = m.Int("pkt6-unknown-received")
	s.sentAdvertise = m.Int("pkt6-advertise-sent")
	s.sentReply = m.Int("pkt6-reply-sent")
	s.sentV4Response = m.Int("pkt6-dhcpv4-response-sent")
}

func (s *transportStats) recvType(mt dhcpv6.MessageType) *stats.Int {
	if c := s.recv[mt]; c != nil {
		return c
	}
	return s.recvUnknown
}

func (s *transportStats) sentType(mt dhcpv6.MessageType) *stats.Int {
	switch mt {
	case dhcpv6.MessageTypeAdvertise:
		return s.sentAdvertise
	case dhcpv6.MessageTypeReply:
		return s.sentReply
	case dhcpv6.MessageTypeDHCPv4Response:
		return s.sentV4Response
	}
	return nil
}
