package subnetselect

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// The generators draw keys from small pools so that matches, overlaps,
// shared relay addresses and class guards are frequent.

func genStrPtr(vals ...string) *rapid.Generator[*string] {
	return rapid.Custom(func(t *rapid.T) *string {
		i := rapid.IntRange(-1, len(vals)-1).Draw(t, "i")
		if i < 0 {
			return nil
		}
		return &vals[i]
	})
}

func genRelays(pool []netip.Addr) *rapid.Generator[[]netip.Addr] {
	return rapid.Custom(func(t *rapid.T) []netip.Addr {
		switch rapid.IntRange(0, 3).Draw(t, "kind") {
		case 0:
			return nil
		case 1:
			return []netip.Addr{}
		}
		return rapid.SliceOfN(rapid.SampledFrom(pool), 1, 3).Draw(t, "relays")
	})
}

var (
	relayPool4 = []netip.Addr{
		netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.1.1"),
		netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"),
	}
	addrPool4 = append([]netip.Addr{
		{}, netip.IPv4Unspecified(), netip.MustParseAddr("255.255.255.255"),
		netip.MustParseAddr("10.0.0.0"), netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("10.0.0.200"),
		netip.MustParseAddr("10.0.1.5"), netip.MustParseAddr("10.0.2.129"), netip.MustParseAddr("10.0.3.255"),
		netip.MustParseAddr("10.9.9.9"), netip.MustParseAddr("192.0.2.3"),
		netip.MustParseAddr("::ffff:10.0.0.5"), netip.MustParseAddr("::ffff:255.255.255.255"),
	}, relayPool4...)
	relayPool6 = []netip.Addr{
		netip.MustParseAddr("2001:db8:1::1"), netip.MustParseAddr("2001:db8:2::1"),
		netip.MustParseAddr("2001:db8:ff::1"), netip.MustParseAddr("fe80::1"),
	}
	addrPool6 = append([]netip.Addr{
		{}, netip.IPv6Unspecified(),
		netip.MustParseAddr("2001:db8::5"), netip.MustParseAddr("2001:db8:0:1::5"),
		netip.MustParseAddr("2001:db8:1:0:1::"), netip.MustParseAddr("2001:db8:3::ff"),
		netip.MustParseAddr("2001:db9::1"), netip.MustParseAddr("fe80::2"),
		netip.MustParseAddr("2001:db8:2::1%eth0"), netip.MustParseAddr("::ffff:10.0.0.5"),
	}, relayPool6...)
	classes = []string{"A", "B", "C"}
	ifaces  = []string{"eth0", "eth1", "eth2"}
	ifIDs   = []string{"id1", "id2"}
)

func genIDs(t *rapid.T) []cfgmgr.SubnetID {
	return rapid.SliceOfNDistinct(rapid.Uint32Range(1, 60), 0, 20, rapid.ID).Draw(t, "ids")
}

func genParams(t *rapid.T, label string, pool []netip.Addr, v6 bool) cfgmgr.Params {
	p := cfgmgr.Params{
		ClientClass:    genStrPtr("", "A", "B").Draw(t, label+".class"),
		Interface:      genStrPtr("", "eth0", "eth1").Draw(t, label+".iface"),
		RelayAddresses: genRelays(pool).Draw(t, label+".relays"),
	}
	if v6 {
		p.InterfaceID = genStrPtr("", "id1", "id2").Draw(t, label+".ifaceid")
	}
	return p
}

func genConfig4(t *rapid.T) *cfgmgr.Config {
	cfg := &cfgmgr.Config{Family: option.V4}
	for i := range rapid.IntRange(0, 3).Draw(t, "nets") {
		cfg.SharedNetworks4 = append(cfg.SharedNetworks4, &cfgmgr.SharedNetwork4{
			Name:   fmt.Sprint("net", i),
			Params: genParams(t, "net", relayPool4, false),
		})
	}
	for _, id := range genIDs(t) {
		a := rapid.SampledFrom(addrPool4[3:]).Draw(t, "addr")
		bits := rapid.SampledFrom([]int{8, 16, 22, 24, 25, 30, 32}).Draw(t, "bits")
		s := &cfgmgr.Subnet4{
			ID:     id,
			Prefix: netip.PrefixFrom(a, bits),
			Params: genParams(t, "subnet", relayPool4, false),
			Subnet4o6: rapid.SampledFrom([]netip.Prefix{{},
				netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("2001:db8:1::/48"),
				netip.MustParsePrefix("::/0"), netip.MustParsePrefix("2001:db8:3::/64"),
			}).Draw(t, "4o6-subnet"),
			Interface4o6:   rapid.SampledFrom([]string{"", "eth0", "eth1"}).Draw(t, "4o6-interface"),
			InterfaceID4o6: rapid.SampledFrom([]string{"", "id1", "id2"}).Draw(t, "4o6-interface-id"),
		}
		if n := rapid.IntRange(-1, len(cfg.SharedNetworks4)-1).Draw(t, "net"); n >= 0 {
			s.Network = cfg.SharedNetworks4[n]
			s.Network.Subnets = append(s.Network.Subnets, s)
		}
		cfg.Subnets4 = append(cfg.Subnets4, s) // in random id order
	}
	return cfg
}

func genConfig6(t *rapid.T) *cfgmgr.Config {
	cfg := &cfgmgr.Config{Family: option.V6}
	for i := range rapid.IntRange(0, 3).Draw(t, "nets") {
		cfg.SharedNetworks6 = append(cfg.SharedNetworks6, &cfgmgr.SharedNetwork6{
			Name:   fmt.Sprint("net", i),
			Params: genParams(t, "net", relayPool6, true),
		})
	}
	for _, id := range genIDs(t) {
		a := rapid.SampledFrom(addrPool6[2:]).Draw(t, "addr")
		bits := rapid.SampledFrom([]int{10, 32, 40, 48, 64, 80, 128}).Draw(t, "bits")
		s := &cfgmgr.Subnet6{
			ID:     id,
			Prefix: netip.PrefixFrom(a, bits),
			Params: genParams(t, "subnet", relayPool6, true),
		}
		if n := rapid.IntRange(-1, len(cfg.SharedNetworks6)-1).Draw(t, "net"); n >= 0 {
			s.Network = cfg.SharedNetworks6[n]
			s.Network.Subnets = append(s.Network.Subnets, s)
		}
		cfg.Subnets6 = append(cfg.Subnets6, s)
	}
	return cfg
}

func genSelector4(t *rapid.T) *Selector {
	a := rapid.SampledFrom(addrPool4)
	sel := &Selector{
		CIAddr:        a.Draw(t, "ciaddr"),
		GIAddr:        a.Draw(t, "giaddr"),
		LocalAddr:     a.Draw(t, "local"),
		RemoteAddr:    a.Draw(t, "remote"),
		IfaceAddr4:    a.Draw(t, "ifaceaddr"),
		ClientClasses: rapid.SliceOfDistinct(rapid.SampledFrom(classes), rapid.ID).Draw(t, "classes"),
		IfaceName:     rapid.SampledFrom(append([]string{""}, ifaces...)).Draw(t, "iface"),
		InterfaceID:   rapid.SampledFrom(append([]string{""}, ifIDs...)).Draw(t, "ifaceid"),
	}
	if rapid.IntRange(0, 3).Draw(t, "optsel") == 0 {
		sel.OptionSelect = a.Draw(t, "option-select")
	}
	if rapid.Bool().Draw(t, "4o6") {
		sel.DHCP4o6 = true
		sel.RemoteAddr = rapid.SampledFrom(append(addrPool6, addrPool4...)).Draw(t, "remote6")
	}
	return sel
}

func genSelector6(t *rapid.T) *Selector {
	a := rapid.SampledFrom(addrPool6)
	return &Selector{
		FirstRelayLinkAddr: a.Draw(t, "link"),
		RemoteAddr:         a.Draw(t, "remote"),
		ClientClasses:      rapid.SliceOfDistinct(rapid.SampledFrom(classes), rapid.ID).Draw(t, "classes"),
		IfaceName:          rapid.SampledFrom(append([]string{""}, ifaces...)).Draw(t, "iface"),
		InterfaceID:        rapid.SampledFrom(append([]string{""}, ifIDs...)).Draw(t, "ifaceid"),
	}
}

func id4(s *cfgmgr.Subnet4) cfgmgr.SubnetID {
	if s == nil {
		return 0
	}
	return s.ID
}

func id6(s *cfgmgr.Subnet6) cfgmgr.SubnetID {
	if s == nil {
		return 0
	}
	return s.ID
}

// TestIndex4MatchesReference: the indexed v4 and 4o6 selection equals the
// linear transcription of Kea's rules, for random configs and packets.
func TestIndex4MatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := genConfig4(t)
		x := New4(cfg)
		for range 20 {
			sel := genSelector4(t)
			want := refSelect4(cfg, sel)
			got := x.Select(sel)
			require.Equal(t, id4(want), id4(got), "selector %+v", *sel)
			require.Same(t, want, got)
		}
	})
}

// TestIndex6MatchesReference: the same for v6, with both Options6.
func TestIndex6MatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := genConfig6(t)
		opts := Options6{InterfaceIDRelayed: rapid.Bool().Draw(t, "head")}
		x := opts.New6(cfg)
		for range 20 {
			sel := genSelector6(t)
			want := refSelect6(cfg, opts, sel)
			got := x.Select(sel)
			require.Equal(t, id6(want), id6(got), "selector %+v", *sel)
			require.Same(t, want, got)
		}
	})
}
