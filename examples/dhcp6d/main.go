package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/dhcpsrv/dhcpsrv/dhcp6srv"
	"github.com/dhcpsrv/dhcpsrv/examples/internal/keacli"
	"github.com/dhcpsrv/dhcpsrv/examples/internal/refsrv"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// family wires the DHCPv6 packet server into the shared run mode.
var family = refsrv.Family{
	Name:      "dhcp6d",
	Universe:  option.V6,
	NewServer: newServer,
}

// sendToSourceEnv makes every reply go back to the request's source address
// and port, as it does for kea-dhcp6: tests on loopback use it.
const sendToSourceEnv = "KEA_TEST_SEND_RESPONSES_TO_SOURCE"

// newServer builds the dhcp6srv.Server: Kea's interfaces-config and
// multi-threading with the -p/-P overrides, the process statistics and
// logger, and the data directory for the server DUID file. It builds its own
// allocation engine and host manager, which refsrv uses for reclamation.
func newServer(_ context.Context, d refsrv.Deps) (refsrv.PacketServer, error) {
	_, sendToSource := os.LookupEnv(sendToSourceEnv)
	srv, err := dhcp6srv.NewServer(d.Config, d.Leases,
		dhcp6srv.WithServerLogger(d.Logger),
		dhcp6srv.WithServerStats(d.Stats),
		dhcp6srv.WithDDNS(ddns(d)),
		dhcp6srv.WithDataDir(d.DataDir),
		dhcp6srv.WithTransportConfig(func(c *dhcp6srv.Config) {
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
func ddns(d refsrv.Deps) *dhcp6srv.DDNS {
	if d.DDNS == nil {
		return nil
	}
	return dhcp6srv.NewDDNS(d.DDNS, dhcp6srv.WithDDNSLogger(d.Logger))
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := keacli.Main(ctx, family.Program(), os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
