// Command dhcp6d is the reference DHCPv6 server of dhcpsrv. It takes
// kea-dhcp6's command line and configuration file (the Dhcp6 map), with
// memfile as the default lease database.
//
//	dhcp6d -t kea-dhcp6.json   # check a configuration, like kea-dhcp6 -t
//	dhcp6d -c kea-dhcp6.json   # run the server
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/dhcpsrv/dhcpsrv/examples/internal/keacli"
	"github.com/dhcpsrv/dhcpsrv/option"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := keacli.Main(ctx, keacli.Program{Name: "dhcp6d", Family: option.V6}, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
