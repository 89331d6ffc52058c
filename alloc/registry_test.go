package alloc_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

func TestRegistry(t *testing.T) {
	spec := alloc.Spec{SubnetID: 1, Type: leasemgr.TypeV4, Pools: []alloc.Pool{v4pool("192.0.2.1", "192.0.2.9", 1, "")}}
	reg := alloc.NewRegistry()
	require.Equal(t, []string{"flq", "hashed", "iterative", "random"}, reg.Names())

	a, err := reg.New("", spec)
	require.NoError(t, err)
	require.IsType(t, &alloc.Iterative{}, a, "empty name: the default")
	for name, typ := range map[string]any{"iterative": &alloc.Iterative{}, "random": &alloc.Random{}, "hashed": &alloc.Hashed{}} {
		a, err := alloc.NewAllocator(name, spec)
		require.NoError(t, err)
		require.IsType(t, typ, a)
	}

	_, err = reg.New("shared-flq", spec)
	require.ErrorIs(t, err, alloc.ErrUnknownAllocator)
	require.ErrorContains(t, err, `"shared-flq"`)
	require.ErrorContains(t, err, "iterative")

	// Replacing a built-in and adding one do not touch other registries.
	mine := errors.New("mine")
	require.NoError(t, reg.Register("random", func(alloc.Spec) (alloc.Allocator, error) { return nil, mine }))
	require.NoError(t, reg.Register("custom", func(s alloc.Spec) (alloc.Allocator, error) { return alloc.NewIterative(s) }))
	_, err = reg.New("random", spec)
	require.ErrorIs(t, err, mine)
	_, err = reg.New("custom", spec)
	require.NoError(t, err)
	_, err = alloc.NewAllocator("custom", spec)
	require.ErrorIs(t, err, alloc.ErrUnknownAllocator)
	_, err = alloc.NewRegistry().New("random", spec)
	require.NoError(t, err)

	require.Error(t, reg.Register("", func(alloc.Spec) (alloc.Allocator, error) { return nil, nil }))
	require.Error(t, reg.Register("x", nil))
	var zero alloc.Registry
	_, err = zero.New("iterative", spec)
	require.ErrorIs(t, err, alloc.ErrUnknownAllocator)
}

func TestBadSpecs(t *testing.T) {
	p := func(first, last string, plen int) alloc.Pool {
		var f, l netip.Addr
		if first != "" {
			f = netip.MustParseAddr(first)
		}
		if last != "" {
			l = netip.MustParseAddr(last)
		}
		return alloc.Pool{First: f, Last: l, PrefixLen: plen}
	}
	for _, tc := range []struct {
		name string
		typ  leasemgr.LeaseType
		pool []alloc.Pool
		want error
	}{
		{"unset", leasemgr.TypeV4, []alloc.Pool{{}}, alloc.ErrInvalidPool},
		{"reversed", leasemgr.TypeV4, []alloc.Pool{p("192.0.2.9", "192.0.2.1", 32)}, alloc.ErrInvalidPool},
		{"v6 in v4", leasemgr.TypeV4, []alloc.Pool{p("2001:db8::", "2001:db8::1", 128)}, alloc.ErrInvalidPool},
		{"v4 in v6", leasemgr.TypeNA, []alloc.Pool{p("192.0.2.1", "192.0.2.9", 32)}, alloc.ErrInvalidPool},
		{"mixed", leasemgr.TypeNA, []alloc.Pool{p("2001:db8::", "192.0.2.9", 128)}, alloc.ErrInvalidPool},
		{"v4 length", leasemgr.TypeV4, []alloc.Pool{p("192.0.2.1", "192.0.2.9", 24)}, alloc.ErrInvalidPool},
		{"NA length", leasemgr.TypeNA, []alloc.Pool{p("2001:db8::", "2001:db8::9", 64)}, alloc.ErrInvalidPool},
		{"PD length 0", leasemgr.TypePD, []alloc.Pool{p("2001:db8::", "2001:db8::", 0)}, alloc.ErrInvalidPool},
		{"PD length 129", leasemgr.TypePD, []alloc.Pool{p("2001:db8::", "2001:db8::", 129)}, alloc.ErrInvalidPool},
		{"PD unaligned", leasemgr.TypePD, []alloc.Pool{p("2001:db8:0:1::", "2001:db8:0:ff00::", 56)}, alloc.ErrInvalidPool},
		{"overlap", leasemgr.TypeV4, []alloc.Pool{p("192.0.2.1", "192.0.2.9", 32), p("192.0.2.9", "192.0.2.20", 32)}, alloc.ErrInvalidPool},
		{"PD prefix", leasemgr.TypePD, []alloc.Pool{{First: netip.MustParseAddr("2001:db8::"), Last: netip.MustParseAddr("2001:db8:0:ff00::"), PrefixLen: 56, Prefix: netip.MustParsePrefix("2001:db8::/60")}}, alloc.ErrInvalidPool},
		{"type", leasemgr.LeaseType(9), nil, alloc.ErrUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, name := range []string{"iterative", "random", "hashed", "flq"} {
				_, err := alloc.NewAllocator(name, alloc.Spec{SubnetID: 3, Type: tc.typ, Pools: tc.pool, Leases: newFakeLeases()})
				require.ErrorIs(t, err, tc.want, name)
				require.ErrorContains(t, err, "subnet 3", name)
			}
		})
	}
}

// TestZeroSpec: a zero Spec (TypeNA, no pools) gives allocators that
// propose nothing and do not panic.
func TestZeroSpec(t *testing.T) {
	for _, name := range []string{"iterative", "random", "hashed", "flq"} {
		spec := alloc.Spec{}
		if name == "flq" {
			spec.Leases = newFakeLeases()
		}
		a, err := alloc.NewAllocator(name, spec)
		require.NoError(t, err, name)
		_, err = a.Pick(nil)
		require.ErrorIs(t, err, alloc.ErrExhausted, name)
		require.Zero(t, a.Capacity(nil))
		require.LessOrEqual(t, a.Occupancy(nil), 0.0)
	}
}
