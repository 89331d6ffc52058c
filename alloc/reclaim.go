package alloc

import "sync"

// reclaimCycles counts consecutive reclamation runs that left expired
// leases behind (Kea's incomplete_v4/6_reclamations_).
type reclaimCycles struct {
	mu         sync.Mutex
	incomplete uint32
}
