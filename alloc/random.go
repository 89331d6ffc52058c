package alloc

import (
	"math/rand/v2"
	"sync"
	"time"
)

// AllocatorOptions tune the built-in allocators that use randomness or a clock.
// The zero value gives the defaults, which is what the registry's factories
// use.
type AllocatorOptions struct {
	// Seed seeds the random source of "random" and "flq" (0: a random
	// seed) and keys the permutations of "hashed" (0: a key derived from
	// the subnet ID, the same in every process, so two servers sharing a
	// lease database, or a restarted one, propose the same first address
	// to a client).
	Seed uint64
	// Now is the clock "flq" judges lease expiration by (nil: time.Now).
	Now func() time.Time
}

// Random is Kea's random allocator ("random"): each pool holds a lazy
// Fisher–Yates permutation of its resources, and Pick draws the next element
// of the permutation of a randomly chosen permitted pool, so candidates come
// in random order and none is proposed twice in a round.
//
// The pool is chosen among the permitted pools that have resources left in
// the round, with a probability proportional to the number left (Kea draws
// the pool uniformly): every resource not yet proposed is then equally
// likely to be the next candidate, and small pools are not drained faster
// than big ones. When every permitted pool has been walked, Pick answers
// ErrExhausted and starts a new round with fresh permutations.
//
// Memory grows with the number of candidates proposed in the current round
// (one map entry per draw at most, never per resource), as with Kea. Pick
// is O(number of pools) and amortized O(1) allocation. A Random is safe for
// concurrent use (one mutex per allocator).
type Random struct {
	ps poolSet

	mu    sync.Mutex
	rng   *rand.Rand
	perms []lazyPerm
}

var _ Allocator = (*Random)(nil)

// NewRandom returns a random allocator for spec's pools, seeded with
// opts.Seed (or randomly). It fails, wrapping ErrInvalidPool or
// ErrUnsupported, on a malformed Spec.
func NewRandom(spec Spec, opts AllocatorOptions) (*Random, error) {
	ps, err := newPoolSet(RandomName, spec)
	if err != nil {
		return nil, err
	}
	a := &Random{ps: ps, rng: newRand(opts.Seed), perms: make([]lazyPerm, len(ps.spans))}
	for i := range a.perms {
		a.perms[i].reset(ps.spans[i].size)
	}
	return a, nil
}

func newRand(seed uint64) *rand.Rand {
	if seed == 0 {
		return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return rand.New(rand.NewPCG(seed, mix64(seed)))
}

// Pick proposes a random resource not yet proposed in this round, or answers
// ErrExhausted when the permitted pools have all been walked.
func (a *Random) Pick(req *Request) (Candidate, error) {
	req = orEmpty(req)
	a.mu.Lock()
	defer a.mu.Unlock()
	i, ok := a.choose(req, func(i int) uint64 { return a.perms[i].left })
	if !ok {
		for i := range a.ps.spans {
			if a.ps.allows(&a.ps.spans[i], req) {
				a.perms[i].reset(a.ps.spans[i].size)
			}
		}
		return Candidate{}, ErrExhausted
	}
	return a.ps.spans[i].candidate(a.perms[i].next(a.rng)), nil
}

// choose draws a permitted pool with probability proportional to
// weight(pool); false if every permitted pool weighs 0. Weights are summed
// exactly while they fit in 64 bits, else as float64.
func (a *Random) choose(req *Request, weight func(int) uint64) (int, bool) {
	return chooseWeighted(&a.ps, req, a.rng, weight)
}

func chooseWeighted(ps *poolSet, req *Request, rng *rand.Rand, weight func(int) uint64) (int, bool) {
	var total uint64
	var ftotal float64
	overflow := false
	last := -1
	for i := range ps.spans {
		w := weight(i)
		if w == 0 || !ps.allows(&ps.spans[i], req) {
			continue
		}
		last = i
		ftotal += float64(w)
		if t := total + w; t < total {
			overflow = true
		} else {
			total = t
		}
	}
	if last < 0 {
		return 0, false
	}
	if !overflow {
		r := rng.Uint64N(total)
		for i := range ps.spans {
			w := weight(i)
			if w == 0 || !ps.allows(&ps.spans[i], req) {
				continue
			}
			if r < w {
				return i, true
			}
			r -= w
		}
		return last, true
	}
	r := rng.Float64() * ftotal
	for i := range ps.spans {
		w := weight(i)
		if w == 0 || !ps.allows(&ps.spans[i], req) {
			continue
		}
		if r < float64(w) {
			return i, true
		}
		r -= float64(w)
	}
	return last, true
}

// Capacity returns the number of resources of the pools permitted for
// classes, saturated at MaxUint64.
func (a *Random) Capacity(classes ClientClasses) uint64 { return a.ps.capacity(classes) }

// Occupancy returns −1: the random allocator does not know which resources
// are in use.
func (a *Random) Occupancy(ClientClasses) float64 { return -1 }
