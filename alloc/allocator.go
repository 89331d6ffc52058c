package alloc

import (
	"errors"
	"net/netip"
	"slices"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// ErrExhausted is returned by an Allocator when the pools permitted for the
// client hold no further candidate in the current round: every candidate
// has been proposed once since the last reset. The engine then moves to the
// next subnet of the shared network (Kea's "zero address" answer).
//
// Answering ErrExhausted also ends the round: the next Pick for the same
// pools starts a new one (see Allocator for the exact contract).
var ErrExhausted = errors.New("alloc: no more candidates in the permitted pools")

// ErrUnknownAllocator is returned (wrapped) by Registry.New and NewAllocator
// for a name no factory is registered under.
var ErrUnknownAllocator = errors.New("alloc: unknown allocator")

// ErrUnsupported is returned (wrapped) by a Factory asked for a lease type or
// a pool it cannot serve, e.g. "flq" for an IPv6 address pool larger than
// MaxFLQPoolSize.
var ErrUnsupported = errors.New("alloc: not supported")

// ErrInvalidPool is returned (wrapped) by the built-in factories for a Spec
// whose pools are malformed: an unset or reversed range, a family that does
// not match the lease type, a prefix length out of range, a PD pool whose
// first prefix is not aligned to the delegated length, or overlapping pools.
var ErrInvalidPool = errors.New("alloc: invalid pool")

// ClientClasses are the classes a packet belongs to, in evaluation order.
type ClientClasses []string

// Contains reports whether name is one of the classes.
func (c ClientClasses) Contains(name string) bool { return slices.Contains(c, name) }

// Allows reports whether a client-class guard (a subnet's or a pool's
// "client-class") accepts a packet in these classes: an empty guard accepts
// every packet, otherwise the packet must belong to that class.
func (c ClientClasses) Allows(guard string) bool { return guard == "" || c.Contains(guard) }

// PrefixLenMatch is how a prefix-length hint selects PD pools (Kea's
// PrefixLenMatchType).
type PrefixLenMatch uint8

// Prefix-length matching modes, tried by the engine in this order when the
// client hints a length: equal, then lower (shorter delegated length, a
// larger prefix), then higher. Without a length hint the engine asks for
// MatchHigher, which accepts every pool.
const (
	MatchEqual  PrefixLenMatch = iota // pool's delegated length == hint length
	MatchLower                        // pool's delegated length < hint length
	MatchHigher                       // pool's delegated length > hint length, or no hint
)

// Request is what the engine asks an allocator for.
type Request struct {
	// Classes limit the pools the allocator may pick from (pool guards).
	Classes ClientClasses
	// ClientID identifies the client: the DHCPv4 client identifier (when
	// match-client-id applies) or the hardware address, or the DHCPv6 DUID
	// followed by the 4-byte IAID. Allocators that derive candidates from
	// the client (hashed) use it; others may ignore it.
	ClientID []byte
	// Hint is the address or prefix the client asked for (zero if none).
	// Allocators may ignore it; the engine tries the hint itself first.
	Hint netip.Addr
	// HintLen is the prefix length the client asked for (PD only; 0 = none).
	HintLen int
	// LenMatch selects PD pools by their delegated length (PD only):
	// with MatchEqual a pool qualifies if its delegated length equals
	// HintLen, with MatchLower if it is shorter, with MatchHigher if it is
	// longer. Without a length hint (HintLen 0, or 128 which Kea treats as
	// none) every pool qualifies whatever LenMatch says. Ignored for
	// address lease types.
	LenMatch PrefixLenMatch
	// Attempt numbers the picks of one allocation: the engine sets it to
	// 0 for the first Pick it makes while allocating for a client, 1 for
	// the second, and so on, and back to 0 after an ErrExhausted.
	// Stateless allocators derive their candidate from it: "hashed"
	// proposes candidate number Attempt of the client's own permutation
	// of the pools, so an engine that leaves it 0 gets the same candidate
	// again and again from "hashed". The other built-ins ignore it. A
	// negative value counts as 0.
	Attempt int
}

// Candidate is an allocator's proposal.
type Candidate struct {
	// Addr is the address, or the first address of the delegated prefix.
	Addr netip.Addr
	// PrefixLen is 32 or 128 for addresses, the delegated length for
	// prefixes.
	PrefixLen int
	// PoolID is the pool-id of the pool the candidate comes from.
	PoolID uint32
}

// Prefix returns the candidate as a prefix.
func (c Candidate) Prefix() netip.Prefix { return netip.PrefixFrom(c.Addr, c.PrefixLen) }

// Allocator proposes free-looking resources of one subnet and one lease type
// (Kea's Allocator). It only proposes: the engine checks each candidate
// against leases, reservations and the in-flight resource lock, and asks
// again until a candidate works or the allocator answers ErrExhausted.
//
// An Allocator must be safe for concurrent use: the engine calls Pick from
// many goroutines at once. Allocators are created per subnet and lease type
// when a configuration is committed, by a Factory chosen by the subnet's
// "allocator" (addresses) or "pd-allocator" (prefixes) parameter. An
// allocator that holds resources (a lease manager watch: "flq") also
// implements io.Closer; the engine calls Close when the configuration it
// was built for is replaced.
//
// Rounds. Every allocator proposes in rounds so that the engine's loop
// terminates and no candidate is proposed twice before the pools have been
// covered:
//
//   - A round is per pool. Within a round a pool's resources are proposed
//     at most once each, whichever goroutines ask.
//   - When every pool permitted for a request (class guards, and for PD
//     the prefix-length match) has finished its round, Pick answers
//     ErrExhausted and resets those pools: the next Pick starts a new
//     round. For a fixed request (same classes, same length match) Pick
//     therefore proposes each resource of the permitted pools exactly once
//     and then answers ErrExhausted, Capacity(classes) picks later when
//     nothing else shares the pools (fewer for "flq", which skips used
//     resources).
//   - Stateless allocators ("hashed") keep no round: their round is the
//     sequence Attempt = 0, 1, … of one allocation, and ErrExhausted comes
//     at Attempt ≥ the permitted pools' capacity.
//
// Because rounds are shared by all requests, an allocation may meet
// ErrExhausted after fewer than Capacity picks (other clients consumed the
// round). An engine that wants Kea's "try up to capacity" bound should
// therefore stop at its second ErrExhausted within one allocation, or
// after Capacity picks, whichever comes first.
//
// Pools larger than 2^64−1 resources (an IPv6 address pool wider than a
// /64, or a PD pool with more than 2^64−1 prefixes) are limited to their
// first 2^64−1 resources.
type Allocator interface {
	// Pick proposes the next candidate for req, or ErrExhausted. A nil
	// req counts as a request with no classes. Pick does not block on I/O.
	Pick(req *Request) (Candidate, error)
	// Capacity returns how many resources the pools permitted for classes
	// hold, saturated at MaxUint64. The engine bounds its attempts by it.
	Capacity(classes ClientClasses) uint64
	// Occupancy returns the share (0 to 1) of the permitted pools' resources
	// that are in use, as far as the allocator knows (FLQ knows exactly;
	// others may estimate from the lease manager's statistics or return a
	// negative value when they cannot tell).
	Occupancy(classes ClientClasses) float64
}

// Pool is one pool an allocator draws from: an address range (v4 or v6 NA)
// or a PD pool.
type Pool struct {
	// First and Last bound an address pool (both included). For a PD pool
	// First is the first delegated prefix's address and Last the last one's.
	First, Last netip.Addr
	// PrefixLen is 32 (v4), 128 (v6 NA) or the PD pool's delegated length.
	PrefixLen int
	// Prefix is the PD pool's prefix (zero for address pools).
	Prefix netip.Prefix
	// Excluded is the PD pool's excluded prefix (RFC 6603), or zero. It
	// is carved out of every prefix delegated from the pool (the server
	// sends it in the OPTION_PD_EXCLUDE); allocators do not skip it.
	Excluded netip.Prefix
	// ID is the pool-id; ClientClass the pool's class guard.
	ID          uint32
	ClientClass string
}

// Spec is what a Factory is given to build the allocator of one subnet and
// lease type.
type Spec struct {
	SubnetID uint32
	// Type is leasemgr.TypeV4, TypeNA, TypeTA or TypePD.
	Type  leasemgr.LeaseType
	Pools []Pool
	// Leases lets allocators that track free resources (flq) read the
	// existing leases and follow changes (leasemgr.Watcher).
	Leases leasemgr.Manager
}

// Factory builds an allocator. The name under which it is registered is the
// value of the config's "allocator" / "pd-allocator" parameter.
type Factory func(spec Spec) (Allocator, error)

// PoolsOf4 returns the pools of a v4 subnet in the form allocators take.
func PoolsOf4(s *cfgmgr.Subnet4) []Pool {
	out := make([]Pool, 0, len(s.Pools))
	for _, p := range s.Pools {
		out = append(out, Pool{First: p.First, Last: p.Last, PrefixLen: 32, ID: p.ID, ClientClass: p.ClientClass})
	}
	return out
}

// PoolsOf6 returns the address pools (NA and TA draw from the same pools)
// of a v6 subnet in the form allocators take.
func PoolsOf6(s *cfgmgr.Subnet6) []Pool {
	out := make([]Pool, 0, len(s.Pools))
	for _, p := range s.Pools {
		out = append(out, Pool{First: p.First, Last: p.Last, PrefixLen: 128, ID: p.ID, ClientClass: p.ClientClass})
	}
	return out
}

// PDPoolsOf returns the PD pools of a v6 subnet in the form allocators take.
func PDPoolsOf(s *cfgmgr.Subnet6) []Pool {
	out := make([]Pool, 0, len(s.PDPools))
	for _, p := range s.PDPools {
		first := p.Prefix.Masked().Addr()
		out = append(out, Pool{
			First:       first,
			Last:        lastPrefixAddr(p.Prefix.Masked(), p.DelegatedLen),
			PrefixLen:   p.DelegatedLen,
			Prefix:      p.Prefix.Masked(),
			Excluded:    p.Excluded,
			ID:          p.ID,
			ClientClass: p.ClientClass,
		})
	}
	return out
}

// lastPrefixAddr returns the address of the last prefix of length dlen
// inside p.
func lastPrefixAddr(p netip.Prefix, dlen int) netip.Addr {
	b := p.Addr().As16()
	for bit := p.Bits(); bit < dlen && bit < 128; bit++ {
		b[bit/8] |= 0x80 >> (bit % 8)
	}
	return netip.AddrFrom16(b)
}
