package hostmgr

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"
)

// CfgHosts is the in-memory host source built from the configuration's
// reservations: Kea's CfgHosts, the Manager's primary source. It also
// serves as a complete in-memory DataSource for tests and embedders.
//
// Every lookup is a map access: (v4 subnet, identifier), (v6 subnet,
// identifier), identifier, address, lower-cased hostname and subnet each
// have an index; hosts of a subnet and of a family are kept in HostID order
// for paging.
//
// CfgHosts is safe for concurrent use: lookups share a read lock, writes
// take the write lock. It stores a copy of each added host and hands out
// that stored copy to every reader, without copying again; the hosts it
// returns must not be modified (Update replaces a host by a new value, so a
// host a reader holds never changes under it). Lookups by identifier or
// address do not allocate.
//
// The zero value is not usable; call NewCfgHosts.
type CfgHosts struct {
	mu     sync.RWMutex
	unique bool
	nextID uint64

	byIdent map[string][]*Host // type|id → hosts, any subnet
	id4     map[string]*Host   // v4 subnet|type|id
	id6     map[string]*Host   // v6 subnet|type|id
	addr4   map[netip.Addr][]*Host
	addr6   map[netip.Addr][]*Host // IA_NA addresses and prefix addresses
	names   map[string][]*Host     // lower-cased hostname
	sub4    map[SubnetID][]*Host   // by HostID
	sub6    map[SubnetID][]*Host
	all4    []*Host // hosts with a v4 part, by HostID
	all6    []*Host // hosts with a v6 part, by HostID
	count   int
}

var (
	_ DataSource                 = (*CfgHosts)(nil)
	_ Writer                     = (*CfgHosts)(nil)
	_ IPReservationsUniqueSetter = (*CfgHosts)(nil)
)

// NewCfgHosts returns an empty source with ip-reservations-unique on (Kea's
// default).
func NewCfgHosts() *CfgHosts {
	return newCfgHosts(0, 0)
}

// newCfgHosts sizes the indexes for n4 hosts with a v4 part and n6 with a
// v6 part.
func newCfgHosts(n4, n6 int) *CfgHosts {
	return &CfgHosts{
		unique:  true,
		byIdent: make(map[string][]*Host, max(n4, n6)),
		id4:     make(map[string]*Host, n4),
		id6:     make(map[string]*Host, n6),
		addr4:   make(map[netip.Addr][]*Host, n4),
		addr6:   make(map[netip.Addr][]*Host, n6),
		names:   make(map[string][]*Host),
		sub4:    make(map[SubnetID][]*Host),
		sub6:    make(map[SubnetID][]*Host),
		all4:    make([]*Host, 0, n4),
		all6:    make([]*Host, 0, n6),
	}
}

// NewConfigSource returns a CfgHosts holding copies of hosts, added in
// order with Add's rules, and ip-reservations-unique set to unique. The
// error names the first host that could not be added.
func NewConfigSource(unique bool, hosts ...*Host) (*CfgHosts, error) {
	n4, n6 := 0, 0
	for _, h := range hosts {
		if h != nil && h.HasV4Part() {
			n4++
		}
		if h != nil && h.HasV6Part() {
			n6++
		}
	}
	c := newCfgHosts(n4, n6)
	c.unique = unique
	for i, h := range hosts {
		if err := c.add(h); err != nil {
			return nil, fmt.Errorf("hostmgr: reservation %d: %w", i, err)
		}
	}
	return c, nil
}

// Type returns "config".
func (c *CfgHosts) Type() string { return "config" }

// Len returns the number of hosts.
func (c *CfgHosts) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.count
}

// IPReservationsUnique reports the current ip-reservations-unique setting.
func (c *CfgHosts) IPReservationsUnique() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.unique
}

// SetIPReservationsUnique sets ip-reservations-unique. Switching it on
// fails with a *ConflictError if two hosts already reserve one address or
// prefix in a subnet; the setting is then unchanged.
func (c *CfgHosts) SetIPReservationsUnique(unique bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if unique && !c.unique {
		for _, hs := range c.addr4 {
			for i, h := range hs {
				for _, o := range hs[:i] {
					if o.SubnetID4 == h.SubnetID4 {
						return &ConflictError{Host: h, Existing: o, Family: 4, SubnetID: h.SubnetID4, Resource: h.IPv4Address.String(), Address: true}
					}
				}
			}
		}
		for a, hs := range c.addr6 {
			for i, h := range hs {
				for _, o := range hs[:i] {
					if o.SubnetID6 == h.SubnetID6 {
						return &ConflictError{Host: h, Existing: o, Family: 6, SubnetID: h.SubnetID6, Resource: a.String(), Address: true}
					}
				}
			}
		}
	}
	c.unique = unique
	return nil
}

// key building; buf is normally a stack array so lookups do not allocate.

func identKey(buf []byte, t IdentifierType, id []byte) []byte {
	buf = append(buf, byte(t))
	return append(buf, id...)
}

func subnetIdentKey(buf []byte, subnetID SubnetID, t IdentifierType, id []byte) []byte {
	buf = binary.BigEndian.AppendUint32(buf, subnetID)
	buf = append(buf, byte(t))
	return append(buf, id...)
}

const keyBufLen = 4 + 1 + MaxDUIDLen + 1

// Add stores a copy of h with a new HostID (Kea's CfgHosts::add); h is not
// modified. See Writer.Add for the rules.
func (c *CfgHosts) Add(_ context.Context, h *Host) error {
	return c.add(h)
}

func (c *CfgHosts) add(h *Host) error {
	if err := h.Validate(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.conflictLocked(h, nil); err != nil {
		return err
	}
	c.insertLocked(h.Clone())
	return nil
}

// conflictLocked checks h against the uniqueness rules, ignoring the host
// ignore (the one an Update replaces).
func (c *CfgHosts) conflictLocked(h, ignore *Host) error {
	var kb [keyBufLen]byte
	if h.HasV4Part() {
		if o := c.id4[string(subnetIdentKey(kb[:0], h.SubnetID4, h.IdentifierType, h.Identifier))]; o != nil && o != ignore {
			return &ConflictError{Host: h, Existing: o, Family: 4, SubnetID: h.SubnetID4, Resource: h.Ident().String()}
		}
	}
	if h.HasV6Part() {
		if o := c.id6[string(subnetIdentKey(kb[:0], h.SubnetID6, h.IdentifierType, h.Identifier))]; o != nil && o != ignore {
			return &ConflictError{Host: h, Existing: o, Family: 6, SubnetID: h.SubnetID6, Resource: h.Ident().String()}
		}
	}
	if !c.unique {
		return nil
	}
	if h.HasIPv4() {
		for _, o := range c.addr4[h.IPv4Address] {
			if o != ignore && o.SubnetID4 == h.SubnetID4 {
				return &ConflictError{Host: h, Existing: o, Family: 4, SubnetID: h.SubnetID4, Resource: h.IPv4Address.String(), Address: true}
			}
		}
	}
	check6 := func(a netip.Addr, what string) error {
		for _, o := range c.addr6[a] {
			if o != ignore && o.SubnetID6 == h.SubnetID6 {
				return &ConflictError{Host: h, Existing: o, Family: 6, SubnetID: h.SubnetID6, Resource: what, Address: true}
			}
		}
		return nil
	}
	for _, a := range h.IPv6Addresses {
		if err := check6(a, a.String()); err != nil {
			return err
		}
	}
	for _, p := range h.IPv6Prefixes {
		if err := check6(p.Addr(), p.String()); err != nil {
			return err
		}
	}
	return nil
}

// insertLocked indexes h, which the source owns from now on.
func (c *CfgHosts) insertLocked(h *Host) {
	c.nextID++
	h.HostID = c.nextID
	c.count++
	var kb [keyBufLen]byte
	k := string(identKey(kb[:0], h.IdentifierType, h.Identifier))
	c.byIdent[k] = append(c.byIdent[k], h)
	if h.Hostname != "" {
		n := strings.ToLower(h.Hostname)
		c.names[n] = append(c.names[n], h)
	}
	if h.HasV4Part() {
		c.id4[string(subnetIdentKey(kb[:0], h.SubnetID4, h.IdentifierType, h.Identifier))] = h
		c.sub4[h.SubnetID4] = append(c.sub4[h.SubnetID4], h)
		c.all4 = append(c.all4, h)
		if h.HasIPv4() {
			c.addr4[h.IPv4Address] = append(c.addr4[h.IPv4Address], h)
		}
	}
	if h.HasV6Part() {
		c.id6[string(subnetIdentKey(kb[:0], h.SubnetID6, h.IdentifierType, h.Identifier))] = h
		c.sub6[h.SubnetID6] = append(c.sub6[h.SubnetID6], h)
		c.all6 = append(c.all6, h)
		for _, a := range h.IPv6Addresses {
			c.addr6[a] = append(c.addr6[a], h)
		}
		for _, p := range h.IPv6Prefixes {
			a := p.Addr()
			if hs := c.addr6[a]; len(hs) == 0 || hs[len(hs)-1] != h {
				c.addr6[a] = append(hs, h)
			}
		}
	}
}

// removeSorted removes h from s, which is ordered by HostID.
func removeSorted(s []*Host, h *Host) []*Host {
	i := sort.Search(len(s), func(i int) bool { return s[i].HostID >= h.HostID })
	if i < len(s) && s[i] == h {
		copy(s[i:], s[i+1:])
		s[len(s)-1] = nil
		s = s[:len(s)-1]
	}
	return s
}

func removeFromMap[K comparable](m map[K][]*Host, k K, h *Host) {
	s := removeSorted(m[k], h)
	if len(s) == 0 {
		delete(m, k)
	} else {
		m[k] = s
	}
}

func (c *CfgHosts) removeLocked(h *Host) {
	c.count--
	var kb [keyBufLen]byte
	removeFromMap(c.byIdent, string(identKey(kb[:0], h.IdentifierType, h.Identifier)), h)
	if h.Hostname != "" {
		removeFromMap(c.names, strings.ToLower(h.Hostname), h)
	}
	if h.HasV4Part() {
		delete(c.id4, string(subnetIdentKey(kb[:0], h.SubnetID4, h.IdentifierType, h.Identifier)))
		removeFromMap(c.sub4, h.SubnetID4, h)
		c.all4 = removeSorted(c.all4, h)
		if h.HasIPv4() {
			removeFromMap(c.addr4, h.IPv4Address, h)
		}
	}
	if h.HasV6Part() {
		delete(c.id6, string(subnetIdentKey(kb[:0], h.SubnetID6, h.IdentifierType, h.Identifier)))
		removeFromMap(c.sub6, h.SubnetID6, h)
		c.all6 = removeSorted(c.all6, h)
		for _, a := range h.IPv6Addresses {
			removeFromMap(c.addr6, a, h)
		}
		for _, p := range h.IPv6Prefixes {
			removeFromMap(c.addr6, p.Addr(), h)
		}
	}
}

// Del removes the hosts reserving addr in the subnet (Kea's
// CfgHosts::del(subnet_id, address)).
func (c *CfgHosts) Del(_ context.Context, subnetID SubnetID, addr netip.Addr) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var victims []*Host
	if addr.Is4() {
		for _, h := range c.addr4[addr] {
			if h.SubnetID4 == subnetID {
				victims = append(victims, h)
			}
		}
	} else {
		for _, h := range c.addr6[addr] {
			if h.SubnetID6 == subnetID {
				victims = append(victims, h)
			}
		}
	}
	if len(victims) == 0 {
		return fmt.Errorf("hostmgr: delete %s in subnet %d: %w", addr, subnetID, ErrNotFound)
	}
	for _, h := range victims {
		c.removeLocked(h)
	}
	return nil
}

// Del4 removes the host with the identifier in a v4 subnet (Kea's
// CfgHosts::del4).
func (c *CfgHosts) Del4(_ context.Context, subnetID SubnetID, t IdentifierType, id []byte) error {
	return c.delIdent(c.id4, 4, subnetID, t, id)
}

// Del6 removes the host with the identifier in a v6 subnet (Kea's
// CfgHosts::del6).
func (c *CfgHosts) Del6(_ context.Context, subnetID SubnetID, t IdentifierType, id []byte) error {
	return c.delIdent(c.id6, 6, subnetID, t, id)
}

func (c *CfgHosts) delIdent(m map[string]*Host, fam int, subnetID SubnetID, t IdentifierType, id []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var kb [keyBufLen]byte
	h := m[string(subnetIdentKey(kb[:0], subnetID, t, id))]
	if h == nil {
		return fmt.Errorf("hostmgr: delete %s in IPv%d subnet %d: %w", Identifier{t, id}, fam, subnetID, ErrNotFound)
	}
	c.removeLocked(h)
	return nil
}

// Update replaces the host with h's identifier in h's v4 subnet (or v6
// subnet for a v6-only host) by a copy of h with a new HostID (Kea's
// CfgHosts::update). On error nothing changes.
func (c *CfgHosts) Update(_ context.Context, h *Host) error {
	if err := h.Validate(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var kb [keyBufLen]byte
	var old *Host
	if h.HasV4Part() {
		old = c.id4[string(subnetIdentKey(kb[:0], h.SubnetID4, h.IdentifierType, h.Identifier))]
	} else {
		old = c.id6[string(subnetIdentKey(kb[:0], h.SubnetID6, h.IdentifierType, h.Identifier))]
	}
	if old == nil {
		return fmt.Errorf("hostmgr: update %s: %w", h, ErrNotFound)
	}
	if err := c.conflictLocked(h, old); err != nil {
		return err
	}
	c.removeLocked(old)
	c.insertLocked(h.Clone())
	return nil
}

// Get4 implements DataSource (Kea's CfgHosts::get4(subnet_id, identifier)).
func (c *CfgHosts) Get4(_ context.Context, subnetID SubnetID, t IdentifierType, id []byte) (*Host, error) {
	var kb [keyBufLen]byte
	k := subnetIdentKey(kb[:0], subnetID, t, id)
	c.mu.RLock()
	h := c.id4[string(k)]
	c.mu.RUnlock()
	if h == nil {
		return nil, ErrNotFound
	}
	return h, nil
}

// Get6 implements DataSource (Kea's CfgHosts::get6(subnet_id, identifier)).
func (c *CfgHosts) Get6(_ context.Context, subnetID SubnetID, t IdentifierType, id []byte) (*Host, error) {
	var kb [keyBufLen]byte
	k := subnetIdentKey(kb[:0], subnetID, t, id)
	c.mu.RLock()
	h := c.id6[string(k)]
	c.mu.RUnlock()
	if h == nil {
		return nil, ErrNotFound
	}
	return h, nil
}

// GetAll implements DataSource (Kea's CfgHosts::getAll(identifier)).
func (c *CfgHosts) GetAll(_ context.Context, t IdentifierType, id []byte) ([]*Host, error) {
	var kb [keyBufLen]byte
	k := identKey(kb[:0], t, id)
	c.mu.RLock()
	defer c.mu.RUnlock()
	return cloneSlice(c.byIdent[string(k)]), nil
}

func cloneSlice(s []*Host) []*Host {
	if len(s) == 0 {
		return nil
	}
	return append([]*Host(nil), s...)
}

func filter(s []*Host, keep func(*Host) bool) []*Host {
	var out []*Host
	for _, h := range s {
		if keep(h) {
			out = append(out, h)
		}
	}
	return out
}

// single returns the only host of s, ErrNotFound or ErrMultipleHosts.
func single(s []*Host, what string) (*Host, error) {
	switch len(s) {
	case 0:
		return nil, ErrNotFound
	case 1:
		return s[0], nil
	default:
		return nil, fmt.Errorf("hostmgr: %d hosts reserve %s: %w", len(s), what, ErrMultipleHosts)
	}
}

// GetAll4 implements DataSource (Kea's CfgHosts::getAll4(subnet_id)).
func (c *CfgHosts) GetAll4(_ context.Context, subnetID SubnetID) ([]*Host, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return cloneSlice(c.sub4[subnetID]), nil
}

// GetAll6 implements DataSource (Kea's CfgHosts::getAll6(subnet_id)).
func (c *CfgHosts) GetAll6(_ context.Context, subnetID SubnetID) ([]*Host, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return cloneSlice(c.sub6[subnetID]), nil
}

// GetAllByHostname implements DataSource (Kea's
// CfgHosts::getAllbyHostname); the comparison ignores case.
func (c *CfgHosts) GetAllByHostname(_ context.Context, hostname string) ([]*Host, error) {
	n := strings.ToLower(hostname)
	c.mu.RLock()
	defer c.mu.RUnlock()
	return cloneSlice(c.names[n]), nil
}

// GetAllByHostname4 implements DataSource (Kea's
// CfgHosts::getAllbyHostname4).
func (c *CfgHosts) GetAllByHostname4(_ context.Context, hostname string, subnetID SubnetID) ([]*Host, error) {
	n := strings.ToLower(hostname)
	c.mu.RLock()
	defer c.mu.RUnlock()
	return filter(c.names[n], func(h *Host) bool { return h.SubnetID4 == subnetID }), nil
}

// GetAllByHostname6 implements DataSource (Kea's
// CfgHosts::getAllbyHostname6).
func (c *CfgHosts) GetAllByHostname6(_ context.Context, hostname string, subnetID SubnetID) ([]*Host, error) {
	n := strings.ToLower(hostname)
	c.mu.RLock()
	defer c.mu.RUnlock()
	return filter(c.names[n], func(h *Host) bool { return h.SubnetID6 == subnetID }), nil
}

func page(s []*Host, lowerHostID uint64, pageSize int) ([]*Host, error) {
	if pageSize <= 0 {
		return nil, fmt.Errorf("hostmgr: page size %d: must be positive", pageSize)
	}
	i := sort.Search(len(s), func(i int) bool { return s[i].HostID > lowerHostID })
	s = s[i:]
	if len(s) > pageSize {
		s = s[:pageSize]
	}
	return cloneSlice(s), nil
}

// GetPage4 implements DataSource (Kea's CfgHosts::getPage4(subnet_id, …)).
func (c *CfgHosts) GetPage4(_ context.Context, subnetID SubnetID, lowerHostID uint64, pageSize int) ([]*Host, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return page(c.sub4[subnetID], lowerHostID, pageSize)
}

// GetPage6 implements DataSource (Kea's CfgHosts::getPage6(subnet_id, …)).
func (c *CfgHosts) GetPage6(_ context.Context, subnetID SubnetID, lowerHostID uint64, pageSize int) ([]*Host, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return page(c.sub6[subnetID], lowerHostID, pageSize)
}

// GetPageAll4 implements DataSource (Kea's CfgHosts::getPage4 without a
// subnet).
func (c *CfgHosts) GetPageAll4(_ context.Context, lowerHostID uint64, pageSize int) ([]*Host, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return page(c.all4, lowerHostID, pageSize)
}

// GetPageAll6 implements DataSource (Kea's CfgHosts::getPage6 without a
// subnet).
func (c *CfgHosts) GetPageAll6(_ context.Context, lowerHostID uint64, pageSize int) ([]*Host, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return page(c.all6, lowerHostID, pageSize)
}

// Get4ByAddress implements DataSource (Kea's CfgHosts::get4(subnet_id,
// address)).
func (c *CfgHosts) Get4ByAddress(_ context.Context, subnetID SubnetID, addr netip.Addr) (*Host, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var found *Host
	n := 0
	for _, h := range c.addr4[addr] {
		if h.SubnetID4 == subnetID {
			found = h
			n++
		}
	}
	if n > 1 {
		return nil, fmt.Errorf("hostmgr: %d hosts reserve %s in subnet %d: %w", n, addr, subnetID, ErrMultipleHosts)
	}
	if found == nil {
		return nil, ErrNotFound
	}
	return found, nil
}

// GetAll4ByAddress implements DataSource (Kea's CfgHosts::getAll4(address)).
func (c *CfgHosts) GetAll4ByAddress(_ context.Context, addr netip.Addr) ([]*Host, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return cloneSlice(c.addr4[addr]), nil
}

// GetAll4ByAddressInSubnet implements DataSource (Kea's
// CfgHosts::getAll4(subnet_id, address)).
func (c *CfgHosts) GetAll4ByAddressInSubnet(_ context.Context, subnetID SubnetID, addr netip.Addr) ([]*Host, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return filter(c.addr4[addr], func(h *Host) bool { return h.SubnetID4 == subnetID }), nil
}

// Get6ByPrefix implements DataSource (Kea's CfgHosts::get6(prefix, len)).
func (c *CfgHosts) Get6ByPrefix(_ context.Context, prefix netip.Prefix) (*Host, error) {
	if !prefix.IsValid() {
		return nil, fmt.Errorf("hostmgr: get6 by prefix: invalid prefix %q", prefix)
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return single(filter(c.addr6[prefix.Addr()], func(h *Host) bool { return h.HasIPv6Prefix(prefix) }), prefix.String())
}

// Get6ByAddress implements DataSource (Kea's CfgHosts::get6(subnet_id,
// address)).
func (c *CfgHosts) Get6ByAddress(_ context.Context, subnetID SubnetID, addr netip.Addr) (*Host, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var found *Host
	n := 0
	for _, h := range c.addr6[addr] {
		if h.SubnetID6 == subnetID {
			found = h
			n++
		}
	}
	if n > 1 {
		return nil, fmt.Errorf("hostmgr: %d hosts reserve %s in subnet %d: %w", n, addr, subnetID, ErrMultipleHosts)
	}
	if found == nil {
		return nil, ErrNotFound
	}
	return found, nil
}

// GetAll6ByAddressInSubnet implements DataSource (Kea's
// CfgHosts::getAll6(subnet_id, address)).
func (c *CfgHosts) GetAll6ByAddressInSubnet(_ context.Context, subnetID SubnetID, addr netip.Addr) ([]*Host, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return filter(c.addr6[addr], func(h *Host) bool { return h.SubnetID6 == subnetID }), nil
}

// GetAll6ByAddress implements DataSource (Kea's CfgHosts::getAll6(address)).
func (c *CfgHosts) GetAll6ByAddress(_ context.Context, addr netip.Addr) ([]*Host, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return cloneSlice(c.addr6[addr]), nil
}
