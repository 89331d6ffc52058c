package dhcp4srv_test

import (
	"context"
	"fmt"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/d2client"
	"github.com/dhcpsrv/dhcpsrv/dhcp4srv"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
)

// ExampleNewDDNS enables DDNS in an embedded server: a Sender built from
// the configuration's "dhcp-ddns" map (kea-dhcp-ddns at server-ip:port),
// and WithDDNS. For direct RFC 2136 updates without kea-dhcp-ddns, use
// d2client.NewDNSUpdater (its DNSConfig can be read from a D2 configuration
// with d2client.ParseDNSConfig) as the Sender instead.
func ExampleNewDDNS() {
	cfg, _, err := cfgmgr.Parse([]byte(`{"Dhcp4": {
		"interfaces-config": {"interfaces": ["eth0"]},
		"dhcp-ddns": {"enable-updates": true, "server-ip": "127.0.0.1", "server-port": 53001},
		"ddns-qualifying-suffix": "example.org.",
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

	udp, err := d2client.UDPConfigFromKea(&cfg.DHCPDDNS)
	if err != nil {
		panic(err)
	}
	sender, err := d2client.NewUDPSender(udp)
	if err != nil {
		panic(err)
	}
	defer sender.Close() // after the server has stopped
	ddns := dhcp4srv.NewDDNS(sender)
	srv, err := dhcp4srv.NewServer(cfg, leases, dhcp4srv.WithDDNS(ddns))
	if err != nil {
		panic(err)
	}
	_ = srv // srv.Serve(ctx) ... srv.Shutdown(ctx)

	p := ddns.Params(cfg.Subnet4(1))
	fmt.Println(p.Enabled(), p.QualifyingSuffix, p.ReplaceClientName)
	// Output:
	// true example.org. never
}
