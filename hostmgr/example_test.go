package hostmgr_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/dhcpsrv/dhcpsrv/hostmgr"
)

// Reservations from the configuration go into a CfgHosts, the primary
// source of a Manager; the server looks a client up by the identifiers of
// its packet, in host-reservation-identifiers order.
func Example() {
	ctx := context.Background()
	mac, _ := hostmgr.ParseIdentifier(hostmgr.IdentHWAddr, "1a:1b:1c:1d:1e:1f")
	h := hostmgr.NewHost4(1, hostmgr.IdentHWAddr, mac)
	h.IPv4Address = netip.MustParseAddr("192.0.2.201")
	h.Hostname = "printer"

	cfg, err := hostmgr.NewConfigSource(true, h)
	if err != nil {
		fmt.Println(err)
		return
	}
	m := hostmgr.NewManager(cfg, hostmgr.ManagerOptions{})

	found, err := m.Get4Any(ctx, 1, []hostmgr.Identifier{
		{Type: hostmgr.IdentHWAddr, Value: mac},
		{Type: hostmgr.IdentClientID, Value: []byte{1, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(found.Hostname, found.IPv4Address)

	_, err = m.Get4(ctx, 2, hostmgr.IdentHWAddr, mac)
	fmt.Println(errors.Is(err, hostmgr.ErrNotFound))
	// Output:
	// printer 192.0.2.201
	// true
}

// Kea's uniqueness rules are enforced on Add, and the error says which host
// is in the way.
func ExampleCfgHosts_Add() {
	ctx := context.Background()
	c := hostmgr.NewCfgHosts()
	a := hostmgr.NewHost4(1, hostmgr.IdentHWAddr, []byte{1, 2, 3, 4, 5, 6})
	a.IPv4Address = netip.MustParseAddr("192.0.2.10")
	b := hostmgr.NewHost4(1, hostmgr.IdentHWAddr, []byte{1, 2, 3, 4, 5, 7})
	b.IPv4Address = netip.MustParseAddr("192.0.2.10")

	fmt.Println(c.Add(ctx, a))
	err := c.Add(ctx, b)
	fmt.Println(errors.Is(err, hostmgr.ErrReservedAddress))
	fmt.Println(err)
	// Output:
	// <nil>
	// true
	// hostmgr: cannot add host hw-address=01:02:03:04:05:07 subnet4=1 ipv4=192.0.2.10: address 192.0.2.10 is already reserved in IPv4 subnet 1 by host hw-address=01:02:03:04:05:06 subnet4=1 ipv4=192.0.2.10 host-id=1
}

func ExampleParseIdentifier() {
	for _, tc := range []struct {
		t    hostmgr.IdentifierType
		text string
	}{
		{hostmgr.IdentHWAddr, "01:02:03:04:05:06"},
		{hostmgr.IdentDUID, "0x000100014d5a0a2b"},
		{hostmgr.IdentCircuitID, "'gw-port-7'"},
		{hostmgr.IdentHWAddr, "01:02:zz"},
	} {
		b, err := hostmgr.ParseIdentifier(tc.t, tc.text)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(hostmgr.Identifier{Type: tc.t, Value: b})
	}
	// Output:
	// hw-address=01:02:03:04:05:06
	// duid=00:01:00:01:4d:5a:0a:2b
	// circuit-id=67:77:2d:70:6f:72:74:2d:37
	// hostmgr: invalid hw-address "01:02:zz": "zz" is not a hex number
}

// Alternate sources are asked after the primary; with a negative cache, a
// client that has no reservation anywhere is not looked up in the database
// again until the TTL passes.
func ExampleManager_AddSource() {
	ctx := context.Background()
	db := hostmgr.NewCfgHosts() // stands in for hostmgr.Open(ctx, hostsDatabase)
	h := hostmgr.NewHost6(5, hostmgr.IdentDUID, []byte{0, 3, 0, 1, 1, 2, 3, 4, 5, 6})
	h.IPv6Prefixes = []netip.Prefix{netip.MustParsePrefix("2001:db8:100::/56")}
	_ = db.Add(ctx, h)

	m := hostmgr.NewManager(hostmgr.NewCfgHosts(), hostmgr.ManagerOptions{NegativeCacheTTL: 30e9})
	m.AddSource(db)

	got, err := m.Get6(ctx, 5, hostmgr.IdentDUID, []byte{0, 3, 0, 1, 1, 2, 3, 4, 5, 6})
	fmt.Println(got.IPv6Prefixes, err)
	_, err = m.Get6(ctx, 5, hostmgr.IdentHWAddr, []byte{1, 2, 3, 4, 5, 6})
	fmt.Println(err, m.NegativeCacheLen())
	// Output:
	// [2001:db8:100::/56] <nil>
	// hostmgr: host not found 1
}

// Paging through all sources with a Cursor, as Kea's reservation-get-page.
func ExampleManager_GetPage4() {
	ctx := context.Background()
	cfg := hostmgr.NewCfgHosts()
	for i := range 5 {
		_ = cfg.Add(ctx, hostmgr.NewHost4(1, hostmgr.IdentHWAddr, []byte{2, 0, 0, 0, 0, byte(i)}))
	}
	m := hostmgr.NewManager(cfg, hostmgr.ManagerOptions{})
	var c hostmgr.Cursor
	for {
		page, next, err := m.GetPage4(ctx, 1, c, 2)
		if err != nil || len(page) == 0 {
			break
		}
		fmt.Println(len(page), next)
		c = next
	}
	// Output:
	// 2 {0 2}
	// 2 {0 4}
	// 1 {0 5}
}
