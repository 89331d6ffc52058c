package alloc

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"net/netip"
	"slices"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// u128 is an unsigned 128-bit integer: an IPv6 address (or an IPv4 address
// in its v4-mapped form) for arithmetic.
type u128 struct{ hi, lo uint64 }

func u128Of(a netip.Addr) u128 {
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func (u u128) addr(v4 bool) netip.Addr {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], u.hi)
	binary.BigEndian.PutUint64(b[8:], u.lo)
	a := netip.AddrFrom16(b)
	if v4 {
		return a.Unmap()
	}
	return a
}

func (u u128) add(v u128) u128 {
	lo, c := bits.Add64(u.lo, v.lo, 0)
	hi, _ := bits.Add64(u.hi, v.hi, c)
	return u128{hi, lo}
}

func (u u128) sub(v u128) u128 {
	lo, b := bits.Sub64(u.lo, v.lo, 0)
	hi, _ := bits.Sub64(u.hi, v.hi, b)
	return u128{hi, lo}
}

func (u u128) shl(n uint) u128 {
	switch {
	case n == 0:
		return u
	case n >= 128:
		return u128{}
	case n >= 64:
		return u128{u.lo << (n - 64), 0}
	}
	return u128{u.hi<<n | u.lo>>(64-n), u.lo << n}
}

func (u u128) shr(n uint) u128 {
	switch {
	case n == 0:
		return u
	case n >= 128:
		return u128{}
	case n >= 64:
		return u128{0, u.hi >> (n - 64)}
	}
	return u128{u.hi >> n, u.lo>>n | u.hi<<(64-n)}
}

func (u u128) less(v u128) bool { return u.hi < v.hi || (u.hi == v.hi && u.lo < v.lo) }

// span is a validated pool with the arithmetic the allocators need: its
// resources are numbered 0 … size−1 ("offsets") in address order.
type span struct {
	Pool
	first u128
	shift uint   // log2 of the step between resources
	size  uint64 // resources, saturated at MaxUint64
	v4    bool
}

// at returns the address of the resource at offset i (i < size).
func (s *span) at(i uint64) netip.Addr {
	return s.first.add(u128{0, i}.shl(s.shift)).addr(s.v4)
}

// candidate returns the resource at offset i as a Candidate.
func (s *span) candidate(i uint64) Candidate {
	return Candidate{Addr: s.at(i), PrefixLen: s.PrefixLen, PoolID: s.ID}
}

// offset returns the offset of a, if a is a resource of the pool (inside
// it and aligned to the step).
func (s *span) offset(a netip.Addr) (uint64, bool) {
	if !a.IsValid() {
		return 0, false
	}
	if s.v4 {
		a = a.Unmap()
		if !a.Is4() {
			return 0, false
		}
	} else if !a.Is6() {
		return 0, false
	}
	u := u128Of(a)
	if u.less(s.first) {
		return 0, false
	}
	d := u.sub(s.first)
	if s.shift > 0 && d.shl(128-s.shift) != (u128{}) {
		return 0, false
	}
	i := d.shr(s.shift)
	if i.hi != 0 || i.lo >= s.size {
		return 0, false
	}
	return i.lo, true
}

// poolSet is the validated pools of one Spec.
type poolSet struct {
	spans    []span
	subnetID uint32
	typ      leasemgr.LeaseType
	pd       bool
}

// newPoolSet validates spec's pools. Pools of zero size do not exist: a
// valid pool holds at least one resource.
func newPoolSet(name string, spec Spec) (poolSet, error) {
	ps := poolSet{subnetID: spec.SubnetID, typ: spec.Type, pd: spec.Type == leasemgr.TypePD}
	var v4 bool
	switch spec.Type {
	case leasemgr.TypeV4:
		v4 = true
	case leasemgr.TypeNA, leasemgr.TypeTA, leasemgr.TypePD:
	default:
		return ps, fmt.Errorf("alloc: %s: subnet %d: lease type %d: %w", name, spec.SubnetID, spec.Type, ErrUnsupported)
	}
	ps.spans = make([]span, 0, len(spec.Pools))
	for i, p := range spec.Pools {
		s, err := newSpan(p, spec.Type, v4)
		if err != nil {
			return ps, fmt.Errorf("alloc: %s: subnet %d: pool %d (%s - %s): %w", name, spec.SubnetID, i, p.First, p.Last, err)
		}
		ps.spans = append(ps.spans, s)
	}
	// Overlapping pools would make an allocator propose one resource twice
	// in a round.
	order := make([]int, len(ps.spans))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		x, y := ps.spans[a].first, ps.spans[b].first
		switch {
		case x.less(y):
			return -1
		case y.less(x):
			return 1
		}
		return 0
	})
	for k := 1; k < len(order); k++ {
		a, b := &ps.spans[order[k-1]], &ps.spans[order[k]]
		if !u128Of(a.Last).less(b.first) {
			return ps, fmt.Errorf("alloc: %s: subnet %d: pools %s - %s and %s - %s overlap: %w",
				name, spec.SubnetID, a.First, a.Last, b.First, b.Last, ErrInvalidPool)
		}
	}
	return ps, nil
}

func newSpan(p Pool, typ leasemgr.LeaseType, v4 bool) (span, error) {
	s := span{Pool: p, v4: v4}
	if !p.First.IsValid() || !p.Last.IsValid() {
		return s, fmt.Errorf("unset range: %w", ErrInvalidPool)
	}
	if v4 {
		if !p.First.Is4() || !p.Last.Is4() {
			return s, fmt.Errorf("not an IPv4 range: %w", ErrInvalidPool)
		}
		if p.PrefixLen == 0 {
			s.PrefixLen = 32
		}
		if s.PrefixLen != 32 {
			return s, fmt.Errorf("prefix length %d for an address pool: %w", p.PrefixLen, ErrInvalidPool)
		}
	} else {
		if !p.First.Is6() || !p.Last.Is6() || p.First.Is4In6() != p.Last.Is4In6() {
			return s, fmt.Errorf("not an IPv6 range: %w", ErrInvalidPool)
		}
		if typ != leasemgr.TypePD {
			if p.PrefixLen == 0 {
				s.PrefixLen = 128
			}
			if s.PrefixLen != 128 {
				return s, fmt.Errorf("prefix length %d for an address pool: %w", p.PrefixLen, ErrInvalidPool)
			}
		} else if p.PrefixLen < 1 || p.PrefixLen > 128 {
			return s, fmt.Errorf("delegated length %d out of range 1-128: %w", p.PrefixLen, ErrInvalidPool)
		}
		s.shift = uint(128 - s.PrefixLen)
	}
	s.first = u128Of(p.First)
	last := u128Of(p.Last)
	if last.less(s.first) {
		return s, fmt.Errorf("range end before start: %w", ErrInvalidPool)
	}
	if s.shift > 0 && s.first.shl(128-s.shift) != (u128{}) {
		return s, fmt.Errorf("first prefix %s not aligned to /%d: %w", p.First, s.PrefixLen, ErrInvalidPool)
	}
	if typ == leasemgr.TypePD && p.Prefix.IsValid() {
		if p.Prefix.Bits() > s.PrefixLen || !p.Prefix.Contains(p.First) || !p.Prefix.Contains(p.Last) {
			return s, fmt.Errorf("range outside prefix %s or delegated length /%d shorter than it: %w", p.Prefix, s.PrefixLen, ErrInvalidPool)
		}
	}
	n := last.sub(s.first).shr(s.shift)
	if n.hi != 0 || n.lo == math.MaxUint64 {
		s.size = math.MaxUint64
	} else {
		s.size = n.lo + 1
	}
	return s, nil
}

// allows reports whether pool s may serve req.
func (ps *poolSet) allows(s *span, req *Request) bool {
	if !req.Classes.Allows(s.ClientClass) {
		return false
	}
	if !ps.pd || req.HintLen <= 0 || req.HintLen >= 128 {
		return true
	}
	switch req.LenMatch {
	case MatchEqual:
		return s.PrefixLen == req.HintLen
	case MatchLower:
		return s.PrefixLen < req.HintLen
	case MatchHigher:
		return s.PrefixLen > req.HintLen
	}
	return false
}

// capacity sums the sizes of the pools permitted for classes, saturated.
func (ps *poolSet) capacity(classes ClientClasses) uint64 {
	var total uint64
	for i := range ps.spans {
		if classes.Allows(ps.spans[i].ClientClass) {
			total = satAdd(total, ps.spans[i].size)
		}
	}
	return total
}

// find returns the pool holding resource a and its offset.
func (ps *poolSet) find(a netip.Addr) (int, uint64, bool) {
	for i := range ps.spans {
		if off, ok := ps.spans[i].offset(a); ok {
			return i, off, true
		}
	}
	return 0, 0, false
}

func satAdd(a, b uint64) uint64 {
	s, c := bits.Add64(a, b, 0)
	if c != 0 {
		return math.MaxUint64
	}
	return s
}

// noClasses is the request used for a nil *Request.
var noRequest Request

func orEmpty(req *Request) *Request {
	if req == nil {
		return &noRequest
	}
	return req
}
