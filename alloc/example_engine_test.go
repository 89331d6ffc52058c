package alloc_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

// A DORA exchange against an engine over an in-memory memfile.
func ExampleEngine() {
	ctx := context.Background()
	cfg, _, err := cfgmgr.Parse([]byte(`{"Dhcp4": {
	  "subnet4": [{"id": 1, "subnet": "192.0.2.0/24",
	    "pools": [{"pool": "192.0.2.100 - 192.0.2.199"}],
	    "reservations": [{"hw-address": "00:0c:01:02:03:99", "ip-address": "192.0.2.10"}]}]}}`))
	if err != nil {
		panic(err)
	}
	leases, err := memfile.Open(ctx, memfile.Config{Universe: leasemgr.V4, InMemory: true})
	if err != nil {
		panic(err)
	}
	defer leases.Close()
	src, err := hostmgr.NewConfigSource(true, cfg.AllHosts()...)
	if err != nil {
		panic(err)
	}
	st := stats.New()
	eng, err := alloc.NewEngine(leases, hostmgr.NewManager(src, hostmgr.ManagerOptions{}), alloc.WithStats(st))
	if err != nil {
		panic(err)
	}
	if err := eng.Configure(cfg); err != nil {
		panic(err)
	}

	client := func(last byte) *alloc.ClientContext4 {
		hw := leasemgr.HWAddr{Addr: []byte{0, 0x0c, 1, 2, 3, last}, Type: leasemgr.HTypeEthernet}
		return &alloc.ClientContext4{Subnet: cfg.Subnet4(1), HWAddr: hw,
			HostIdentifiers: []hostmgr.Identifier{{Type: hostmgr.IdentHWAddr, Value: hw.Addr}}}
	}

	offer, _ := eng.Discover4(ctx, client(1)) // DHCPDISCOVER: nothing written
	c := client(1)
	c.RequestedAddr = offer.Addr
	ack, _ := eng.Request4(ctx, c) // DHCPREQUEST
	fmt.Println("offered", offer.Addr, "acknowledged", ack.Addr, "for", c.ValidLifetime, "s")

	r, _ := eng.Request4(ctx, client(0x99)) // a client with a reservation
	fmt.Println("reserved", r.Addr)

	other := client(2)
	other.RequestedAddr = ack.Addr // asks for a leased address: NAK
	_, err = eng.Request4(ctx, other)
	fmt.Println("NAK:", errors.Is(err, alloc.ErrLeaseInUse))

	v, _ := st.Get(stats.SubnetName(1, stats.AssignedAddresses))
	fmt.Println("subnet[1].assigned-addresses =", v.Int)
	// Output:
	// offered 192.0.2.100 acknowledged 192.0.2.100 for 7200 s
	// reserved 192.0.2.10
	// NAK: true
	// subnet[1].assigned-addresses = 2
}
