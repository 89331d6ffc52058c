// Package alloc is the allocation engine (Kea's AllocEngine) and its
// allocators.
//
// # Model
//
// An Allocator proposes candidates from one subnet's pools (one allocator
// per subnet and lease type, built by the factory named by the subnet's
// "allocator" or "pd-allocator": iterative, random, flq, hashed, or one of
// a program's own through a Registry). The Engine decides: it applies Kea's
// decision orders, checks reservations and existing leases, takes an
// in-flight lock on each candidate, writes leases through a
// leasemgr.Manager and keeps Kea's statistics through a stats.Manager.
//
//	Kea (libdhcpsrv)                          alloc
//	AllocEngine                               Engine (NewEngine, Configure)
//	ClientContext4 / ClientContext6           ClientContext4 / ClientContext6, IA, Hint
//	allocateLease4 (fake_allocation=true)     Engine.Discover4
//	allocateLease4 → requestLease4            Engine.Request4
//	allocateLeases6 (fake / real)             Engine.Solicit6 / Engine.Request6
//	renewLeases6 / extendLease6               Engine.Renew6 / Engine.Rebind6
//	Dhcpv4Srv/Dhcpv6Srv release, decline      Engine.Release4/6, Engine.Decline4/6
//	reclaimExpiredLeases4/6                   Engine.ReclaimExpired4/6
//	deleteExpiredReclaimedLeases4/6           Engine.DeleteExpiredReclaimed4/6
//	reclaim/flush timers (TimerMgr)           Engine.ScheduleReclamation
//	ResourceHandler / ResourceHandler4        Resources, ResourceHandler
//	callouts lease4_select … lease6_recover   Hooks (func fields returning a Verdict)
//	null lease + log message                  ErrNoAddressAvailable (*AllocationError), ErrLeaseInUse, …
//
// DHCPv4 follows Kea's discoverLease4 (reservation, client's lease, hint,
// allocator) and requestLease4 (NAK rules for addresses reserved for others,
// leased to others, not in a permitted pool, or when the client's reserved
// address is free) orders; the client's lease is found by client id where
// match-client-id applies, else by hardware address, over the shared
// network. DHCPv6 follows allocateLeases6's four cases per IA, the hint
// first, prefix-length matching equal, lower, higher for IA_PD, and
// extendLease6's invalidation. Lifetimes come from the first client class
// defining them, else the subnet's triplet, the client's wish clamped into
// it; BOOTP leases are infinite; a v6 preferred lifetime that is unset or
// longer than the valid one is 0.625 × valid. The lease reuse cache
// (cache-threshold, cache-max-age) answers renewals that change nothing
// without a write, with the remaining lifetime. offer-lifetime makes
// DISCOVER store a short lease. Release uses lease affinity when
// flush-reclaimed-timer-wait-time and hold-reclaimed-time are both non-zero.
//
// The engine's outputs tell the server what to answer: a nil lease always
// comes with an error, tested with errors.Is (ErrReservedForOther,
// ErrLeaseInUse, ErrReservedElsewhere, ErrNotInPool: NAK; ErrNoAddressAvailable
// with its Reason; ErrBadRequest, ErrNoSubnet). ClientContext4 also carries
// the old and conflicting leases and the lifetime to send.
//
// Statistics use Kea's names (assigned-addresses, cumulative-assigned-*,
// declined-addresses, reclaimed-leases, v4-lease-reuses,
// v4-allocation-fail-*, v6 equivalents) at the global, subnet and pool
// level. Their handles are taken by Configure, which also sets total-* and
// recounts assigned-* and declined-addresses from the lease database
// (leasemgr.StatsCounter when the backend has it), so the packet path never
// formats a name.
//
// # Concurrency
//
// An Engine is safe for concurrent use by any number of goroutines, and no
// engine-wide lock is taken on the packet path:
//
//   - The per-configuration state is behind an atomic pointer. Configure
//     builds a new state and swaps it in; a request uses the state it
//     started with to its end; the replaced allocators that implement
//     io.Closer are closed when the last request using them returns.
//   - Every address or prefix the engine is about to give out, reuse,
//     renew, release, decline or reclaim is first taken in the engine's
//     Resources (a set split in 64 mutex-guarded shards) by the request's
//     ResourceHandler, and given back when the request ends. Two goroutines
//     therefore never hand out one resource; a busy candidate is skipped.
//   - Lease writes use the lease manager's optimistic checks
//     (leasemgr.ErrConflict), so servers sharing a database, or a
//     reclamation racing a renewal, never overwrite each other: the loser
//     tries another candidate or reports the conflict.
//   - Statistics are atomic counters; the shared network's preferred
//     subnet is an atomic timestamp per subnet.
//
// Packets of one client are expected to be serialized by the server (Kea's
// ClientHandler); the engine stays correct without it but may then give one
// client two leases.
//
// Reclamation (ReclaimExpired4/6) may run concurrently with allocation; it
// skips leases that requests hold at that moment.
package alloc
