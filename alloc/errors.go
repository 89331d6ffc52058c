package alloc

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors of the engine. They may be wrapped; test with errors.Is.
var (
	// ErrNoAddressAvailable: the engine found nothing to allocate. The
	// error is an *AllocationError telling why (exhausted pools, no pool
	// for the client's classes, ...).
	ErrNoAddressAvailable = errors.New("alloc: no address available")
	// ErrNoSubnet: the request names no subnet, or a subnet the engine's
	// configuration does not have, or a subnet whose class guard rejects
	// the client with no permitted sibling.
	ErrNoSubnet = errors.New("alloc: no subnet")
	// ErrBadRequest: the request lacks what the engine needs (a hardware
	// address for DHCPv4, a DUID for DHCPv6, an IA) or holds a bad value.
	ErrBadRequest = errors.New("alloc: bad request")
	// ErrReservedForOther: the address the client asked for is reserved
	// for another client (DHCPREQUEST: NAK).
	ErrReservedForOther = errors.New("alloc: address reserved for another client")
	// ErrLeaseInUse: the address the client asked for is leased to another
	// client and the lease has not expired (DHCPREQUEST: NAK).
	ErrLeaseInUse = errors.New("alloc: address leased to another client")
	// ErrReservedElsewhere: the client has a reservation for a free
	// address but asks for another one; it must go back to DISCOVER to
	// get the reserved one (DHCPREQUEST: NAK).
	ErrReservedElsewhere = errors.New("alloc: client has a reservation for another address")
	// ErrNotInPool: the requested address is neither reserved for the
	// client nor in a pool the client may use (Kea's
	// unknown_requested_addr_). Kea's server NAKs a REQUEST for an address
	// in a pool of the client's network and stays silent for one it does
	// not know at all; "authoritative" only matters for INIT-REBOOT.
	ErrNotInPool = errors.New("alloc: requested address not in a permitted pool")
	// ErrSkipped: a hook callback returned Skip and the engine gave up.
	ErrSkipped = errors.New("alloc: skipped by a hook")
	// ErrNoLease: RELEASE or DECLINE of an address that has no lease.
	ErrNoLease = errors.New("alloc: no lease for the address")
	// ErrNotOwner: RELEASE or DECLINE of a lease that belongs to another
	// client.
	ErrNotOwner = errors.New("alloc: lease belongs to another client")
	// ErrNotConfigured: the engine has not been given a configuration
	// (Configure) yet.
	ErrNotConfigured = errors.New("alloc: engine not configured")
)

// Reason tells why no address was allocated; it follows the allocation
// failure statistics of Kea.
type Reason uint8

// Allocation failure reasons.
const (
	// ReasonSubnet: the pools of the (only) subnet are exhausted
	// (v4-allocation-fail-subnet).
	ReasonSubnet Reason = iota + 1
	// ReasonSharedNetwork: the pools of every permitted subnet of the
	// shared network are exhausted (v4-allocation-fail-shared-network).
	ReasonSharedNetwork
	// ReasonNoPools: no pool the client may use exists at all, usually
	// because of pool class guards (v4-allocation-fail-no-pools).
	ReasonNoPools
	// ReasonSkipped: a lease select hook returned Skip.
	ReasonSkipped
)

func (r Reason) String() string {
	switch r {
	case ReasonSubnet:
		return "subnet exhausted"
	case ReasonSharedNetwork:
		return "shared network exhausted"
	case ReasonNoPools:
		return "no pool permitted for the client"
	case ReasonSkipped:
		return "skipped by a hook"
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}

// AllocationError is the error of a failed dynamic allocation. It matches
// ErrNoAddressAvailable (and ErrSkipped for ReasonSkipped).
type AllocationError struct {
	Reason Reason
	// SubnetID is the subnet the engine ended in.
	SubnetID uint32
	// SharedNetwork is the shared network's name, if any.
	SharedNetwork string
	// Attempts is how many candidates the allocators proposed.
	Attempts uint64
	// Subnets is the number of subnets with permitted pools that were
	// tried; SubnetsWithoutPools those with no permitted pool.
	Subnets, SubnetsWithoutPools int
	// Classes are the client's classes (Kea logs them with the
	// v4-allocation-fail-classes statistic).
	Classes ClientClasses
}

func (e *AllocationError) Error() string {
	var b strings.Builder
	b.WriteString("alloc: no address available: ")
	b.WriteString(e.Reason.String())
	fmt.Fprintf(&b, " (subnet %d", e.SubnetID)
	if e.SharedNetwork != "" {
		fmt.Fprintf(&b, ", shared network %q", e.SharedNetwork)
	}
	fmt.Fprintf(&b, ", %d attempts", e.Attempts)
	if len(e.Classes) > 0 {
		fmt.Fprintf(&b, ", classes %s", strings.Join(e.Classes, ","))
	}
	b.WriteString(")")
	return b.String()
}

// Is makes errors.Is(err, ErrNoAddressAvailable) true, and ErrSkipped for a
// skipped allocation.
func (e *AllocationError) Is(target error) bool {
	return target == ErrNoAddressAvailable || (e.Reason == ReasonSkipped && target == ErrSkipped)
}
