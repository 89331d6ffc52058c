package stats

import (
	"strconv"
	"strings"
)

// Statistic names that libdhcpsrv maintains (Kea's ARM, "Statistics").
// Each is used bare as a global statistic and inside SubnetName, PoolName
// or PDPoolName.
const (
	// DHCPv4 addresses.
	TotalAddresses              = "total-addresses"
	AssignedAddresses           = "assigned-addresses"
	CumulativeAssignedAddresses = "cumulative-assigned-addresses"
	DeclinedAddresses           = "declined-addresses"
	ReclaimedDeclinedAddresses  = "reclaimed-declined-addresses"
	ReclaimedLeases             = "reclaimed-leases"
	V4LeaseReuses               = "v4-lease-reuses"
	V4ReservationConflicts      = "v4-reservation-conflicts"

	// DHCPv4 allocation failures.
	V4AllocationFail              = "v4-allocation-fail"
	V4AllocationFailSharedNetwork = "v4-allocation-fail-shared-network"
	V4AllocationFailSubnet        = "v4-allocation-fail-subnet"
	V4AllocationFailNoPools       = "v4-allocation-fail-no-pools"
	V4AllocationFailClasses       = "v4-allocation-fail-classes"

	// DHCPv6 addresses and prefixes.
	TotalNAs                = "total-nas"
	TotalPDs                = "total-pds"
	AssignedNAs             = "assigned-nas"
	AssignedPDs             = "assigned-pds"
	CumulativeAssignedNAs   = "cumulative-assigned-nas"
	CumulativeAssignedPDs   = "cumulative-assigned-pds"
	RegisteredNAs           = "registered-nas"
	CumulativeRegisteredNAs = "cumulative-registered-nas"
	V6IANALeaseReuses       = "v6-ia-na-lease-reuses"
	V6IAPDLeaseReuses       = "v6-ia-pd-lease-reuses"

	// DHCPv6 allocation failures.
	V6AllocationFail              = "v6-allocation-fail"
	V6AllocationFailSharedNetwork = "v6-allocation-fail-shared-network"
	V6AllocationFailSubnet        = "v6-allocation-fail-subnet"
	V6AllocationFailNoPools       = "v6-allocation-fail-no-pools"
	V6AllocationFailClasses       = "v6-allocation-fail-classes"
)

// SubnetPrefix returns "subnet[<id>].", the prefix of a subnet's
// statistics, pool statistics included.
func SubnetPrefix(subnetID uint32) string {
	return "subnet[" + strconv.FormatUint(uint64(subnetID), 10) + "]."
}

// SubnetName returns Kea's name of a subnet statistic:
// SubnetName(1, "assigned-addresses") is "subnet[1].assigned-addresses".
func SubnetName(subnetID uint32, stat string) string {
	return SubnetPrefix(subnetID) + stat
}

// PoolName returns Kea's name of an address pool statistic:
// PoolName(1, 0, "total-addresses") is "subnet[1].pool[0].total-addresses".
func PoolName(subnetID uint32, poolID uint64, stat string) string {
	return SubnetPrefix(subnetID) + "pool[" + strconv.FormatUint(poolID, 10) + "]." + stat
}

// PDPoolName returns Kea's name of a prefix delegation pool statistic:
// PDPoolName(1, 0, "assigned-pds") is "subnet[1].pd-pool[0].assigned-pds".
func PDPoolName(subnetID uint32, poolID uint64, stat string) string {
	return SubnetPrefix(subnetID) + "pd-pool[" + strconv.FormatUint(poolID, 10) + "]." + stat
}

// Name is a statistic name split into its parts, for exporters that turn
// them into labels.
type Name struct {
	// Subnet is the subnet ID, if HasSubnet.
	Subnet    uint32
	HasSubnet bool
	// Pool is the pool ID, if PoolKind is "pool" or "pd-pool".
	Pool     uint64
	PoolKind string
	// Stat is the rest: "assigned-addresses".
	Stat string
}

// ParseName splits a name built by SubnetName, PoolName or PDPoolName. A
// name without a well-formed "subnet[<id>]." prefix is a global statistic:
// its Stat is the whole name.
func ParseName(name string) Name {
	n := Name{Stat: name}
	id, rest, ok := index(name, "subnet[")
	if !ok || id > 1<<32-1 {
		return n
	}
	n.Subnet, n.HasSubnet, n.Stat = uint32(id), true, rest
	for _, kind := range []string{"pool", "pd-pool"} {
		if id, rest, ok := index(rest, kind+"["); ok {
			n.Pool, n.PoolKind, n.Stat = id, kind, rest
			break
		}
	}
	return n
}

// index parses "<open><digits>]." at the start of s.
func index(s, open string) (uint64, string, bool) {
	s, ok := strings.CutPrefix(s, open)
	if !ok {
		return 0, "", false
	}
	digits, rest, ok := strings.Cut(s, "].")
	if !ok || digits == "" || (len(digits) > 1 && digits[0] == '0') {
		return 0, "", false
	}
	id, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, "", false
	}
	return id, rest, true
}
