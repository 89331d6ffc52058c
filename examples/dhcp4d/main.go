package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/dhcpsrv/dhcpsrv/dhcp4srv"
	"github.com/dhcpsrv/dhcpsrv/examples/internal/keacli"
	"github.com/dhcpsrv/dhcpsrv/examples/internal/refsrv"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// family wires the DHCPv4 packet server into the shared run mode.
var family = refsrv.Family{
	Name:      "dhcp4d",
	Universe:  option.V4,
	NewServer: newServer,
}

// sendToSourceEnv makes every reply go back to the request's source address
// and port, as it does for kea-dhcp4: tests on loopback use it.
const sendToSourceEnv = "KEA_TEST_SEND_RESPONSES_TO_SOURCE"

// newServer builds the dhcp4srv.Server: Kea's interfaces-config and
// multi-threading with the -p/-P overrides, the process statistics and
// logger. It builds its own allocation engine and host manager, which refsrv
// uses for reclamation.
func newServer(_ context.Context, d refsrv.Deps) (refsrv.PacketServer, error) {
	_, sendToSource := os.LookupEnv(sendToSourceEnv)
	srv, err := dhcp4srv.NewServer(d.Config, d.Leases,
		dhcp4srv.WithServerLogger(d.Logger),
		dhcp4srv.WithServerStats(d.Stats),
		dhcp4srv.WithDDNS(ddns(d)),
		dhcp4srv.WithTransportConfig(func(c *dhcp4srv.Config) {
			if d.ServerPort != 0 {
				c.ServerPort = uint16(d.ServerPort)
			}
			if d.ClientPort != 0 {
				c.ClientPort = uint16(d.ClientPort)
			}
			if sendToSource {
				c.SendToSource = true
			}
		}))
	if err != nil {
		return nil, err
	}
	return srv, nil
}

// ddns is the DDNS support when "dhcp-ddns" enables updates (nil, which
// WithDDNS ignores, otherwise).
func ddns(d refsrv.Deps) *dhcp4srv.DDNS {
	if d.DDNS == nil {
		return nil
	}
	return dhcp4srv.NewDDNS(d.DDNS, dhcp4srv.WithDDNSLogger(d.Logger))
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := keacli.Main(ctx, family.Program(), os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
