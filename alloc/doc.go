// Package alloc is the allocation engine (Kea's AllocEngine) and its
// allocators.
//
// An Allocator proposes candidates from one subnet's pools; the Engine
// decides: it applies Kea's DISCOVER/REQUEST and SOLICIT/REQUEST/RENEW
// decision orders, checks reservations and existing leases, takes an
// in-flight lock on each candidate so two goroutines never hand out one
// address, writes leases through a leasemgr.Manager and keeps statistics.
package alloc
