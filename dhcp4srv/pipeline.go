package dhcp4srv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"github.com/dhcpsrv/dhcpsrv/internal/pipeline"
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

	startOnce sync.Once
	pipe      *pipeline.Pipeline[*packet]
	pkts      *pipeline.Pool[packet]
	ifaces    ifaceCache

	mu        sync.Mutex
	closing   bool
	listeners map[*listener]struct{}
	pending   []*listener // opened by Listen, not yet served
	readers   sync.WaitGroup

	panics atomic.Uint64
}

// NewTransport returns a Transport that passes requests to h. It opens no
// socket and starts no goroutine until Serve or ServeConn.
func NewTransport(cfg Config, h Handler, opts ...Option) *Transport {
	t := &Transport{
		cfg:       cfg,
		handler:   h,
		log:       slog.New(slog.DiscardHandler),
		listeners: make(map[*listener]struct{}),
	}
	for _, o := range opts {
		o(t)
	}
	t.st.init(t.stats)
	t.pkts = pipeline.NewPool(func() *packet { return new(packet) })
	return t
}

func (t *Transport) start() {
	t.startOnce.Do(func() {
		q := t.cfg.QueueSize
		if q <= 0 {
			q = DefaultQueueSize
		}
		t.pipe = pipeline.New(pipeline.Config{
			Workers:    t.cfg.Workers,
			QueueSize:  q,
			DropNewest: t.cfg.DropNewest,
		}, t.handle, pipeline.Hooks[*packet]{Drop: t.drop})
	})
}

// Workers returns the number of worker goroutines (0 before Serve).
func (t *Transport) Workers() int {
	if t.pipe == nil {
		return 0
	}
	return t.pipe.Workers()
}

// Listen opens a socket per configured interface (Config.Interfaces; see
// ResolveInterfaces and ListenUDP) and, with SocketRaw on Linux, a packet
// socket per interface to unicast to clients without an address. A
// program that must drop privileges calls Listen first, drops them, then
// calls Serve. Packets that arrive between Listen and Serve wait in the
// sockets' buffers.
func (t *Transport) Listen(ctx context.Context) error {
	t.mu.Lock()
	if t.closing {
		t.mu.Unlock()
		return ErrClosed
	}
	if t.pending != nil {
		t.mu.Unlock()
		return nil
	}
	t.mu.Unlock()
	bs, err := ResolveInterfaces(t.cfg.Interfaces)
	if err != nil {
		return err
	}
	if len(bs) == 0 {
		return fmt.Errorf("dhcp4srv: no interface to listen on (interfaces %q)", t.cfg.Interfaces)
	}
	ls, err := t.listenBindings(ctx, bs)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closing || t.pending != nil {
		for _, l := range ls {
			l.close()
			l.closeRaw()
		}
		if t.closing {
			return ErrClosed
		}
		return nil
	}
	t.pending = ls
	return nil
}

// Serve serves the sockets of Listen (calling it first if needed) until
// ctx is cancelled or Shutdown is called. Cancelling ctx shuts the whole
// Transport down, as Shutdown does with a context of Config.DrainTimeout,
// and Serve returns ctx.Err(); after Shutdown it returns ErrClosed. It
// returns an error if a socket cannot be opened or fails.
func (t *Transport) Serve(ctx context.Context) error {
	if err := t.Listen(ctx); err != nil {
		return err
	}
	t.mu.Lock()
	ls := t.pending
	t.pending = nil
	t.mu.Unlock()
	if ls == nil {
		return errors.New("dhcp4srv: Serve called twice")
	}
	return t.serve(ctx, ls...)
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
	return t.serve(ctx, t.newListener(pc))
}

func (t *Transport) serve(ctx context.Context, ls ...*listener) error {
	t.mu.Lock()
	if t.closing {
		t.mu.Unlock()
		for _, l := range ls {
			l.close()
			l.closeRaw()
		}
		return ErrClosed
	}
	t.start()
	for _, l := range ls {
		t.listeners[l] = struct{}{}
	}
	t.readers.Add(len(ls))
	t.mu.Unlock()

	errc := make(chan error, len(ls))
	for _, l := range ls {
		go func() {
			defer t.readers.Done()
			errc <- t.readLoop(l)
		}()
	}
	stop := context.AfterFunc(ctx, func() {
		for _, l := range ls {
			l.close()
		}
	})
	defer stop()

	var first error
	for range ls {
		if err := <-errc; err != nil && first == nil {
			first = err
			for _, l := range ls { // one socket failed: stop the others
				l.close()
			}
		}
	}
	if ctx.Err() != nil && !t.isClosing() {
		d := t.cfg.DrainTimeout
		if d <= 0 {
			d = DefaultDrainTimeout
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d)
		defer cancel()
		t.Shutdown(sctx)
		return ctx.Err()
	}
	if t.isClosing() {
		return ErrClosed
	}
	t.mu.Lock()
	for _, l := range ls {
		delete(t.listeners, l)
		l.closeRaw()
	}
	t.mu.Unlock()
	return first
}

func (t *Transport) isClosing() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.closing
}

// Shutdown stops the transport gracefully: it closes the sockets so no
// request is read any more, lets the workers handle the requests already
// queued, and waits for them. If ctx ends first, the handlers' context is
// cancelled, the requests still queued are dropped (counted in
// pkt4-receive-drop) and Shutdown returns ctx.Err() without waiting for
// handlers still running.
func (t *Transport) Shutdown(ctx context.Context) error {
	t.mu.Lock()
	t.closing = true
	ls := make([]*listener, 0, len(t.listeners)+len(t.pending))
	for l := range t.listeners {
		ls = append(ls, l)
	}
	ls = append(ls, t.pending...)
	t.pending = nil
	t.mu.Unlock()
	for _, l := range ls {
		l.close()
	}
	t.readers.Wait()
	var err error
	if t.pipe != nil {
		err = t.pipe.Close(ctx)
	}
	closeRaw := func() {
		for _, l := range ls {
			l.closeRaw()
		}
	}
	if err == nil || t.pipe == nil {
		// The workers are done; no write can use the raw sockets any more.
		closeRaw()
	} else {
		go func() { <-t.pipe.Done(); closeRaw() }()
	}
	return err
}

// readLoop reads requests from l and queues them until l is closed.
func (t *Transport) readLoop(l *listener) error {
	var backoff time.Duration
	for {
		p := t.pkts.Get()
		if err := l.read(p); err != nil {
			t.pkts.Put(p)
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return nil
			}
			// ICMP errors and the like: log, back off briefly, go on.
			if backoff == 0 {
				backoff = 5 * time.Millisecond
			} else if backoff < time.Second {
				backoff *= 2
			}
			t.log.Warn("dhcp4srv: read failed", "err", err)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		t.st.received.Inc()
		t.pipe.Submit(clientKey(p.buf[:p.n], p.src), p)
	}
}

// drop releases a packet the pipeline did not handle.
func (t *Transport) drop(p *packet, r pipeline.DropReason) {
	t.st.receiveDrop.Inc()
	if r == pipeline.DropQueueFull {
		t.st.queueFull.Inc()
	}
	if t.debug() {
		t.log.Debug("dhcp4srv: packet dropped", "reason", r.String(), "src", p.src)
	}
	t.release(p)
}

func (t *Transport) release(p *packet) {
	p.req = nil
	p.l = nil
	p.ifc = nil
	t.pkts.Put(p)
}

// handle runs on a worker: parse, count, call the handler.
func (t *Transport) handle(ctx context.Context, p *packet) {
	defer t.release(p)
	defer func() {
		if r := recover(); r != nil {
			t.panics.Add(1)
			t.log.Error("dhcp4srv: handler panic", "src", p.src, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	req, err := dhcpv4.FromBytes(p.buf[:p.n])
	if err != nil {
		t.st.parseFailed.Inc()
		t.st.receiveDrop.Inc()
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
func (t *Transport) debug() bool {
	return t.log.Enabled(context.Background(), slog.LevelDebug)
}

// Panics returns the number of handler panics recovered so far.
func (t *Transport) Panics() uint64 { return t.panics.Load() }

// transportStats holds the statistic handles, taken once.
type transportStats struct {
	received, sent, parseFailed, receiveDrop, queueFull *stats.Int
	recv                                                [9]*stats.Int // by message type 1..8, 0: unknown
	sentOffer, sentAck, sentNak                         *stats.Int
}

func (s *transportStats) init(m *stats.Manager) {
	s.received = m.Int(StatPkt4Received)
	s.sent = m.Int(StatPkt4Sent)
	s.parseFailed = m.Int(StatPkt4ParseFailed)
	s.receiveDrop = m.Int(StatPkt4ReceiveDrop)
	s.queueFull = m.Int(StatPkt4QueueFull)
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
