package alloc

import "math/bits"

// bitset is a set of integers in [0, n) with O(log64 n) insert, remove and
// "next member at or after k": level 0 holds one bit per integer, each
// upper level one bit per word of the level below ("that word is not
// zero"). For n = 2^24 that is 2 MiB plus 32 KiB and four levels.
type bitset struct {
	n  uint64
	lv [][]uint64
}

// newFullBitset returns the set holding every integer of [0, n).
func newFullBitset(n uint64) bitset {
	b := bitset{n: n}
	m := n
	for {
		words := (m + 63) / 64
		w := make([]uint64, words)
		for i := range w {
			w[i] = ^uint64(0)
		}
		if r := m % 64; r != 0 {
			w[words-1] = 1<<r - 1
		}
		b.lv = append(b.lv, w)
		if words <= 1 {
			return b
		}
		m = words
	}
}

func (b *bitset) has(k uint64) bool {
	return k < b.n && b.lv[0][k/64]&(1<<(k%64)) != 0
}

// add inserts k; it reports whether k was absent.
func (b *bitset) add(k uint64) bool {
	if k >= b.n || b.has(k) {
		return false
	}
	for l := range b.lv {
		w := &b.lv[l][k/64]
		was := *w
		*w |= 1 << (k % 64)
		if was != 0 {
			break
		}
		k /= 64
	}
	return true
}

// remove deletes k; it reports whether k was present.
func (b *bitset) remove(k uint64) bool {
	if !b.has(k) {
		return false
	}
	for l := range b.lv {
		w := &b.lv[l][k/64]
		*w &^= 1 << (k % 64)
		if *w != 0 {
			break
		}
		k /= 64
	}
	return true
}

// next returns the smallest member ≥ k.
func (b *bitset) next(k uint64) (uint64, bool) {
	if k >= b.n {
		return 0, false
	}
	l, i := 0, k
	for {
		if l == len(b.lv) {
			return 0, false
		}
		wi := i / 64
		if wi >= uint64(len(b.lv[l])) {
			return 0, false
		}
		if w := b.lv[l][wi] & (^uint64(0) << (i % 64)); w != 0 {
			i = wi*64 + uint64(bits.TrailingZeros64(w))
			break
		}
		i = wi + 1
		l++
	}
	for l > 0 {
		l--
		i = i*64 + uint64(bits.TrailingZeros64(b.lv[l][i]))
	}
	return i, true
}
