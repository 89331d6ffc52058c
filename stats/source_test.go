package stats

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSources(t *testing.T) {
	a, b := New(), New()
	a.Int("pkt4-received").Add(3)
	b.Int("pkt6-received").Add(4)
	got := map[string]int64{}
	var order []string
	Sources{a, b}.Each(func(name string, v Value) {
		got[name] = v.Int
		order = append(order, name)
	})
	require.Equal(t, map[string]int64{"pkt4-received": 3, "pkt6-received": 4}, got)
	require.Equal(t, []string{"pkt4-received", "pkt6-received"}, order)
}
