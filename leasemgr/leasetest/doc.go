// Package leasetest is the conformance suite every leasemgr.Manager
// implementation runs (the Go counterpart of Kea's generic_lease_mgr tests):
//
//	func TestConformance(t *testing.T) {
//		leasetest.Run(t, func(t *testing.T) leasemgr.Manager {
//			m, err := mybackend.Open(...) // an empty store serving v4 and v6
//			require.NoError(t, err)
//			return m
//		})
//	}
//
// It covers every Manager operation, the edge cases backends get wrong
// (infinite lifetimes, declined leases without identity, paging
// boundaries, stale updates, duplicates, missing leases), the optional
// Watcher and StatsCounter abilities when the Manager has them, and
// concurrent use (run it with -race).
package leasetest
