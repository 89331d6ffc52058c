package subnetselect_test

import (
	"fmt"
	"net/netip"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/subnetselect"
)

const exampleConfig4 = `{"Dhcp4": {
	"subnet4": [
		{"id": 2, "subnet": "192.0.2.0/24", "relay": {"ip-addresses": ["10.0.0.1"]}},
		{"id": 1, "subnet": "198.51.100.0/24", "interface": "eth0"}
	]
}}`

// Build an index once per committed configuration and select a subnet for
// each packet.
func Example() {
	cfg, _, err := cfgmgr.Parse([]byte(exampleConfig4))
	if err != nil {
		panic(err)
	}
	x := subnetselect.New4(cfg)

	// A relayed DISCOVER: giaddr is the relay's address.
	s := x.Select(&subnetselect.Selector{GIAddr: netip.MustParseAddr("10.0.0.1")})
	fmt.Println(s.ID, s.Prefix)

	// A broadcast DISCOVER from a directly connected client.
	s = x.Select(&subnetselect.Selector{
		LocalAddr: netip.MustParseAddr("255.255.255.255"),
		IfaceName: "eth0",
	})
	fmt.Println(s.ID, s.Prefix)

	// A unicast RENEW from an address no subnet holds.
	fmt.Println(x.Select(&subnetselect.Selector{CIAddr: netip.MustParseAddr("203.0.113.9")}) == nil)
	// Output:
	// 2 192.0.2.0/24
	// 1 198.51.100.0/24
	// true
}

// The link-selection sub-option of the relay agent information option
// overrides giaddr, unless the config sets ignore-rai-link-selection.
func ExampleOptionSelect() {
	cfg, _, err := cfgmgr.Parse([]byte(exampleConfig4))
	if err != nil {
		panic(err)
	}
	x := subnetselect.New4(cfg)

	rai := []byte{
		1, 3, 'e', 't', '1', // circuit-id
		5, 4, 198, 51, 100, 0, // link-selection
	}
	a, err := subnetselect.OptionSelect(rai, nil, cfg.Compatibility.IgnoreRAILinkSelection)
	if err != nil {
		fmt.Println("drop:", err)
		return
	}
	s := x.Select(&subnetselect.Selector{GIAddr: netip.MustParseAddr("10.0.0.1"), OptionSelect: a})
	fmt.Println(a, s.ID)

	_, err = subnetselect.OptionSelect([]byte{5, 4, 198}, nil, false)
	fmt.Println(err)
	// Output:
	// 198.51.100.0 1
	// subnetselect: malformed option: option 82: sub-option 5 at offset 0: length 4 exceeds the 1 bytes left
}

// DHCPv6 selection of a relayed packet: the link address closest to the
// client that is neither :: nor link-local.
func ExampleIndex6_Select() {
	cfg, _, err := cfgmgr.Parse([]byte(`{"Dhcp6": {"subnet6": [
		{"id": 1, "subnet": "2001:db8:1::/64"},
		{"id": 2, "subnet": "2001:db8:2::/64", "interface-id": "port7"}
	]}}`))
	if err != nil {
		panic(err)
	}
	x := subnetselect.New6(cfg)

	// Two relays: the outer one on 2001:db8:1::1, the inner (closest to the
	// client) only link-local.
	link := subnetselect.RelayLinkAddr(netip.MustParseAddr("2001:db8:1::1"), netip.MustParseAddr("fe80::1"))
	s := x.Select(&subnetselect.Selector{FirstRelayLinkAddr: link})
	fmt.Println(link, s.ID)

	// The interface-id option wins over the link address.
	s = x.Select(&subnetselect.Selector{FirstRelayLinkAddr: link, InterfaceID: "port7"})
	fmt.Println(s.ID)

	// Kea 2.2 treats a packet with an interface-id but no link address as
	// direct; newer Kea treats it as relayed.
	sel := &subnetselect.Selector{InterfaceID: "port7", RemoteAddr: netip.MustParseAddr("2001:db8:1::99")}
	fmt.Println(x.Select(sel).ID, subnetselect.Options6{InterfaceIDRelayed: true}.New6(cfg).Select(sel).ID)
	// Output:
	// 2001:db8:1::1 1
	// 2
	// 1 2
}

// A DHCPv4-over-DHCPv6 packet is selected by its IPv6 side.
func ExampleIndex4_Select4o6() {
	cfg, _, err := cfgmgr.Parse([]byte(`{"Dhcp4": {"subnet4": [
		{"id": 1, "subnet": "192.0.2.0/24", "4o6-subnet": "2001:db8:1::/48"},
		{"id": 2, "subnet": "198.51.100.0/24", "4o6-interface-id": "vlan7"}
	]}}`))
	if err != nil {
		panic(err)
	}
	x := subnetselect.New4(cfg)
	s := x.Select(&subnetselect.Selector{DHCP4o6: true, RemoteAddr: netip.MustParseAddr("2001:db8:1::42")})
	fmt.Println(s.ID)
	s = x.Select(&subnetselect.Selector{DHCP4o6: true, InterfaceID: "vlan7"})
	fmt.Println(s.ID)
	// Output:
	// 1
	// 2
}
