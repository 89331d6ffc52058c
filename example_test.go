package dhcpsrv_test

import (
	"context"
	"fmt"
	"log"
	"net/netip"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
	"github.com/dhcpsrv/dhcpsrv/stats"
	"github.com/dhcpsrv/dhcpsrv/subnetselect"
)

// Example composes the SDK's layers the way the DHCPv4 server does for each
// packet: a Kea configuration, a lease store, reservations, subnet
// selection and the allocation engine, each behind its own package.
func Example() {
	ctx := context.Background()

	// Configuration: Kea's Dhcp4 JSON, comments allowed.
	cfg, _, err := cfgmgr.Parse([]byte(`{"Dhcp4": {
		"valid-lifetime": 3600,
		"subnet4": [{
			"id": 1, "subnet": "192.0.2.0/24",
			"pools": [{"pool": "192.0.2.100 - 192.0.2.199"}],
			"reservations": [{"hw-address": "02:00:00:00:00:2a", "ip-address": "192.0.2.42"}]
		}]
	}}`))
	if err != nil {
		log.Fatal(err) // each problem with its JSON path
	}
	cfgs := cfgmgr.NewManager()
	cfgs.Stage(cfg)
	current, err := cfgs.Commit()
	if err != nil {
		log.Fatal(err)
	}

	// Leases: the embedded memfile backend, in memory for this example.
	leases, err := memfile.Open(ctx, memfile.Config{Universe: leasemgr.V4, InMemory: true})
	if err != nil {
		log.Fatal(err)
	}
	defer leases.Close()

	// Reservations from the configuration, and the allocation engine.
	cfgHosts, err := hostmgr.NewConfigSource(current.IPReservationsUnique(), current.AllHosts()...)
	if err != nil {
		log.Fatal(err)
	}
	hosts := hostmgr.NewManager(cfgHosts, hostmgr.ManagerOptions{})
	st := stats.New()
	engine, err := alloc.NewEngine(leases, hosts, alloc.WithStats(st))
	if err != nil {
		log.Fatal(err)
	}
	if err := engine.Configure(current); err != nil {
		log.Fatal(err)
	}

	// A packet arrives from a relay at 192.0.2.1: select its subnet.
	subnets := subnetselect.New4(current)
	subnet := subnets.Select(&subnetselect.Selector{GIAddr: netip.MustParseAddr("192.0.2.1")})

	// DISCOVER then REQUEST for two clients; the second one has a
	// reservation.
	for _, mac := range []string{"02:00:00:00:00:01", "02:00:00:00:00:2a"} {
		hw, _ := hostmgr.ParseIdentifier(hostmgr.IdentHWAddr, mac)
		c := &alloc.ClientContext4{
			Subnet:          subnet,
			HWAddr:          leasemgr.HWAddr{Addr: hw, Type: leasemgr.HTypeEthernet},
			HostIdentifiers: []hostmgr.Identifier{{Type: hostmgr.IdentHWAddr, Value: hw}},
		}
		offer, err := engine.Discover4(ctx, c)
		if err != nil {
			log.Fatal(err)
		}
		c.RequestedAddr = offer.Addr
		ack, err := engine.Request4(ctx, c)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(mac, "->", ack.Addr, "for", c.ValidLifetime, "s")
	}
	fmt.Println("assigned:", st.Int(stats.SubnetName(1, stats.AssignedAddresses)).Load())
	// Output:
	// 02:00:00:00:00:01 -> 192.0.2.100 for 3600 s
	// 02:00:00:00:00:2a -> 192.0.2.42 for 3600 s
	// assigned: 2
}
