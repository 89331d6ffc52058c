package memfile_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
)

// Leases survive a restart in a Kea-compatible lease file.
func ExampleOpen() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "memfile-example")
	defer os.RemoveAll(dir)

	m, err := memfile.Open(ctx, memfile.Config{Universe: leasemgr.V4, Dir: dir})
	if err != nil {
		panic(err)
	}
	l := &leasemgr.Lease4{
		Addr:          netip.MustParseAddr("192.0.2.10"),
		HWAddr:        leasemgr.HWAddr{Addr: []byte{0, 0x5e, 0, 0x53, 0, 1}, Type: leasemgr.HTypeEthernet},
		ValidLifetime: 3600, CLTT: 1767225600, SubnetID: 1, PoolID: 2,
		Hostname: "pc,1.example.com",
	}
	if err := m.AddLease4(ctx, l); err != nil {
		panic(err)
	}
	m.Close()

	b, _ := os.ReadFile(filepath.Join(dir, "kea-leases4.csv"))
	fmt.Print(string(b))

	m, err = memfile.Open(ctx, memfile.Config{Universe: leasemgr.V4, Dir: dir})
	if err != nil {
		panic(err)
	}
	defer m.Close()
	got, _ := m.Lease4(ctx, l.Addr)
	fmt.Println(got.Hostname, got.Equal(l))
	// Output:
	// address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context,pool_id
	// 192.0.2.10,00:5e:00:53:00:01,,3600,1767229200,1,0,0,pc&#x2c1.example.com,0,,2
	// pc,1.example.com true
}

// Watch reports every change synchronously, after it is stored.
func ExampleManager_Watch() {
	ctx := context.Background()
	m, _ := memfile.Open(ctx, memfile.Config{InMemory: true})
	defer m.Close()
	cancel := m.Watch(func(e leasemgr.Event) {
		if e.Lease4 != nil {
			fmt.Println(e.Op, e.Lease4.Addr, e.Lease4.State)
		}
	})
	defer cancel()
	l := &leasemgr.Lease4{Addr: netip.MustParseAddr("192.0.2.10"), ClientID: []byte{1, 2, 3}, ValidLifetime: 3600, SubnetID: 1}
	m.AddLease4(ctx, l)
	l.State = leasemgr.StateDeclined
	m.UpdateLease4(ctx, l)
	m.DeleteLease4(ctx, l)
	// Output:
	// add 192.0.2.10 default
	// update 192.0.2.10 declined
	// delete 192.0.2.10 declined
}

// Compact runs a lease file cleanup now, with Kea's file names.
func ExampleManager_Compact() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "memfile-example")
	defer os.RemoveAll(dir)
	m, _ := memfile.Open(ctx, memfile.Config{Universe: leasemgr.V4, Dir: dir})
	defer m.Close()
	l := &leasemgr.Lease4{Addr: netip.MustParseAddr("192.0.2.10"), ClientID: []byte{1, 2, 3}, ValidLifetime: 3600, CLTT: 1767225600, SubnetID: 1}
	m.AddLease4(ctx, l)
	for i := 0; i < 3; i++ {
		l.CLTT += 600
		m.UpdateLease4(ctx, l)
	}
	if err := m.Compact(ctx); err != nil {
		panic(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		fmt.Println(e.Name(), strings.Count(string(b), "\n")-1, "rows")
	}
	// Output:
	// kea-leases4.csv 0 rows
	// kea-leases4.csv.2 1 rows
}
