package dhcp4srv_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/dhcp4srv"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
)

// replyPrinter is a ResponseWriter for a request broadcast on eth0.
type replyPrinter struct{ fakeWriter }

func (w *replyPrinter) Write(r *dhcpv4.DHCPv4) error {
	fmt.Println(r.MessageType(), r.YourIPAddr, r.ServerIdentifier(), r.IPAddressLeaseTime(0))
	return nil
}

// ExampleNewServer embeds a DHCPv4 server: a Kea configuration, a lease
// store, then Serve (here ServeDHCP4 is called directly with a
// ResponseWriter of the example's).
func ExampleNewServer() {
	cfg, _, err := cfgmgr.Parse([]byte(`{"Dhcp4": {
		"interfaces-config": {"interfaces": ["eth0"]},
		"valid-lifetime": 3600,
		"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.199"}]}]
	}}`))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	leases, err := memfile.Open(ctx, memfile.Config{Universe: leasemgr.V4, InMemory: true})
	if err != nil {
		panic(err)
	}
	defer leases.Close()
	srv, err := dhcp4srv.NewServer(cfg, leases)
	if err != nil {
		panic(err)
	}
	// A program would now run srv.Serve(ctx) (the configured interfaces)
	// or srv.ServeConn(ctx, pc), and srv.Shutdown(ctx) at the end.

	w := &replyPrinter{fakeWriter{
		local:  netip.MustParseAddrPort("255.255.255.255:67"),
		remote: netip.MustParseAddrPort("0.0.0.0:68"),
		iface:  &dhcp4srv.Interface{Name: "eth0", Addrs: []netip.Prefix{netip.MustParsePrefix("192.0.2.1/24")}},
	}}
	d, _ := dhcpv4.NewDiscovery(net.HardwareAddr{2, 0, 0, 0, 0, 1})
	w.req = d
	srv.ServeDHCP4(ctx, w, d)
	// Output:
	// OFFER 192.0.2.100 192.0.2.1 1h0m0s
}
