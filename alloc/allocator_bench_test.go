package alloc_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// occupancies are the benchmarked shares of used addresses, in per mille.
var occupancies = []int{0, 900, 990, 999}

const benchPoolSize = 1 << 16 // 10.1.0.0/16

func benchSpec() alloc.Spec {
	return alloc.Spec{SubnetID: 1, Type: leasemgr.TypeV4, Pools: []alloc.Pool{v4pool("10.1.0.0", "10.1.255.255", 1, "")}}
}

// usedSet marks a random share of the /16 used, as the engine's lease
// check would find it; at least one address stays free.
func usedSet(perMille int) []uint64 {
	used := make([]uint64, benchPoolSize/64)
	r := rand.New(rand.NewPCG(1, 2))
	n := benchPoolSize * perMille / 1000
	for _, i := range r.Perm(benchPoolSize)[:n] {
		used[i/64] |= 1 << (i % 64)
	}
	return used
}

func isUsed(used []uint64, a netip.Addr) bool {
	b := a.As4()
	i := int(b[2])<<8 | int(b[3])
	return used[i/64]&(1<<(i%64)) != 0
}

// BenchmarkPick measures one allocation's worth of picks: for iterative,
// random and hashed, picks until a candidate is free in a used-set that
// stands for the engine's lease check (picks/op reports how many); flq
// picks once, its candidates are free.
func BenchmarkPick(b *testing.B) {
	for _, name := range []string{alloc.IterativeName, alloc.RandomName, alloc.HashedName} {
		for _, occ := range occupancies {
			b.Run(fmt.Sprintf("%s/occupancy=%.1f%%", name, float64(occ)/10), func(b *testing.B) {
				used := usedSet(occ)
				a, err := alloc.NewAllocator(name, benchSpec())
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				picks, client := 0, 0
				id := make([]byte, 7)
				req := &alloc.Request{ClientID: id}
				for b.Loop() {
					client++
					id[0], id[1], id[2] = byte(client), byte(client>>8), byte(client>>16)
					req.Attempt = 0
					for {
						c, err := a.Pick(req)
						picks++
						if errors.Is(err, alloc.ErrExhausted) {
							req.Attempt = 0
							continue
						}
						if err != nil {
							b.Fatal(err)
						}
						if !isUsed(used, c.Addr) {
							break
						}
						req.Attempt++
					}
				}
				b.ReportMetric(float64(picks)/float64(b.N), "picks/op")
			})
		}
	}
	for _, occ := range occupancies {
		b.Run(fmt.Sprintf("flq/occupancy=%.1f%%", float64(occ)/10), func(b *testing.B) {
			used := usedSet(occ)
			lm := newFakeLeases()
			now := time.Now().Unix()
			for i := range benchPoolSize {
				if used[i/64]&(1<<(i%64)) != 0 {
					lm.static4 = append(lm.static4, &leasemgr.Lease4{
						Addr: netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), SubnetID: 1, ValidLifetime: 3600, CLTT: now,
					})
				}
			}
			spec := benchSpec()
			spec.Leases = lm
			a, err := alloc.NewFLQ(spec, alloc.AllocatorOptions{})
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			b.ReportAllocs()
			for b.Loop() {
				c, err := a.Pick(nil)
				if errors.Is(err, alloc.ErrExhausted) {
					continue // end of a round
				}
				if err != nil || isUsed(used, c.Addr) {
					b.Fatal(c, err)
				}
			}
		})
	}
}

// BenchmarkPickParallel measures Pick under contention (one mutex per
// allocator; hashed takes none).
func BenchmarkPickParallel(b *testing.B) {
	for _, name := range []string{alloc.IterativeName, alloc.RandomName, alloc.HashedName, alloc.FLQName} {
		b.Run(name, func(b *testing.B) {
			spec := benchSpec()
			spec.Leases = newFakeLeases()
			a, err := alloc.NewAllocator(name, spec)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req := alloc.Request{ClientID: []byte("client")}
				for pb.Next() {
					req.Attempt++
					if _, err := a.Pick(&req); errors.Is(err, alloc.ErrExhausted) {
						req.Attempt = 0
					}
				}
			})
		})
	}
}

// BenchmarkFLQBuild measures building flq for a /8 pool (2^24 addresses),
// empty and with one lease in 16; "MiB-heap" is the heap the allocator
// keeps afterwards.
func BenchmarkFLQBuild(b *testing.B) {
	for _, every := range []int{0, 16} {
		b.Run(fmt.Sprintf("slash8/leases=%s", map[int]string{0: "none", 16: "1M"}[every]), func(b *testing.B) {
			lm := newFakeLeases()
			lm.static4 = []*leasemgr.Lease4{}
			now := time.Now().Unix()
			if every > 0 {
				for i := 0; i < 1<<24; i += every {
					lm.static4 = append(lm.static4, &leasemgr.Lease4{
						Addr: netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), SubnetID: 1, ValidLifetime: 3600, CLTT: now,
					})
				}
			}
			spec := alloc.Spec{SubnetID: 1, Type: leasemgr.TypeV4, Leases: lm, Pools: []alloc.Pool{v4pool("10.0.0.0", "10.255.255.255", 1, "")}}
			var keep *alloc.FLQ
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			b.ReportAllocs()
			for b.Loop() {
				if keep != nil {
					keep.Close()
				}
				a, err := alloc.NewFLQ(spec, alloc.AllocatorOptions{})
				if err != nil {
					b.Fatal(err)
				}
				keep = a
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "MiB-heap")
			if want := uint64(1<<24 - (1<<24)/max(every, 1<<30)); every == 0 && keep.Free(nil) != want {
				b.Fatalf("free %d, want %d", keep.Free(nil), want)
			}
			keep.Close()
		})
	}
}
