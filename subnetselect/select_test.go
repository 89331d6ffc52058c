package subnetselect

import (
	"net/netip"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// The scenarios follow Kea's cfg_subnets4_unittest.cc and
// cfg_subnets6_unittest.cc selection tests, rewritten as tables over
// configurations parsed from Kea JSON.

func parse(t testing.TB, root, body string) *cfgmgr.Config {
	t.Helper()
	cfg, _, err := cfgmgr.Parse([]byte(`{"` + root + `": ` + body + `}`))
	require.NoError(t, err)
	return cfg
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

type case4 struct {
	name string
	sel  Selector
	want cfgmgr.SubnetID // 0: no subnet
}

func run4(t *testing.T, x *Index4, cases []case4) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := x.Select(&c.sel)
			require.Equal(t, c.want, id4(got))
			if x.Config() != nil {
				require.Equal(t, id4(refSelect4(x.Config(), &c.sel)), id4(got), "reference disagrees")
			}
		})
	}
}

// Subnets are listed out of id order on purpose: selection follows ids.
const config4 = `{
	"subnet4": [
		{"id": 30, "subnet": "192.0.2.128/26", "relay": {"ip-addresses": ["10.0.0.3"]}, "interface": "eth2"},
		{"id": 10, "subnet": "192.0.2.0/26", "relay": {"ip-addresses": ["10.0.0.1"]}, "interface": "eth0"},
		{"id": 20, "subnet": "192.0.2.64/26", "relay": {"ip-addresses": ["10.0.0.2", "10.0.0.1"]},
		 "client-class": "foo", "interface": "eth0"}
	],
	"shared-networks": [{
		"name": "net", "relay": {"ip-addresses": ["10.0.1.1"]}, "interface": "eth1",
		"subnet4": [
			{"id": 40, "subnet": "198.51.100.0/25"},
			{"id": 5, "subnet": "198.51.100.128/25", "relay": {"ip-address": "10.0.1.9"}, "interface": "eth3"}
		]
	}]
}`

func TestSelect4(t *testing.T) {
	x := New4(parse(t, "Dhcp4", config4))
	require.Equal(t, 5, x.Len())
	bcast := ip("255.255.255.255")
	run4(t, x, []case4{
		{name: "nothing set", sel: Selector{}},
		// ciaddr (renew, rebind) and source address.
		{name: "ciaddr", sel: Selector{CIAddr: ip("192.0.2.5"), LocalAddr: ip("192.0.2.1")}, want: 10},
		{name: "ciaddr third subnet", sel: Selector{CIAddr: ip("192.0.2.130")}, want: 30},
		{name: "ciaddr class guard rejects", sel: Selector{CIAddr: ip("192.0.2.70")}},
		{name: "ciaddr class guard accepts", sel: Selector{CIAddr: ip("192.0.2.70"), ClientClasses: []string{"bar", "foo"}}, want: 20},
		{name: "ciaddr outside all subnets", sel: Selector{CIAddr: ip("203.0.113.1")}},
		{name: "ciaddr wins over remote", sel: Selector{CIAddr: ip("192.0.2.5"), RemoteAddr: ip("192.0.2.130")}, want: 10},
		{name: "remote when no ciaddr", sel: Selector{RemoteAddr: ip("192.0.2.130")}, want: 30},
		{name: "remote outside does not fall back to iface",
			sel: Selector{RemoteAddr: ip("203.0.113.1"), IfaceName: "eth0"}},
		{name: "broadcast ignores ciaddr and remote",
			sel: Selector{CIAddr: ip("192.0.2.5"), RemoteAddr: ip("192.0.2.130"), LocalAddr: bcast}},
		{name: "broadcast uses interface",
			sel: Selector{CIAddr: ip("192.0.2.5"), RemoteAddr: ip("192.0.2.130"), LocalAddr: bcast, IfaceName: "eth2"}, want: 30},
		{name: "ipv4-mapped ciaddr", sel: Selector{CIAddr: ip("::ffff:192.0.2.5")}, want: 10},
		{name: "0.0.0.0 is unset", sel: Selector{CIAddr: ip("0.0.0.0"), RemoteAddr: ip("0.0.0.0"), IfaceName: "eth2"}, want: 30},
		// Interface name (Kea: only when the packet is not relayed and has no usable address).
		{name: "iface", sel: Selector{IfaceName: "eth0"}, want: 10},
		{name: "iface skips guarded lower id",
			sel: Selector{IfaceName: "eth0", ClientClasses: []string{"foo"}}, want: 10},
		{name: "iface from shared network", sel: Selector{IfaceName: "eth1"}, want: 40},
		{name: "subnet iface overrides network", sel: Selector{IfaceName: "eth3"}, want: 5},
		{name: "unknown iface uses iface address",
			sel: Selector{IfaceName: "eth9", IfaceAddr4: ip("192.0.2.129")}, want: 30},
		{name: "unknown iface without address", sel: Selector{IfaceName: "eth9"}},
		{name: "iface address needs iface name", sel: Selector{IfaceAddr4: ip("192.0.2.129")}},
		// giaddr and relay addresses.
		{name: "giaddr matches relay of two subnets: lowest id", sel: Selector{GIAddr: ip("10.0.0.1")}, want: 10},
		{name: "giaddr relay guarded, no prefix fallback match", sel: Selector{GIAddr: ip("10.0.0.2")}},
		{name: "giaddr relay guarded accepts", sel: Selector{GIAddr: ip("10.0.0.2"), ClientClasses: []string{"foo"}}, want: 20},
		{name: "giaddr relay of third subnet", sel: Selector{GIAddr: ip("10.0.0.3")}, want: 30},
		{name: "giaddr in prefix without relay match", sel: Selector{GIAddr: ip("192.0.2.130")}, want: 30},
		{name: "giaddr no match anywhere", sel: Selector{GIAddr: ip("203.0.113.1"), CIAddr: ip("192.0.2.5")}},
		{name: "giaddr wins over ciaddr", sel: Selector{GIAddr: ip("192.0.2.1"), CIAddr: ip("192.0.2.130")}, want: 10},
		{name: "giaddr wins over iface", sel: Selector{GIAddr: ip("10.0.0.3"), IfaceName: "eth0"}, want: 30},
		{name: "shared network relay", sel: Selector{GIAddr: ip("10.0.1.1")}, want: 40},
		{name: "subnet relay overrides network relay", sel: Selector{GIAddr: ip("10.0.1.9")}, want: 5},
		// Link selection / subnet selection option: no fallback.
		{name: "option select", sel: Selector{OptionSelect: ip("192.0.2.130"), GIAddr: ip("10.0.0.1")}, want: 30},
		{name: "option select guarded", sel: Selector{OptionSelect: ip("192.0.2.70"), GIAddr: ip("10.0.0.1")}},
		{name: "option select no match, no fallback",
			sel: Selector{OptionSelect: ip("203.0.113.1"), GIAddr: ip("10.0.0.1"), CIAddr: ip("192.0.2.5"), IfaceName: "eth0"}},
		{name: "option select 0.0.0.0 is unset", sel: Selector{OptionSelect: ip("0.0.0.0"), GIAddr: ip("10.0.0.1")}, want: 10},
	})
}

// Class guards skip to a higher id; a shared network's guard applies on top
// of the subnet's own (Kea's Subnet::clientSupported).
func TestSelect4ClassGuards(t *testing.T) {
	x := New4(parse(t, "Dhcp4", `{
		"shared-networks": [
			{"name": "n", "relay": {"ip-addresses": ["10.0.5.1"]}, "subnet4": [
				{"id": 3, "subnet": "203.0.113.0/24"},
				{"id": 1, "subnet": "192.0.2.0/24", "client-class": "gold"},
				{"id": 2, "subnet": "198.51.100.0/24", "client-class": "silver"}
			]},
			{"name": "m", "relay": {"ip-addresses": ["10.0.6.1"]}, "client-class": "X", "subnet4": [
				{"id": 4, "subnet": "192.0.3.0/24", "client-class": "gold"},
				{"id": 5, "subnet": "192.0.4.0/24", "interface": "eth0"}
			]}
		]}`))
	run4(t, x, []case4{
		{name: "no classes: unguarded subnet", sel: Selector{GIAddr: ip("10.0.5.1")}, want: 3},
		{name: "silver", sel: Selector{GIAddr: ip("10.0.5.1"), ClientClasses: []string{"silver"}}, want: 2},
		{name: "gold and silver", sel: Selector{GIAddr: ip("10.0.5.1"), ClientClasses: []string{"silver", "gold"}}, want: 1},
		{name: "network guard rejects", sel: Selector{GIAddr: ip("10.0.6.1"), ClientClasses: []string{"gold"}}},
		{name: "network and subnet guard accept", sel: Selector{GIAddr: ip("10.0.6.1"), ClientClasses: []string{"X", "gold"}}, want: 4},
		{name: "network guard only", sel: Selector{GIAddr: ip("10.0.6.1"), ClientClasses: []string{"X"}}, want: 5},
		{name: "network guard on iface", sel: Selector{IfaceName: "eth0"}},
		{name: "network guard on iface accepts", sel: Selector{IfaceName: "eth0", ClientClasses: []string{"X"}}, want: 5},
		{name: "network guard on prefix", sel: Selector{CIAddr: ip("192.0.4.1")}},
	})
}

// Overlapping prefixes (cfgmgr rejects them, a hand-built config may have
// them): the lowest id that accepts the packet wins, whatever the length.
func TestSelect4OverlappingPrefixes(t *testing.T) {
	gold := "gold"
	cfg := &cfgmgr.Config{Family: option.V4, Subnets4: []*cfgmgr.Subnet4{
		{ID: 9, Prefix: netip.MustParsePrefix("10.0.0.0/8")},
		{ID: 2, Prefix: netip.MustParsePrefix("10.1.2.0/24"), Params: cfgmgr.Params{ClientClass: &gold}},
		{ID: 5, Prefix: netip.MustParsePrefix("10.1.2.3/16")}, // host bits set: the prefix counts
		nil,
	}}
	run4(t, New4(cfg), []case4{
		{name: "guarded /24 skipped to /16", sel: Selector{CIAddr: ip("10.1.2.3")}, want: 5},
		{name: "guarded /24 accepts", sel: Selector{CIAddr: ip("10.1.2.3"), ClientClasses: []string{"gold"}}, want: 2},
		{name: "only the /8", sel: Selector{CIAddr: ip("10.2.0.1")}, want: 9},
		{name: "/16 and /8: lower id", sel: Selector{CIAddr: ip("10.1.9.1")}, want: 5},
	})
}

func TestSelect4o6(t *testing.T) {
	x := New4(parse(t, "Dhcp4", `{"subnet4": [
		{"id": 1, "subnet": "192.0.2.0/24"},
		{"id": 5, "subnet": "192.0.4.0/24", "4o6-interface": "eth1", "4o6-subnet": "2001:db8::/32"},
		{"id": 2, "subnet": "198.51.100.0/24", "4o6-subnet": "2001:db8:1::/48"},
		{"id": 3, "subnet": "203.0.113.0/24", "4o6-interface-id": "vlan100"},
		{"id": 4, "subnet": "192.0.3.0/24", "4o6-interface": "eth1", "client-class": "gold"},
		{"id": 6, "subnet": "192.0.5.0/24", "4o6-subnet": "::/0"}
	]}`))
	run4(t, x, []case4{
		{name: "nothing", sel: Selector{DHCP4o6: true}},
		{name: "remote in 4o6-subnet: lowest id", sel: Selector{DHCP4o6: true, RemoteAddr: ip("2001:db8:1::5")}, want: 2},
		{name: "remote in wider 4o6-subnet", sel: Selector{DHCP4o6: true, RemoteAddr: ip("2001:db8:2::5")}, want: 5},
		{name: "remote with zone", sel: Selector{DHCP4o6: true, RemoteAddr: ip("2001:db8:2::5%eth0")}, want: 5},
		{name: "::/0 never matches", sel: Selector{DHCP4o6: true, RemoteAddr: ip("2001:db9::1")}},
		{name: "interface-id", sel: Selector{DHCP4o6: true, InterfaceID: "vlan100"}, want: 3},
		{name: "interface-id unknown", sel: Selector{DHCP4o6: true, InterfaceID: "vlan200"}},
		{name: "4o6-interface, guarded lower id skipped", sel: Selector{DHCP4o6: true, IfaceName: "eth1"}, want: 5},
		{name: "4o6-interface, guard accepts", sel: Selector{DHCP4o6: true, IfaceName: "eth1", ClientClasses: []string{"gold"}}, want: 4},
		{name: "any rule: lowest id wins",
			sel: Selector{DHCP4o6: true, RemoteAddr: ip("2001:db8:1::5"), InterfaceID: "vlan100", IfaceName: "eth1", ClientClasses: []string{"gold"}}, want: 2},
		{name: "v4 rules do not apply", sel: Selector{DHCP4o6: true, CIAddr: ip("192.0.2.5"), GIAddr: ip("192.0.2.1"), OptionSelect: ip("192.0.2.1")}},
		{name: "v4 remote never matches", sel: Selector{DHCP4o6: true, RemoteAddr: ip("192.0.2.5")}},
		{name: "without the flag, v4 rules", sel: Selector{RemoteAddr: ip("2001:db8:1::5"), CIAddr: ip("192.0.4.1")}, want: 5},
	})
	require.Equal(t, cfgmgr.SubnetID(3), id4(x.Select4o6(&Selector{InterfaceID: "vlan100"})), "Select4o6 ignores the flag")
}

type case6 struct {
	name string
	sel  Selector
	want cfgmgr.SubnetID
}

func run6(t *testing.T, x *Index6, cases []case6) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := x.Select(&c.sel)
			require.Equal(t, c.want, id6(got))
			require.Equal(t, id6(refSelect6(x.Config(), x.Options(), &c.sel)), id6(got), "reference disagrees")
		})
	}
}

const config6 = `{
	"subnet6": [
		{"id": 3, "subnet": "2001:db8:3::/64", "interface": "eth0", "interface-id": "relay3"},
		{"id": 1, "subnet": "2001:db8:1::/64", "relay": {"ip-addresses": ["2001:db8:ff::1"]}, "client-class": "bar"},
		{"id": 2, "subnet": "2001:db8:2::/64", "relay": {"ip-addresses": ["2001:db8:ff::1", "2001:db8:ff::2"]},
		 "client-class": "foo", "interface-id": "relay2"}
	],
	"shared-networks": [{
		"name": "n6", "interface": "eth1", "interface-id": "net-id", "relay": {"ip-addresses": ["2001:db8:fe::1"]},
		"subnet6": [
			{"id": 5, "subnet": "2001:db8:5::/64", "interface-id": "own5"},
			{"id": 4, "subnet": "2001:db8:4::/64"}
		]
	}]
}`

func TestSelect6(t *testing.T) {
	x := New6(parse(t, "Dhcp6", config6))
	require.Equal(t, 5, x.Len())
	require.False(t, x.Options().InterfaceIDRelayed)
	run6(t, x, []case6{
		{name: "nothing", sel: Selector{}},
		// Direct: interface, then remote address.
		{name: "direct iface", sel: Selector{IfaceName: "eth0", RemoteAddr: ip("2001:db8:4::5")}, want: 3},
		{name: "direct iface from shared network", sel: Selector{IfaceName: "eth1"}, want: 4},
		{name: "direct link :: is direct", sel: Selector{FirstRelayLinkAddr: ip("::"), IfaceName: "eth1"}, want: 4},
		{name: "direct remote", sel: Selector{IfaceName: "eth9", RemoteAddr: ip("2001:db8:5::9")}, want: 5},
		{name: "direct remote with zone", sel: Selector{RemoteAddr: ip("2001:db8:5::9%eth9")}, want: 5},
		{name: "direct remote guarded", sel: Selector{RemoteAddr: ip("2001:db8:2::9")}},
		{name: "direct remote guard accepts", sel: Selector{RemoteAddr: ip("2001:db8:2::9"), ClientClasses: []string{"foo"}}, want: 2},
		{name: "direct link-local remote", sel: Selector{RemoteAddr: ip("fe80::1%eth9")}},
		{name: "direct ignores interface-id (Kea 2.2)", sel: Selector{InterfaceID: "relay3", IfaceName: "eth1"}, want: 4},
		// Relayed: interface-id, relay addresses, link address prefix.
		{name: "relay address: both guarded", sel: Selector{FirstRelayLinkAddr: ip("2001:db8:ff::1")}},
		{name: "relay address: skip to higher id", sel: Selector{FirstRelayLinkAddr: ip("2001:db8:ff::1"), ClientClasses: []string{"foo"}}, want: 2},
		{name: "relay address: lowest id", sel: Selector{FirstRelayLinkAddr: ip("2001:db8:ff::1"), ClientClasses: []string{"foo", "bar"}}, want: 1},
		{name: "relay address from shared network", sel: Selector{FirstRelayLinkAddr: ip("2001:db8:fe::1")}, want: 4},
		{name: "link address prefix", sel: Selector{FirstRelayLinkAddr: ip("2001:db8:5::1"), IfaceName: "eth0"}, want: 5},
		{name: "link address nowhere", sel: Selector{FirstRelayLinkAddr: ip("2001:db8:9::1"), IfaceName: "eth0", RemoteAddr: ip("2001:db8:3::1")}},
		{name: "interface-id wins over link address", sel: Selector{FirstRelayLinkAddr: ip("2001:db8:5::1"), InterfaceID: "relay3"}, want: 3},
		{name: "interface-id of shared network", sel: Selector{FirstRelayLinkAddr: ip("2001:db8:9::1"), InterfaceID: "net-id"}, want: 4},
		{name: "subnet interface-id overrides network", sel: Selector{FirstRelayLinkAddr: ip("2001:db8:9::1"), InterfaceID: "own5"}, want: 5},
		{name: "interface-id guarded falls to relay", sel: Selector{FirstRelayLinkAddr: ip("2001:db8:fe::1"), InterfaceID: "relay2"}, want: 4},
		{name: "unknown interface-id falls to prefix", sel: Selector{FirstRelayLinkAddr: ip("2001:db8:1::1"), InterfaceID: "zzz", ClientClasses: []string{"bar"}}, want: 1},
	})
}

// Kea ≥ #4358: a layer-2 relay that adds only an interface-id makes the
// packet relayed.
func TestSelect6InterfaceIDRelayed(t *testing.T) {
	x := Options6{InterfaceIDRelayed: true}.New6(parse(t, "Dhcp6", config6))
	require.True(t, x.Options().InterfaceIDRelayed)
	run6(t, x, []case6{
		{name: "interface-id alone is relayed", sel: Selector{InterfaceID: "relay3", IfaceName: "eth1"}, want: 3},
		{name: "unmatched interface-id: no direct fallback", sel: Selector{InterfaceID: "zzz", IfaceName: "eth1", RemoteAddr: ip("2001:db8:4::1")}},
		{name: "no interface-id: direct", sel: Selector{IfaceName: "eth1"}, want: 4},
		{name: "link address as before", sel: Selector{FirstRelayLinkAddr: ip("2001:db8:fe::1"), InterfaceID: "zzz"}, want: 4},
	})
}

// Relay chains: the link address closest to the client that is neither ::
// nor link-local decides; a chain of only such addresses is direct in Kea 2.2.
func TestSelect6RelayChains(t *testing.T) {
	x := New6(parse(t, "Dhcp6", config6))
	for _, c := range []struct {
		name  string
		links []netip.Addr
		iface string
		want  cfgmgr.SubnetID
	}{
		{"inner link-local, outer global", []netip.Addr{ip("2001:db8:fe::1"), ip("fe80::1")}, "", 4},
		{"inner global wins", []netip.Addr{ip("2001:db8:fe::1"), ip("2001:db8:5::1")}, "", 5},
		{"inner ::, outer global", []netip.Addr{ip("2001:db8:5::1"), ip("::")}, "", 5},
		{"all :: or link-local: direct by iface", []netip.Addr{ip("::"), ip("fe80::1"), ip("fe80::2%eth0")}, "eth0", 3},
		{"all :: or link-local, unknown iface", []netip.Addr{ip("fe80::1")}, "eth9", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			sel := Selector{FirstRelayLinkAddr: RelayLinkAddr(c.links...), IfaceName: c.iface}
			require.Equal(t, c.want, id6(x.Select(&sel)))
		})
	}
}

func TestRelayLinkAddr(t *testing.T) {
	for _, c := range []struct {
		links []netip.Addr
		want  netip.Addr
	}{
		{nil, ip("::")},
		{[]netip.Addr{{}}, ip("::")},
		{[]netip.Addr{ip("::"), ip("fe80::1")}, ip("::")},
		{[]netip.Addr{ip("2001:db8::1"), ip("fe80::1")}, ip("2001:db8::1")},
		{[]netip.Addr{ip("2001:db8::1"), ip("2001:db8::2")}, ip("2001:db8::2")},
		{[]netip.Addr{ip("2001:db8::2"), ip("::"), {}}, ip("2001:db8::2")},
		{[]netip.Addr{ip("2001:db8::1%eth0")}, ip("2001:db8::1")},
	} {
		require.Equal(t, c.want, RelayLinkAddr(c.links...), "%v", c.links)
	}
}

func TestNilAndEmpty(t *testing.T) {
	var x4 *Index4
	var x6 *Index6
	require.Nil(t, x4.Select(&Selector{CIAddr: ip("192.0.2.1")}))
	require.Nil(t, x4.Select4o6(&Selector{}))
	require.Nil(t, x6.Select(&Selector{RemoteAddr: ip("2001:db8::1")}))
	require.Nil(t, x4.Config())
	require.Zero(t, x4.Len())
	require.Nil(t, x6.Config())
	require.Zero(t, x6.Len())

	e4, e6 := New4(nil), New6(nil)
	require.Nil(t, e4.Config())
	require.Zero(t, e4.Len())
	require.Nil(t, e4.Select(&Selector{CIAddr: ip("192.0.2.1"), IfaceName: "eth0", IfaceAddr4: ip("192.0.2.1")}))
	require.Nil(t, e6.Select(&Selector{RemoteAddr: ip("2001:db8::1")}))

	full4 := New4(parse(t, "Dhcp4", config4))
	require.Nil(t, full4.Select(nil))
	require.Nil(t, full4.Select4o6(nil))
	require.Nil(t, New6(parse(t, "Dhcp6", config6)).Select(nil))

	// A v4 config indexed as v6 and the reverse select nothing.
	require.Zero(t, New6(parse(t, "Dhcp4", config4)).Len())
	require.Zero(t, New4(parse(t, "Dhcp6", config6)).Len())
}

func TestSelectorInClass(t *testing.T) {
	s := Selector{ClientClasses: []string{"ALL", "foo"}}
	require.True(t, s.InClass("foo"))
	require.False(t, s.InClass("bar"))
	require.False(t, (&Selector{}).InClass(""))
}

// Select does not allocate.
func TestSelectAllocs(t *testing.T) {
	x4 := New4(parse(t, "Dhcp4", config4))
	x6 := New6(parse(t, "Dhcp6", config6))
	sels4 := []Selector{
		{GIAddr: ip("10.0.0.2"), ClientClasses: []string{"foo"}},
		{CIAddr: ip("192.0.2.130")},
		{IfaceName: "eth1"},
		{OptionSelect: ip("192.0.2.5")},
		{DHCP4o6: true, RemoteAddr: ip("2001:db8::1"), InterfaceID: "x", IfaceName: "y"},
	}
	sels6 := []Selector{
		{FirstRelayLinkAddr: ip("2001:db8:ff::1"), ClientClasses: []string{"foo"}},
		{FirstRelayLinkAddr: ip("2001:db8:5::1"), InterfaceID: "zzz"},
		{IfaceName: "eth1"},
		{RemoteAddr: ip("2001:db8:5::9%eth0")},
	}
	n := testing.AllocsPerRun(100, func() {
		for i := range sels4 {
			x4.Select(&sels4[i])
		}
		for i := range sels6 {
			x6.Select(&sels6[i])
		}
	})
	require.Zero(t, n)
}

// Many goroutines share one index (run with -race).
func TestConcurrentSelect(t *testing.T) {
	x := New4(parse(t, "Dhcp4", config4))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				s := x.Select(&Selector{GIAddr: ip("10.0.1.9")})
				if s == nil || s.ID != 5 {
					t.Error("wrong subnet")
					return
				}
			}
		})
	}
	wg.Wait()
}
