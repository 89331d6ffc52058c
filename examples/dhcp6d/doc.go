// Command dhcp6d is the reference DHCPv6 server of dhcpsrv. It takes
// kea-dhcp6's command line and configuration file (the Dhcp6 map), with
// memfile as the default lease database.
//
//	dhcp6d -t kea-dhcp6.json   # check a configuration, like kea-dhcp6 -t
//	dhcp6d -c kea-dhcp6.json   # run the server
//
// In run mode it reads the configuration, opens the lease database (memfile
// in the data directory by default: "data-directory", else
// $KEA_DHCP_DATA_DIR, else /var/lib/kea), serves the control socket, runs
// the reclamation and lease file cleanup timers, reloads the configuration
// on SIGHUP and stops gracefully on SIGTERM or SIGINT. -metrics host:port
// (or $DHCPSRV_METRICS_ADDR) serves Prometheus metrics. See package
// examples/internal/refsrv for the details.
package main
