package alloc_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

func v4pool(first, last string, id uint32, class string) alloc.Pool {
	return alloc.Pool{First: netip.MustParseAddr(first), Last: netip.MustParseAddr(last), PrefixLen: 32, ID: id, ClientClass: class}
}

func TestIterativeWalksPoolsInOrderAndWraps(t *testing.T) {
	a, err := alloc.NewIterative(alloc.Spec{SubnetID: 1, Type: leasemgr.TypeV4, Pools: []alloc.Pool{
		v4pool("192.0.2.10", "192.0.2.12", 1, ""),
		v4pool("192.0.2.20", "192.0.2.21", 2, ""),
	}})
	require.NoError(t, err)
	want := []string{"192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.20", "192.0.2.21"}
	for round := 0; round < 3; round++ {
		for _, w := range want {
			c, err := a.Pick(&alloc.Request{})
			require.NoError(t, err)
			require.Equal(t, w, c.Addr.String())
			require.Equal(t, 32, c.PrefixLen)
		}
		_, err := a.Pick(&alloc.Request{})
		require.ErrorIs(t, err, alloc.ErrExhausted, "round %d", round)
	}
}

func TestIterativeContinuesAcrossRounds(t *testing.T) {
	a, err := alloc.NewIterative(alloc.Spec{Type: leasemgr.TypeV4, Pools: []alloc.Pool{
		v4pool("192.0.2.1", "192.0.2.3", 1, ""),
		v4pool("192.0.2.101", "192.0.2.103", 2, "gold"),
	}})
	require.NoError(t, err)
	gold := &alloc.Request{Classes: alloc.ClientClasses{"gold"}}
	// A plain client takes .1; a gold client continues at .2, .3, then
	// moves on to the gold pool.
	c, err := a.Pick(nil)
	require.NoError(t, err)
	require.Equal(t, "192.0.2.1", c.Addr.String())
	var got []string
	for {
		c, err := a.Pick(gold)
		if errors.Is(err, alloc.ErrExhausted) {
			break
		}
		require.NoError(t, err)
		got = append(got, c.Addr.String())
	}
	require.Equal(t, []string{"192.0.2.2", "192.0.2.3", "192.0.2.101", "192.0.2.102", "192.0.2.103"}, got)
	// The new round starts where the cursor is: pool 1 wrapped to .1.
	c, err = a.Pick(gold)
	require.NoError(t, err)
	require.Equal(t, "192.0.2.1", c.Addr.String())
}

func TestIterativePrefixes(t *testing.T) {
	p := netip.MustParsePrefix("2001:db8:1::/48")
	a, err := alloc.NewIterative(alloc.Spec{Type: leasemgr.TypePD, Pools: []alloc.Pool{{
		First: p.Addr(), Last: netip.MustParseAddr("2001:db8:1:ff00::"), PrefixLen: 56, Prefix: p, ID: 7,
	}}})
	require.NoError(t, err)
	require.Equal(t, uint64(256), a.Capacity(nil))
	for i, w := range []string{"2001:db8:1::/56", "2001:db8:1:100::/56", "2001:db8:1:200::/56"} {
		c, err := a.Pick(&alloc.Request{})
		require.NoError(t, err, i)
		require.Equal(t, w, c.Prefix().String())
		require.Equal(t, uint32(7), c.PoolID)
	}
}

func TestIterativeHugeV6Pool(t *testing.T) {
	a, err := alloc.NewIterative(alloc.Spec{Type: leasemgr.TypeNA, Pools: []alloc.Pool{{
		First: netip.MustParseAddr("2001:db8::"), Last: netip.MustParseAddr("2001:db8::ffff:ffff:ffff:ffff"), PrefixLen: 128,
	}}})
	require.NoError(t, err)
	require.Equal(t, ^uint64(0), a.Capacity(nil))
	c, err := a.Pick(nil)
	require.NoError(t, err)
	require.Equal(t, "2001:db8::", c.Addr.String())
	c, err = a.Pick(nil)
	require.NoError(t, err)
	require.Equal(t, "2001:db8::1", c.Addr.String())
}

func v4(x uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)})
}
