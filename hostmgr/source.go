package hostmgr

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
)

// Errors returned by data sources and the Manager. They may be wrapped; test
// with errors.Is.
var (
	// ErrNotFound: no host matches a single-result lookup, or a delete or
	// update found nothing to act on (Kea returns a null host or false).
	ErrNotFound = errors.New("hostmgr: host not found")

	// ErrDuplicate: adding the host would break a uniqueness rule (Kea's
	// DuplicateHost and ReservedAddress). The error is a *ConflictError.
	ErrDuplicate = errors.New("hostmgr: duplicate host")

	// ErrReservedAddress: the host reserves an address or prefix that is
	// already reserved in the same subnet while ip-reservations-unique is
	// true (Kea's ReservedAddress). Such an error also matches ErrDuplicate.
	ErrReservedAddress = errors.New("hostmgr: address already reserved")

	// ErrMultipleHosts: a single-result lookup matched several hosts (Kea
	// throws DuplicateHost from get4(subnet, address) and friends); possible
	// when ip-reservations-unique is false. Use the GetAll… variant.
	ErrMultipleHosts = errors.New("hostmgr: more than one host matches")

	// ErrNotSupported: the source cannot do what was asked (for example
	// allow non-unique IP reservations), or a hosts-database type is not
	// registered.
	ErrNotSupported = errors.New("hostmgr: not supported")

	// ErrReadOnly: a write was sent to a source (or Manager target) with no
	// source that implements Writer.
	ErrReadOnly = errors.New("hostmgr: data source is read-only")
)

// ConflictError tells which host an Add or Update collided with. It matches
// ErrDuplicate, and also ErrReservedAddress when the collision is on an
// address or prefix.
type ConflictError struct {
	Host     *Host    // the host being added
	Existing *Host    // the host already in the source
	Family   int      // 4 or 6: which subnet the collision is in
	SubnetID SubnetID // the v4 or v6 subnet of the collision
	// Resource is what both hosts claim: an identifier
	// ("hw-address=01:02:03:04:05:06"), an address or a prefix.
	Resource string
	// Address is true when Resource is an address or prefix.
	Address bool
}

func (e *ConflictError) Error() string {
	what := "identifier " + e.Resource
	if e.Address {
		what = "address " + e.Resource
	}
	return fmt.Sprintf("hostmgr: cannot add host %s: %s is already reserved in IPv%d subnet %d by host %s",
		e.Host, what, e.Family, e.SubnetID, e.Existing)
}

// Is makes errors.Is(err, ErrDuplicate) true, and errors.Is(err,
// ErrReservedAddress) true for an address collision.
func (e *ConflictError) Is(target error) bool {
	return target == ErrDuplicate || (e.Address && target == ErrReservedAddress)
}

// DataSource is a store of host reservations: Kea's BaseHostDataSource.
//
// Every method takes a context first, since a source may do I/O; in-memory
// sources ignore it. Implementations must be safe for concurrent use.
//
// Hosts returned by a DataSource belong to the source and must be treated
// as read-only: a source may hand the same *Host to many callers. Call
// Host.Clone before modifying one. Returned slices are the caller's.
//
// Single-result lookups return ErrNotFound (possibly wrapped) when nothing
// matches and ErrMultipleHosts when several hosts match. Collection
// lookups return an empty result and a nil error when nothing matches.
// Collections are ordered by HostID.
//
// "v4 subnet" means Host.SubnetID4 and "v6 subnet" Host.SubnetID6;
// SubnetIDGlobal (0) selects global reservations.
type DataSource interface {
	// GetAll returns the hosts with this identifier in any subnet, both
	// families (Kea's getAll(identifier_type, identifier)).
	GetAll(ctx context.Context, t IdentifierType, id []byte) ([]*Host, error)
	// GetAll4 returns the hosts of a v4 subnet (Kea's getAll4(subnet_id)).
	GetAll4(ctx context.Context, subnetID SubnetID) ([]*Host, error)
	// GetAll6 returns the hosts of a v6 subnet (Kea's getAll6(subnet_id)).
	GetAll6(ctx context.Context, subnetID SubnetID) ([]*Host, error)
	// GetAllByHostname returns the hosts with this hostname, compared
	// case-insensitively, in any subnet (Kea's getAllbyHostname(hostname)).
	GetAllByHostname(ctx context.Context, hostname string) ([]*Host, error)
	// GetAllByHostname4 is GetAllByHostname limited to a v4 subnet (Kea's
	// getAllbyHostname4(hostname, subnet_id)).
	GetAllByHostname4(ctx context.Context, hostname string, subnetID SubnetID) ([]*Host, error)
	// GetAllByHostname6 is GetAllByHostname limited to a v6 subnet (Kea's
	// getAllbyHostname6(hostname, subnet_id)).
	GetAllByHostname6(ctx context.Context, hostname string, subnetID SubnetID) ([]*Host, error)

	// GetPage4 returns at most pageSize hosts of a v4 subnet whose HostID
	// is greater than lowerHostID, by ascending HostID (Kea's
	// getPage4(subnet_id, source_index, lower_host_id, page_size)). Start
	// with 0 and pass the last HostID of a page to get the next; an empty
	// page ends the walk. pageSize must be positive.
	GetPage4(ctx context.Context, subnetID SubnetID, lowerHostID uint64, pageSize int) ([]*Host, error)
	// GetPage6 is GetPage4 for a v6 subnet (Kea's getPage6(subnet_id, …)).
	GetPage6(ctx context.Context, subnetID SubnetID, lowerHostID uint64, pageSize int) ([]*Host, error)
	// GetPageAll4 pages through the hosts that have a v4 part, in all
	// subnets (Kea's getPage4(source_index, lower_host_id, page_size)).
	GetPageAll4(ctx context.Context, lowerHostID uint64, pageSize int) ([]*Host, error)
	// GetPageAll6 pages through the hosts that have a v6 part, in all
	// subnets (Kea's getPage6(source_index, lower_host_id, page_size)).
	GetPageAll6(ctx context.Context, lowerHostID uint64, pageSize int) ([]*Host, error)

	// Get4 returns the host with this identifier in a v4 subnet (Kea's
	// get4(subnet_id, identifier_type, identifier)).
	Get4(ctx context.Context, subnetID SubnetID, t IdentifierType, id []byte) (*Host, error)
	// Get4ByAddress returns the host that reserves addr in a v4 subnet
	// (Kea's get4(subnet_id, address)).
	Get4ByAddress(ctx context.Context, subnetID SubnetID, addr netip.Addr) (*Host, error)
	// GetAll4ByAddress returns the hosts that reserve addr in any v4
	// subnet (Kea's getAll4(address)).
	GetAll4ByAddress(ctx context.Context, addr netip.Addr) ([]*Host, error)
	// GetAll4ByAddressInSubnet returns the hosts that reserve addr in a
	// v4 subnet; several only when ip-reservations-unique is false (Kea's
	// getAll4(subnet_id, address)).
	GetAll4ByAddressInSubnet(ctx context.Context, subnetID SubnetID, addr netip.Addr) ([]*Host, error)

	// Get6 returns the host with this identifier in a v6 subnet (Kea's
	// get6(subnet_id, identifier_type, identifier)).
	Get6(ctx context.Context, subnetID SubnetID, t IdentifierType, id []byte) (*Host, error)
	// Get6ByPrefix returns the host that reserves exactly this prefix, in
	// any subnet (Kea's get6(prefix, prefix_len)).
	Get6ByPrefix(ctx context.Context, prefix netip.Prefix) (*Host, error)
	// Get6ByAddress returns the host that reserves addr in a v6 subnet, as
	// an address or as the first address of a prefix (Kea's
	// get6(subnet_id, address)).
	Get6ByAddress(ctx context.Context, subnetID SubnetID, addr netip.Addr) (*Host, error)
	// GetAll6ByAddressInSubnet returns every host that reserves addr in a
	// v6 subnet (Kea's getAll6(subnet_id, address)).
	GetAll6ByAddressInSubnet(ctx context.Context, subnetID SubnetID, addr netip.Addr) ([]*Host, error)
	// GetAll6ByAddress returns the hosts that reserve addr in any v6
	// subnet (Kea's getAll6(address)).
	GetAll6ByAddress(ctx context.Context, addr netip.Addr) ([]*Host, error)

	// Type names the kind of source: "config" for CfgHosts, the
	// hosts-database type ("postgresql", "mysql") for database backends
	// (Kea's getType()).
	Type() string
}

// Writer is the optional ability of a DataSource to change its content
// (Kea's add, del, del4, del6 and update). Find it with a type assertion.
// Implementations must be safe for concurrent use with readers.
type Writer interface {
	// Add stores a copy of h and gives the copy a new HostID; h itself is
	// not modified (Kea's add(host)). It fails with an error wrapping the
	// validation problem, or a *ConflictError matching ErrDuplicate:
	// one host per (identifier, v4 subnet) and per (identifier, v6
	// subnet); with ip-reservations-unique, one host per (v4 subnet,
	// address) and per (v6 subnet, address or prefix).
	Add(ctx context.Context, h *Host) error
	// Del removes the hosts that reserve addr (IPv4, IPv6 address or the
	// first address of a prefix) in the subnet of addr's family (Kea's
	// del(subnet_id, address)). It returns ErrNotFound if none did.
	Del(ctx context.Context, subnetID SubnetID, addr netip.Addr) error
	// Del4 removes the host with this identifier in a v4 subnet (Kea's
	// del4(subnet_id, identifier_type, identifier)), ErrNotFound if none.
	Del4(ctx context.Context, subnetID SubnetID, t IdentifierType, id []byte) error
	// Del6 removes the host with this identifier in a v6 subnet (Kea's
	// del6(subnet_id, identifier_type, identifier)), ErrNotFound if none.
	Del6(ctx context.Context, subnetID SubnetID, t IdentifierType, id []byte) error
	// Update replaces the host with h's identifier in h's v4 subnet (or,
	// for a host without a v4 part, in its v6 subnet) by a copy of h, in
	// one step (Kea's update(host): del then add). ErrNotFound if there is
	// no such host; on a conflict nothing changes.
	Update(ctx context.Context, h *Host) error
}

// IPReservationsUniqueSetter is the optional ability to allow several hosts
// to reserve one address in a subnet (Kea's setIPReservationsUnique and the
// ip-reservations-unique parameter, default true). A source that does not
// implement it only supports unique reservations.
type IPReservationsUniqueSetter interface {
	// SetIPReservationsUnique switches the rule. It returns an error
	// matching ErrNotSupported if the source cannot allow non-unique
	// reservations, or a *ConflictError if it is switched on while hosts
	// already share an address.
	SetIPReservationsUnique(unique bool) error
}
