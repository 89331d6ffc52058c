package dhcp4srv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"github.com/dhcpsrv/dhcpsrv/internal/pipeline"
	"github.com/dhcpsrv/dhcpsrv/internal/transport"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

// ErrClosed is returned by Serve and ServeConn after Shutdown.
var ErrClosed = errors.New("dhcp4srv: transport closed")

// Statistic names maintained by the transport (Kea's packet statistics).
const (
	StatPkt4Received    = "pkt4-received"
	StatPkt4Sent        = "pkt4-sent"
	StatPkt4ParseFailed = "pkt4-parse-failed"
	StatPkt4ReceiveDrop = "pkt4-receive-drop"
	StatPkt4QueueFull   = "pkt4-queue-full"
)

// Option sets an optional collaborator of a Transport.
type Option func(*Transport)

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option {
	return func(t *Transport) {
		if l != nil {
			t.log = l
		}
	}
}

// WithStats sets the statistics manager the transport counts into (Kea's
// pkt4-* statistics); the default counts nowhere.
func WithStats(m *stats.Manager) Option {
	return func(t *Transport) { t.stats = m }
}

// Transport is the DHCPv4 socket layer and packet pipeline: it reads
// requests from its sockets, queues them per client on a bounded set of
// workers, parses them and calls the Handler, whose replies it routes and
// sends. It is what Kea's Dhcpv4Srv::run/processPacket loop and IfaceMgr
// do below the message handling.
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
var family = transport.Family{Name: "dhcp4srv", ErrClosed: ErrClosed, ErrNoInterface: ErrNoInterface}

// NewTransport returns a Transport that passes requests to h. It opens no
// socket and starts no goroutine until Serve or ServeConn.
func NewTransport(cfg Config, h Handler, opts ...Option) *Transport {
	t := &Transport{
		cfg:     cfg,
		handler: h,
		log:     slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		o(t)
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

func (t *Transport) start() { t.pipe.Start() }

// Workers returns the number of worker goroutines (0 before Serve).
func (t *Transport) Workers() int { return t.pipe.Workers() }

// Listen opens a socket per configured interface (Config.Interfaces; see
// ResolveInterfaces and ListenUDP) and, with SocketRaw on Linux, a packet
// socket per interface to unicast to clients without an address. A
// program that must drop privileges calls Listen first, drops them, then
// calls Serve. Packets that arrive between Listen and Serve wait in the
// sockets' buffers.
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
		return nil, fmt.Errorf("dhcp4srv: no interface to listen on (interfaces %q)", t.cfg.Interfaces)
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
// 127.0.0.1 on an ephemeral port in tests): then the transport reads the
// receiving interface and destination address of each request from
// control messages and replies from them. Other PacketConns work without
// that information. Control messages are enabled on pc when serving
// starts; datagrams the kernel queued before that carry no interface index,
// so a caller that sends right away enables them first (ListenUDP does).
// Replies are never sent at the link layer on a
// connection given here: Kea's rules then broadcast to clients without an
// address (set Config.SendToSource for tests on loopback).
func (t *Transport) ServeConn(ctx context.Context, pc net.PacketConn) error {
	return t.pipe.ServeConn(ctx, t.newListener(pc))
}

// Shutdown stops the transport gracefully: it closes the sockets so no
// request is read any more, lets the workers handle the requests already
// queued, and waits for them. If ctx ends first, the handlers' context is
// cancelled, the requests still queued are dropped (counted in
// pkt4-receive-drop) and Shutdown returns ctx.Err() without waiting for
// handlers still running.
func (t *Transport) Shutdown(ctx context.Context) error {
	return t.pipe.Shutdown(ctx)
}

func (t *Transport) release(p *packet) {
	p.req = nil
	p.l = nil
	p.ifc = nil
	t.pkts.Put(p)
}

// handle runs on a worker: parse, count, call the handler. The loop
// recovers a panic and releases p.
func (t *Transport) handle(ctx context.Context, p *packet) {
	req, err := dhcpv4.FromBytes(p.buf[:p.n])
	if err != nil {
		t.st.ParseFailed.Inc()
		t.st.ReceiveDrop.Inc()
		if t.debug() {
			t.log.Debug("dhcp4srv: parse failed", "src", p.src, "len", p.n, "err", err)
		}
		return
	}
	p.req = req
	t.st.recvType(req.MessageType()).Inc()
	t.handler.ServeDHCP4(ctx, p, req)
}

// debug tells whether debug logging is on; the packet path checks it
// before building log arguments, which would allocate.
func (t *Transport) debug() bool { return transport.Debug(t.log) }

// Panics returns the number of handler panics recovered so far.
func (t *Transport) Panics() uint64 { return t.pipe.Panics() }

// transportStats holds the statistic handles, taken once.
type transportStats struct {
	transport.Counters
	recv                        [9]*stats.Int // by message type 1..8, 0: unknown
	sentOffer, sentAck, sentNak *stats.Int
}

func (s *transportStats) init(m *stats.Manager) {
	s.Counters = transport.NewCounters(m, "pkt4") // StatPkt4Received...
	names := [9]string{"unknown", "discover", "offer", "request", "decline", "ack", "nak", "release", "inform"}
	for i, n := range names {
		s.recv[i] = m.Int("pkt4-" + n + "-received")
	}
	s.sentOffer = m.Int("pkt4-offer-sent")
	s.sentAck = m.Int("pkt4-ack-sent")
	s.sentNak = m.Int("pkt4-nak-sent")
}

func (s *transportStats) recvType(mt dhcpv4.MessageType) *stats.Int {
	if mt >= 1 && mt <= 8 {
		return s.recv[mt]
	}
	return s.recv[0]
}

func (s *transportStats) sentType(mt dhcpv4.MessageType) *stats.Int {
	switch mt {
	case dhcpv4.MessageTypeOffer:
		return s.sentOffer
	case dhcpv4.MessageTypeAck:
		return s.sentAck
	case dhcpv4.MessageTypeNak:
		return s.sentNak
	}
	return nil
}
