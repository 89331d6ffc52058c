package dhcp6srv_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv6"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/dhcp6srv"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
)

// A server embedded in a program: parse a Kea Dhcp6 configuration, open a
// lease store, serve a socket, and answer a SOLICIT.
func Example() {
	ctx := context.Background()
	cfg, _, err := cfgmgr.Parse([]byte(`{"Dhcp6": {
	  "subnet6": [{"id": 1, "subnet": "2001:db8:1::/64", "interface": "lo",
	    "pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::1ff"}]}]}}`))
	if err != nil {
		panic(err)
	}
	leases, err := memfile.Open(ctx, memfile.Config{Universe: leasemgr.V6, InMemory: true})
	if err != nil {
		panic(err)
	}
	defer leases.Close()
	srv, err := dhcp6srv.NewServer(cfg, leases,
		// On loopback the client is not at port 546: answer its source.
		dhcp6srv.WithTransportConfig(func(c *dhcp6srv.Config) { c.SendToSource = true }))
	if err != nil {
		panic(err)
	}

	// Production: srv.Serve(ctx) on the interfaces of interfaces-config.
	pc, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		panic(err)
	}
	go srv.ServeConn(ctx, pc)
	defer srv.Shutdown(ctx)

	client, _ := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	defer client.Close()
	sol, _ := dhcpv6.NewSolicit(net.HardwareAddr{2, 0, 0, 0, 0, 1})
	client.WriteTo(sol.ToBytes(), pc.LocalAddr())
	client.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 1500)
	n, _, err := client.ReadFrom(buf)
	if err != nil {
		panic(err)
	}
	adv, _ := dhcpv6.MessageFromBytes(buf[:n])
	fmt.Println(adv.MessageType, adv.Options.OneIANA().Options.OneAddress().IPv6Addr)
	// Output: ADVERTISE 2001:db8:1::100
}
