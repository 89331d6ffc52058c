// Package pipeline is the bounded packet pipeline shared by the DHCPv4 and
// DHCPv6 servers: a fixed set of worker goroutines, each with a bounded FIFO
// queue, and a dispatcher that sends every item of one key (one client) to
// the same worker, so items of one client are handled in arrival order while
// different clients are handled in parallel.
//
// It mirrors the packet side of Kea's multi-threading (MultiThreadingMgr and
// its ThreadPool, plus the ClientHandler that serializes one client's
// queries): `thread-pool-size` is Config.Workers and `packet-queue-size` is
// Config.QueueSize. There is no goroutine per item and no allocation per item
// on the Submit path.
//
// Kea's thread pool has one queue shared by all threads and serializes a
// client through a lock taken by the thread that picks its query. Here the
// queue is sharded per worker by the item's key, which gives the same
// per-client order without a lock, at the price of head-of-line blocking
// between clients whose keys land on the same worker.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// ErrClosed is returned by Submit after Close has been called.
var ErrClosed = errors.New("pipeline: closed")

// DefaultQueueSize is the total queue size used when Config.QueueSize is 0.
// Kea reads packet-queue-size 0 as "unlimited"; a channel needs a bound, so 0
// is taken as this large one.
const DefaultQueueSize = 65536

// DropReason tells why an item was not handled.
type DropReason int

const (
	// DropQueueFull: the worker's queue was full. With DropOldest the
	// dropped item is the oldest one queued, otherwise the submitted one.
	DropQueueFull DropReason = iota + 1
	// DropShutdown: Close's context ended before the item was handled.
	DropShutdown
	// DropClosed: the item was submitted after Close.
	DropClosed
)

func (r DropReason) String() string {
	switch r {
	case DropQueueFull:
		return "queue full"
	case DropShutdown:
		return "shutdown"
	case DropClosed:
		return "closed"
	}
	return fmt.Sprintf("DropReason(%d)", int(r))
}

// Config sizes a Pipeline. The zero value is usable: GOMAXPROCS workers and
// DefaultQueueSize.
type Config struct {
	// Workers is the number of worker goroutines; 0 means
	// runtime.GOMAXPROCS(0) (which follows cgroup CPU limits), as Kea's
	// thread-pool-size 0 means the number of cores. With Kea's
	// enable-multi-threading false, set 1.
	Workers int
	// QueueSize is the total number of items that may wait, split evenly
	// between the workers (each gets at least 1); 0 means
	// DefaultQueueSize. Kea's packet-queue-size.
	QueueSize int
	// DropNewest makes a full queue refuse the submitted item. By default
	// the oldest queued item of that worker is dropped to make room, as
	// Kea's thread pool does: under overload a fresh packet is worth more
	// than one its client has probably retransmitted already.
	DropNewest bool
}

// Hooks are the owner's callbacks. Each may be nil.
type Hooks[T any] struct {
	// Drop is called for every item that is not handled, so its owner can
	// count it and release its buffer. It may be called from the
	// submitting goroutine or a worker, and concurrently.
	Drop func(item T, reason DropReason)
	// Panic is called, on the worker, when Handle panics; the worker goes
	// on with the next item. The item has not been handled completely;
	// ownership stays with Handle's contract (see Handle).
	Panic func(item T, recovered any)
}

// Stats are the pipeline's own counters.
type Stats struct {
	Submitted uint64 // accepted by Submit (including later dropped oldest ones)
	Handled   uint64 // passed to Handle (including those that panicked)
	Dropped   uint64 // given to Hooks.Drop, for any reason
	QueueFull uint64 // dropped because a queue was full
	Panics    uint64 // Handle panicked
}

// HandleFunc handles one item on a worker goroutine. It owns the item from
// the call on (the pipeline never touches it again), also when it panics.
// ctx is cancelled when Close's context ends before the queues drain.
type HandleFunc[T any] func(ctx context.Context, item T)

// Pipeline is a set of workers with bounded queues. Submit is safe for
// concurrent use by any number of goroutines; Close may be called once,
// concurrently with Submit.
type Pipeline[T any] struct {
	handle HandleFunc[T]
	hooks  Hooks[T]
	queues []chan T
	mask   uint64 // len(queues)-1 when a power of two, else 0
	drop   bool   // DropNewest

	mu     sync.RWMutex // Submit holds R; Close holds W to close the queues
	closed bool

	ctx    context.Context // handler context, cancelled on abort
	cancel context.CancelFunc
	abort  atomic.Bool
	wg     sync.WaitGroup
	done   chan struct{} // closed when all workers have returned

	submitted, handled, dropped, queueFull, panics atomic.Uint64
}

// New starts a Pipeline of cfg.Workers goroutines calling handle.
func New[T any](cfg Config, handle HandleFunc[T], hooks Hooks[T]) *Pipeline[T] {
	n := cfg.Workers
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	total := cfg.QueueSize
	if total <= 0 {
		total = DefaultQueueSize
	}
	per := (total + n - 1) / n
	if per < 1 {
		per = 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pipeline[T]{
		handle: handle,
		hooks:  hooks,
		queues: make([]chan T, n),
		drop:   cfg.DropNewest,
		ctx:    ctx,
		cancel: cancel,
		done:   make(chan struct{}),
	}
	if n&(n-1) == 0 {
		p.mask = uint64(n - 1)
	}
	for i := range p.queues {
		p.queues[i] = make(chan T, per)
	}
	p.wg.Add(n)
	for i := range p.queues {
		go p.work(p.queues[i])
	}
	go func() { p.wg.Wait(); close(p.done) }()
	return p
}

// Workers returns the number of workers.
func (p *Pipeline[T]) Workers() int { return len(p.queues) }

// QueueCap returns the capacity of each worker's queue.
func (p *Pipeline[T]) QueueCap() int { return cap(p.queues[0]) }

// Len returns the number of items waiting in all queues.
func (p *Pipeline[T]) Len() int {
	n := 0
	for _, q := range p.queues {
		n += len(q)
	}
	return n
}

// Stats returns a snapshot of the counters.
func (p *Pipeline[T]) Stats() Stats {
	return Stats{
		Submitted: p.submitted.Load(),
		Handled:   p.handled.Load(),
		Dropped:   p.dropped.Load(),
		QueueFull: p.queueFull.Load(),
		Panics:    p.panics.Load(),
	}
}

func (p *Pipeline[T]) queue(key uint64) chan T {
	if p.mask != 0 || len(p.queues) == 1 {
		return p.queues[key&p.mask]
	}
	return p.queues[key%uint64(len(p.queues))]
}

// Submit queues item on the worker chosen by key; items with equal keys are
// handled in Submit order (when submitted from one goroutine, or otherwise
// ordered). It never blocks. It returns false when the item was not queued
// (queue full with DropNewest, or closed); the Drop hook has then been
// called for it. With the default drop-oldest policy a full queue gives up
// its oldest item instead (Drop is called for that one) and Submit returns
// true.
func (p *Pipeline[T]) Submit(key uint64, item T) bool {
	p.mu.RLock()
	if p.closed {
		p.mu.RUnlock()
		p.dropItem(item, DropClosed)
		return false
	}
	q := p.queue(key)
	for {
		select {
		case q <- item:
			p.mu.RUnlock()
			p.submitted.Add(1)
			return true
		default:
		}
		if p.drop {
			p.mu.RUnlock()
			p.queueFull.Add(1)
			p.dropItem(item, DropQueueFull)
			return false
		}
		// Drop the oldest queued item and try again; another submitter or
		// the worker may race us for the slot, hence the loop.
		select {
		case old := <-q:
			p.queueFull.Add(1)
			p.dropItem(old, DropQueueFull)
		default:
		}
	}
}

func (p *Pipeline[T]) dropItem(item T, r DropReason) {
	p.dropped.Add(1)
	if p.hooks.Drop != nil {
		p.hooks.Drop(item, r)
	}
}

func (p *Pipeline[T]) work(q chan T) {
	defer p.wg.Done()
	for item := range q {
		if p.abort.Load() {
			p.dropItem(item, DropShutdown)
			continue
		}
		p.handled.Add(1)
		p.call(item)
	}
}

func (p *Pipeline[T]) call(item T) {
	defer func() {
		if r := recover(); r != nil {
			p.panics.Add(1)
			if p.hooks.Panic != nil {
				p.hooks.Panic(item, r)
			}
		}
	}()
	p.handle(p.ctx, item)
}

// Close stops accepting items and lets the workers drain their queues. It
// returns nil once every queued item has been handled and the workers have
// returned. If ctx ends first, the handlers' context is cancelled, the items
// still queued are given to Hooks.Drop (DropShutdown), and Close returns
// ctx.Err() without waiting for handlers that are still running (as
// net/http's Shutdown); Done tells when they have returned. Close may be
// called more than once; later calls wait again.
func (p *Pipeline[T]) Close(ctx context.Context) error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		for _, q := range p.queues {
			close(q)
		}
	}
	p.mu.Unlock()
	select {
	case <-p.done:
		p.cancel()
		return nil
	case <-ctx.Done():
		p.abort.Store(true)
		p.cancel()
		return ctx.Err()
	}
}

// Done is closed when every worker has returned (after Close).
func (p *Pipeline[T]) Done() <-chan struct{} { return p.done }
