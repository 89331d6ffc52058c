package alloc

import (
	"net/netip"
	"sync/atomic"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// Hint is what a client asks for in an IA: an address (/128) or a prefix
// (for IA_PD a zero address with a length asks for a prefix length only),
// and optionally lifetimes.
type Hint struct {
	Prefix                           netip.Prefix
	PreferredLifetime, ValidLifetime uint32
}

// IA is one identity association of a DHCPv6 request (IA_NA, IA_TA or
// IA_PD) with its results.
type IA struct {
	Type  leasemgr.LeaseType
	IAID  uint32
	Hints []Hint

	// Leases are the leases granted for the IA (outputs).
	Leases []*leasemgr.Lease6
	// OldLeases are leases of the IA that the engine removed or that are no
	// longer usable; the server sends them with zero lifetimes.
	OldLeases []*leasemgr.Lease6
	// Reused tells, per lease in Leases, whether the reuse cache answered
	// (no database write; lifetimes are the remaining ones).
	Reused []bool
	// Err is why nothing was granted for this IA (nil on success).
	Err error
}

// ClientContext6 is a DHCPv6 request as the engine sees it (Kea's
// ClientContext6).
type ClientContext6 struct {
	// Subnet is the selected subnet; the engine may move to a sibling of
	// its shared network.
	Subnet *cfgmgr.Subnet6
	// DUID is the client's DUID (mandatory).
	DUID []byte
	// HWAddr is the client's hardware address, if known.
	HWAddr leasemgr.HWAddr
	// FwdDNS, RevDNS and Hostname are the DNS update decisions and name.
	FwdDNS, RevDNS bool
	Hostname       string
	// Classes are the packet's client classes.
	Classes ClientClasses
	// HostIdentifiers are the client's identifiers in
	// host-reservation-identifiers order.
	HostIdentifiers []hostmgr.Identifier
	// Hosts are the client's reservations by subnet id (0 = global). Nil
	// means the engine looks them up through its HostSource.
	Hosts map[cfgmgr.SubnetID]*hostmgr.Host
	// IAs are the identity associations to serve, in packet order.
	IAs []*IA

	hostsDone bool
	allocated []netip.Prefix // resources granted to earlier IAs
}

type subnet6 struct {
	cfg     *cfgmgr.Subnet6
	id      cfgmgr.SubnetID
	alloc   [3]Allocator // by TypeNA, TypeTA, TypePD
	net     []*subnet6
	netIdx  int
	netName string
	guard   string
	resGlob bool
	resIn   bool
	resOOP  bool
	valid   cfgmgr.Triplet
	pref    cfgmgr.Triplet
	prefSet bool

	cacheThr float64
	maxAge   uint32
	hasAge   bool

	lastAlloc [3]atomic.Int64
	st        subnetStats
}

func (e *Engine) buildSubnet6(cfg *cfgmgr.Config, s *cfgmgr.Subnet6) (*subnet6, error) {
	ss := &subnet6{
		cfg:     s,
		id:      s.ID,
		guard:   s.ClientClass(),
		resGlob: s.ReservationsGlobal(),
		resIn:   s.ReservationsInSubnet(),
		resOOP:  s.ReservationsOutOfPool(),
		valid:   s.ValidLifetime(),
		pref:    s.PreferredLifetime(),
		prefSet: preferredSet(cfg, s),
	}
	ss.cacheThr, _ = s.CacheThreshold()
	ss.maxAge, ss.hasAge = s.CacheMaxAge()
	var err error
	if ss.alloc[leasemgr.TypeNA], err = e.newAllocator(s.Allocator(), Spec{SubnetID: uint32(s.ID), Type: leasemgr.TypeNA, Pools: PoolsOf6(s), Leases: e.leases}); err != nil {
		return ss, err
	}
	if ss.alloc[leasemgr.TypeTA], err = e.newAllocator(s.Allocator(), Spec{SubnetID: uint32(s.ID), Type: leasemgr.TypeTA, Pools: PoolsOf6(s), Leases: e.leases}); err != nil {
		return ss, err
	}
	if ss.alloc[leasemgr.TypePD], err = e.newAllocator(s.PDAllocator(), Spec{SubnetID: uint32(s.ID), Type: leasemgr.TypePD, Pools: PDPoolsOf(s), Leases: e.leases}); err != nil {
		return ss, err
	}
	return ss, nil
}
