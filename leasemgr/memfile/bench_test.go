package memfile

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// benchLease is a typical DHCPv4 lease: hardware address, client-id,
// hostname, no user context.
func benchLease(i int) *leasemgr.Lease4 {
	return &leasemgr.Lease4{
		Addr:          netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}),
		HWAddr:        leasemgr.HWAddr{Addr: []byte{0, 0x5e, 0, byte(i >> 16), byte(i >> 8), byte(i)}, Type: 1},
		ClientID:      []byte{1, 0, 0x5e, 0, byte(i >> 16), byte(i >> 8), byte(i)},
		ValidLifetime: 3600,
		CLTT:          1767225600 + int64(i%86400),
		SubnetID:      uint32(i>>16) + 1,
		PoolID:        1,
		Hostname:      fmt.Sprintf("host-%d.example.com", i),
	}
}

func benchConfigs(b *testing.B) map[string]Config {
	return map[string]Config{
		"memory": {Universe: leasemgr.V4, InMemory: true},
		"flush":  {Universe: leasemgr.V4, Dir: b.TempDir()},
		"fsync":  {Universe: leasemgr.V4, Dir: b.TempDir(), Durability: SyncGroupCommit},
	}
}

func BenchmarkAdd4(b *testing.B) {
	for _, name := range []string{"memory", "flush", "fsync"} {
		for _, par := range []bool{false, true} {
			n := name
			if par {
				n += "/parallel"
			}
			b.Run(n, func(b *testing.B) {
				m, err := Open(bg, benchConfigs(b)[name])
				if err != nil {
					b.Fatal(err)
				}
				defer m.Close()
				b.ReportAllocs()
				var next atomic.Int64
				b.ResetTimer()
				if par {
					b.SetParallelism(16) // many in-flight requests, as a server has
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if err := m.AddLease4(bg, benchLease(int(next.Add(1)))); err != nil {
								b.Error(err)
								return
							}
						}
					})
				} else {
					for i := 0; i < b.N; i++ {
						if err := m.AddLease4(bg, benchLease(i)); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "leases/s")
			})
		}
	}
}

func BenchmarkUpdate4(b *testing.B) {
	const n = 100000
	for _, name := range []string{"memory", "flush", "fsync"} {
		b.Run(name, func(b *testing.B) {
			cfg := benchConfigs(b)[name]
			// Fill without fsync, then reopen as configured.
			fill := cfg
			fill.Durability = FlushEachChange
			m, err := Open(bg, fill)
			if err != nil {
				b.Fatal(err)
			}
			ls := make([]*leasemgr.Lease4, n)
			for i := range ls {
				ls[i] = benchLease(i)
				if err := m.AddLease4(bg, ls[i]); err != nil {
					b.Fatal(err)
				}
			}
			if !cfg.InMemory {
				m.Close()
				if m, err = Open(bg, cfg); err != nil {
					b.Fatal(err)
				}
			}
			defer m.Close()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				l := ls[i%n]
				l.CLTT++
				if err := m.UpdateLease4(bg, l); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
		})
	}
}

func BenchmarkGet4(b *testing.B) {
	const n = 100000
	m, err := Open(bg, Config{Universe: leasemgr.V4, InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	ls := make([]*leasemgr.Lease4, n)
	for i := range ls {
		ls[i] = benchLease(i)
		if err := m.AddLease4(bg, ls[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("address", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := m.Lease4(bg, ls[i%n].Addr); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("address/parallel", func(b *testing.B) {
		b.ReportAllocs()
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := m.Lease4(bg, ls[int(next.Add(1))%n].Addr); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("hwaddr", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := m.Lease4ByHWAddrSubnet(bg, ls[i%n].HWAddr.Addr, ls[i%n].SubnetID); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// bigFile writes (once per process) a lease file of n leases in the
// latest schema plus 10% updated rows, as a server's file looks after a
// while. MEMFILE_BENCH_DIR keeps it for timing Kea by hand.
var bigFiles = map[int]string{}

func bigFile(b *testing.B, n int) string {
	if p, ok := bigFiles[n]; ok {
		return p
	}
	dir := os.Getenv("MEMFILE_BENCH_DIR")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "memfile-bench"); err != nil {
			b.Fatal(err)
		}
	}
	path := filepath.Join(dir, fmt.Sprintf("leases4-%d.csv", n))
	if _, err := os.Stat(path); err != nil {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		w.Write(header(columns4, writeColumns4(SchemaLatest)))
		var buf []byte
		for i := 0; i < n+n/10; i++ {
			l := benchLease(i % n)
			if i >= n {
				l.CLTT += 600
			}
			buf, _ = appendRow4(buf[:0], l, SchemaLatest, false)
			w.Write(buf)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	bigFiles[n] = path
	return path
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkOpen1M opens a lease file of 1,000,000 leases (1,100,000 rows)
// and reports the heap held per lease.
func BenchmarkOpen1M(b *testing.B) {
	const n = 1000000
	src := bigFile(b, n)
	dir := b.TempDir()
	dst := filepath.Join(dir, "kea-leases4.csv")
	if err := os.Link(src, dst); err != nil {
		copyForBench(b, src, dst)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		before := heapInUse()
		b.StartTimer()
		m, err := Open(bg, Config{Universe: leasemgr.V4, Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		after := heapInUse()
		ls, _ := m.Leases4Page(bg, netip.Addr{}, 1)
		if len(ls) != 1 {
			b.Fatal("no leases")
		}
		b.ReportMetric(float64(after-before)/n, "B/lease")
		m.Close()
		runtime.KeepAlive(m)
		b.StartTimer()
	}
}

func copyForBench(b *testing.B, src, dst string) {
	data, err := os.ReadFile(src)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCompact1M runs a lease file cleanup of the 1M-lease file.
func BenchmarkCompact1M(b *testing.B) {
	const n = 1000000
	src := bigFile(b, n)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		copyForBench(b, src, filepath.Join(dir, "kea-leases4.csv"))
		m, err := Open(bg, Config{Universe: leasemgr.V4, Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := m.Compact(bg); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		m.Close()
		b.StartTimer()
	}
}

// BenchmarkQueries1M: expired-lease and paged queries on 1M leases cost
// O(log n + result), not a sort of the store.
func BenchmarkQueries1M(b *testing.B) {
	const n = 1000000
	m, err := Open(bg, Config{Universe: leasemgr.V4, InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	t0 := time.Now()
	for i := 0; i < n; i++ {
		if err := m.AddLease4(bg, benchLease(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("1M adds in memory: %v", time.Since(t0))
	now := time.Unix(1767225600+3600+43200, 0) // half the leases expired
	b.Run("expired100", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			ls, err := m.ExpiredLeases4(bg, now, 100)
			if err != nil || len(ls) != 100 {
				b.Fatal(err, len(ls))
			}
		}
	})
	b.Run("page100", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			ls, err := m.Leases4Page(bg, benchLease(i*7919%n).Addr, 100)
			if err != nil || len(ls) == 0 {
				b.Fatal(err)
			}
		}
	})
	b.Run("update+expired100", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			l := benchLease(i * 7919 % n)
			l.CLTT += int64(i % 1000)
			if err := m.UpdateLease4(bg, l); err != nil {
				b.Fatal(err)
			}
			if _, err := m.ExpiredLeases4(bg, now, 100); err != nil {
				b.Fatal(err)
			}
		}
	})
}
