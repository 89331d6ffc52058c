// Package dhcpsrv is an embeddable SDK for building DHCP servers in Go: the Go
// counterpart of ISC Kea's server library, libdhcpsrv.
//
// Every component is an independent package behind small interfaces, so a
// program can swap the allocator, the lease backend or the host data source
// without forking anything:
//
//   - option: standard and custom option definitions, option-data parsing
//     (Kea's text and hex forms) to wire bytes and back.
//   - cfgmgr: the configuration model; parses Kea's Dhcp4/Dhcp6 JSON
//     (comments allowed), validates it with errors that name their JSON
//     path, marshals it back, and stages/commits/reverts configurations.
//   - leasemgr: Lease4/Lease6, the Manager interface and the backend
//     registry; leasemgr/memfile is the embedded default, persisted to
//     Kea-compatible CSV lease files with lease file cleanup.
//   - hostmgr: host reservations from the config and from alternate sources.
//   - subnetselect: Kea's subnet selection rules for v4, 4o6 and v6.
//   - alloc: the allocation engine and its allocators.
//   - timermgr, stats: named timers and Kea-named statistics.
//   - classify: Kea's client classification expressions (libeval), compiled
//     once per configuration and evaluated per packet.
//   - d2client: DDNS (client FQDN options, DHCID, NameChangeRequests to
//     kea-dhcp-ddns, or direct RFC 2136 updates).
//   - dhcp4srv, dhcp6srv: the packet pipelines that compose all of the above.
//   - dhcptest: in-process servers for unit tests of DHCP tooling.
//
// Imports run one way: option, leasemgr, stats and timermgr import nothing of
// this module; hostmgr imports option; cfgmgr imports option and hostmgr;
// subnetselect imports cfgmgr; alloc imports cfgmgr, leasemgr, hostmgr and
// stats; the servers import everything. Database backends import their
// parent package, never the reverse, so the core has no database driver in
// its import graph.
//
// The reference servers in examples/dhcp4d and examples/dhcp6d take
// kea-dhcp4's and kea-dhcp6's command line and configuration files.
package dhcpsrv
