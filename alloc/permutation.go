package alloc

import (
	"math/bits"
	"math/rand/v2"
)

// lazyPerm is a lazy Fisher–Yates shuffle of [0, size) (Kea's
// IPRangePermutation): next draws a uniformly random element among those not
// drawn yet. Only the positions disturbed by a swap are stored, so memory
// grows with the number of draws, never with size.
type lazyPerm struct {
	left  uint64            // elements not drawn yet: positions [0, left)
	swaps map[uint64]uint64 // position → element, where they differ
}

func (p *lazyPerm) reset(size uint64) {
	p.left = size
	p.swaps = nil // drop the map: a big one would keep its memory if cleared
}

func (p *lazyPerm) get(i uint64) uint64 {
	if v, ok := p.swaps[i]; ok {
		return v
	}
	return i
}

// next draws the next element; p.left must be positive.
func (p *lazyPerm) next(r *rand.Rand) uint64 {
	j := r.Uint64N(p.left)
	last := p.left - 1
	v := p.get(j)
	if j != last {
		w := p.get(last)
		if p.swaps == nil {
			p.swaps = make(map[uint64]uint64)
		}
		p.swaps[j] = w
	}
	delete(p.swaps, last)
	p.left = last
	return v
}

// feistel is a keyed bijection of [0, n) for any n ≥ 1: an unbalanced
// Feistel network over the smallest power of two ≥ n, with cycle walking
// to stay inside [0, n). Cycle walking takes fewer than two network
// evaluations on average since the power of two is below 2n. It stores no
// per-element state and is cheap to build (a few multiplications), so the
// hashed allocator builds one per Pick and flq one per pool.
type feistel struct {
	n      uint64
	wa, wb uint // the widths of the two halves; wa+wb bits cover n−1
	keys   [feistelRounds]uint64
}

const feistelRounds = 4

func newFeistel(n, key uint64) feistel {
	f := feistel{n: n}
	w := uint(0)
	if n > 1 {
		w = uint(bits.Len64(n - 1))
	}
	f.wa = (w + 1) / 2
	f.wb = w / 2
	k := key
	for i := range f.keys {
		k = mix64(k + 0x9e3779b97f4a7c15)
		f.keys[i] = k
	}
	return f
}

func mask(w uint) uint64 {
	if w >= 64 {
		return ^uint64(0)
	}
	return 1<<w - 1
}

// mix64 is the splitmix64 finalizer.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// enc is one pass of the network over [0, 2^(wa+wb)). Each round maps
// (L of wa bits, R of wb bits) to (R, L ⊕ F(R)), a bijection whatever the
// widths.
func (f *feistel) enc(v uint64) uint64 {
	ma, mb := mask(f.wa), mask(f.wb)
	for _, k := range f.keys {
		l, r := v>>f.wb, v&mb
		v = r<<f.wa | (l^mix64(r^k))&ma
	}
	return v
}

func (f *feistel) dec(v uint64) uint64 {
	ma, mb := mask(f.wa), mask(f.wb)
	for i := len(f.keys) - 1; i >= 0; i-- {
		r, x := v>>f.wa, v&ma
		l := (x ^ mix64(r^f.keys[i])) & ma
		v = l<<f.wb | r&mb
	}
	return v
}

// at returns π(i) for i < n.
func (f *feistel) at(i uint64) uint64 {
	if f.n <= 1 {
		return 0
	}
	v := i
	for {
		v = f.enc(v)
		if v < f.n {
			return v
		}
	}
}

// index returns π⁻¹(v) for v < n.
func (f *feistel) index(v uint64) uint64 {
	if f.n <= 1 {
		return 0
	}
	i := v
	for {
		i = f.dec(i)
		if i < f.n {
			return i
		}
	}
}
