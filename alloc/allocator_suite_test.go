package alloc_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/alloc/alloctest"
)

// TestBuiltinsConformance runs the allocator conformance suite against
// every built-in allocator, built through the registry as the engine
// builds them.
func TestBuiltinsConformance(t *testing.T) {
	reg := alloc.NewRegistry()
	for _, name := range []string{alloc.IterativeName, alloc.RandomName, alloc.HashedName, alloc.FLQName} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			opts := alloctest.Options{}
			if name == alloc.FLQName {
				opts.MaxPoolSize = alloc.MaxFLQPoolSize
			}
			alloctest.Run(t, func(t *testing.T, spec alloc.Spec) alloc.Allocator {
				if name == alloc.FLQName {
					spec.Leases = newFakeLeases()
				}
				a, err := reg.New(name, spec)
				require.NoError(t, err)
				if c, ok := a.(interface{ Close() error }); ok {
					t.Cleanup(func() { require.NoError(t, c.Close()) })
				}
				return a
			}, opts)
		})
	}
}

// TestSeededConformance runs the suite against seeded random, hashed and
// flq allocators (the seed must not change the contract).
func TestSeededConformance(t *testing.T) {
	for _, seed := range []uint64{1, 0xdeadbeef} {
		alloctest.Run(t, func(t *testing.T, spec alloc.Spec) alloc.Allocator {
			a, err := alloc.NewRandom(spec, alloc.AllocatorOptions{Seed: seed})
			require.NoError(t, err)
			return a
		}, alloctest.Options{})
		alloctest.Run(t, func(t *testing.T, spec alloc.Spec) alloc.Allocator {
			a, err := alloc.NewHashed(spec, alloc.AllocatorOptions{Seed: seed})
			require.NoError(t, err)
			return a
		}, alloctest.Options{})
	}
}
