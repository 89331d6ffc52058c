package alloc_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

func hashedSpec() alloc.Spec {
	return alloc.Spec{SubnetID: 42, Type: leasemgr.TypeV4, Pools: []alloc.Pool{
		v4pool("192.0.2.1", "192.0.2.100", 1, ""),
		v4pool("192.0.2.151", "192.0.2.250", 2, ""),
	}}
}

func TestHashedStableFirstCandidate(t *testing.T) {
	spec := hashedSpec()
	a1, err := alloc.NewHashed(spec, alloc.AllocatorOptions{})
	require.NoError(t, err)
	a2, err := alloc.NewAllocator("hashed", spec)
	require.NoError(t, err)
	other, err := alloc.NewHashed(spec, alloc.AllocatorOptions{Seed: 99})
	require.NoError(t, err)
	differ := 0
	for i := range 50 {
		req := &alloc.Request{ClientID: []byte(fmt.Sprintf("client-%d", i))}
		c1, err := a1.Pick(req)
		require.NoError(t, err)
		c2, err := a2.Pick(req)
		require.NoError(t, err)
		require.Equal(t, c1, c2, "same seed, same client: same first candidate")
		again, err := a1.Pick(req)
		require.NoError(t, err)
		require.Equal(t, c1, again, "stateless")
		c3, err := other.Pick(req)
		require.NoError(t, err)
		if c3 != c1 {
			differ++
		}
	}
	require.Greater(t, differ, 40, "another seed gives other candidates")
}

// TestHashedSpread checks that the first candidates of many clients spread
// over the pools about as uniformly random choices would.
func TestHashedSpread(t *testing.T) {
	a, err := alloc.NewHashed(hashedSpec(), alloc.AllocatorOptions{})
	require.NoError(t, err)
	const clients = 20000
	counts := map[string]int{}
	perPool := map[uint32]int{}
	for i := range clients {
		c, err := a.Pick(&alloc.Request{ClientID: []byte{1, 0, 0x5e, byte(i >> 16), byte(i >> 8), byte(i)}})
		require.NoError(t, err)
		counts[c.Addr.String()]++
		perPool[c.PoolID]++
	}
	require.Len(t, counts, 200, "every address is somebody's first candidate")
	// 100 expected per address; a chi-square over 199 degrees of freedom
	// stays well below 300 for a uniform spread.
	chi := 0.0
	for _, n := range counts {
		d := float64(n) - clients/200.0
		chi += d * d / (clients / 200.0)
	}
	require.Less(t, chi, 300.0)
	require.InDelta(t, clients/2, perPool[1], clients/20)
}

func TestHashedAttemptSequence(t *testing.T) {
	a, err := alloc.NewHashed(hashedSpec(), alloc.AllocatorOptions{Seed: 5})
	require.NoError(t, err)
	id := []byte{0, 1, 0, 1, 0xaa, 0xbb}
	first, err := a.Pick(&alloc.Request{ClientID: id, Attempt: -3})
	require.NoError(t, err)
	zero, err := a.Pick(&alloc.Request{ClientID: id})
	require.NoError(t, err)
	require.Equal(t, zero, first, "a negative attempt counts as 0")
	_, err = a.Pick(&alloc.Request{ClientID: id, Attempt: 200})
	require.ErrorIs(t, err, alloc.ErrExhausted)
	_, err = a.Pick(&alloc.Request{ClientID: id, Attempt: 1 << 62})
	require.ErrorIs(t, err, alloc.ErrExhausted)
}
