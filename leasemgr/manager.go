package leasemgr

import (
	"context"
	"net/netip"
	"time"
)

// Manager is a lease store: Kea's LeaseMgr. It holds DHCPv4 and DHCPv6
// leases; a backend opened for one universe may refuse the other family's
// operations with ErrInvalid.
//
// Contract for every implementation:
//   - Safe for concurrent use by many goroutines.
//   - Leases passed in are copied; leases returned are copies the caller
//     owns. Returned leases carry their stored CLTT and valid lifetime (see
//     Lease4.Loaded), and on success Add and Update mark the caller's lease
//     the same way, so the caller can update it again.
//   - A change is durable, as far as the backend's documented guarantee
//     goes, before the method returns nil.
//   - Getters of one lease return ErrNotFound when there is none; getters of
//     many return an empty slice and no error.
//   - Errors wrap ErrNotFound, ErrExists, ErrConflict, ErrInvalid or
//     ErrClosed when one of them applies.
//   - Lookups by an identifier match its bytes exactly; an empty hardware
//     address, client identifier, DUID or hostname matches no lease.
type Manager interface {
	Manager4
	Manager6
	// Close releases the backend's resources (files, connections,
	// background work). Operations after Close fail with ErrClosed.
	Close() error
}

// Manager4 holds the DHCPv4 operations of a Manager.
type Manager4 interface {
	// AddLease4 stores a new lease. ErrExists if the address has a lease.
	AddLease4(ctx context.Context, l *Lease4) error
	// Lease4 returns the lease for an address.
	Lease4(ctx context.Context, addr netip.Addr) (*Lease4, error)
	// Leases4ByHWAddr returns the leases of a hardware address (bytes only).
	Leases4ByHWAddr(ctx context.Context, hwaddr []byte) ([]*Lease4, error)
	// Lease4ByHWAddrSubnet returns the lease of a hardware address in a subnet.
	Lease4ByHWAddrSubnet(ctx context.Context, hwaddr []byte, subnetID uint32) (*Lease4, error)
	// Leases4ByClientID returns the leases of a client identifier.
	Leases4ByClientID(ctx context.Context, clientID []byte) ([]*Lease4, error)
	// Lease4ByClientIDSubnet returns the lease of a client identifier in a subnet.
	Lease4ByClientIDSubnet(ctx context.Context, clientID []byte, subnetID uint32) (*Lease4, error)
	// Leases4BySubnet returns the leases of a subnet, ordered by address.
	Leases4BySubnet(ctx context.Context, subnetID uint32) ([]*Lease4, error)
	// Leases4ByHostname returns the leases with this hostname (exact match).
	Leases4ByHostname(ctx context.Context, hostname string) ([]*Lease4, error)
	// Leases4Page returns up to pageSize leases with addresses strictly
	// greater than after, in address order. Pass netip.IPv4Unspecified()
	// (or the zero Addr) for the first page, and the last address of a
	// page for the next. pageSize must be positive.
	Leases4Page(ctx context.Context, after netip.Addr, pageSize int) ([]*Lease4, error)
	// AllLeases4 returns every DHCPv4 lease, ordered by address.
	AllLeases4(ctx context.Context) ([]*Lease4, error)
	// ExpiredLeases4 returns leases that expired before now and are not in
	// state expired-reclaimed, oldest expiration first, at most max of
	// them (0 = all). Leases with an infinite lifetime never expire.
	ExpiredLeases4(ctx context.Context, now time.Time, max int) ([]*Lease4, error)
	// UpdateLease4 replaces the stored lease of l.Addr with l.
	// ErrNotFound if there is none; ErrConflict if it changed since l
	// was read.
	UpdateLease4(ctx context.Context, l *Lease4) error
	// DeleteLease4 removes the lease of l.Addr. ErrNotFound if there is
	// none; ErrConflict if it changed since l was read.
	DeleteLease4(ctx context.Context, l *Lease4) error
	// DeleteExpiredReclaimedLeases4 removes leases in state
	// expired-reclaimed whose expiration is before cutoff (Kea:
	// now − hold-reclaimed-time) and returns how many it removed.
	DeleteExpiredReclaimedLeases4(ctx context.Context, cutoff time.Time) (int, error)
	// WipeLeases4 removes every lease of a subnet and returns how many it
	// removed.
	WipeLeases4(ctx context.Context, subnetID uint32) (int, error)
}

// Manager6 holds the DHCPv6 operations of a Manager. Addresses and prefixes
// share one key space: a Lease6's key is its Addr, whatever its Type.
type Manager6 interface {
	// AddLease6 stores a new lease. ErrExists if the address has a lease.
	AddLease6(ctx context.Context, l *Lease6) error
	// Lease6 returns the lease of this type for an address or prefix.
	Lease6(ctx context.Context, typ LeaseType, addr netip.Addr) (*Lease6, error)
	// Leases6ByDUIDIAID returns the leases of a client's IA.
	Leases6ByDUIDIAID(ctx context.Context, typ LeaseType, duid []byte, iaid uint32) ([]*Lease6, error)
	// Leases6ByDUIDIAIDSubnet returns the leases of a client's IA in a subnet.
	Leases6ByDUIDIAIDSubnet(ctx context.Context, typ LeaseType, duid []byte, iaid uint32, subnetID uint32) ([]*Lease6, error)
	// Leases6ByDUID returns every lease of a DUID.
	Leases6ByDUID(ctx context.Context, duid []byte) ([]*Lease6, error)
	// Leases6ByHWAddr returns the leases of a hardware address (bytes only).
	Leases6ByHWAddr(ctx context.Context, hwaddr []byte) ([]*Lease6, error)
	// Leases6BySubnet returns the leases of a subnet, ordered by address.
	Leases6BySubnet(ctx context.Context, subnetID uint32) ([]*Lease6, error)
	// Leases6ByHostname returns the leases with this hostname.
	Leases6ByHostname(ctx context.Context, hostname string) ([]*Lease6, error)
	// Leases6Page returns up to pageSize leases with addresses strictly
	// greater than after, in address order; pass netip.IPv6Unspecified()
	// (or the zero Addr) for the first page.
	Leases6Page(ctx context.Context, after netip.Addr, pageSize int) ([]*Lease6, error)
	// AllLeases6 returns every DHCPv6 lease, ordered by address.
	AllLeases6(ctx context.Context) ([]*Lease6, error)
	// ExpiredLeases6 is ExpiredLeases4 for DHCPv6.
	ExpiredLeases6(ctx context.Context, now time.Time, max int) ([]*Lease6, error)
	// UpdateLease6 is UpdateLease4 for DHCPv6.
	UpdateLease6(ctx context.Context, l *Lease6) error
	// DeleteLease6 is DeleteLease4 for DHCPv6.
	DeleteLease6(ctx context.Context, l *Lease6) error
	// DeleteExpiredReclaimedLeases6 is DeleteExpiredReclaimedLeases4 for DHCPv6.
	DeleteExpiredReclaimedLeases6(ctx context.Context, cutoff time.Time) (int, error)
	// WipeLeases6 is WipeLeases4 for DHCPv6.
	WipeLeases6(ctx context.Context, subnetID uint32) (int, error)
}

// Op is the kind of change an Event reports.
type Op uint8

// Change kinds.
const (
	OpAdd Op = iota + 1
	OpUpdate
	OpDelete
)

// String returns "add", "update" or "delete".
func (o Op) String() string {
	switch o {
	case OpAdd:
		return "add"
	case OpUpdate:
		return "update"
	case OpDelete:
		return "delete"
	}
	return "op(?)"
}

// Event is one change to a Manager's leases. Exactly one of Lease4 and
// Lease6 is set: the lease as stored after an add or update, the removed
// lease for a delete. The lease is shared by all watchers of the change and
// must not be modified.
type Event struct {
	Op     Op
	Lease4 *Lease4
	Lease6 *Lease6
}

// Watcher is an optional Manager ability: change notification, what Kea's
// TrackingLeaseMgr gives the FLQ allocator.
//
// Watch registers fn and returns a function that unregisters it. fn is
// called synchronously, in the goroutine that made the change, after the
// change is stored and visible to readers and before the changing method
// returns; the calls reporting changes of one lease are made one at a time,
// in the order of the changes. fn must be quick and must not change leases
// through the same Manager (it may deadlock); reading is allowed.
type Watcher interface {
	Watch(fn func(Event)) (cancel func())
}

// LeaseCount is one row of a statistics recount: the leases of a subnet's
// pool (PoolID 0 when the lease has no pool) of one type.
type LeaseCount struct {
	SubnetID uint32
	PoolID   uint32
	Type     LeaseType // TypeV4 for DHCPv4
	// Assigned counts leases in state default or declined (Kea counts
	// declined leases as assigned until they are reclaimed).
	Assigned int64
	// Declined counts leases in state declined.
	Declined int64
	// Registered counts leases in state registered.
	Registered int64
}

// StatsCounter is an optional Manager ability: recounting the lease
// statistics (Kea's startLeaseStatsQuery4/6 and the pool variants). Rows are
// ordered by subnet, pool and type; subnet totals are the sums of a subnet's
// rows. Counts do not look at expiration, only at states.
type StatsCounter interface {
	CountLeases4(ctx context.Context) ([]LeaseCount, error)
	CountLeases6(ctx context.Context) ([]LeaseCount, error)
}

// Compactor is an optional Manager ability: lease file cleanup on demand
// (Kea's kea-lfc-start). Compact runs a cleanup now and returns when it has
// finished; the Manager keeps serving meanwhile.
type Compactor interface {
	Compact(ctx context.Context) error
}
