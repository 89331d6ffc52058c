// Command dhcp4d is the reference DHCPv4 server of dhcpsrv. It takes
// kea-dhcp4's command line and configuration file (the Dhcp4 map), with
// memfile as the default lease database.
//
//	dhcp4d -t kea-dhcp4.json   # check a configuration, like kea-dhcp4 -t
//	dhcp4d -c kea-dhcp4.json   # run the server
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
	code := keacli.Main(ctx, keacli.Program{Name: "dhcp4d", Family: option.V4}, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
