package dhcp6srv

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

	"github.com/insomniacslk/dhcp/dhcpv6"

	"github.com/dhcpsrv/dhcpsrv/internal/pipeline"
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
		if o != nil {
			o(t)
		}
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
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pipe == nil {
		return 0
	}
	return t.pipe.Workers()
}

// Listen opens a socket per configured interface (Config.Interfaces; see
// ResolveInterfaces and ListenUDP) and joins All_DHCP_Relay_Agents_and_Servers
// (ff02::1:2) on each. A program that must drop privileges calls Listen
// first, drops them, then calls Serve. Packets that arrive between Listen
// and Serve wait in the sockets' buffers.
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
		return fmt.Errorf("dhcp6srv: no interface to listen on (interfaces %q)", t.cfg.Interfaces)
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
		return errors.New("dhcp6srv: Serve called twice")
	}
	return t.serve(ctx, ls...)
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
	return t.serve(ctx, l)
}

func (t *Transport) serve(ctx context.Context, ls ...*listener) error {
	t.mu.Lock()
	if t.closing {
		t.mu.Unlock()
		for _, l := range ls {
			l.close()
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
		_ = t.Shutdown(sctx)
		return ctx.Err()
	}
	if t.isClosing() {
		return ErrClosed
	}
	t.mu.Lock()
	for _, l := range ls {
		delete(t.listeners, l)
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
// pkt6-receive-drop) and Shutdown returns ctx.Err() without waiting for
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
	pipe := t.pipe
	t.mu.Unlock()
	for _, l := range ls {
		l.close()
	}
	t.readers.Wait()
	if pipe != nil {
		return pipe.Close(ctx)
	}
	return nil
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
			t.log.Warn("dhcp6srv: read failed", "err", err)
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
		t.log.Debug("dhcp6srv: packet dropped", "reason", r.String(), "src", p.src)
	}
	t.release(p)
}

func (t *Transport) release(p *packet) {
	p.reset()
	t.pkts.Put(p)
}

// handle runs on a worker: parse, check the relay chain, count, call the
// handler.
func (t *Transport) handle(ctx context.Context, p *packet) {
	defer t.release(p)
	defer func() {
		if r := recover(); r != nil {
			t.panics.Add(1)
			t.log.Error("dhcp6srv: handler panic", "src", p.src, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	req, err := dhcpv6.FromBytes(p.buf[:p.n])
	if err == nil {
		p.msg, p.relays, err = decapsulate(req, p.relayBuf[:0])
	}
	if err != nil {
		t.st.parseFailed.Inc()
		t.st.receiveDrop.Inc()
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
func (t *Transport) debug() bool {
	return t.log.Enabled(context.Background(), slog.LevelDebug)
}

// Panics returns the number of handler panics recovered so far.
func (t *Transport) Panics() uint64 { return t.panics.Load() }

// transportStats holds the statistic handles, taken once.
type transportStats struct {
	received, sent, parseFailed, receiveDrop, queueFull *stats.Int
	recv                                                map[dhcpv6.MessageType]*stats.Int
	recvUnknown                                         *stats.Int
	sentAdvertise, sentReply, sentV4Response            *stats.Int
}

func (s *transportStats) init(m *stats.Manager) {
	s.received = m.Int(StatPkt6Received)
	s.sent = m.Int(StatPkt6Sent)
	s.parseFailed = m.Int(StatPkt6ParseFailed)
	s.receiveDrop = m.Int(StatPkt6ReceiveDrop)
	s.queueFull = m.Int(StatPkt6QueueFull)
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
