package alloc

// Hashed is the hashed allocator ("hashed"), ISC DHCP's idea with a
// guarantee its re-hashing lacks: each client has its own order of the
// permitted pools' resources, a keyed bijection π_c of the index range
// [0, capacity) (a Feistel network with cycle walking, keyed by a hash of
// the client identifier and the allocator's seed), and candidate number
// Request.Attempt is π_c(Attempt). So
//
//   - a returning client is first offered the same resource as before, even
//     after its lease was removed (as long as the pools permitted for it,
//     and their order, have not changed);
//   - the candidates of one allocation visit every resource of the
//     permitted pools exactly once, then Pick answers ErrExhausted at
//     Attempt = capacity (no short cycles, whatever the identifier);
//   - different clients start at independent, uniformly spread places.
//
// The resources of the permitted pools are numbered in config order, pool
// after pool; the key depends only on AllocatorOptions.Seed (or the subnet ID) and
// Request.ClientID, so the first candidate is the same in every allocator
// instance, process and server built with the same seed.
//
// Hashed keeps no state: it is safe for concurrent use without locking,
// Pick is O(number of pools) plus two evaluations of a 4-round network on
// average, and it allocates nothing. It relies on the engine numbering its
// picks in Request.Attempt.
type Hashed struct {
	ps   poolSet
	seed uint64
}

var _ Allocator = (*Hashed)(nil)

// NewHashed returns a hashed allocator for spec's pools, keyed by
// opts.Seed (0: a key derived from spec.SubnetID). It fails, wrapping
// ErrInvalidPool or ErrUnsupported, on a malformed Spec.
func NewHashed(spec Spec, opts AllocatorOptions) (*Hashed, error) {
	ps, err := newPoolSet(HashedName, spec)
	if err != nil {
		return nil, err
	}
	seed := opts.Seed
	if seed == 0 {
		seed = mix64(uint64(spec.SubnetID) ^ 0x68617368_65642d31) // "hashed-1"
	}
	return &Hashed{ps: ps, seed: seed}, nil
}

// clientKey hashes the seed and the client identifier (FNV-1a, then a
// finalizer): stable across processes and platforms.
func clientKey(seed uint64, id []byte) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037) ^ seed
	h *= prime
	for _, b := range id {
		h ^= uint64(b)
		h *= prime
	}
	return mix64(h ^ uint64(len(id)))
}

// Pick returns candidate number req.Attempt of the client's permutation of
// the permitted pools, or ErrExhausted once Attempt reaches their capacity.
func (a *Hashed) Pick(req *Request) (Candidate, error) {
	req = orEmpty(req)
	var total uint64
	for i := range a.ps.spans {
		if a.ps.allows(&a.ps.spans[i], req) {
			total = satAdd(total, a.ps.spans[i].size)
		}
	}
	attempt := uint64(max(req.Attempt, 0))
	if attempt >= total || total == 0 {
		return Candidate{}, ErrExhausted
	}
	f := newFeistel(total, clientKey(a.seed, req.ClientID))
	idx := f.at(attempt)
	for i := range a.ps.spans {
		s := &a.ps.spans[i]
		if !a.ps.allows(s, req) {
			continue
		}
		if idx < s.size {
			return s.candidate(idx), nil
		}
		idx -= s.size
	}
	// Unreachable: idx < total ≤ the sum of the permitted pools' sizes.
	return Candidate{}, ErrExhausted
}

// Capacity returns the number of resources of the pools permitted for
// classes, saturated at MaxUint64.
func (a *Hashed) Capacity(classes ClientClasses) uint64 { return a.ps.capacity(classes) }

// Occupancy returns −1: the hashed allocator does not know which resources
// are in use.
func (a *Hashed) Occupancy(ClientClasses) float64 { return -1 }
