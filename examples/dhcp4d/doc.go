// Command dhcp4d is the reference DHCPv4 server of dhcpsrv. It takes
// kea-dhcp4's command line and configuration file (the Dhcp4 map), with
// memfile as the default lease database.
//
//	dhcp4d -t kea-dhcp4.json   # check a configuration, like kea-dhcp4 -t
//	dhcp4d -c kea-dhcp4.json   # run the server
//
// In run mode it reads the configuration, opens the lease database (memfile
// in the data directory by default: "data-directory", else
// $KEA_DHCP_DATA_DIR, else /var/lib/kea), serves the control socket, runs
// the reclamation and lease file cleanup timers, reloads the configuration
// on SIGHUP and stops gracefully on SIGTERM or SIGINT. -metrics host:port
// (or $DHCPSRV_METRICS_ADDR) serves Prometheus metrics. See package
// examples/internal/refsrv for the details.
package main
