package hostmgr_test

import (
	"encoding/binary"
	"net/netip"
	"runtime"
	"sync"
	"testing"

	"github.com/dhcpsrv/dhcpsrv/hostmgr"
)

const benchHosts = 1_000_000

// benchHost i: a dual-stack reservation, hw-address and DUID keyed hosts
// alternating, spread over 100 subnets.
func benchHost4(i int) *hostmgr.Host {
	h := hostmgr.NewHost4(hostmgr.SubnetID(i%100+1), hostmgr.IdentHWAddr, benchMAC(i))
	h.IPv4Address = benchIP4(i)
	return h
}

func benchHost6(i int) *hostmgr.Host {
	h := hostmgr.NewHost6(hostmgr.SubnetID(i%100+1), hostmgr.IdentDUID, benchDUID(i))
	h.IPv6Addresses = []netip.Addr{benchIP6(i)}
	return h
}

func benchMAC(i int) []byte {
	b := []byte{0x02, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[2:], uint32(i))
	return b
}

func benchDUID(i int) []byte {
	b := []byte{0, 1, 0, 1, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[10:], uint32(i))
	return b
}

func benchIP4(i int) netip.Addr {
	var a [4]byte
	binary.BigEndian.PutUint32(a[:], 0x0a000000+uint32(i)) // 10.0.0.0/8
	return netip.AddrFrom4(a)
}

func benchIP6(i int) netip.Addr {
	a := [16]byte{0x20, 0x01, 0x0d, 0xb8}
	binary.BigEndian.PutUint32(a[12:], uint32(i))
	return netip.AddrFrom16(a)
}

var (
	benchOnce sync.Once
	benchSrc  *hostmgr.CfgHosts
)

// benchSource builds 1M v4 hosts and 1M v6 hosts once per test binary.
func benchSource(b *testing.B) *hostmgr.CfgHosts {
	benchOnce.Do(func() {
		c := hostmgr.NewCfgHosts()
		for i := range benchHosts {
			if err := c.Add(bg, benchHost4(i)); err != nil {
				b.Fatal(err)
			}
			if err := c.Add(bg, benchHost6(i)); err != nil {
				b.Fatal(err)
			}
		}
		benchSrc = c
	})
	return benchSrc
}

func BenchmarkGet4ByHWAddr1M(b *testing.B) {
	c := benchSource(b)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	var mac [6]byte
	mac[0] = 0x02
	for b.Loop() {
		n := (i * 7919) % benchHosts
		binary.BigEndian.PutUint32(mac[2:], uint32(n))
		h, err := c.Get4(bg, hostmgr.SubnetID(n%100+1), hostmgr.IdentHWAddr, mac[:])
		if err != nil || h == nil {
			b.Fatal(n, err)
		}
		i++
	}
}

func BenchmarkGet4ByAddress1M(b *testing.B) {
	c := benchSource(b)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		n := (i * 7919) % benchHosts
		h, err := c.Get4ByAddress(bg, hostmgr.SubnetID(n%100+1), benchIP4(n))
		if err != nil || h == nil {
			b.Fatal(n, err)
		}
		i++
	}
}

func BenchmarkGet6ByDUID1M(b *testing.B) {
	c := benchSource(b)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	duid := benchDUID(0)
	for b.Loop() {
		n := (i * 7919) % benchHosts
		binary.BigEndian.PutUint32(duid[10:], uint32(n))
		h, err := c.Get6(bg, hostmgr.SubnetID(n%100+1), hostmgr.IdentDUID, duid)
		if err != nil || h == nil {
			b.Fatal(n, err)
		}
		i++
	}
}

// BenchmarkGet4Miss1M is the common case of a client without a
// reservation.
func BenchmarkGet4Miss1M(b *testing.B) {
	c := benchSource(b)
	b.ReportAllocs()
	b.ResetTimer()
	mac := []byte{0x04, 0, 0, 0, 0, 0}
	for b.Loop() {
		if _, err := c.Get4(bg, 1, hostmgr.IdentHWAddr, mac); err == nil {
			b.Fatal("found")
		}
	}
}

// BenchmarkManagerGet4AnyParallel1M: the engine's lookup through a Manager
// (hw-address miss, then client-id hit order reversed) from all cores.
func BenchmarkManagerGet4AnyParallel1M(b *testing.B) {
	m := hostmgr.NewManager(benchSource(b), hostmgr.ManagerOptions{})
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		mac := make([]byte, 6)
		mac[0] = 0x02
		ids := []hostmgr.Identifier{{Type: hostmgr.IdentDUID, Value: []byte{1, 2, 3}}, {Type: hostmgr.IdentHWAddr, Value: mac}}
		for pb.Next() {
			n := (i * 7919) % benchHosts
			binary.BigEndian.PutUint32(mac[2:], uint32(n))
			if _, err := m.Get4Any(bg, hostmgr.SubnetID(n%100+1), ids); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkBuildIndex reports heap bytes per reservation of a CfgHosts
// holding 1M v4 hosts (hw-address, address, subnet).
func BenchmarkBuildIndex1M(b *testing.B) {
	hosts := make([]*hostmgr.Host, benchHosts)
	for i := range hosts {
		hosts[i] = benchHost4(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		c, err := hostmgr.NewConfigSource(true, hosts...)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/benchHosts, "heapB/host")
		runtime.KeepAlive(c)
	}
}
