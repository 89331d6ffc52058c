package leasemgr_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	_ "github.com/dhcpsrv/dhcpsrv/leasemgr/memfile" // registers "memfile"
)

// Open a lease backend from Kea's lease-database map, as a server does with
// its configuration.
func ExampleOpen() {
	ctx := context.Background()
	m, err := leasemgr.Open(ctx, leasemgr.Params{
		Universe: leasemgr.V4,
		Database: map[string]any{"type": "memfile", "persist": false},
	})
	if err != nil {
		panic(err)
	}
	defer m.Close()

	err = m.AddLease4(ctx, &leasemgr.Lease4{
		Addr:          netip.MustParseAddr("192.0.2.10"),
		HWAddr:        leasemgr.HWAddr{Addr: []byte{0, 0x5e, 0, 0x53, 0, 1}, Type: leasemgr.HTypeEthernet},
		ValidLifetime: 3600,
		CLTT:          1767225600,
		SubnetID:      1,
	})
	if err != nil {
		panic(err)
	}
	l, err := m.Lease4(ctx, netip.MustParseAddr("192.0.2.10"))
	if err != nil {
		panic(err)
	}
	fmt.Println(l.HWAddr, l.ExpiresAt().UTC())
	_, err = m.Lease4(ctx, netip.MustParseAddr("192.0.2.11"))
	fmt.Println(errors.Is(err, leasemgr.ErrNotFound))
	// Output:
	// 00:5e:00:53:00:01 2026-01-01 01:00:00 +0000 UTC
	// true
}

// Updates are optimistic: a lease read before somebody else changed it
// cannot overwrite that change.
func ExampleManager_conflict() {
	ctx := context.Background()
	m, err := leasemgr.Open(ctx, leasemgr.Params{Database: map[string]any{"type": "memfile", "persist": false}})
	if err != nil {
		panic(err)
	}
	defer m.Close()
	addr := netip.MustParseAddr("2001:db8::1")
	if err := m.AddLease6(ctx, &leasemgr.Lease6{Type: leasemgr.TypeNA, Addr: addr, PrefixLen: 128,
		DUID: []byte{0, 3, 0, 1, 0, 0x5e, 0, 0x53, 0, 1}, IAID: 1, ValidLifetime: 3600, PreferredLifetime: 1800,
		CLTT: 1767225600, SubnetID: 1}); err != nil {
		panic(err)
	}
	first, _ := m.Lease6(ctx, leasemgr.TypeNA, addr)
	second, _ := m.Lease6(ctx, leasemgr.TypeNA, addr)

	first.CLTT += 60 // renewed
	fmt.Println(m.UpdateLease6(ctx, first))
	second.Hostname = "stale.example.com"
	err = m.UpdateLease6(ctx, second)
	fmt.Println(errors.Is(err, leasemgr.ErrConflict))
	// Output:
	// <nil>
	// true
}
