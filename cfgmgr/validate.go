package cfgmgr

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"sort"
	"strings"

	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/option"
)

func setDefaultsOf(ptr any, fam option.Universe) {
	setDefaults(reflect.ValueOf(ptr).Elem(), fam)
}

// validator checks the cross-element rules on a decoded config and links
// it (scopes, indexes, subnet order).
type validator struct {
	cfg *Config
	d   *decoder
}

func newValidator(cfg *Config, d *decoder) *validator { return &validator{cfg: cfg, d: d} }

type subnetRef struct {
	path   string
	id     SubnetID
	prefix netip.Prefix
	scope  *Scope
	params *Params
	net    *Params
	hosts  []*hostmgr.Host
}

type rangeRef struct {
	path        string
	first, last netip.Addr
	show        string // how the value is shown in errors ("" = "first - last")
}

// run validates and links. top4/top6 are the top-level subnets in file
// order (shared-network subnets are reached through the networks).
func (v *validator) run(top4 []*Subnet4, top6 []*Subnet6) {
	cfg, d := v.cfg, v.d
	root := d.root
	g := &cfg.Globals.Params
	var subs []subnetRef
	var pools, pdpools []rangeRef
	addPools4 := func(path string, s *Subnet4) {
		for i, p := range s.Pools {
			pp := fmt.Sprintf("%s/pools[%d]/pool", path, i)
			pools = append(pools, rangeRef{pp, p.First, p.Last, ""})
			v.poolInSubnet(pp, p.First, p.Last, s.Prefix)
		}
	}
	addPools6 := func(path string, s *Subnet6) {
		for i, p := range s.Pools {
			pp := fmt.Sprintf("%s/pools[%d]/pool", path, i)
			pools = append(pools, rangeRef{pp, p.First, p.Last, ""})
			v.poolInSubnet(pp, p.First, p.Last, s.Prefix)
		}
		for i, p := range s.PDPools {
			pp := fmt.Sprintf("%s/pd-pools[%d]", path, i)
			pdpools = append(pdpools, rangeRef{pp, p.Prefix.Addr(), lastAddr(p.Prefix), p.Prefix.String()})
		}
	}
	netNames := map[string]string{}
	checkName := func(path, name string) {
		if prev, dup := netNames[name]; dup {
			d.err(path+"/name", name, ErrDuplicate, "shared network name already used at %s", prev)
		}
		netNames[name] = path
	}
	cfg.Subnets4, cfg.Subnets6 = nil, nil
	for i, n := range cfg.SharedNetworks4 {
		path := fmt.Sprintf("%s/shared-networks[%d]", root, i)
		checkName(path, n.Name)
		n.Scope.link(&n.Params, nil, g, d.fam)
		for j, s := range n.Subnets {
			sp := fmt.Sprintf("%s/subnet4[%d]", path, j)
			s.Network = n
			s.Scope.link(&s.Params, &n.Params, g, d.fam)
			subs = append(subs, subnetRef{sp, s.ID, s.Prefix, &s.Scope, &s.Params, &n.Params, s.Reservations})
			addPools4(sp, s)
			cfg.Subnets4 = append(cfg.Subnets4, s)
		}
	}
	for i, n := range cfg.SharedNetworks6 {
		path := fmt.Sprintf("%s/shared-networks[%d]", root, i)
		checkName(path, n.Name)
		n.Scope.link(&n.Params, nil, g, d.fam)
		for j, s := range n.Subnets {
			sp := fmt.Sprintf("%s/subnet6[%d]", path, j)
			s.Network = n
			s.Scope.link(&s.Params, &n.Params, g, d.fam)
			subs = append(subs, subnetRef{sp, s.ID, s.Prefix, &s.Scope, &s.Params, &n.Params, s.Reservations})
			addPools6(sp, s)
			cfg.Subnets6 = append(cfg.Subnets6, s)
		}
	}
	for i, s := range top4 {
		sp := fmt.Sprintf("%s/subnet4[%d]", root, i)
		s.Network = nil
		s.Scope.link(&s.Params, nil, g, d.fam)
		subs = append(subs, subnetRef{sp, s.ID, s.Prefix, &s.Scope, &s.Params, nil, s.Reservations})
		addPools4(sp, s)
		cfg.Subnets4 = append(cfg.Subnets4, s)
	}
	for i, s := range top6 {
		sp := fmt.Sprintf("%s/subnet6[%d]", root, i)
		s.Network = nil
		s.Scope.link(&s.Params, nil, g, d.fam)
		subs = append(subs, subnetRef{sp, s.ID, s.Prefix, &s.Scope, &s.Params, nil, s.Reservations})
		addPools6(sp, s)
		cfg.Subnets6 = append(cfg.Subnets6, s)
	}

	// Ids and prefixes.
	ids := map[SubnetID]string{}
	prefixes := map[netip.Prefix]string{}
	for _, s := range subs {
		if prev, dup := ids[s.id]; dup {
			d.err(s.path+"/id", json.Number(fmt.Sprint(s.id)), ErrDuplicate, "subnet id already used by %s", prev)
		} else {
			ids[s.id] = s.path
		}
		if prev, dup := prefixes[s.prefix.Masked()]; dup {
			d.err(s.path+"/subnet", s.prefix.String(), ErrDuplicate, "subnet prefix already used by %s", prev)
		} else {
			prefixes[s.prefix.Masked()] = s.path
		}
		if s.prefix.Masked() != s.prefix {
			// Kea accepts a host address in "subnet"; the prefix is what counts.
			d.warn(s.path+"/subnet", "%s has host bits set; the subnet is %s", s.prefix, s.prefix.Masked())
		}
		v.teeTimes(s)
	}
	// Overlapping subnets (other than exact duplicates, reported above).
	var ranges []rangeRef
	for _, s := range subs {
		m := s.prefix.Masked()
		ranges = append(ranges, rangeRef{s.path + "/subnet", m.Addr(), lastAddr(m), s.prefix.String()})
	}
	// Kea accepts overlapping subnets (selection takes the lowest id), and
	// so pools of different subnets may overlap too: those are warnings.
	// Pools overlapping within one subnet are errors, as in Kea.
	v.overlaps(ranges, "subnet overlaps %s", true, nil)
	v.overlaps(pools, "pool overlaps %s", false, sameSubnet)
	v.overlaps(pdpools, "pd-pool overlaps %s", false, sameSubnet)

	// Reservations.
	unique := cfg.IPReservationsUnique()
	for _, s := range subs {
		v.hosts(s.path+"/reservations", s.hosts, s.prefix.Masked(), unique)
	}
	v.hosts(root+"/reservations", cfg.Reservations, netip.Prefix{}, unique)

	sortSubnets4(cfg.Subnets4)
	sortSubnets6(cfg.Subnets6)
	cfg.subnet4ByID = make(map[SubnetID]*Subnet4, len(cfg.Subnets4))
	for _, s := range cfg.Subnets4 {
		cfg.subnet4ByID[s.ID] = s
	}
	cfg.subnet6ByID = make(map[SubnetID]*Subnet6, len(cfg.Subnets6))
	for _, s := range cfg.Subnets6 {
		cfg.subnet6ByID[s.ID] = s
	}
}

func (v *validator) poolInSubnet(path string, first, last netip.Addr, subnet netip.Prefix) {
	m := subnet.Masked()
	if !m.Contains(first) || !m.Contains(last) {
		v.d.err(path, fmt.Sprintf("%s - %s", first, last), ErrRange, "pool is not within subnet %s", m)
	}
}

// overlaps sweeps ranges sorted by start and reports each one that
// overlaps an earlier one. With skipEqual, identical ranges are not
// reported (they are duplicates, reported elsewhere). An overlap is an error
// when isError(cur, earlier) says so (paths), else a warning; a nil isError
// makes every overlap a warning.
func (v *validator) overlaps(rs []rangeRef, msg string, skipEqual bool, isError func(a, b string) bool) {
	if len(rs) < 2 {
		return
	}
	sorted := make([]rangeRef, len(rs))
	copy(sorted, rs)
	sort.SliceStable(sorted, func(i, j int) bool {
		if c := sorted[i].first.Compare(sorted[j].first); c != 0 {
			return c < 0
		}
		return sorted[j].last.Less(sorted[i].last) // wider first
	})
	maxIdx := 0
	for i := 1; i < len(sorted); i++ {
		cur, top := sorted[i], sorted[maxIdx]
		if cur.first.Compare(top.last) <= 0 {
			if !(skipEqual && cur.first == top.first && cur.last == top.last) {
				show := cur.show
				if show == "" {
					show = fmt.Sprintf("%s - %s", cur.first, cur.last)
				}
				if isError != nil && isError(cur.path, top.path) {
					v.d.err(cur.path, show, ErrOverlap, msg, top.path)
				} else {
					v.d.warn(cur.path, "%s: "+msg+" (Kea accepts this; subnet selection takes the lowest subnet id)", show, top.path)
				}
			}
		}
		if top.last.Less(cur.last) {
			maxIdx = i
		}
	}
}

// sameSubnet reports whether two pool paths belong to the same subnet
// ("Dhcp4/subnet4[0]/pools[1]/pool" and "Dhcp4/subnet4[0]/pools[0]/pool").
func sameSubnet(a, b string) bool {
	return subnetOfPath(a) == subnetOfPath(b)
}

func subnetOfPath(p string) string {
	for _, sep := range []string{"/pools[", "/pd-pools["} {
		if i := strings.Index(p, sep); i >= 0 {
			return p[:i]
		}
	}
	return p
}

// teeTimes checks the effective T1/T2 of a subnet when they come from
// different levels (same-level pairs were checked when parsed).
func (v *validator) teeTimes(s subnetRef) {
	t1, ok1 := s.scope.RenewTimer()
	t2, ok2 := s.scope.RebindTimer()
	if !ok1 || !ok2 || t1 <= t2 {
		return
	}
	for _, p := range s.scope.levels {
		if p != nil && p.RenewTimer != nil && p.RebindTimer != nil {
			return // both from one level: already reported there
		}
		if p != nil && (p.RenewTimer != nil || p.RebindTimer != nil) {
			break
		}
	}
	v.d.err(s.path, nil, ErrValue, "effective renew-timer (%d) is greater than rebind-timer (%d)", t1, t2)
}

// hosts checks the reservations of one subnet (or the globals, with an
// invalid prefix): unique identifiers, addresses inside the subnet, and
// unique addresses when ip-reservations-unique is true.
func (v *validator) hosts(path string, hs []*hostmgr.Host, subnet netip.Prefix, unique bool) {
	if len(hs) == 0 {
		return
	}
	d := v.d
	idents := make(map[string]int, len(hs))
	addrs := make(map[netip.Addr]int, len(hs))
	prefixes := map[netip.Prefix]int{}
	var kb strings.Builder
	for i, h := range hs {
		hp := fmt.Sprintf("%s[%d]", path, i)
		kb.Reset()
		kb.WriteByte(byte(h.IdentifierType))
		kb.Write(h.Identifier)
		k := kb.String()
		if prev, dup := idents[k]; dup {
			d.err(hp+"/"+h.IdentifierType.String(), h.IdentifierText(), ErrDuplicate,
				"host with this identifier already reserved at %s[%d]", path, prev)
		} else {
			idents[k] = i
		}
		check := func(ap string, a netip.Addr) {
			if subnet.IsValid() && !subnet.Contains(a) {
				d.err(ap, a.String(), ErrRange, "reserved address is not within subnet %s", subnet)
			}
			if !unique {
				return
			}
			if prev, dup := addrs[a]; dup {
				d.err(ap, a.String(), ErrDuplicate, "address already reserved at %s[%d] (ip-reservations-unique is true)", path, prev)
			} else {
				addrs[a] = i
			}
		}
		if h.IPv4Address.IsValid() {
			check(hp+"/ip-address", h.IPv4Address)
		}
		for j, a := range h.IPv6Addresses {
			check(fmt.Sprintf("%s/ip-addresses[%d]", hp, j), a)
		}
		if unique {
			for j, p := range h.IPv6Prefixes {
				if prev, dup := prefixes[p]; dup {
					d.err(fmt.Sprintf("%s/prefixes[%d]", hp, j), p.String(), ErrDuplicate, "prefix already reserved at %s[%d]", path, prev)
				} else {
					prefixes[p] = i
				}
			}
		}
	}
}

// Validate checks a Config built or changed in code with the rules Parse
// applies, links subnets to their shared networks and the globals (for the
// Scope methods), sorts Subnets4/Subnets6 by id and rebuilds the lookup
// indexes. Subnets listed in a shared network need not also be listed in
// Subnets4/Subnets6. It returns an ErrorList (paths use list positions, e.g.
// "Dhcp4/subnet4[0]") or nil.
func (c *Config) Validate() error {
	if c.Family == 0 {
		c.Family = option.V4
	}
	d := &decoder{fam: c.Family, root: "Dhcp4"}
	if c.Family == option.V6 {
		d.root = "Dhcp6"
	}
	inNet4 := map[*Subnet4]bool{}
	for _, n := range c.SharedNetworks4 {
		for _, s := range n.Subnets {
			inNet4[s] = true
		}
	}
	inNet6 := map[*Subnet6]bool{}
	for _, n := range c.SharedNetworks6 {
		for _, s := range n.Subnets {
			inNet6[s] = true
		}
	}
	var top4 []*Subnet4
	for _, s := range c.Subnets4 {
		if !inNet4[s] {
			top4 = append(top4, s)
		}
	}
	var top6 []*Subnet6
	for _, s := range c.Subnets6 {
		if !inNet6[s] {
			top6 = append(top6, s)
		}
	}
	d.checkParams(d.root, &c.Globals.Params)
	for i, n := range c.SharedNetworks4 {
		d.checkParams(fmt.Sprintf("%s/shared-networks[%d]", d.root, i), &n.Params)
	}
	for i, n := range c.SharedNetworks6 {
		d.checkParams(fmt.Sprintf("%s/shared-networks[%d]", d.root, i), &n.Params)
	}
	for i, s := range top4 {
		d.checkParams(fmt.Sprintf("%s/subnet4[%d]", d.root, i), &s.Params)
		if s.ID == 0 {
			d.err(fmt.Sprintf("%s/subnet4[%d]", d.root, i), nil, ErrMissing, "subnet id 0")
		}
	}
	for i, s := range top6 {
		d.checkParams(fmt.Sprintf("%s/subnet6[%d]", d.root, i), &s.Params)
		if s.ID == 0 {
			d.err(fmt.Sprintf("%s/subnet6[%d]", d.root, i), nil, ErrMissing, "subnet id 0")
		}
	}
	newValidator(c, d).run(top4, top6)
	if len(d.errs) > 0 {
		return d.errs
	}
	return nil
}
