package d2client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/dhcpsrv/dhcpsrv/stats"
)

// Sender delivers NameChangeRequests: to kea-dhcp-ddns (UDPSender, Kea's
// NameChangeUDPSender) or straight to DNS servers (DNSUpdater). Send only
// validates and enqueues, so a DHCP server may call it on its packet path;
// one goroutine per Sender delivers the queue in order. Implementations are
// safe for concurrent use.
type Sender interface {
	// Send validates ncr and queues it. It never blocks on the network: it
	// fails with ErrQueueFull (the queue is full and the overflow policy is
	// DropNewest, or the policy is PolicySuspend), ErrSuspended, ErrClosed,
	// ErrInvalidNCR or ctx's error. The Sender owns ncr afterwards.
	Send(ctx context.Context, ncr *NCR) error
	// Close stops accepting requests, gives the queued ones a bounded time
	// to go out (QueueConfig.DrainTimeout), then stops the goroutine.
	Close() error
}

// Errors of Sender.Send.
var (
	// ErrQueueFull: the queue holds QueueConfig.MaxQueueSize requests.
	ErrQueueFull = errors.New("d2client: NCR queue full")
	// ErrSuspended: PolicySuspend stopped updates after a failure; see
	// Resume.
	ErrSuspended = errors.New("d2client: DDNS updates suspended")
	// ErrClosed: the Sender is closed.
	ErrClosed = errors.New("d2client: sender closed")
)

// Policy says what a Sender does when delivering a request fails (a socket
// error, a DNS server that does not answer) or its queue is full.
type Policy uint8

const (
	// PolicyRetry (the default) retries the failed request with
	// exponential backoff (QueueConfig.MinBackoff to MaxBackoff) while Send
	// keeps queueing; a full queue drops one request by the Overflow rule.
	// Lease handling is never blocked and never stops DDNS for good.
	PolicyRetry Policy = iota
	// PolicySuspend is Kea's behaviour: the first failed send or full queue
	// suspends all updates (the queue is discarded and Send returns
	// ErrSuspended) until Resume, where Kea waits for a reconfiguration.
	PolicySuspend
)

// Overflow chooses the request PolicyRetry drops when the queue is full.
type Overflow uint8

const (
	// DropOldest (the default) discards the oldest queued request and
	// queues the new one: under a long outage the freshest lease state
	// survives, and Send succeeds.
	DropOldest Overflow = iota
	// DropNewest refuses the new request: Send returns ErrQueueFull.
	DropNewest
)

// Statistic names a Sender maintains (prefixed with QueueConfig.StatsPrefix).
const (
	StatNCRSent      = "ncr-sent"       // requests delivered
	StatNCRError     = "ncr-error"      // failed delivery attempts (each retry counts)
	StatNCRDropped   = "ncr-dropped"    // requests lost: overflow, suspension, close, permanent failure
	StatNCRQueueFull = "ncr-queue-full" // Sends that found the queue full
	StatNCRConflict  = "ncr-conflict"   // DNSUpdater: RFC 4703 conflicts (the name belongs to another client)
)

// QueueConfig holds the queueing and failure settings common to all Senders.
// The zero value is valid and gives the defaults.
type QueueConfig struct {
	// MaxQueueSize bounds the queue ("max-queue-size"); 0 means 1024.
	MaxQueueSize int
	// Policy on delivery failure and full queue; default PolicyRetry.
	Policy Policy
	// Overflow is the PolicyRetry drop rule; default DropOldest.
	Overflow Overflow
	// MinBackoff and MaxBackoff bound the retry delay; 0 means 100 ms and
	// 30 s.
	MinBackoff, MaxBackoff time.Duration
	// DrainTimeout bounds how long Close lets queued requests go out
	// (one attempt each); 0 means 2 s.
	DrainTimeout time.Duration
	// Stats, if not nil, receives the Stat* counters.
	Stats *stats.Manager
	// StatsPrefix is prepended to the statistic names (e.g. "dhcp4." when
	// two servers share a stats.Manager).
	StatsPrefix string
	// Logger receives failures; nil discards.
	Logger *slog.Logger
}

func (c QueueConfig) withDefaults() QueueConfig {
	if c.MaxQueueSize <= 0 {
		c.MaxQueueSize = 1024
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 100 * time.Millisecond
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(30*time.Second, c.MinBackoff)
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 2 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c
}

// permanentError marks a delivery failure that retrying cannot fix (a
// malformed request, a DNS conflict or refusal): the request is dropped
// whatever the Policy.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return &permanentError{err} }

// queue is the bounded FIFO and the delivery goroutine shared by the
// Senders.
type queue struct {
	cfg     QueueConfig
	deliver func(context.Context, *NCR) error

	sent, failed, dropped, full, conflict *stats.Int

	mu        sync.Mutex
	buf       []*NCR // ring
	head, n   int
	busy      bool // the worker holds a request
	idle      chan struct{}
	suspended bool
	closed    bool

	wake    chan struct{}
	closeCh chan struct{}   // closed by Close
	ctx     context.Context // cancelled when the drain time is over
	cancel  context.CancelFunc
	done    chan struct{}
}

func newQueue(cfg QueueConfig, deliver func(context.Context, *NCR) error) *queue {
	cfg = cfg.withDefaults()
	q := &queue{
		cfg:      cfg,
		deliver:  deliver,
		sent:     cfg.Stats.Int(cfg.StatsPrefix + StatNCRSent),
		failed:   cfg.Stats.Int(cfg.StatsPrefix + StatNCRError),
		dropped:  cfg.Stats.Int(cfg.StatsPrefix + StatNCRDropped),
		full:     cfg.Stats.Int(cfg.StatsPrefix + StatNCRQueueFull),
		conflict: cfg.Stats.Int(cfg.StatsPrefix + StatNCRConflict),
		buf:      make([]*NCR, cfg.MaxQueueSize),
		idle:     make(chan struct{}),
		wake:     make(chan struct{}, 1),
		closeCh:  make(chan struct{}),
		done:     make(chan struct{}),
	}
	close(q.idle)
	q.ctx, q.cancel = context.WithCancel(context.Background())
	go q.run()
	return q
}

// Send implements Sender.Send.
func (q *queue) Send(ctx context.Context, ncr *NCR) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ncr == nil {
		return fmt.Errorf("%w: nil request", ErrInvalidNCR)
	}
	if err := ncr.Validate(); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.closed:
		return ErrClosed
	case q.suspended:
		q.dropped.Inc()
		return ErrSuspended
	}
	if q.n == len(q.buf) {
		q.full.Inc()
		switch {
		case q.cfg.Policy == PolicySuspend:
			q.suspendLocked(ErrQueueFull)
			q.dropped.Inc()
			return ErrQueueFull
		case q.cfg.Overflow == DropNewest:
			q.dropped.Inc()
			return ErrQueueFull
		}
		q.buf[q.head] = nil
		q.head = (q.head + 1) % len(q.buf)
		q.n--
		q.dropped.Inc()
	}
	q.buf[(q.head+q.n)%len(q.buf)] = ncr
	q.n++
	q.markBusyLocked()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

func (q *queue) markBusyLocked() {
	select {
	case <-q.idle:
		q.idle = make(chan struct{})
	default:
	}
}

// suspendLocked discards the queue and refuses requests until Resume.
func (q *queue) suspendLocked(cause error) {
	if !q.suspended {
		q.cfg.Logger.Error("d2client: suspending DDNS updates", "cause", cause, "discarded", q.n)
	}
	q.suspended = true
	q.dropped.Add(int64(q.n))
	for q.n > 0 {
		q.buf[q.head] = nil
		q.head = (q.head + 1) % len(q.buf)
		q.n--
	}
}

func (q *queue) pop() (*NCR, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		q.busy = false
		if !q.closedIdle() {
			close(q.idle)
		}
		return nil, false
	}
	n := q.buf[q.head]
	q.buf[q.head] = nil
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	q.busy = true
	return n, true
}

func (q *queue) closedIdle() bool {
	select {
	case <-q.idle:
		return true
	default:
		return false
	}
}

func (q *queue) run() {
	defer close(q.done)
	for {
		ncr, ok := q.pop()
		if !ok {
			q.mu.Lock()
			closed := q.closed
			q.mu.Unlock()
			if closed {
				return
			}
			select {
			case <-q.wake:
			case <-q.ctx.Done():
				return
			}
			continue
		}
		q.handle(ncr)
	}
}

// handle delivers one request according to the policy.
func (q *queue) handle(ncr *NCR) {
	backoff := q.cfg.MinBackoff
	for {
		err := q.deliver(q.ctx, ncr)
		if err == nil {
			q.sent.Inc()
			return
		}
		q.failed.Inc()
		var perm *permanentError
		if errors.As(err, &perm) {
			if errors.Is(err, ErrConflict) {
				q.conflict.Inc()
			}
			q.dropped.Inc()
			q.cfg.Logger.Warn("d2client: request failed", "fqdn", ncr.FQDN, "ip", ncr.IPAddress, "change", ncr.ChangeType, "err", err)
			return
		}
		q.mu.Lock()
		closed := q.closed
		if q.cfg.Policy == PolicySuspend {
			q.suspendLocked(err)
		}
		q.mu.Unlock()
		if q.cfg.Policy == PolicySuspend || closed || q.ctx.Err() != nil {
			q.dropped.Inc()
			q.cfg.Logger.Warn("d2client: request dropped", "fqdn", ncr.FQDN, "ip", ncr.IPAddress, "err", err)
			return
		}
		q.cfg.Logger.Warn("d2client: send failed, will retry", "fqdn", ncr.FQDN, "ip", ncr.IPAddress, "backoff", backoff, "err", err)
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-q.ctx.Done():
			t.Stop()
			q.dropped.Inc()
			return
		case <-q.closing():
			t.Stop()
		}
		backoff = min(2*backoff, q.cfg.MaxBackoff)
	}
}

// closing returns a channel closed once Close was called.
func (q *queue) closing() <-chan struct{} { return q.closeCh }

// Flush waits until every queued request has been handled (delivered or
// dropped) or ctx is done.
func (q *queue) Flush(ctx context.Context) error {
	q.mu.Lock()
	idle := q.idle
	q.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close implements Sender.Close.
func (q *queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		<-q.done
		return nil
	}
	q.closed = true
	close(q.closeCh)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	t := time.AfterFunc(q.cfg.DrainTimeout, q.cancel)
	<-q.done
	t.Stop()
	q.cancel()
	q.mu.Lock()
	q.dropped.Add(int64(q.n))
	q.n = 0
	q.mu.Unlock()
	return nil
}

// Suspended reports whether PolicySuspend has stopped updates.
func (q *queue) Suspended() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.suspended
}

// Resume re-enables updates after a suspension (Kea needs a
// reconfiguration for that).
func (q *queue) Resume() {
	q.mu.Lock()
	q.suspended = false
	q.mu.Unlock()
}

// QueueLen returns the number of queued requests (not counting one being
// delivered).
func (q *queue) QueueLen() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}
