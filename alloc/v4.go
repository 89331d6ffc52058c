package alloc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// ClientContext4 is a DHCPv4 request as the engine sees it (Kea's
// ClientContext4): the inputs the server fills from the packet, and the
// outputs the engine fills. A context serves one call; build a new one (or
// reset the outputs) for the next.
type ClientContext4 struct {
	// Subnet is the subnet selected for the packet (mandatory). The engine
	// may move to a sibling subnet of its shared network; on return it is
	// the subnet of the lease.
	Subnet *cfgmgr.Subnet4
	// ClientID is the client identifier (option 61), if any.
	ClientID []byte
	// HWAddr is the client's hardware address (mandatory).
	HWAddr leasemgr.HWAddr
	// RequestedAddr is the client's hint: option 50, or ciaddr when
	// renewing. The zero Addr means none.
	RequestedAddr netip.Addr
	// FwdDNS, RevDNS and Hostname are the server's DNS update decisions
	// and the client's name, stored in the lease.
	FwdDNS, RevDNS bool
	Hostname       string
	// Classes are the packet's client classes, in evaluation order.
	Classes ClientClasses
	// HostIdentifiers are the client's identifiers in the order of
	// host-reservation-identifiers; used to look reservations up and to
	// recognise the client's own reservations.
	HostIdentifiers []hostmgr.Identifier
	// Hosts are the client's reservations by subnet id (0 = global). Nil
	// means the engine looks them up through its HostSource.
	Hosts map[cfgmgr.SubnetID]*hostmgr.Host
	// BOOTP marks a BOOTP client: its lease is infinite.
	BOOTP bool
	// RequestedLifetime is the lease time the client asked for (option
	// 51), or 0.
	RequestedLifetime uint32
	// RelayAgentInfo is the payload of the request's relay agent
	// information option (82), set by the server when the subnet has
	// store-extended-info: new and renewed leases then keep it in their
	// user context under ISC.relay-agent-info, as Kea does, and a change of
	// it defeats the lease reuse cache.
	RelayAgentInfo []byte

	// NewLease is the lease allocated, offered or renewed.
	NewLease *leasemgr.Lease4
	// OldLease is the client's previous lease, or the expired lease of
	// another client that the engine reused, or nil.
	OldLease *leasemgr.Lease4
	// ConflictingLease is the active lease that kept the engine from
	// giving a specific address (requested or reserved), if any.
	ConflictingLease *leasemgr.Lease4
	// ValidLifetime is the lifetime to send to the client: the lease's,
	// or the remaining one when the reuse cache answered, or the normal
	// valid lifetime when DISCOVER stored a shorter offer lease.
	ValidLifetime uint32
	// Reused is true when the lease reuse cache answered: the lease was
	// not written.
	Reused bool
	// UnknownRequestedAddr is Kea's flag for a REQUEST of an address that
	// is neither reserved for the client nor in a permitted pool.
	UnknownRequestedAddr bool
}

func (c *ClientContext4) resetOutputs() {
	c.NewLease, c.OldLease, c.ConflictingLease = nil, nil, nil
	c.ValidLifetime, c.Reused, c.UnknownRequestedAddr = 0, false, false
}

// req4 is the working state of one DHCPv4 request.
type req4 struct {
	e       *Engine
	st      *state
	c       *ClientContext4
	s       *subnet4 // current subnet (Kea's ctx.subnet_)
	fake    bool
	now     int64
	skipped bool
	h       ResourceHandler
}

// Discover4 chooses the lease to offer in reply to a DHCPDISCOVER (Kea's
// allocateLease4 with fake allocation). Nothing is written to the lease
// database unless the subnet or a class sets offer-lifetime. On failure the
// error tells why (an *AllocationError, ErrNoSubnet, ErrBadRequest ...).
func (e *Engine) Discover4(ctx context.Context, c *ClientContext4) (*leasemgr.Lease4, error) {
	return e.allocate4(ctx, c, true)
}

// Request4 allocates or renews the lease in reply to a DHCPREQUEST (Kea's
// allocateLease4, requestLease4). A nil lease comes with an error telling
// the server to NAK: ErrReservedForOther, ErrLeaseInUse,
// ErrReservedElsewhere, ErrNotInPool (authoritative servers NAK, others
// drop) or an *AllocationError.
func (e *Engine) Request4(ctx context.Context, c *ClientContext4) (*leasemgr.Lease4, error) {
	return e.allocate4(ctx, c, false)
}

func (e *Engine) allocate4(ctx context.Context, c *ClientContext4, fake bool) (*leasemgr.Lease4, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: nil client context", ErrBadRequest)
	}
	st, err := e.acquire()
	if err != nil {
		return nil, err
	}
	defer st.release()
	r := req4{e: e, st: st, c: c, fake: fake, now: e.nowUnix()}
	if err := r.start(); err != nil {
		return nil, err
	}
	r.h.init(&e.res)
	defer r.h.Release()
	if err := r.findReservations(ctx); err != nil {
		return nil, err
	}
	var l *leasemgr.Lease4
	if fake {
		l, err = r.discover(ctx)
	} else {
		l, err = r.request(ctx)
	}
	c.Subnet = r.s.cfg
	if l == nil {
		if err == nil {
			err = ErrSkipped
		}
		return nil, err
	}
	c.NewLease = l
	return l, nil
}

// start checks the request and selects the subnet: when the selected
// subnet's class guard rejects the client, the next permitted sibling.
func (r *req4) start() error {
	c := r.c
	c.resetOutputs()
	if c.Subnet == nil {
		return ErrNoSubnet
	}
	if c.HWAddr.IsZero() {
		return fmt.Errorf("%w: no hardware address", ErrBadRequest)
	}
	if c.RequestedAddr.IsValid() && !c.RequestedAddr.Is4() {
		if c.RequestedAddr.Is4In6() {
			c.RequestedAddr = c.RequestedAddr.Unmap()
		} else {
			return fmt.Errorf("%w: requested address %s is not IPv4", ErrBadRequest, c.RequestedAddr)
		}
	}
	if c.RequestedAddr.IsValid() && c.RequestedAddr.IsUnspecified() {
		c.RequestedAddr = netip.Addr{}
	}
	s := r.st.v4[c.Subnet.ID]
	if s == nil {
		return fmt.Errorf("%w: subnet %d is not configured", ErrNoSubnet, c.Subnet.ID)
	}
	if !c.Classes.Allows(s.guard) {
		var next *subnet4
		n := len(s.net)
		for i := 1; i < n; i++ {
			if sib := s.net[(s.netIdx+i)%n]; c.Classes.Allows(sib.guard) {
				next = sib
				break
			}
		}
		if next == nil {
			return fmt.Errorf("%w: subnet %d does not permit the client's classes", ErrNoSubnet, s.id)
		}
		s = next
	}
	r.s = s
	return nil
}

// next returns the subnet after cur in the shared network of first that
// the client may use, or nil when the walk is back at first (Kea's
// getNextSubnet).
func (r *req4) next(first, cur *subnet4) *subnet4 {
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

// findReservations looks the client's reservations up (Kea's
// findReservation): in each permitted subnet of the shared network that
// uses in-subnet reservations, and globally when one uses global ones.
func (r *req4) findReservations(ctx context.Context) error {
	c := r.c
	if c.Hosts != nil || r.e.hosts == nil || len(c.HostIdentifiers) == 0 {
		return nil
	}
	global := false
	for s := r.s; s != nil; s = r.next(r.s, s) {
		if s.resGlob {
			global = true
		}
		if !s.resIn {
			continue
		}
		h, err := r.e.hosts.Get4Any(ctx, s.id, c.HostIdentifiers)
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
		h, err := r.e.hosts.Get4Any(ctx, hostmgr.SubnetIDGlobal, c.HostIdentifiers)
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

// hasAddressReservation returns the client's reserved address (Kea's
// hasAddressReservation): walking the shared network from the current
// subnet, a global reservation in range of a subnet with
// reservations-global, or an in-subnet one (outside the pools when
// reservations-out-of-pool). The current subnet moves to the one found.
func (r *req4) hasAddressReservation() (netip.Addr, bool) {
	c := r.c
	if len(c.Hosts) == 0 {
		return netip.Addr{}, false
	}
	var global netip.Addr
	if h := c.Hosts[hostmgr.SubnetIDGlobal]; h != nil && h.IPv4Address.IsValid() {
		global = h.IPv4Address
	}
	first := r.s
	for s := first; s != nil; s = r.next(first, s) {
		if s.resGlob && global.IsValid() && s.cfg.Prefix.Contains(global) {
			r.s = s
			return global, true
		}
		if s.resIn {
			if h := c.Hosts[s.id]; h != nil && h.IPv4Address.IsValid() {
				a := h.IPv4Address
				if !s.resOOP || s.pool(a, nil, true) == nil {
					r.s = s
					return a, true
				}
			}
		}
	}
	return netip.Addr{}, false
}

// addressReserved reports whether addr is reserved in the current subnet
// for another client (Kea's addressReserved).
func (r *req4) addressReserved(ctx context.Context, addr netip.Addr) (bool, error) {
	s := r.s
	if r.e.hosts == nil || !s.resIn || (s.resOOP && s.pool(addr, nil, true) != nil) {
		return false, nil
	}
	hosts, err := r.e.hosts.GetAll4ByAddressInSubnet(ctx, s.id, addr)
	if err != nil {
		if isNotFound(err) {
			return false, nil
		}
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

// inAllowedPool reports whether addr is in a pool of the current subnet or
// of a sibling that the client may use, moving to that subnet.
func (r *req4) inAllowedPool(addr netip.Addr) bool {
	first := r.s
	for s := first; s != nil; s = r.next(first, s) {
		if s.pool(addr, r.c.Classes, false) != nil {
			r.s = s
			return true
		}
	}
	return false
}

// clientID returns the client id to match leases with in subnet s.
func (r *req4) clientID(s *subnet4) []byte {
	if s.matchCID {
		return r.c.ClientID
	}
	return nil
}

// belongsTo is Kea's Lease4::belongsToClient: client ids match when both
// are present, else hardware addresses match.
func belongsTo(l *leasemgr.Lease4, hw []byte, cid []byte) bool {
	if len(cid) > 0 && len(l.ClientID) > 0 {
		return bytes.Equal(cid, l.ClientID)
	}
	return len(hw) > 0 && bytes.Equal(hw, l.HWAddr.Addr)
}

// findClientLease finds the client's lease in the shared network (Kea's
// findClientLease), first by client id where match-client-id applies, then
// by hardware address; the current subnet moves to the lease's.
func (r *req4) findClientLease(ctx context.Context) (*leasemgr.Lease4, error) {
	c := r.c
	first := r.s
	tryCID := false
	if len(c.ClientID) > 0 {
		for s := first; s != nil; s = r.next(first, s) {
			if s.matchCID {
				tryCID = true
				break
			}
		}
	}
	if tryCID {
		leases, err := r.e.leases.Leases4ByClientID(ctx, c.ClientID)
		if err != nil {
			return nil, fmt.Errorf("alloc: leases by client id: %w", err)
		}
		for s := first; s != nil && len(leases) > 0; s = r.next(first, s) {
			if !s.matchCID {
				continue
			}
			for _, l := range leases {
				if l.SubnetID == s.id {
					r.s = s
					return l, nil
				}
			}
		}
	}
	leases, err := r.e.leases.Leases4ByHWAddr(ctx, c.HWAddr.Addr)
	if err != nil {
		return nil, fmt.Errorf("alloc: leases by hardware address: %w", err)
	}
	for s := first; s != nil && len(leases) > 0; s = r.next(first, s) {
		cid := r.clientID(s)
		for _, l := range leases {
			if l.SubnetID == s.id && belongsTo(l, c.HWAddr.Addr, cid) {
				r.s = s
				return l, nil
			}
		}
	}
	return nil, nil
}

// getLease returns the lease of addr, or nil.
func (r *req4) getLease(ctx context.Context, addr netip.Addr) (*leasemgr.Lease4, error) {
	l, err := r.e.leases.Lease4(ctx, addr)
	if err != nil {
		if errors.Is(err, leasemgr.ErrNotFound) {
			return nil, nil
		}
		return nil, fmt.Errorf("alloc: lease of %s: %w", addr, err)
	}
	return l, nil
}

// discover is Kea's discoverLease4.
func (r *req4) discover(ctx context.Context) (*leasemgr.Lease4, error) {
	c := r.c
	clientLease, err := r.findClientLease(ctx)
	if err != nil {
		return nil, err
	}
	var l *leasemgr.Lease4
	if res, ok := r.hasAddressReservation(); ok {
		if clientLease == nil || clientLease.Addr != res {
			l, err = r.allocateOrReuse(ctx, res, 0)
			if err != nil {
				return nil, err
			}
			if l == nil && !r.skipped {
				r.st.g.resConflicts.Inc()
				r.s.st.resConflicts.Inc()
				r.e.log.Warn("alloc: reserved address in use by another client", "address", res, "subnet", r.s.id)
			}
		} else if l, err = r.renew(ctx, clientLease); err != nil {
			return nil, err
		}
	}
	if l == nil && !r.skipped && clientLease != nil && r.inAllowedPool(clientLease.Addr) {
		reserved, err := r.addressReserved(ctx, clientLease.Addr)
		if err != nil {
			return nil, err
		}
		if !reserved {
			if l, err = r.renew(ctx, clientLease); err != nil {
				return nil, err
			}
		}
	}
	if hint := c.RequestedAddr; l == nil && !r.skipped && hint.IsValid() && r.inAllowedPool(hint) {
		reserved, err := r.addressReserved(ctx, hint)
		if err != nil {
			return nil, err
		}
		if !reserved {
			if l, err = r.allocateOrReuse(ctx, hint, 0); err != nil {
				return nil, err
			}
		}
	}
	if l == nil && !r.skipped {
		if l, err = r.allocateUnreserved(ctx); err != nil {
			return nil, err
		}
	}
	if c.OldLease == nil && clientLease != nil {
		c.OldLease = clientLease
	}
	return l, nil
}

// request is Kea's requestLease4.
func (r *req4) request(ctx context.Context) (*leasemgr.Lease4, error) {
	c := r.c
	clientLease, err := r.findClientLease(ctx)
	if err != nil {
		return nil, err
	}
	hint := c.RequestedAddr
	if hint.IsValid() {
		reserved, err := r.addressReserved(ctx, hint)
		if err != nil {
			return nil, err
		}
		if reserved {
			return nil, fmt.Errorf("%w: %s", ErrReservedForOther, hint)
		}
	} else if res, ok := r.hasAddressReservation(); ok {
		hint = res
	}
	if hint.IsValid() {
		existing, err := r.getLease(ctx, hint)
		if err != nil {
			return nil, err
		}
		if existing != nil && !existing.Expired(r.unixTime()) && !belongsTo(existing, c.HWAddr.Addr, r.clientID(r.s)) {
			c.ConflictingLease = existing
			return nil, fmt.Errorf("%w: %s", ErrLeaseInUse, hint)
		}
		res, hasRes := r.hasAddressReservation()
		if hasRes && res != hint {
			resLease, err := r.getLease(ctx, res)
			if err != nil {
				return nil, err
			}
			if resLease == nil || resLease.Expired(r.unixTime()) {
				return nil, fmt.Errorf("%w: reserved %s, requested %s", ErrReservedElsewhere, res, hint)
			}
		}
		if (!hasRes || res != hint) && !r.inAllowedPool(hint) {
			c.UnknownRequestedAddr = true
			return nil, fmt.Errorf("%w: %s", ErrNotInPool, hint)
		}
		// offer-lifetime: the offer left a lease of the client on the
		// requested address while the client still holds another one.
		if existing != nil && !existing.Expired(r.unixTime()) && (clientLease == nil || clientLease.Addr != hint) {
			l, err := r.renew(ctx, existing)
			if err != nil || l == nil {
				return l, err
			}
			if clientLease != nil {
				r.dropOld(ctx, clientLease)
			}
			return l, nil
		}
	}
	if clientLease != nil && (clientLease.Addr == hint || !hint.IsValid()) {
		res, hasRes := r.hasAddressReservation()
		if (hasRes && res == hint) || r.inAllowedPool(clientLease.Addr) {
			return r.renew(ctx, clientLease)
		}
	}
	var l *leasemgr.Lease4
	if hint.IsValid() {
		if l, err = r.allocateOrReuse(ctx, hint, 0); err != nil {
			return nil, err
		}
		if l == nil && !r.skipped {
			return nil, fmt.Errorf("%w: %s", ErrLeaseInUse, hint)
		}
	} else if l, err = r.allocateUnreserved(ctx); err != nil {
		return nil, err
	}
	if l != nil && clientLease != nil && clientLease.Addr != l.Addr {
		r.dropOld(ctx, clientLease)
	}
	return l, nil
}

// dropOld deletes the client's previous lease after it got another one.
func (r *req4) dropOld(ctx context.Context, old *leasemgr.Lease4) {
	r.c.OldLease = old.Clone()
	if err := r.e.leases.DeleteLease4(ctx, old); err != nil {
		if !errors.Is(err, leasemgr.ErrNotFound) && !errors.Is(err, leasemgr.ErrConflict) {
			r.e.log.Warn("alloc: removing the client's old lease failed", "address", old.Addr, "error", err)
		}
		return
	}
	r.st.count4(old, -1)
}

func (r *req4) unixTime() timeT { return unixToTime(r.now) }

// allocateOrReuse tries one specific address (Kea's allocateOrReuseLease4):
// create a lease if there is none, reuse it if it expired, else record the
// conflicting lease and return nil.
func (r *req4) allocateOrReuse(ctx context.Context, addr netip.Addr, poolID uint32) (*leasemgr.Lease4, error) {
	r.c.ConflictingLease = nil
	if !r.h.TryLock(leasemgr.TypeV4, addr) {
		return nil, nil // being allocated by another request
	}
	existing, err := r.getLease(ctx, addr)
	if err != nil {
		return nil, err
	}
	if existing == nil {
		return r.create(ctx, addr, r.poolID(addr, poolID))
	}
	if existing.Expired(r.unixTime()) {
		return r.reuseExpired(ctx, existing, r.poolID(addr, poolID))
	}
	r.c.ConflictingLease = existing
	return nil, nil
}

func (r *req4) poolID(addr netip.Addr, known uint32) uint32 {
	if known != 0 {
		return known
	}
	if p := r.s.pool(addr, nil, true); p != nil {
		return p.ID
	}
	return 0
}

// writes reports whether this call stores leases, and the offer lifetime
// when it is a DISCOVER with offer-lifetime.
func (r *req4) writes() (bool, uint32) {
	if !r.fake {
		return true, 0
	}
	if off := r.st.offerLifetime4(r.s, r.c); off > 0 {
		return true, off
	}
	return false, 0
}

// fill sets the lease's fields from the request and reports whether any
// changed (Kea's updateLease4Information).
func (r *req4) fill(l *leasemgr.Lease4, poolID, valid uint32) bool {
	c := r.c
	changed := false
	if l.SubnetID != uint32(r.s.id) {
		l.SubnetID, changed = uint32(r.s.id), true
	}
	if l.PoolID != poolID {
		l.PoolID, changed = poolID, true
	}
	if !bytes.Equal(l.HWAddr.Addr, c.HWAddr.Addr) {
		changed = true
	}
	l.HWAddr = c.HWAddr.Clone()
	if cid := r.clientID(r.s); !bytes.Equal(l.ClientID, cid) {
		l.ClientID, changed = bytes.Clone(cid), true
	}
	if l.ValidLifetime != valid {
		l.ValidLifetime, changed = valid, true
	}
	if l.Hostname != c.Hostname || l.FQDNFwd != c.FwdDNS || l.FQDNRev != c.RevDNS {
		l.Hostname, l.FQDNFwd, l.FQDNRev, changed = c.Hostname, c.FwdDNS, c.RevDNS, true
	}
	if len(c.RelayAgentInfo) > 0 {
		if uc := withRelayAgentInfo(l.UserContext, c.RelayAgentInfo); !leasemgr.UserContextEqual(uc, l.UserContext) {
			l.UserContext, changed = uc, true
		}
	}
	l.CLTT = r.now
	return changed
}

// create makes a new lease for a free address (Kea's createLease4).
func (r *req4) create(ctx context.Context, addr netip.Addr, poolID uint32) (*leasemgr.Lease4, error) {
	valid := r.st.validLifetime4(r.s, r.c)
	write, offer := r.writes()
	l := &leasemgr.Lease4{Addr: addr}
	r.fill(l, poolID, valid)
	if offer > 0 {
		l.ValidLifetime = offer
	}
	if hook := r.e.hooks.Lease4Select; hook != nil && hook(ctx, r.c, l, r.fake) == Skip {
		r.skipped = true
		return nil, nil
	}
	if write {
		if err := r.e.leases.AddLease4(ctx, l); err != nil {
			if errors.Is(err, leasemgr.ErrExists) {
				return nil, nil // lost a race with another server
			}
			return nil, fmt.Errorf("alloc: add lease %s: %w", addr, err)
		}
		r.st.count4(l, 1)
		r.st.cumulative4(l)
	}
	r.c.ValidLifetime = valid
	return l, nil
}

// reuseExpired gives an expired lease of any client to this one, reclaiming
// it first (Kea's reuseExpiredLease4).
func (r *req4) reuseExpired(ctx context.Context, l *leasemgr.Lease4, poolID uint32) (*leasemgr.Lease4, error) {
	old := l.Clone()
	r.c.OldLease = old
	valid := r.st.validLifetime4(r.s, r.c)
	write, offer := r.writes()
	l.UserContext = nil // the previous owner's
	r.fill(l, poolID, valid)
	if offer > 0 {
		l.ValidLifetime = offer
	}
	l.State = leasemgr.StateDefault
	if hook := r.e.hooks.Lease4Select; hook != nil && hook(ctx, r.c, l, r.fake) == Skip {
		r.skipped = true
		return nil, nil
	}
	if write {
		if err := r.e.leases.UpdateLease4(ctx, l); err != nil {
			if errors.Is(err, leasemgr.ErrConflict) || errors.Is(err, leasemgr.ErrNotFound) {
				return nil, nil
			}
			return nil, fmt.Errorf("alloc: reuse lease %s: %w", l.Addr, err)
		}
		if counted(old.State) {
			r.st.reclaimed4(old, old.State == leasemgr.StateDeclined)
		}
		r.st.move4(old, l)
		r.st.cumulative4(l)
	}
	r.c.ValidLifetime = valid
	return l, nil
}

// renew extends the client's lease (Kea's renewLease4), answering from the
// lease reuse cache when nothing substantive changed.
func (r *req4) renew(ctx context.Context, l *leasemgr.Lease4) (*leasemgr.Lease4, error) {
	c := r.c
	if !r.h.TryLock(leasemgr.TypeV4, l.Addr) {
		// Another request works on this address; the optimistic check of
		// the update below settles who wins.
		r.e.log.Debug("alloc: renewing a lease that is in flight", "address", l.Addr)
	}
	old := l.Clone()
	c.OldLease = old
	now := r.unixTime()
	expired := old.Expired(now)
	valid := r.st.validLifetime4(r.s, c)
	write, offer := r.writes()
	if offer > 0 && !expired && old.State == leasemgr.StateDefault &&
		(old.ValidLifetime == leasemgr.InfiniteLifetime || old.CLTT+int64(old.ValidLifetime)-r.now >= int64(offer)) {
		// The lease outlives the offer: nothing to write (Kea resets
		// offer_lft to 0).
		write, offer = false, 0
	}
	changed := r.fill(l, old.PoolID, valid)
	if l.PoolID == 0 {
		l.PoolID = r.poolID(l.Addr, 0)
	}
	if old.State != leasemgr.StateDefault {
		changed = true
	}
	var reuse uint32
	if !changed && offer == 0 {
		reuse = reusable(old, l, r.s.cacheThr, r.s.maxAge, r.s.hasAge, r.now)
	}
	if offer > 0 {
		l.ValidLifetime = offer
	}
	c.ValidLifetime = valid
	if !write {
		if reuse > 0 {
			c.ValidLifetime = reuse
			c.Reused = true
		}
		return l, nil
	}
	l.State = leasemgr.StateDefault
	if !r.fake {
		if hook := r.e.hooks.Lease4Renew; hook != nil && hook(ctx, c, l) == Skip {
			c.ValidLifetime = old.ValidLifetime
			return old, nil
		}
	}
	if reuse > 0 {
		out := l.Clone()
		out.ValidLifetime = reuse
		c.ValidLifetime = reuse
		c.Reused = true
		r.st.g.addr.reuses.Inc()
		r.s.st.addr.reuses.Inc()
		return out, nil
	}
	if err := r.e.leases.UpdateLease4(ctx, l); err != nil {
		return nil, fmt.Errorf("alloc: renew lease %s: %w", l.Addr, err)
	}
	if expired && counted(old.State) {
		r.st.reclaimed4(old, old.State == leasemgr.StateDeclined)
	}
	r.st.move4(old, l)
	if expired || !counted(old.State) {
		r.st.cumulative4(l)
	}
	return l, nil
}

// reusable implements Kea's setLeaseReusable: the remaining lifetime when
// the stored lease can be handed out again without a write, else 0.
func reusable(old, l *leasemgr.Lease4, thr float64, maxAge uint32, hasAge bool, now int64) uint32 {
	return reusableCommon(old.State, old.CLTT, old.ValidLifetime, l.ValidLifetime, thr, maxAge, hasAge, now)
}

func reusableCommon(state leasemgr.State, oldCLTT int64, oldValid, newValid uint32, thr float64, maxAge uint32, hasAge bool, now int64) uint32 {
	if state != leasemgr.StateDefault {
		return 0
	}
	if newValid == leasemgr.InfiniteLifetime && oldValid == leasemgr.InfiniteLifetime {
		return leasemgr.InfiniteLifetime
	}
	if now < oldCLTT || oldValid == leasemgr.InfiniteLifetime {
		return 0
	}
	age := now - oldCLTT
	if age >= int64(oldValid) {
		return 0
	}
	if hasAge && (maxAge == 0 || age > int64(maxAge)) {
		return 0
	}
	if thr <= 0 || thr > 1 {
		return 0
	}
	limit := int64(float64(newValid) * thr)
	if age > limit || limit == 0 {
		return 0
	}
	return oldValid - uint32(age)
}

// allocateUnreserved asks the allocators (Kea's allocateUnreservedLease4),
// starting at the shared network's preferred subnet.
func (r *req4) allocateUnreserved(ctx context.Context) (*leasemgr.Lease4, error) {
	c := r.c
	first := r.s
	if len(first.net) > 1 {
		// Kea's getPreferredSubnet: the sibling with the same class guard
		// that allocated most recently.
		best := first
		for _, s := range first.net {
			if s.guard == first.guard && s.lastAlloc.Load() > best.lastAlloc.Load() {
				best = s
			}
		}
		first = best
		r.s = best
	}
	var total uint64
	subnets, noPools := 0, 0
	req := Request{Classes: c.Classes, Hint: c.RequestedAddr}
	for s := first; s != nil; s = r.next(first, s) {
		r.s = s
		max := r.e.maxAttempts(s.alloc, c.Classes)
		if max == 0 {
			noPools++
			continue
		}
		subnets++
		req.ClientID = r.clientID(s)
		if req.ClientID == nil {
			req.ClientID = c.HWAddr.Addr
		}
		exhausted := 0
		req.Attempt = 0
		for i := uint64(0); i < max; i++ {
			cand, err := s.alloc.Pick(&req)
			if err != nil {
				if !errors.Is(err, ErrExhausted) {
					return nil, fmt.Errorf("alloc: subnet %d allocator: %w", s.id, err)
				}
				// The round may have been consumed by other requests:
				// one more round, then give up (Allocator contract).
				if exhausted++; exhausted == 2 {
					break
				}
				req.Attempt = 0
				i--
				continue
			}
			req.Attempt++
			total++
			addr := cand.Addr
			if !addr.Is4() {
				continue
			}
			if s.excl24 {
				if b := addr.As4(); b[3] == 0 || b[3] == 255 {
					continue
				}
			}
			reserved, err := r.addressReserved(ctx, addr)
			if err != nil {
				return nil, err
			}
			if reserved || !r.h.TryLock(leasemgr.TypeV4, addr) {
				continue
			}
			existing, err := r.getLease(ctx, addr)
			if err != nil {
				return nil, err
			}
			var l *leasemgr.Lease4
			switch {
			case existing == nil:
				l, err = r.create(ctx, addr, cand.PoolID)
			case existing.Expired(r.unixTime()):
				l, err = r.reuseExpired(ctx, existing, cand.PoolID)
			}
			if err != nil {
				return nil, err
			}
			if l != nil {
				s.lastAlloc.Store(r.e.now().UnixNano())
				return l, nil
			}
			r.h.Unlock(leasemgr.TypeV4, addr)
			if r.skipped {
				return nil, &AllocationError{Reason: ReasonSkipped, SubnetID: uint32(s.id), SharedNetwork: s.netName, Attempts: total, Classes: c.Classes}
			}
		}
	}
	s := r.s
	ae := &AllocationError{SubnetID: uint32(s.id), SharedNetwork: s.netName, Attempts: total,
		Subnets: subnets, SubnetsWithoutPools: noPools, Classes: c.Classes}
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
	if len(c.Classes) > 0 {
		g.failClasses.Inc()
		s.st.failClasses.Inc()
	}
	r.e.log.Warn("alloc: no address available", "subnet", s.id, "shared-network", s.netName,
		"attempts", total, "classes", []string(c.Classes))
	return nil, ae
}

// Release4 releases the client's lease of c.RequestedAddr (the ciaddr of a
// DHCPRELEASE). With lease affinity (flush-reclaimed-timer-wait-time and
// hold-reclaimed-time both non-zero) the lease is kept with a zero valid
// lifetime in state released, so the client finds its address again;
// otherwise it is deleted. It returns the lease as it was.
func (e *Engine) Release4(ctx context.Context, c *ClientContext4) (*leasemgr.Lease4, error) {
	l, st, release, err := e.ownLease4(ctx, c)
	if err != nil {
		return nil, err
	}
	defer release()
	old := l.Clone()
	if st.affinity {
		l.ValidLifetime = 0
		l.CLTT = e.nowUnix()
		l.State = leasemgr.StateReleased
		if err := e.leases.UpdateLease4(ctx, l); err != nil {
			return nil, fmt.Errorf("alloc: release %s: %w", l.Addr, err)
		}
		st.move4(old, l)
		return old, nil
	}
	if err := e.leases.DeleteLease4(ctx, l); err != nil {
		return nil, fmt.Errorf("alloc: release %s: %w", l.Addr, err)
	}
	st.count4(old, -1)
	return old, nil
}

// Decline4 marks the lease of c.RequestedAddr declined (DHCPDECLINE, Kea's
// Lease4::decline): the client's identity, hostname and DNS flags are wiped
// and the address stays out of use for decline-probation-period. The lease
// still counts as assigned until it is reclaimed. It returns the declined
// lease.
func (e *Engine) Decline4(ctx context.Context, c *ClientContext4) (*leasemgr.Lease4, error) {
	l, st, release, err := e.ownLease4(ctx, c)
	if err != nil {
		return nil, err
	}
	defer release()
	old := l.Clone()
	l.HWAddr = leasemgr.HWAddr{}
	l.ClientID = nil
	l.Hostname = ""
	l.FQDNFwd, l.FQDNRev = false, false
	l.UserContext = nil
	l.CLTT = e.nowUnix()
	l.ValidLifetime = st.probation
	l.State = leasemgr.StateDeclined
	if err := e.leases.UpdateLease4(ctx, l); err != nil {
		return nil, fmt.Errorf("alloc: decline %s: %w", l.Addr, err)
	}
	st.move4(old, l)
	return l, nil
}

// ownLease4 returns the client's lease of c.RequestedAddr, locked.
func (e *Engine) ownLease4(ctx context.Context, c *ClientContext4) (*leasemgr.Lease4, *state, func(), error) {
	if c == nil || !c.RequestedAddr.IsValid() {
		return nil, nil, nil, fmt.Errorf("%w: no address", ErrBadRequest)
	}
	if c.HWAddr.IsZero() && len(c.ClientID) == 0 {
		return nil, nil, nil, fmt.Errorf("%w: no client identity", ErrBadRequest)
	}
	st, err := e.acquire()
	if err != nil {
		return nil, nil, nil, err
	}
	h := NewResourceHandler(&e.res)
	release := func() { h.Release(); st.release() }
	addr := c.RequestedAddr.Unmap()
	if !h.TryLock(leasemgr.TypeV4, addr) {
		release()
		return nil, nil, nil, fmt.Errorf("%w: %s is being allocated", leasemgr.ErrConflict, addr)
	}
	l, err := e.leases.Lease4(ctx, addr)
	if err != nil {
		release()
		if errors.Is(err, leasemgr.ErrNotFound) {
			return nil, nil, nil, fmt.Errorf("%w: %s", ErrNoLease, addr)
		}
		return nil, nil, nil, fmt.Errorf("alloc: lease of %s: %w", addr, err)
	}
	if !belongsTo(l, c.HWAddr.Addr, c.ClientID) || !counted(l.State) || l.State == leasemgr.StateDeclined {
		release()
		return nil, nil, nil, fmt.Errorf("%w: %s", ErrNotOwner, addr)
	}
	return l, st, release, nil
}
