package transport

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dhcpsrv/dhcpsrv/internal/pipeline"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

// Conn is one socket a Loop reads from: a server package's listener.
type Conn[P any] interface {
	comparable
	// Read reads one datagram into p. An error wrapping net.ErrClosed, or
	// a timeout, ends the reads of the Conn; any other error (an ICMP
	// error reported on the socket...) is logged and Read is called again
	// after a short backoff.
	Read(p P) error
	// Close closes the socket, so that a Read in progress returns. The
	// Loop may call it more than once.
	Close()
}

// SendCloser is implemented by a Conn that holds sockets the workers use
// only to send (dhcp4srv's packet sockets for unicast to clients without
// an address). The Loop calls CloseSend once no worker can write through
// the Conn any more: when serving it ended with an error, or when the
// workers have stopped after Shutdown.
type SendCloser interface {
	CloseSend()
}

// Counters are the packet statistics both families keep under Kea's names
// (pkt4-received, pkt6-received...).
type Counters struct {
	Received, Sent, ParseFailed, ReceiveDrop, QueueFull *stats.Int
}

// NewCounters takes the counters named prefix-received, prefix-sent,
// prefix-parse-failed, prefix-receive-drop and prefix-queue-full from m
// (which may be nil: then they count nowhere). prefix is "pkt4" or "pkt6".
func NewCounters(m *stats.Manager, prefix string) Counters {
	return Counters{
		Received:    m.Int(prefix + "-received"),
		Sent:        m.Int(prefix + "-sent"),
		ParseFailed: m.Int(prefix + "-parse-failed"),
		ReceiveDrop: m.Int(prefix + "-receive-drop"),
		QueueFull:   m.Int(prefix + "-queue-full"),
	}
}

// Config is what a Loop takes from its server package. Every field is
// required.
type Config[T any] struct {
	Family Family
	// Pipeline sizes the workers and their queues.
	Pipeline pipeline.Config
	// DrainTimeout bounds the drain of queued packets when Serve's
	// context is cancelled.
	DrainTimeout time.Duration
	Log          *slog.Logger
	// Counters receive pkt-received (each datagram read), pkt-receive-drop
	// and pkt-queue-full (each packet the pipeline drops).
	Counters *Counters
	// Packets is the pool the packets read come from.
	Packets *pipeline.Pool[T]
	// Key returns the pipeline key of a packet read: its client, so that
	// one client's packets are handled in order by one worker.
	Key func(p *T) uint64
	// Source returns the packet's source address, for logs.
	Source func(p *T) netip.AddrPort
	// Handle handles a packet on a worker: parse it and call the
	// server's handler. A panic in it is recovered, logged and counted.
	Handle func(ctx context.Context, p *T)
	// Release returns a packet to Packets once it is handled or dropped.
	Release func(p *T)
}

// Loop is a server's packet loop: it reads datagrams from its Conns, one
// reader goroutine each, into pooled packets, queues them on a pipeline
// keyed by client, and has the workers handle them. It is the
// family-independent part of dhcp4srv.Transport and dhcp6srv.Transport,
// whose documentation describes the behaviour (Listen, Serve, ServeConn,
// Shutdown) to their users.
//
// Its methods are safe for concurrent use. After Shutdown the Loop cannot
// be reused.
type Loop[T any, C Conn[*T]] struct {
	cfg Config[T]
	// Log messages, built once: the packet path does not concatenate.
	msgReadFailed, msgDropped, msgPanic string

	mu      sync.Mutex
	pipe    *pipeline.Pipeline[*T] // nil until started
	closing bool
	conns   map[C]struct{}
	pending []C // opened by Listen, not yet served
	readers sync.WaitGroup

	panics atomic.Uint64
}

// NewLoop returns a Loop. It opens no socket and starts no goroutine until
// Start, Serve or ServeConn.
func NewLoop[T any, C Conn[*T]](cfg Config[T]) *Loop[T, C] {
	n := cfg.Family.Name
	return &Loop[T, C]{
		cfg:           cfg,
		msgReadFailed: n + ": read failed",
		msgDropped:    n + ": packet dropped",
		msgPanic:      n + ": handler panic",
		conns:         make(map[C]struct{}),
	}
}

// Start starts the workers, once; serving starts them too.
func (l *Loop[T, C]) Start() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.start()
}

// start starts the workers, once. The caller holds l.mu.
func (l *Loop[T, C]) start() {
	if l.pipe == nil {
		l.pipe = pipeline.New(l.cfg.Pipeline, l.handle, pipeline.Hooks[*T]{Drop: l.drop})
	}
}

// Submit queues p for a worker, as the readers do; see
// pipeline.Pipeline.Submit. The Loop must have started.
func (l *Loop[T, C]) Submit(key uint64, p *T) bool { return l.pipe.Submit(key, p) }

// Done returns a channel closed when the workers have stopped after
// Shutdown. Before the Loop started it returns nil.
func (l *Loop[T, C]) Done() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pipe == nil {
		return nil
	}
	return l.pipe.Done()
}

// Workers returns the number of worker goroutines (0 before they start).
func (l *Loop[T, C]) Workers() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pipe == nil {
		return 0
	}
	return l.pipe.Workers()
}

// Panics returns the number of handler panics recovered so far.
func (l *Loop[T, C]) Panics() uint64 { return l.panics.Load() }

// Listen opens the server's sockets with open and keeps them until Serve.
// It does nothing if sockets are already waiting for Serve.
func (l *Loop[T, C]) Listen(ctx context.Context, open func(context.Context) ([]C, error)) error {
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		return l.cfg.Family.ErrClosed
	}
	if l.pending != nil {
		l.mu.Unlock()
		return nil
	}
	l.mu.Unlock()
	cs, err := open(ctx)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closing || l.pending != nil {
		closeAll(cs)
		if l.closing {
			return l.cfg.Family.ErrClosed
		}
		return nil
	}
	l.pending = cs
	return nil
}

// Serve serves the sockets of Listen, calling it with open first if
// needed, until ctx is cancelled or Shutdown is called.
func (l *Loop[T, C]) Serve(ctx context.Context, open func(context.Context) ([]C, error)) error {
	if err := l.Listen(ctx, open); err != nil {
		return err
	}
	l.mu.Lock()
	cs := l.pending
	l.pending = nil
	l.mu.Unlock()
	if cs == nil {
		return errors.New(l.cfg.Family.Name + ": Serve called twice")
	}
	return l.serve(ctx, cs...)
}

// ServeConn serves c until ctx is cancelled or Shutdown is called.
func (l *Loop[T, C]) ServeConn(ctx context.Context, c C) error {
	return l.serve(ctx, c)
}

// serve runs a reader per Conn until they all end. Cancelling ctx shuts
// the whole Loop down with a context of DrainTimeout and returns
// ctx.Err(); after Shutdown it returns ErrClosed; when a Conn fails, the
// others are closed and its error is returned.
func (l *Loop[T, C]) serve(ctx context.Context, cs ...C) error {
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		closeAll(cs)
		return l.cfg.Family.ErrClosed
	}
	l.start()
	for _, c := range cs {
		l.conns[c] = struct{}{}
	}
	l.readers.Add(len(cs))
	l.mu.Unlock()

	errc := make(chan error, len(cs))
	for _, c := range cs {
		go func() {
			defer l.readers.Done()
			errc <- l.readLoop(c)
		}()
	}
	stop := context.AfterFunc(ctx, func() {
		for _, c := range cs {
			c.Close()
		}
	})
	defer stop()

	var first error
	for range cs {
		if err := <-errc; err != nil && first == nil {
			first = err
			for _, c := range cs { // one socket failed: stop the others
				c.Close()
			}
		}
	}
	if ctx.Err() != nil && !l.isClosing() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.cfg.DrainTimeout)
		defer cancel()
		_ = l.Shutdown(sctx)
		return ctx.Err()
	}
	if l.isClosing() {
		return l.cfg.Family.ErrClosed
	}
	l.mu.Lock()
	for _, c := range cs {
		delete(l.conns, c)
		closeSend(c)
	}
	l.mu.Unlock()
	return first
}

func (l *Loop[T, C]) isClosing() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closing
}

// Shutdown closes the sockets, lets the workers handle the packets already
// queued and waits for them. If ctx ends first, the handlers' context is
// cancelled, the packets still queued are dropped and Shutdown returns
// ctx.Err() without waiting for handlers still running.
func (l *Loop[T, C]) Shutdown(ctx context.Context) error {
	l.mu.Lock()
	l.closing = true
	cs := make([]C, 0, len(l.conns)+len(l.pending))
	for c := range l.conns {
		cs = append(cs, c)
	}
	cs = append(cs, l.pending...)
	l.pending = nil
	pipe := l.pipe
	l.mu.Unlock()
	for _, c := range cs {
		c.Close()
	}
	l.readers.Wait()
	if pipe == nil {
		closeSends(cs)
		return nil
	}
	err := pipe.Close(ctx)
	if err == nil {
		// The workers are done; none can send any more.
		closeSends(cs)
	} else if hasSendClosers(cs) {
		go func() { <-pipe.Done(); closeSends(cs) }()
	}
	return err
}

// readLoop reads packets from c and queues them until c is closed.
func (l *Loop[T, C]) readLoop(c C) error {
	var backoff time.Duration
	for {
		p := l.cfg.Packets.Get()
		if err := c.Read(p); err != nil {
			l.cfg.Packets.Put(p)
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
			l.cfg.Log.Warn(l.msgReadFailed, "err", err)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		l.cfg.Counters.Received.Inc()
		l.pipe.Submit(l.cfg.Key(p), p)
	}
}

// handle runs on a worker.
func (l *Loop[T, C]) handle(ctx context.Context, p *T) {
	defer l.cfg.Release(p)
	defer func() {
		if r := recover(); r != nil {
			l.panics.Add(1)
			l.cfg.Log.Error(l.msgPanic, "src", l.cfg.Source(p), "panic", r, "stack", string(debug.Stack()))
		}
	}()
	l.cfg.Handle(ctx, p)
}

// drop counts and releases a packet the pipeline did not handle.
func (l *Loop[T, C]) drop(p *T, r pipeline.DropReason) {
	l.cfg.Counters.ReceiveDrop.Inc()
	if r == pipeline.DropQueueFull {
		l.cfg.Counters.QueueFull.Inc()
	}
	if Debug(l.cfg.Log) {
		l.cfg.Log.Debug(l.msgDropped, "reason", r.String(), "src", l.cfg.Source(p))
	}
	l.cfg.Release(p)
}

// Debug tells whether log has debug logging on; the packet path checks it
// before building log arguments, which would allocate.
func Debug(log *slog.Logger) bool {
	return log.Enabled(context.Background(), slog.LevelDebug)
}

func closeAll[C Conn[P], P any](cs []C) {
	for _, c := range cs {
		c.Close()
		closeSend(c)
	}
}

func closeSend[C any](c C) {
	if s, ok := any(c).(SendCloser); ok {
		s.CloseSend()
	}
}

func closeSends[C any](cs []C) {
	for _, c := range cs {
		closeSend(c)
	}
}

func hasSendClosers[C any](cs []C) bool {
	for _, c := range cs {
		if _, ok := any(c).(SendCloser); ok {
			return true
		}
	}
	return false
}
