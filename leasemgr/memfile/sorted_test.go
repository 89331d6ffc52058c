package memfile

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSortedListAgainstModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	s := newSortedList(cmp.Compare[int])
	model := map[int]bool{}
	n := 20000
	if testing.Short() {
		n = 5000
	}
	for i := 0; i < n; i++ {
		v := r.IntN(3000)
		if r.IntN(3) == 0 {
			require.Equal(t, model[v], s.delete(v))
			delete(model, v)
		} else {
			require.Equal(t, !model[v], s.insert(v))
			model[v] = true
		}
	}
	want := make([]int, 0, len(model))
	for v := range model {
		want = append(want, v)
	}
	slices.Sort(want)
	var got []int
	s.all(func(v int) bool { got = append(got, v); return true })
	require.Equal(t, want, got)
	require.Equal(t, len(want), s.len())

	for _, from := range []int{-1, 0, 1, 1500, 2999, 3000} {
		for _, excl := range []bool{false, true} {
			var g []int
			s.ascend(from, excl, func(v int) bool { g = append(g, v); return len(g) < 7 })
			var w []int
			for _, v := range want {
				if (v > from || (!excl && v == from)) && len(w) < 7 {
					w = append(w, v)
				}
			}
			require.Equal(t, w, g, "from %d excl %v", from, excl)
		}
	}

	s2 := newSortedList(cmp.Compare[int])
	s2.build(want)
	var got2 []int
	s2.all(func(v int) bool { got2 = append(got2, v); return true })
	require.Equal(t, want, got2)
	for _, v := range want {
		require.True(t, s2.delete(v))
	}
	require.Zero(t, s2.len())
	require.Empty(t, s2.chunks)
}
