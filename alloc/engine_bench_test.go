package alloc_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
)

const cfgBench16 = `{"Dhcp4": {"valid-lifetime": 86400, "allocator": %q, "cache-threshold": 0,
  "expired-leases-processing": {"flush-reclaimed-timer-wait-time": 0},
  "subnet4": [{"id": 1, "subnet": "198.18.0.0/16", "pools": [{"pool": "198.18.0.0 - 198.18.255.255"}]}]}}`

func benchLeases(b *testing.B, persist bool) leasemgr.Manager {
	b.Helper()
	cfg := memfile.Config{Universe: leasemgr.V4, InMemory: !persist}
	if persist {
		cfg.Dir = b.TempDir()
	}
	lm, err := memfile.Open(context.Background(), cfg)
	require.NoError(b, err)
	b.Cleanup(func() { _ = lm.Close() })
	return lm
}

func benchMAC(i uint64) leasemgr.HWAddr {
	return leasemgr.HWAddr{Addr: []byte{0x02, byte(i >> 32), byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}, Type: 1}
}

// BenchmarkEngineRequest4 measures DHCPREQUEST allocations of new clients
// from a /16 pool prepopulated to a given occupancy, per allocator, with the
// memfile lease manager in memory and persisting to a file. Each iteration
// allocates a lease and releases it (deleted: no affinity), so occupancy
// stays put. One benchmark run, so the figures compare.
func BenchmarkEngineRequest4(b *testing.B) {
	const size = 1 << 16
	for _, persist := range []bool{false, true} {
		for _, name := range []string{"iterative", "random", "flq", "hashed"} {
			for _, occ := range []float64{0, 0.90, 0.99, 0.999} {
				b.Run(fmt.Sprintf("persist=%v/%s/occupancy=%.1f%%", persist, name, occ*100), func(b *testing.B) {
					lm := benchLeases(b, persist)
					rng := rand.New(rand.NewPCG(1, 2))
					perm := rng.Perm(size)
					now := int64(1_700_000_000)
					for _, i := range perm[:int(occ*size)] {
						a := netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)})
						require.NoError(b, lm.AddLease4(context.Background(), &leasemgr.Lease4{Addr: a,
							HWAddr: benchMAC(uint64(1<<40 + i)), ValidLifetime: 86400, CLTT: now, SubnetID: 1}))
					}
					f := newFixtureWith(b, parseConfig(b, fmt.Sprintf(cfgBench16, name)), lm)
					var n uint64
					b.ReportAllocs()
					b.ResetTimer()
					for b.Loop() {
						n++
						c := f.ctx4(1, benchMAC(n))
						l, err := f.eng.Request4(bg, c)
						if err != nil {
							b.Fatal(err)
						}
						c.RequestedAddr = l.Addr
						if _, err := f.eng.Release4(bg, c); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "allocs/s")
				})
			}
		}
	}
}

// BenchmarkReclaim100k measures reclaiming 100,000 expired leases in one
// run (delete, and keep as expired-reclaimed for affinity).
func BenchmarkReclaim100k(b *testing.B) {
	const n = 100_000
	for _, remove := range []bool{true, false} {
		b.Run(fmt.Sprintf("remove=%v", remove), func(b *testing.B) {
			lm := benchLeases(b, false)
			f := newFixtureWith(b, parseConfig(b, fmt.Sprintf(cfgBench16, "iterative")), lm, alloc.WithAttempts(0))
			now := f.clock.Now().Unix()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				for j := 0; j < n; j++ {
					a := netip.AddrFrom4([4]byte{198, byte(18 + j>>16), byte(j >> 8), byte(j)})
					_ = lm.DeleteLease4(bg, &leasemgr.Lease4{Addr: a})
					require.NoError(b, lm.AddLease4(bg, &leasemgr.Lease4{Addr: a, HWAddr: benchMAC(uint64(j)),
						ValidLifetime: 60, CLTT: now - 3600, SubnetID: 1}))
				}
				b.StartTimer()
				res, err := f.eng.ReclaimExpired4(bg, 0, 0, remove)
				if err != nil || res.Reclaimed != n {
					b.Fatal(res, err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "leases/s")
		})
	}
}
