package alloc

import (
	"net/netip"
	"sync"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// Resources is the set of addresses and prefixes being allocated right now:
// the shared part of Kea's ResourceHandler. A resource is a lease type and
// an address (the first address of a prefix). The set is split into shards,
// each with its own mutex, so goroutines working on different addresses
// rarely meet.
//
// The zero value is ready to use. Resources is safe for concurrent use.
type Resources struct {
	shards [resourceShards]resourceShard
}

const resourceShards = 64

type resourceKey struct {
	typ  leasemgr.LeaseType
	addr netip.Addr
}

type resourceShard struct {
	mu  sync.Mutex
	set map[resourceKey]struct{}
	_   [40]byte // keep shards on separate cache lines
}

func (r *Resources) shard(k resourceKey) *resourceShard {
	b := k.addr.As16()
	h := uint32(b[15]) | uint32(b[14])<<8 | uint32(b[13])<<16 | uint32(b[12])<<24
	h ^= uint32(b[11]) | uint32(b[7])<<8 | uint32(k.typ)<<16
	h *= 0x9e3779b1
	return &r.shards[h>>(32-6)]
}

// tryLock adds the resource to the set; false if it is already there.
func (r *Resources) tryLock(k resourceKey) bool {
	s := r.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, busy := s.set[k]; busy {
		return false
	}
	if s.set == nil {
		s.set = make(map[resourceKey]struct{})
	}
	s.set[k] = struct{}{}
	return true
}

func (r *Resources) unlock(k resourceKey) {
	s := r.shard(k)
	s.mu.Lock()
	delete(s.set, k)
	s.mu.Unlock()
}

// IsLocked reports whether the resource is being allocated now.
func (r *Resources) IsLocked(typ leasemgr.LeaseType, addr netip.Addr) bool {
	k := resourceKey{typ, addr}
	s := r.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	_, busy := s.set[k]
	return busy
}

// ResourceHandler is one request's hold on resources (Kea's
// ResourceHandler): TryLock takes a resource for the request, Release gives
// back everything the handler holds. A handler is used by one goroutine;
// the Resources it draws from are shared.
type ResourceHandler struct {
	set   *Resources
	held  []resourceKey
	inner [4]resourceKey
}

// NewResourceHandler returns a handler drawing from set.
func NewResourceHandler(set *Resources) *ResourceHandler {
	h := &ResourceHandler{}
	h.init(set)
	return h
}

func (h *ResourceHandler) init(set *Resources) {
	h.set = set
	h.held = h.inner[:0]
}

// TryLock takes the resource for this handler. It returns false if another
// handler holds it, true if it was free or this handler holds it already.
func (h *ResourceHandler) TryLock(typ leasemgr.LeaseType, addr netip.Addr) bool {
	k := resourceKey{typ, addr}
	for _, x := range h.held {
		if x == k {
			return true
		}
	}
	if !h.set.tryLock(k) {
		return false
	}
	h.held = append(h.held, k)
	return true
}

// Unlock gives back one resource the handler holds (no-op otherwise).
func (h *ResourceHandler) Unlock(typ leasemgr.LeaseType, addr netip.Addr) {
	k := resourceKey{typ, addr}
	for i, x := range h.held {
		if x == k {
			h.set.unlock(k)
			h.held = append(h.held[:i], h.held[i+1:]...)
			return
		}
	}
}

// Release gives back every resource the handler holds.
func (h *ResourceHandler) Release() {
	for _, k := range h.held {
		h.set.unlock(k)
	}
	h.held = h.inner[:0]
}
