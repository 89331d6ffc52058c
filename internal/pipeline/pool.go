package pipeline

import "sync"

// Pool is a typed sync.Pool: a free list of reusable values (receive
// buffers, packet records) that the garbage collector may trim. It is safe
// for concurrent use. The zero value is not usable; use NewPool.
type Pool[T any] struct {
	p sync.Pool
}

// NewPool returns a Pool that makes new values with newFn.
func NewPool[T any](newFn func() *T) *Pool[T] {
	return &Pool[T]{p: sync.Pool{New: func() any { return newFn() }}}
}

// Get returns a value from the pool, or a new one.
func (p *Pool[T]) Get() *T { return p.p.Get().(*T) }

// Put returns v to the pool. The caller must not use v afterwards.
func (p *Pool[T]) Put(v *T) { p.p.Put(v) }

// BufferSize is the receive buffer size of the servers: Kea's RCVBUFSIZE
// (4096 bytes), more than an Ethernet frame and more than any DHCP client's
// maximum message size in practice.
const BufferSize = 4096

// Buffer is a fixed receive buffer, pooled by pointer so that Get and Put
// do not allocate.
type Buffer [BufferSize]byte

// NewBufferPool returns a pool of Buffers.
func NewBufferPool() *Pool[Buffer] {
	return NewPool(func() *Buffer { return new(Buffer) })
}
