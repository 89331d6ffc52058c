package alloc_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

func TestRandomSeededIsReproducible(t *testing.T) {
	spec := alloc.Spec{Type: leasemgr.TypeV4, Pools: []alloc.Pool{v4pool("192.0.2.1", "192.0.2.254", 1, "")}}
	a, err := alloc.NewRandom(spec, alloc.AllocatorOptions{Seed: 3})
	require.NoError(t, err)
	b, err := alloc.NewRandom(spec, alloc.AllocatorOptions{Seed: 3})
	require.NoError(t, err)
	inOrder := 0
	var prev alloc.Candidate
	for i := range 254 {
		ca, err := a.Pick(nil)
		require.NoError(t, err)
		cb, err := b.Pick(nil)
		require.NoError(t, err)
		require.Equal(t, ca, cb)
		if i > 0 && prev.Addr.Next() == ca.Addr {
			inOrder++
		}
		prev = ca
	}
	require.Less(t, inOrder, 20, "candidates come in random order")
}

// TestRandomIsPermutationOfPools walks rounds over random pool layouts: each
// round is a permutation of the pools' addresses.
func TestRandomIsPermutationOfPools(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var pools []alloc.Pool
		base := uint32(0xc6120000) // 198.18.0.0
		total := 0
		for i := range rapid.IntRange(1, 4).Draw(t, "pools") {
			size := rapid.IntRange(1, 600).Draw(t, "size")
			first := base + uint32(rapid.IntRange(0, 100).Draw(t, "gap"))
			last := first + uint32(size) - 1
			pools = append(pools, alloc.Pool{First: v4(first), Last: v4(last), PrefixLen: 32, ID: uint32(i + 1)})
			base = last + 1
			total += size
		}
		a, err := alloc.NewRandom(alloc.Spec{Type: leasemgr.TypeV4, Pools: pools}, alloc.AllocatorOptions{Seed: rapid.Uint64Min(1).Draw(t, "seed")})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			seen := map[uint32]bool{}
			for range total {
				c, err := a.Pick(nil)
				if err != nil {
					t.Fatal(err)
				}
				b := c.Addr.As4()
				x := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
				p := pools[c.PoolID-1]
				if c.Addr.Less(p.First) || p.Last.Less(c.Addr) || seen[x] {
					t.Fatalf("%s: outside pool %d or repeated", c.Addr, c.PoolID)
				}
				seen[x] = true
			}
			if _, err := a.Pick(nil); err != alloc.ErrExhausted {
				t.Fatalf("after %d picks: %v, want ErrExhausted", total, err)
			}
		}
	})
}
