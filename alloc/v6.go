package alloc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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

	addrPools, pdPools []Pool

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
	ss.addrPools, ss.pdPools = PoolsOf6(s), PDPoolsOf(s)
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

// req6 is the working state of one DHCPv6 request.
type req6 struct {
	e       *Engine
	st      *state
	c       *ClientContext6
	start   *subnet6 // subnet selected for the packet
	s       *subnet6 // current subnet (Kea's ctx.subnet_)
	fake    bool
	now     int64
	skipped bool
	fresh   []netip.Prefix // leases created for the current IA
	h       ResourceHandler
}

type extendMode uint8

const (
	extendUpdate extendMode = iota // refresh during SOLICIT/REQUEST (updateLeaseData)
	extendRenew
	extendRebind
)

// Solicit6 chooses the leases to advertise for each IA of a SOLICIT (Kea's
// allocateLeases6 with fake allocation): nothing is written. Results are in
// each IA; the error is the first IA's failure, or a request error.
func (e *Engine) Solicit6(ctx context.Context, c *ClientContext6) error {
	return e.run6(ctx, c, true, (*req6).allocateIA)
}

// Request6 allocates leases for each IA of a REQUEST (Kea's
// allocateLeases6): the four cases of existing leases and reservations,
// then the client's hint, then the allocators, with prefix-length matching
// equal, lower, higher for IA_PD.
func (e *Engine) Request6(ctx context.Context, c *ClientContext6) error {
	return e.run6(ctx, c, false, (*req6).allocateIA)
}

// Renew6 extends the leases of each IA of a RENEW (Kea's renewLeases6 and
// extendLease6). Leases no longer valid (subnet, class, reservation for
// another client, out of the pools) are removed and returned in
// IA.OldLeases, to be sent with zero lifetimes; an IA left with nothing
// gets a new lease.
func (e *Engine) Renew6(ctx context.Context, c *ClientContext6) error {
	return e.run6(ctx, c, false, func(r *req6, ctx context.Context, ia *IA) error { return r.renewIA(ctx, ia, extendRenew) })
}

// Rebind6 is Renew6 for a REBIND (lease6_rebind hook).
func (e *Engine) Rebind6(ctx context.Context, c *ClientContext6) error {
	return e.run6(ctx, c, false, func(r *req6, ctx context.Context, ia *IA) error { return r.renewIA(ctx, ia, extendRebind) })
}

func (e *Engine) run6(ctx context.Context, c *ClientContext6, fake bool, fn func(*req6, context.Context, *IA) error) error {
	if c == nil {
		return fmt.Errorf("%w: nil client context", ErrBadRequest)
	}
	st, err := e.acquire()
	if err != nil {
		return err
	}
	defer st.release()
	r := &req6{e: e, st: st, c: c, fake: fake, now: e.nowUnix()}
	if err := r.begin(); err != nil {
		return err
	}
	r.h.init(&e.res)
	defer r.h.Release()
	if err := r.findReservations(ctx); err != nil {
		return err
	}
	var first error
	for _, ia := range c.IAs {
		if ia == nil {
			continue
		}
		ia.Leases, ia.OldLeases, ia.Reused, ia.Err = nil, nil, nil, nil
		r.s, r.fresh, r.skipped = r.start, r.fresh[:0], false
		if ia.Type != leasemgr.TypeNA && ia.Type != leasemgr.TypeTA && ia.Type != leasemgr.TypePD {
			ia.Err = fmt.Errorf("%w: lease type %v", ErrBadRequest, ia.Type)
		} else if err := fn(r, ctx, ia); err != nil {
			ia.Err = err
		}
		for _, l := range ia.Leases {
			c.allocated = append(c.allocated, l.Prefix())
		}
		if ia.Err != nil && first == nil {
			first = ia.Err
		}
	}
	c.Subnet = r.s.cfg
	return first
}

func (r *req6) begin() error {
	c := r.c
	c.allocated = c.allocated[:0]
	if c.Subnet == nil {
		return ErrNoSubnet
	}
	if len(c.DUID) == 0 {
		return fmt.Errorf("%w: no DUID", ErrBadRequest)
	}
	s := r.st.v6[c.Subnet.ID]
	if s == nil {
		return fmt.Errorf("%w: subnet %d is not configured", ErrNoSubnet, c.Subnet.ID)
	}
	if !c.Classes.Allows(s.guard) {
		var nxt *subnet6
		n := len(s.net)
		for i := 1; i < n; i++ {
			if sib := s.net[(s.netIdx+i)%n]; c.Classes.Allows(sib.guard) {
				nxt = sib
				break
			}
		}
		if nxt == nil {
			return fmt.Errorf("%w: subnet %d does not permit the client's classes", ErrNoSubnet, s.id)
		}
		s = nxt
	}
	r.start, r.s = s, s
	return nil
}

func (r *req6) next(first, cur *subnet6) *subnet6 {
	n := len(first.net)
	if n <= 1 {
		return nil
	}
	i := cur.netIdx
	for {
		i = (i + 1) % n
		if i == first.netIdx {
			return nil
		}
		if sib := first.net[i]; r.c.Classes.Allows(sib.guard) {
			return sib
		}
	}
}

func (r *req6) findReservations(ctx context.Context) error {
	c := r.c
	if c.hostsDone || c.Hosts != nil || r.e.hosts == nil || len(c.HostIdentifiers) == 0 {
		return nil
	}
	c.hostsDone = true
	global := false
	for s := r.start; s != nil; s = r.next(r.start, s) {
		global = global || s.resGlob
		if !s.resIn {
			continue
		}
		h, err := r.e.hosts.Get6Any(ctx, s.id, c.HostIdentifiers)
		if err != nil {
			if isNotFound(err) {
				continue
			}
			return fmt.Errorf("alloc: host lookup in subnet %d: %w", s.id, err)
		}
		if c.Hosts == nil {
			c.Hosts = make(map[cfgmgr.SubnetID]*hostmgr.Host, 1)
		}
		c.Hosts[s.id] = h
	}
	if global {
		h, err := r.e.hosts.Get6Any(ctx, hostmgr.SubnetIDGlobal, c.HostIdentifiers)
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("alloc: global host lookup: %w", err)
		}
		if h != nil {
			if c.Hosts == nil {
				c.Hosts = make(map[cfgmgr.SubnetID]*hostmgr.Host, 1)
			}
			c.Hosts[hostmgr.SubnetIDGlobal] = h
		}
	}
	return nil
}

// hostHas reports whether h reserves the lease's address or prefix.
func hostHas(h *hostmgr.Host, t leasemgr.LeaseType, p netip.Prefix) bool {
	if h == nil {
		return false
	}
	if t == leasemgr.TypePD {
		return h.HasIPv6Prefix(p)
	}
	return t == leasemgr.TypeNA && h.HasIPv6Address(p.Addr())
}

// reservedForClient reports whether the lease is one of the client's
// reservations (in its subnet, or global).
func (r *req6) reservedForClient(l *leasemgr.Lease6) bool {
	p := l.Prefix()
	if hostHas(r.c.Hosts[hostmgr.SubnetIDGlobal], l.Type, p) {
		return true
	}
	return l.SubnetID != 0 && hostHas(r.c.Hosts[l.SubnetID], l.Type, p)
}

// reservedForOther reports whether addr has a reservation in subnet s
// (the client's own reservations were tried before).
func (r *req6) reserved(ctx context.Context, s *subnet6, t leasemgr.LeaseType, addr netip.Addr) (bool, error) {
	if r.e.hosts == nil || !s.resIn || (s.resOOP && s.pool(t, addr, nil, true) != nil) {
		return false, nil
	}
	hosts, err := r.e.hosts.GetAll6ByAddressInSubnet(ctx, s.id, addr)
	if err != nil && !isNotFound(err) {
		return false, fmt.Errorf("alloc: reservation lookup of %s: %w", addr, err)
	}
	for _, h := range hosts {
		for _, id := range r.c.HostIdentifiers {
			if h.IdentifierType == id.Type && bytes.Equal(h.Identifier, id.Value) {
				return false, nil
			}
		}
	}
	return len(hosts) > 0, nil
}

// pool returns the pool of type t holding addr (a PD pool holding the
// prefix starting at addr), permitted for classes unless anyClass.
func (s *subnet6) pool(t leasemgr.LeaseType, addr netip.Addr, classes ClientClasses, anyClass bool) *Pool {
	for i := range s.pools(t) {
		p := &s.pools(t)[i]
		var in bool
		if t == leasemgr.TypePD {
			in = p.Prefix.Contains(addr)
		} else {
			in = addr.Compare(p.First) >= 0 && addr.Compare(p.Last) <= 0
		}
		if in && (anyClass || classes.Allows(p.ClientClass)) {
			return p
		}
	}
	return nil
}

func (s *subnet6) pools(t leasemgr.LeaseType) []Pool {
	if t == leasemgr.TypePD {
		return s.pdPools
	}
	return s.addrPools
}

// inAllowedPool reports whether the lease's resource is in a permitted pool
// of the current subnet or a sibling.
func (r *req6) inAllowedPool(t leasemgr.LeaseType, addr netip.Addr) bool {
	for s := r.start; s != nil; s = r.next(r.start, s) {
		if s.pool(t, addr, r.c.Classes, false) != nil {
			return true
		}
	}
	return false
}

func (r *req6) isAllocated(p netip.Prefix) bool {
	for _, x := range r.c.allocated {
		if x == p {
			return true
		}
	}
	return false
}

func (r *req6) isFresh(l *leasemgr.Lease6) bool {
	for _, x := range r.fresh {
		if x == l.Prefix() {
			return true
		}
	}
	return false
}

// clientLeases returns the IA's leases in the shared network.
func (r *req6) clientLeases(ctx context.Context, ia *IA) ([]*leasemgr.Lease6, error) {
	all, err := r.e.leases.Leases6ByDUIDIAID(ctx, ia.Type, r.c.DUID, ia.IAID)
	if err != nil {
		return nil, fmt.Errorf("alloc: leases by DUID and IAID: %w", err)
	}
	var out []*leasemgr.Lease6
	for s := r.start; s != nil; s = r.next(r.start, s) {
		for _, l := range all {
			if l.SubnetID == uint32(s.id) && l.State != leasemgr.StateRegistered {
				out = append(out, l)
			}
		}
	}
	return out, nil
}

// allocateIA is Kea's allocateLeases6 for one IA.
func (r *req6) allocateIA(ctx context.Context, ia *IA) error {
	leases, err := r.clientLeases(ctx, ia)
	if err != nil {
		return err
	}
	hasHosts := len(r.c.Hosts) > 0
	switch {
	case len(leases) == 0 && hasHosts:
		leases, err = r.allocateReserved(ctx, ia, leases)
	case len(leases) > 0 && !hasHosts:
		leases, err = r.removeNonmatchingReserved(ctx, ia, leases)
	case len(leases) > 0 && hasHosts:
		if leases, err = r.allocateReserved(ctx, ia, leases); err == nil {
			if leases, err = r.removeNonmatchingReserved(ctx, ia, leases); err == nil {
				leases = r.removeNonreserved(ctx, ia, leases)
			}
		}
	}
	if err != nil {
		return err
	}
	for _, l := range leases {
		if r.isFresh(l) {
			ia.add(l, false)
			continue
		}
		nl, reused, err := r.extend(ctx, ia, l, extendUpdate)
		if err != nil {
			return err
		}
		if nl != nil {
			ia.add(nl, reused)
		}
	}
	if len(ia.Leases) > 0 {
		return nil
	}
	l, err := r.allocateUnreserved(ctx, ia)
	if err != nil {
		return err
	}
	ia.add(l, false)
	return nil
}

func (ia *IA) add(l *leasemgr.Lease6, reused bool) {
	ia.Leases = append(ia.Leases, l)
	ia.Reused = append(ia.Reused, reused)
}

// renewIA is Kea's renewLeases6 for one IA.
func (r *req6) renewIA(ctx context.Context, ia *IA, mode extendMode) error {
	leases, err := r.clientLeases(ctx, ia)
	if err != nil {
		return err
	}
	if len(leases) > 0 {
		if leases, err = r.removeNonmatchingReserved(ctx, ia, leases); err != nil {
			return err
		}
	}
	if len(r.c.Hosts) > 0 {
		if leases, err = r.allocateReserved(ctx, ia, leases); err != nil {
			return err
		}
		leases = r.removeNonreserved(ctx, ia, leases)
	}
	if len(leases) == 0 {
		l, err := r.allocateUnreserved(ctx, ia)
		if err != nil {
			return err
		}
		ia.add(l, false)
		return nil
	}
	for _, l := range leases {
		if r.isFresh(l) {
			ia.add(l, false)
			continue
		}
		nl, reused, err := r.extend(ctx, ia, l, mode)
		if err != nil {
			return err
		}
		if nl != nil {
			ia.add(nl, reused)
		}
	}
	if len(ia.Leases) == 0 {
		return fmt.Errorf("%w: no usable lease left in the IA", ErrNoAddressAvailable)
	}
	return nil
}

// allocateReserved is Kea's allocateReservedLeases6: keep a lease that
// matches a reservation, else create one for the first free reservation.
func (r *req6) allocateReserved(ctx context.Context, ia *IA, leases []*leasemgr.Lease6) ([]*leasemgr.Lease6, error) {
	if ia.Type == leasemgr.TypeTA {
		return leases, nil
	}
	for _, l := range leases {
		if l.ValidLifetime != 0 && r.reservedForClient(l) {
			return leases, nil
		}
	}
	try := func(s *subnet6, h *hostmgr.Host) (*leasemgr.Lease6, error) {
		var cands []netip.Prefix
		if ia.Type == leasemgr.TypePD {
			cands = h.IPv6Prefixes
		} else {
			for _, a := range h.IPv6Addresses {
				cands = append(cands, netip.PrefixFrom(a, 128))
			}
		}
		for _, p := range cands {
			if r.isAllocated(p) || (s.resOOP && s.pool(ia.Type, p.Addr(), nil, true) != nil) {
				continue
			}
			if !r.h.TryLock(ia.Type, p.Addr()) {
				continue
			}
			existing, err := r.getLease(ctx, ia.Type, p.Addr())
			if err != nil {
				return nil, err
			}
			if existing != nil {
				continue
			}
			r.s = s
			l, err := r.create(ctx, ia, p.Addr(), p.Bits(), 0)
			if err != nil || l != nil {
				return l, err
			}
		}
		return nil, nil
	}
	global := false
	for s := r.start; s != nil; s = r.next(r.start, s) {
		global = global || s.resGlob
		h := r.c.Hosts[s.id]
		if h == nil || !s.resIn {
			continue
		}
		l, err := try(s, h)
		if err != nil {
			return nil, err
		}
		if l != nil {
			return append(leases, l), nil
		}
	}
	if h := r.c.Hosts[hostmgr.SubnetIDGlobal]; global && h != nil {
		for s := r.start; s != nil; s = r.next(r.start, s) {
			if !s.resGlob {
				continue
			}
			l, err := try(s, h)
			if err != nil {
				return nil, err
			}
			if l != nil {
				return append(leases, l), nil
			}
		}
	}
	return leases, nil
}

// removeNonmatchingReserved is Kea's removeNonmatchingReservedLeases6:
// drop leases reserved for another client or outside the permitted pools.
func (r *req6) removeNonmatchingReserved(ctx context.Context, ia *IA, leases []*leasemgr.Lease6) ([]*leasemgr.Lease6, error) {
	out := leases[:0]
	for _, l := range leases {
		if r.reservedForClient(l) {
			out = append(out, l)
			continue
		}
		s := r.st.v6[l.SubnetID]
		other := false
		if s != nil {
			var err error
			if other, err = r.reserved(ctx, s, l.Type, l.Addr); err != nil {
				return nil, err
			}
		}
		if !other && r.inAllowedPool(l.Type, l.Addr) {
			out = append(out, l)
			continue
		}
		r.drop(ctx, ia, l)
	}
	return out, nil
}

// removeNonreserved is Kea's removeNonreservedLeases6: when the client has
// several leases, drop those that are not reserved, keeping at least one.
func (r *req6) removeNonreserved(ctx context.Context, ia *IA, leases []*leasemgr.Lease6) []*leasemgr.Lease6 {
	total := len(leases)
	if total <= 1 {
		return leases
	}
	out := leases[:0]
	for _, l := range leases {
		if total > 1 && !r.reservedForClient(l) {
			r.drop(ctx, ia, l)
			total--
			continue
		}
		out = append(out, l)
	}
	return out
}

// drop removes a lease the client may no longer use (not on SOLICIT).
func (r *req6) drop(ctx context.Context, ia *IA, l *leasemgr.Lease6) {
	ia.OldLeases = append(ia.OldLeases, l)
	if r.fake {
		return
	}
	if err := r.e.leases.DeleteLease6(ctx, l); err != nil {
		if !errors.Is(err, leasemgr.ErrNotFound) && !errors.Is(err, leasemgr.ErrConflict) {
			r.e.log.Warn("alloc: removing an unusable lease failed", "prefix", l.Prefix(), "error", err)
		}
		return
	}
	r.st.count6(l, -1)
}

func (r *req6) getLease(ctx context.Context, t leasemgr.LeaseType, addr netip.Addr) (*leasemgr.Lease6, error) {
	l, err := r.e.leases.Lease6(ctx, t, addr)
	if err != nil {
		if errors.Is(err, leasemgr.ErrNotFound) {
			return nil, nil
		}
		return nil, fmt.Errorf("alloc: lease of %s: %w", addr, err)
	}
	return l, nil
}

// hintFor returns the client's hinted lifetimes for a resource.
func hintLifetimes(ia *IA, p netip.Prefix) (pref, valid uint32) {
	for _, h := range ia.Hints {
		if h.Prefix.Addr() == p.Addr() || len(ia.Hints) == 1 {
			return h.PreferredLifetime, h.ValidLifetime
		}
	}
	return 0, 0
}

func (r *req6) fill(ia *IA, l *leasemgr.Lease6) bool {
	c := r.c
	hp, hv := hintLifetimes(ia, l.Prefix())
	pref, valid := r.st.lifetimes6(r.s, c.Classes, hp, hv)
	changed := false
	if l.SubnetID != uint32(r.s.id) {
		l.SubnetID, changed = uint32(r.s.id), true
	}
	if l.ValidLifetime != valid || l.PreferredLifetime != pref {
		l.ValidLifetime, l.PreferredLifetime, changed = valid, pref, true
	}
	if !bytes.Equal(l.DUID, c.DUID) || l.IAID != ia.IAID {
		l.DUID, l.IAID, changed = bytes.Clone(c.DUID), ia.IAID, true
	}
	if !bytes.Equal(l.HWAddr.Addr, c.HWAddr.Addr) {
		changed = true
	}
	l.HWAddr = c.HWAddr.Clone()
	if l.Hostname != c.Hostname || l.FQDNFwd != c.FwdDNS || l.FQDNRev != c.RevDNS {
		l.Hostname, l.FQDNFwd, l.FQDNRev, changed = c.Hostname, c.FwdDNS, c.RevDNS, true
	}
	if l.State != leasemgr.StateDefault {
		changed = true
	}
	l.CLTT = r.now
	return changed
}

func (r *req6) poolID(t leasemgr.LeaseType, addr netip.Addr, known uint32) uint32 {
	if known != 0 {
		return known
	}
	if p := r.s.pool(t, addr, nil, true); p != nil {
		return p.ID
	}
	return 0
}

// create makes a new lease (Kea's createLease6).
func (r *req6) create(ctx context.Context, ia *IA, addr netip.Addr, plen int, poolID uint32) (*leasemgr.Lease6, error) {
	l := &leasemgr.Lease6{Type: ia.Type, Addr: addr, PrefixLen: uint8(plen), PoolID: r.poolID(ia.Type, addr, poolID)}
	r.fill(ia, l)
	if hook := r.e.hooks.Lease6Select; hook != nil && hook(ctx, r.c, ia, l, r.fake) == Skip {
		r.skipped = true
		return nil, nil
	}
	if !r.fake {
		if err := r.e.leases.AddLease6(ctx, l); err != nil {
			if errors.Is(err, leasemgr.ErrExists) {
				return nil, nil
			}
			return nil, fmt.Errorf("alloc: add lease %s: %w", l.Prefix(), err)
		}
		r.st.count6(l, 1)
		r.st.cumulative6(l)
	}
	r.fresh = append(r.fresh, l.Prefix())
	return l, nil
}

// reuseExpired gives an expired lease to this client (Kea's
// reuseExpiredLease for v6), reclaiming it first.
func (r *req6) reuseExpired(ctx context.Context, ia *IA, l *leasemgr.Lease6, plen int, poolID uint32) (*leasemgr.Lease6, error) {
	old := l.Clone()
	l.PrefixLen = uint8(plen)
	l.PoolID = r.poolID(ia.Type, l.Addr, poolID)
	r.fill(ia, l)
	l.State = leasemgr.StateDefault
	l.UserContext = nil
	if hook := r.e.hooks.Lease6Select; hook != nil && hook(ctx, r.c, ia, l, r.fake) == Skip {
		r.skipped = true
		return nil, nil
	}
	if !r.fake {
		if err := r.e.leases.UpdateLease6(ctx, l); err != nil {
			if errors.Is(err, leasemgr.ErrConflict) || errors.Is(err, leasemgr.ErrNotFound) {
				return nil, nil
			}
			return nil, fmt.Errorf("alloc: reuse lease %s: %w", l.Prefix(), err)
		}
		if counted(old.State) {
			r.st.reclaimed6(old, old.State == leasemgr.StateDeclined)
		}
		r.st.move6(old, l)
		r.st.cumulative6(l)
	}
	ia.OldLeases = append(ia.OldLeases, old)
	r.fresh = append(r.fresh, l.Prefix())
	return l, nil
}

// extend refreshes or extends one of the client's leases (Kea's
// updateLeaseData and extendLease6). It returns nil when a renewed lease
// is no longer valid for its subnet; that lease is removed and added to
// ia.OldLeases.
func (r *req6) extend(ctx context.Context, ia *IA, l *leasemgr.Lease6, mode extendMode) (*leasemgr.Lease6, bool, error) {
	c := r.c
	if sub := r.st.v6[l.SubnetID]; sub != nil {
		r.s = sub
	}
	if mode != extendUpdate {
		sub := r.st.v6[l.SubnetID]
		global := hostHas(c.Hosts[hostmgr.SubnetIDGlobal], l.Type, l.Prefix())
		if !global && (sub == nil || !r.inNetwork(sub) ||
			(l.Type != leasemgr.TypePD && !sub.cfg.Prefix.Contains(l.Addr)) || !c.Classes.Allows(sub.guard)) {
			r.drop(ctx, ia, l)
			return nil, false, nil
		}
	}
	if !r.h.TryLock(l.Type, l.Addr) {
		r.e.log.Debug("alloc: extending a lease that is in flight", "prefix", l.Prefix())
	}
	old := l.Clone()
	expired := old.Expired(unixToTime(r.now))
	changed := r.fill(ia, l)
	if l.PoolID == 0 {
		l.PoolID = r.poolID(l.Type, l.Addr, 0)
	}
	var reuse uint32
	if !changed {
		reuse = reusableCommon(old.State, old.CLTT, old.ValidLifetime, l.ValidLifetime, r.s.cacheThr, r.s.maxAge, r.s.hasAge, r.now)
	}
	out := l
	if reuse > 0 {
		out = l.Clone()
		out.ValidLifetime = reuse
		if reuse != leasemgr.InfiniteLifetime {
			age := uint32(r.now - old.CLTT)
			out.PreferredLifetime = 0
			if old.PreferredLifetime > age {
				out.PreferredLifetime = old.PreferredLifetime - age
			}
		}
	}
	if r.fake {
		return out, reuse > 0, nil
	}
	l.State = leasemgr.StateDefault
	var hook func(context.Context, *ClientContext6, *IA, *leasemgr.Lease6) Verdict
	switch mode {
	case extendRenew:
		hook = r.e.hooks.Lease6Renew
	case extendRebind:
		hook = r.e.hooks.Lease6Rebind
	}
	if hook != nil && hook(ctx, c, ia, l) == Skip {
		return old, false, nil
	}
	if reuse > 0 {
		if gl := r.st.g.leaseStats(l.Type); gl != nil {
			gl.reuses.Inc()
			r.s.leaseStats(l.Type).reuses.Inc()
		}
		return out, true, nil
	}
	if err := r.e.leases.UpdateLease6(ctx, l); err != nil {
		return nil, false, fmt.Errorf("alloc: extend lease %s: %w", l.Prefix(), err)
	}
	if expired && counted(old.State) {
		r.st.reclaimed6(old, old.State == leasemgr.StateDeclined)
	}
	r.st.move6(old, l)
	if expired || !counted(old.State) {
		r.st.cumulative6(l)
	}
	return l, false, nil
}

func (r *req6) inNetwork(s *subnet6) bool {
	for x := r.start; x != nil; x = r.next(r.start, x) {
		if x == s {
			return true
		}
	}
	return false
}

// validPrefixPool is Kea's isValidPrefixPool.
func validPrefixPool(mode PrefixLenMatch, poolLen, hintLen int) bool {
	if hintLen == 0 {
		return true
	}
	switch mode {
	case MatchEqual:
		return poolLen == hintLen
	case MatchLower:
		return poolLen < hintLen
	default:
		return poolLen > hintLen
	}
}

// allocateUnreserved is Kea's allocateUnreservedLeases6: the hint first,
// then the allocators; for IA_PD with a length hint, pools of equal, then
// shorter, then longer delegated length.
func (r *req6) allocateUnreserved(ctx context.Context, ia *IA) (*leasemgr.Lease6, error) {
	var hint netip.Addr
	hintLen := 0
	if len(ia.Hints) > 0 && ia.Hints[0].Prefix.IsValid() {
		hint = ia.Hints[0].Prefix.Addr()
		if ia.Type == leasemgr.TypePD {
			hintLen = ia.Hints[0].Prefix.Bits()
			if hintLen == 128 {
				hintLen = 0
			}
		}
		if hint.IsUnspecified() {
			hint = netip.Addr{}
		}
	}
	modes := []PrefixLenMatch{MatchHigher}
	if ia.Type == leasemgr.TypePD && hintLen > 0 {
		modes = []PrefixLenMatch{MatchEqual, MatchLower, MatchHigher}
	}
	var total uint64
	subnets, noPools := 0, 0
	for _, mode := range modes {
		l, n, sn, np, err := r.bestMatch(ctx, ia, hint, hintLen, mode)
		if err != nil || l != nil {
			return l, err
		}
		total += n
		subnets += sn
		noPools += np
		if r.skipped {
			return nil, &AllocationError{Reason: ReasonSkipped, SubnetID: uint32(r.s.id), SharedNetwork: r.s.netName, Attempts: total, Classes: r.c.Classes}
		}
	}
	s := r.s
	ae := &AllocationError{SubnetID: uint32(s.id), SharedNetwork: s.netName, Attempts: total,
		Subnets: subnets, SubnetsWithoutPools: noPools, Classes: r.c.Classes}
	g := &r.st.g
	if s.netName != "" {
		ae.Reason = ReasonSharedNetwork
		g.failNet.Inc()
		s.st.failNet.Inc()
	} else {
		ae.Reason = ReasonSubnet
		g.failSubnet.Inc()
		s.st.failSubnet.Inc()
	}
	if total == 0 {
		ae.Reason = ReasonNoPools
		g.failNoPools.Inc()
		s.st.failNoPools.Inc()
	} else {
		g.fail.Inc()
		s.st.fail.Inc()
	}
	if len(r.c.Classes) > 0 {
		g.failClasses.Inc()
		s.st.failClasses.Inc()
	}
	r.e.log.Warn("alloc: no lease available", "type", ia.Type, "subnet", s.id, "shared-network", s.netName, "attempts", total)
	return nil, ae
}

// bestMatch is Kea's allocateBestMatch for one prefix-length match mode.
func (r *req6) bestMatch(ctx context.Context, ia *IA, hint netip.Addr, hintLen int, mode PrefixLenMatch) (l *leasemgr.Lease6, total uint64, subnets, noPools int, err error) {
	c := r.c
	t := ia.Type
	if hint.IsValid() {
		for s := r.start; s != nil; s = r.next(r.start, s) {
			p := s.pool(t, hint, c.Classes, false)
			if p == nil || (t == leasemgr.TypePD && !validPrefixPool(mode, p.PrefixLen, hintLen)) {
				continue
			}
			addr, plen := hint, 128
			if t == leasemgr.TypePD {
				plen = p.PrefixLen
				addr = netip.PrefixFrom(hint, plen).Masked().Addr()
			}
			if r.isAllocated(netip.PrefixFrom(addr, plen)) || !r.h.TryLock(t, addr) {
				continue
			}
			existing, err := r.getLease(ctx, t, addr)
			if err != nil {
				return nil, 0, 0, 0, err
			}
			if existing != nil && !existing.Expired(unixToTime(r.now)) {
				continue
			}
			if res, err := r.reserved(ctx, s, t, addr); err != nil || res {
				if err != nil {
					return nil, 0, 0, 0, err
				}
				continue
			}
			r.s = s
			if existing == nil {
				l, err = r.create(ctx, ia, addr, plen, p.ID)
			} else {
				l, err = r.reuseExpired(ctx, ia, existing, plen, p.ID)
			}
			if err != nil || l != nil || r.skipped {
				return l, 0, 0, 0, err
			}
		}
	}
	first := r.start
	if len(first.net) > 1 {
		for _, s := range first.net {
			if s.guard == first.guard && s.lastAlloc[t].Load() > first.lastAlloc[t].Load() {
				first = s
			}
		}
	}
	req := Request{Classes: c.Classes, Hint: hint, HintLen: hintLen, LenMatch: mode}
	req.ClientID = make([]byte, 0, len(c.DUID)+4)
	req.ClientID = append(append(req.ClientID, c.DUID...), byte(ia.IAID>>24), byte(ia.IAID>>16), byte(ia.IAID>>8), byte(ia.IAID))
	for s := first; s != nil; s = r.next(first, s) {
		r.s = s
		a := s.alloc[t]
		max := r.e.maxAttempts(a, c.Classes)
		if max == 0 {
			noPools++
			continue
		}
		subnets++
		exhausted := 0
		req.Attempt = 0
		for i := uint64(0); i < max; i++ {
			cand, err := a.Pick(&req)
			if err != nil {
				if !errors.Is(err, ErrExhausted) {
					return nil, total, subnets, noPools, fmt.Errorf("alloc: subnet %d allocator: %w", s.id, err)
				}
				if exhausted++; exhausted == 2 {
					break
				}
				req.Attempt = 0
				i--
				continue
			}
			req.Attempt++
			total++
			addr, plen := cand.Addr, cand.PrefixLen
			if t != leasemgr.TypePD {
				plen = 128
			}
			if !addr.Is6() || addr.Is4In6() {
				continue
			}
			if res, err := r.reserved(ctx, s, t, addr); err != nil || res {
				if err != nil {
					return nil, total, subnets, noPools, err
				}
				continue
			}
			if r.isAllocated(netip.PrefixFrom(addr, plen)) || !r.h.TryLock(t, addr) {
				continue
			}
			existing, err := r.getLease(ctx, t, addr)
			if err != nil {
				return nil, total, subnets, noPools, err
			}
			var l *leasemgr.Lease6
			switch {
			case existing == nil:
				l, err = r.create(ctx, ia, addr, plen, cand.PoolID)
			case existing.Expired(unixToTime(r.now)):
				l, err = r.reuseExpired(ctx, ia, existing, plen, cand.PoolID)
			}
			if err != nil {
				return nil, total, subnets, noPools, err
			}
			if l != nil {
				s.lastAlloc[t].Store(r.e.now().UnixNano())
				return l, total, subnets, noPools, nil
			}
			r.h.Unlock(t, addr)
			if r.skipped {
				return nil, total, subnets, noPools, nil
			}
		}
	}
	return nil, total, subnets, noPools, nil
}

// Release6 releases, for each IA, the leases named by its hints (Kea's
// Dhcpv6Srv release processing): with lease affinity the lease stays with
// zero lifetimes in state released, else it is deleted. Released leases are
// listed in IA.OldLeases; IA.Err tells why one was not (ErrNoLease,
// ErrNotOwner).
func (e *Engine) Release6(ctx context.Context, c *ClientContext6) error {
	return e.own6(ctx, c, func(st *state, ia *IA, l *leasemgr.Lease6) error {
		old := l.Clone()
		if st.affinity {
			l.ValidLifetime, l.PreferredLifetime = 0, 0
			l.CLTT = e.nowUnix()
			l.State = leasemgr.StateReleased
			if err := e.leases.UpdateLease6(ctx, l); err != nil {
				return fmt.Errorf("alloc: release %s: %w", l.Prefix(), err)
			}
			st.move6(old, l)
		} else {
			if err := e.leases.DeleteLease6(ctx, l); err != nil {
				return fmt.Errorf("alloc: release %s: %w", l.Prefix(), err)
			}
			st.count6(old, -1)
		}
		ia.OldLeases = append(ia.OldLeases, old)
		return nil
	})
}

// Decline6 declines, for each IA_NA, the addresses named by its hints
// (Kea's Lease6::decline): the DUID becomes 00:00:00, the hardware address,
// hostname and DNS flags are wiped, and the address is kept out of use for
// decline-probation-period. The declined leases are in IA.Leases.
func (e *Engine) Decline6(ctx context.Context, c *ClientContext6) error {
	return e.own6(ctx, c, func(st *state, ia *IA, l *leasemgr.Lease6) error {
		if l.Type != leasemgr.TypeNA {
			return fmt.Errorf("%w: only addresses can be declined", ErrBadRequest)
		}
		old := l.Clone()
		l.DUID = bytes.Clone(leasemgr.DeclinedDUID)
		l.HWAddr = leasemgr.HWAddr{}
		l.Hostname = ""
		l.FQDNFwd, l.FQDNRev = false, false
		l.UserContext = nil
		l.CLTT = e.nowUnix()
		l.PreferredLifetime = 0
		l.ValidLifetime = st.probation
		l.State = leasemgr.StateDeclined
		if err := e.leases.UpdateLease6(ctx, l); err != nil {
			return fmt.Errorf("alloc: decline %s: %w", l.Prefix(), err)
		}
		st.move6(old, l)
		ia.Leases = append(ia.Leases, l)
		return nil
	})
}

func (e *Engine) own6(ctx context.Context, c *ClientContext6, fn func(*state, *IA, *leasemgr.Lease6) error) error {
	if c == nil || len(c.DUID) == 0 {
		return fmt.Errorf("%w: no DUID", ErrBadRequest)
	}
	st, err := e.acquire()
	if err != nil {
		return err
	}
	defer st.release()
	h := NewResourceHandler(&e.res)
	defer h.Release()
	var first error
	for _, ia := range c.IAs {
		if ia == nil {
			continue
		}
		ia.Leases, ia.OldLeases, ia.Reused, ia.Err = nil, nil, nil, nil
		for _, hint := range ia.Hints {
			if err := e.ownOne6(ctx, st, h, c, ia, hint.Prefix.Addr(), fn); err != nil && ia.Err == nil {
				ia.Err = err
			}
		}
		if ia.Err != nil && first == nil {
			first = ia.Err
		}
	}
	return first
}

func (e *Engine) ownOne6(ctx context.Context, st *state, h *ResourceHandler, c *ClientContext6, ia *IA, addr netip.Addr, fn func(*state, *IA, *leasemgr.Lease6) error) error {
	if !addr.IsValid() {
		return fmt.Errorf("%w: no address", ErrBadRequest)
	}
	if !h.TryLock(ia.Type, addr) {
		return fmt.Errorf("%w: %s is being allocated", leasemgr.ErrConflict, addr)
	}
	l, err := e.leases.Lease6(ctx, ia.Type, addr)
	if err != nil {
		if errors.Is(err, leasemgr.ErrNotFound) {
			return fmt.Errorf("%w: %s", ErrNoLease, addr)
		}
		return fmt.Errorf("alloc: lease of %s: %w", addr, err)
	}
	if !bytes.Equal(l.DUID, c.DUID) || l.IAID != ia.IAID || l.State != leasemgr.StateDefault {
		return fmt.Errorf("%w: %s", ErrNotOwner, addr)
	}
	return fn(st, ia, l)
}
