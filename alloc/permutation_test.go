package alloc

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestLazyPermIsPermutation draws every element of lazy permutations of
// random sizes and checks each element comes exactly once.
func TestLazyPermIsPermutation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		size := rapid.Uint64Range(1, 3000).Draw(t, "size")
		seed := rapid.Uint64().Draw(t, "seed")
		r := rand.New(rand.NewPCG(seed, 1))
		var p lazyPerm
		p.reset(size)
		seen := make([]bool, size)
		for range size {
			v := p.next(r)
			if v >= size || seen[v] {
				t.Fatalf("size %d: element %d out of range or repeated", size, v)
			}
			seen[v] = true
		}
		if p.left != 0 || len(p.swaps) != 0 {
			t.Fatalf("size %d: left %d, %d swaps after a full walk", size, p.left, len(p.swaps))
		}
	})
}

// TestFeistelIsBijection checks π and π⁻¹ over random domains.
func TestFeistelIsBijection(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.Uint64Range(1, 5000).Draw(t, "n")
		f := newFeistel(n, rapid.Uint64().Draw(t, "key"))
		seen := make([]bool, n)
		for i := range n {
			v := f.at(i)
			if v >= n || seen[v] {
				t.Fatalf("n %d: π(%d) = %d out of range or repeated", n, i, v)
			}
			seen[v] = true
			if j := f.index(v); j != i {
				t.Fatalf("n %d: π⁻¹(π(%d)) = %d", n, i, j)
			}
		}
	})
}

func TestFeistelHugeDomain(t *testing.T) {
	for _, n := range []uint64{math.MaxUint64, 1 << 63, 1<<32 + 1} {
		f := newFeistel(n, 42)
		for i := uint64(0); i < 1000; i++ {
			x := i * 0x9e3779b97f4a7c15 % n
			v := f.at(x)
			require.Less(t, v, n)
			require.Equal(t, x, f.index(v))
		}
	}
}
