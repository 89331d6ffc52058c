package alloc

import "sync"

// Iterative is Kea's iterative allocator (the default, "iterative"): it
// walks the pools in address order. Each pool keeps its own cursor (Kea's
// per-pool "last allocated"); the next candidate is the one after the last
// proposed (one address further, or 2^(128−len) further for prefixes), and
// at a pool's end the walk moves on to the next pool permitted for the
// request, wrapping from the last pool to the first.
//
// Rounds follow the Allocator contract: a pool's round ends when it has
// proposed all its resources once; cursors are not reset with the round, so
// a new round continues where the old one stopped. Client identifiers and
// hints are ignored.
//
// Pick is O(number of pools) and allocates nothing; state is a few words per
// pool, whatever the pool's size. An Iterative is safe for concurrent use
// (one mutex per allocator).
type Iterative struct {
	ps poolSet

	mu  sync.Mutex
	cur int         // the pool the walk is in
	st  []iterState // per pool
}

type iterState struct {
	next uint64 // offset proposed next
	left uint64 // resources not yet proposed in this round
}

var _ Allocator = (*Iterative)(nil)

// NewIterative returns an iterative allocator for spec's pools. It fails,
// wrapping ErrInvalidPool or ErrUnsupported, on a malformed Spec.
func NewIterative(spec Spec) (*Iterative, error) {
	ps, err := newPoolSet(IterativeName, spec)
	if err != nil {
		return nil, err
	}
	a := &Iterative{ps: ps, st: make([]iterState, len(ps.spans))}
	for i := range a.st {
		a.st[i].left = ps.spans[i].size
	}
	return a, nil
}

// Pick proposes the resource after the last one proposed, moving to the next
// permitted pool at a pool's end, or answers ErrExhausted at the end of a
// round.
func (a *Iterative) Pick(req *Request) (Candidate, error) {
	req = orEmpty(req)
	a.mu.Lock()
	defer a.mu.Unlock()
	n := len(a.ps.spans)
	for k := range n {
		i := a.cur + k
		if i >= n {
			i -= n
		}
		s := &a.ps.spans[i]
		st := &a.st[i]
		if st.left == 0 || !a.ps.allows(s, req) {
			continue
		}
		off := st.next
		st.left--
		st.next++
		if st.next >= s.size {
			st.next = 0
			a.cur = i + 1
			if a.cur == n {
				a.cur = 0
			}
		} else {
			a.cur = i
		}
		return s.candidate(off), nil
	}
	for i := range a.ps.spans {
		if a.ps.allows(&a.ps.spans[i], req) {
			a.st[i].left = a.ps.spans[i].size
		}
	}
	return Candidate{}, ErrExhausted
}

// Capacity returns the number of resources of the pools permitted for
// classes, saturated at MaxUint64.
func (a *Iterative) Capacity(classes ClientClasses) uint64 { return a.ps.capacity(classes) }

// Occupancy returns −1: the iterative allocator does not know which
// resources are in use.
func (a *Iterative) Occupancy(ClientClasses) float64 { return -1 }
