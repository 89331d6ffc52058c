package subnetselect

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/option"
)

const benchSubnets = 10000

func strp(s string) *string { return &s }

// benchConfig4 has 10,000 subnets in 10.0.0.0/8 of mixed lengths (/24, /25,
// /26), each with its own relay address and interface name; subnets are
// listed in descending id order and every tenth has a class guard.
func benchConfig4() *cfgmgr.Config {
	cfg := &cfgmgr.Config{Family: option.V4}
	for i := range benchSubnets {
		bits := 24 + i%3
		a := netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0})
		s := &cfgmgr.Subnet4{
			ID:     cfgmgr.SubnetID(benchSubnets - i),
			Prefix: netip.PrefixFrom(a, bits),
			Params: cfgmgr.Params{
				RelayAddresses: []netip.Addr{netip.AddrFrom4([4]byte{172, 16, byte(i >> 8), byte(i)})},
				Interface:      strp(fmt.Sprint("vlan", i)),
			},
			Subnet4o6: netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 8), byte(i)}), 48),
		}
		if i%10 == 0 {
			s.Params.ClientClass = strp("gold")
		}
		cfg.Subnets4 = append(cfg.Subnets4, s)
	}
	return cfg
}

func benchConfig6() *cfgmgr.Config {
	cfg := &cfgmgr.Config{Family: option.V6}
	for i := range benchSubnets {
		a := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 8), byte(i)})
		s := &cfgmgr.Subnet6{
			ID:     cfgmgr.SubnetID(benchSubnets - i),
			Prefix: netip.PrefixFrom(a, 48+16*(i%2)),
			Params: cfgmgr.Params{
				RelayAddresses: []netip.Addr{netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, byte(i >> 8), byte(i), 15: 1})},
				Interface:      strp(fmt.Sprint("vlan", i)),
				InterfaceID:    strp(fmt.Sprint("port", i)),
			},
		}
		cfg.Subnets6 = append(cfg.Subnets6, s)
	}
	return cfg
}

// selectors returns 1024 selectors spread over the config, made by f(i).
func selectors(f func(i int) Selector) []Selector {
	out := make([]Selector, 1024)
	for k := range out {
		out[k] = f(k * (benchSubnets / len(out)))
	}
	return out
}

func benchSelect4(b *testing.B, x *Index4, sels []Selector, wantHit bool) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s := x.Select(&sels[i%len(sels)])
		if (s != nil) != wantHit {
			b.Fatalf("selector %+v: got %v", sels[i%len(sels)], s)
		}
		i++
	}
}

func BenchmarkSelect4(b *testing.B) {
	cfg := benchConfig4()
	x := New4(cfg)
	gold := []string{"ALL", "gold"}
	b.Run("giaddr-relay", func(b *testing.B) {
		benchSelect4(b, x, selectors(func(i int) Selector {
			return Selector{GIAddr: netip.AddrFrom4([4]byte{172, 16, byte(i >> 8), byte(i)}), ClientClasses: gold}
		}), true)
	})
	b.Run("giaddr-prefix", func(b *testing.B) {
		benchSelect4(b, x, selectors(func(i int) Selector {
			return Selector{GIAddr: netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 1}), ClientClasses: gold}
		}), true)
	})
	b.Run("ciaddr", func(b *testing.B) {
		benchSelect4(b, x, selectors(func(i int) Selector {
			return Selector{CIAddr: netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 20}), LocalAddr: netip.MustParseAddr("192.0.2.1"), ClientClasses: gold}
		}), true)
	})
	b.Run("iface", func(b *testing.B) {
		benchSelect4(b, x, selectors(func(i int) Selector {
			return Selector{LocalAddr: netip.MustParseAddr("255.255.255.255"), IfaceName: fmt.Sprint("vlan", i), ClientClasses: gold}
		}), true)
	})
	b.Run("option-select", func(b *testing.B) {
		benchSelect4(b, x, selectors(func(i int) Selector {
			return Selector{OptionSelect: netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 9}), GIAddr: netip.MustParseAddr("172.16.0.1"), ClientClasses: gold}
		}), true)
	})
	b.Run("no-match", func(b *testing.B) {
		benchSelect4(b, x, selectors(func(i int) Selector {
			return Selector{GIAddr: netip.AddrFrom4([4]byte{192, 0, 2, byte(i)})}
		}), false)
	})
	b.Run("4o6", func(b *testing.B) {
		benchSelect4(b, x, selectors(func(i int) Selector {
			return Selector{DHCP4o6: true, RemoteAddr: netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 8), byte(i), 15: 7}), ClientClasses: gold}
		}), true)
	})
	// Kea's linear scan over the id-sorted subnets, for comparison.
	b.Run("linear-scan-ciaddr", func(b *testing.B) {
		subs := sorted4(cfg)
		sels := selectors(func(i int) Selector {
			return Selector{CIAddr: netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 20}), ClientClasses: gold}
		})
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			sel := &sels[i%len(sels)]
			for _, s := range subs {
				if s.Prefix.Masked().Contains(sel.CIAddr) && refSupported(sel, &s.Params, refNet4(s)) {
					break
				}
			}
			i++
		}
	})
}

func BenchmarkSelect6(b *testing.B) {
	x := New6(benchConfig6())
	run := func(b *testing.B, sels []Selector) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if x.Select(&sels[i%len(sels)]) == nil {
				b.Fatalf("no subnet for %+v", sels[i%len(sels)])
			}
			i++
		}
	}
	b.Run("link-relay", func(b *testing.B) {
		run(b, selectors(func(i int) Selector {
			return Selector{FirstRelayLinkAddr: netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, byte(i >> 8), byte(i), 15: 1})}
		}))
	})
	b.Run("link-prefix", func(b *testing.B) {
		run(b, selectors(func(i int) Selector {
			return Selector{FirstRelayLinkAddr: netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 8), byte(i), 15: 1})}
		}))
	})
	b.Run("interface-id", func(b *testing.B) {
		run(b, selectors(func(i int) Selector {
			return Selector{FirstRelayLinkAddr: netip.MustParseAddr("2001:db8:ffff::1"), InterfaceID: fmt.Sprint("port", i)}
		}))
	})
	b.Run("direct-iface", func(b *testing.B) {
		run(b, selectors(func(i int) Selector {
			return Selector{IfaceName: fmt.Sprint("vlan", i), RemoteAddr: netip.MustParseAddr("fe80::1%eth0")}
		}))
	})
}

func BenchmarkNew4(b *testing.B) {
	cfg := benchConfig4()
	b.ReportAllocs()
	for b.Loop() {
		New4(cfg)
	}
}

func BenchmarkNew6(b *testing.B) {
	cfg := benchConfig6()
	b.ReportAllocs()
	for b.Loop() {
		New6(cfg)
	}
}

func BenchmarkLinkSelection(b *testing.B) {
	rai := []byte{1, 6, 'v', 'l', 'a', 'n', '4', '2', 2, 6, 0, 1, 2, 3, 4, 5, 5, 4, 192, 0, 2, 1}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LinkSelection(rai); err != nil {
			b.Fatal(err)
		}
	}
}
