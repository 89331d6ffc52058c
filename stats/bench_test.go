package stats_test

import (
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/dhcpsrv/dhcpsrv/stats"
)

// One statistic incremented from every goroutine (pkt4-received).
func BenchmarkIntAddShared(b *testing.B) {
	h := stats.New().Int("pkt4-received")
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h.Add(1)
		}
	})
}

// A statistic per goroutine (per-subnet counters hit by different workers).
func BenchmarkIntAddPerGoroutine(b *testing.B) {
	m := stats.New()
	var n atomic.Int32
	b.RunParallel(func(pb *testing.PB) {
		h := m.Int(stats.SubnetName(uint32(n.Add(1)), stats.AssignedAddresses))
		for pb.Next() {
			h.Add(1)
		}
	})
}

// The same with a single goroutine: the uncontended cost of Add.
func BenchmarkIntAddSerial(b *testing.B) {
	h := stats.New().Int("pkt4-received")
	for b.Loop() {
		h.Add(1)
	}
}

// A bare atomic add, for comparison with BenchmarkIntAddSerial.
func BenchmarkAtomicAddBaseline(b *testing.B) {
	var v atomic.Int64
	for b.Loop() {
		v.Add(1)
	}
}

// Looking a handle up by name (what the hot path must not do per packet).
func BenchmarkIntByName(b *testing.B) {
	m := stats.New()
	for i := range 1000 {
		m.Int(stats.SubnetName(uint32(i), stats.AssignedAddresses))
	}
	name := stats.SubnetName(500, stats.AssignedAddresses)
	for b.Loop() {
		m.Int(name).Add(1)
	}
}

// Get by name, parallel readers.
func BenchmarkGet(b *testing.B) {
	m := stats.New()
	for i := range 1000 {
		m.Int(stats.SubnetName(uint32(i), stats.AssignedAddresses))
	}
	name := stats.SubnetName(500, stats.AssignedAddresses)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Get(name)
		}
	})
}

// GetAll of 10000 statistics (a scrape or statistic-get-all).
func BenchmarkGetAll10k(b *testing.B) {
	m := stats.New()
	for i := range 10000 {
		m.Int("subnet[" + strconv.Itoa(i) + "].assigned-addresses")
	}
	for b.Loop() {
		m.GetAll()
	}
}
