// Package leasemgr defines DHCP leases and the lease store interface: the Go
// counterpart of Kea's LeaseMgr, Lease4 and Lease6.
//
// # Model
//
// Lease4 and Lease6 carry Kea's lease fields with Kea's values: lease types
// NA/TA/PD = 0/1/2, states default/declined/expired-reclaimed/released/
// registered = 0..4, InfiniteLifetime = 0xffffffff. CLTT is kept in Unix
// seconds, as Kea's files and databases keep it, so a lease round-trips
// through any backend unchanged; ExpiresAt and Expired give the time view.
//
// Manager is the lease store (Kea's LeaseMgr): add, the getters by address,
// hardware address, client identifier, DUID/IAID, subnet and hostname, paged
// and expired-lease queries, update, delete, removal of reclaimed leases and
// wiping a subnet. Every method is ctx-first and safe for concurrent use.
// Rarer abilities are separate interfaces found by type assertion:
// Watcher (change notification, Kea's TrackingLeaseMgr), StatsCounter
// (statistics recount) and Compactor (lease file cleanup on demand).
//
// Updates are optimistic, as in Kea's SQL backends: a lease returned by a
// Manager remembers the CLTT and valid lifetime it had in storage, and
// UpdateLease4/UpdateLease6 (and the deletes) fail with ErrConflict when the
// stored lease has changed since. Leases built by the caller update
// unconditionally.
//
// # Backends
//
// Backends register a Factory under the "type" of Kea's lease-database map;
// Open is the one call a server makes:
//
//	import _ "github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
//
//	m, err := leasemgr.Open(ctx, leasemgr.Params{
//		Universe: leasemgr.V4,
//		Database: map[string]any{"type": "memfile", "lfc-interval": 3600.0},
//		DataDir:  "/var/lib/kea",
//	})
//
// leasemgr/memfile (Kea's Memfile_LeaseMgr with its CSV lease files and
// lease file cleanup) is the embedded default. Every backend should pass the
// conformance suite in leasemgr/leasetest.
//
// This package imports nothing else of the module.
package leasemgr
