package control

import (
	"errors"
	"fmt"
	"math"
	"net/netip"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// ---- configuration lookups (Kea's getSubnet/selectSubnet/getPool) ----

func findSubnet4(cfg *cfgmgr.Config, addr netip.Addr) *cfgmgr.Subnet4 {
	for _, s := range cfg.Subnets4 { // ascending id: first match as Kea
		if s.Prefix.Contains(addr) {
			return s
		}
	}
	return nil
}

func findSubnet6(cfg *cfgmgr.Config, addr netip.Addr) *cfgmgr.Subnet6 {
	for _, s := range cfg.Subnets6 {
		if s.Prefix.Contains(addr) {
			return s
		}
	}
	return nil
}

func inRange(first, last, a netip.Addr) bool {
	return first.Compare(a) <= 0 && a.Compare(last) <= 0
}

// pool4 returns the pool of s holding addr.
func pool4(s *cfgmgr.Subnet4, addr netip.Addr) *cfgmgr.Pool4 {
	if s == nil {
		return nil
	}
	for _, p := range s.Pools {
		if inRange(p.First, p.Last, addr) {
			return p
		}
	}
	return nil
}

// pool6 returns the ID of the pool (NA, TA) or pd-pool (PD) of s holding
// addr, and whether there is one.
func pool6(s *cfgmgr.Subnet6, typ leasemgr.LeaseType, addr netip.Addr) (uint32, bool) {
	if s == nil {
		return 0, false
	}
	if typ == leasemgr.TypePD {
		for _, p := range s.PDPools {
			if p.Prefix.Contains(addr) {
				return p.ID, true
			}
		}
		return 0, false
	}
	for _, p := range s.Pools {
		if inRange(p.First, p.Last, addr) {
			return p.ID, true
		}
	}
	return 0, false
}

// ---- lease arguments (Kea's Lease4Parser / Lease6Parser) ----

// leaseCommon holds what the v4 and v6 parsers share.
type leaseCommon struct {
	subnetID    uint32
	validLft    uint32
	cltt        int64
	fqdnFwd     bool
	fqdnRev     bool
	hostname    string
	state       leasemgr.State
	userContext map[string]any
	poolID      uint32
	hasPoolID   bool
	force       bool
}

// parseTail reads the parameters after the subnet: valid-lft (default
// defValid), expire, fqdn-fwd, fqdn-rev, hostname, state, user-context,
// comment, pool-id and force-create.
func (c *LeaseCommands) parseTail(a args, addr netip.Addr, defValid uint32, lc *leaseCommon) error {
	v, ok, err := a.uint32("valid-lft")
	if err != nil {
		return err
	}
	if !ok {
		v = defValid
	}
	lc.validLft = v
	exp, ok, err := a.integer("expire", math.MinInt64, math.MaxInt64)
	if err != nil {
		return err
	}
	if ok {
		if exp <= 0 {
			return fmt.Errorf("expiration time must be positive for address %s", addr)
		}
		if exp < int64(lc.validLft) {
			return fmt.Errorf("expiration time must be greater than valid lifetime for address %s", addr)
		}
		lc.cltt = exp - int64(lc.validLft)
	} else {
		lc.cltt = c.now().Unix()
	}
	if lc.fqdnFwd, _, err = a.boolean("fqdn-fwd"); err != nil {
		return err
	}
	if lc.fqdnRev, _, err = a.boolean("fqdn-rev"); err != nil {
		return err
	}
	if lc.hostname, _, err = a.str("hostname"); err != nil {
		return err
	}
	if lc.hostname == "" && (lc.fqdnFwd || lc.fqdnRev) {
		return errors.New("No hostname specified and either forward or reverse fqdn was set to true.")
	}
	st, ok, err := a.integer("state", 0, math.MaxUint32)
	if err != nil {
		return err
	}
	if ok && st > int64(leasemgr.StateExpiredReclaimed) {
		return fmt.Errorf("Invalid state value: %d, supported values are: 0 (default), 1 (declined) and 2 (expired-reclaimed)", st)
	}
	lc.state = leasemgr.State(st)
	if lc.userContext, err = a.userContext(); err != nil {
		return err
	}
	if lc.poolID, lc.hasPoolID, err = a.uint32("pool-id"); err != nil {
		return err
	}
	if lc.force, _, err = a.boolean("force-create"); err != nil {
		return err
	}
	return nil
}

func identArg(a args, key string, it hostmgr.IdentifierType, mandatory bool) ([]byte, bool, error) {
	s, ok, err := a.str(key)
	if err != nil {
		return nil, ok, err
	}
	if !ok {
		if mandatory {
			return nil, false, fmt.Errorf("missing parameter '%s'", key)
		}
		return nil, false, nil
	}
	if s == "" {
		return nil, true, nil
	}
	b, err := hostmgr.ParseIdentifier(it, s)
	if err != nil {
		return nil, true, fmt.Errorf("invalid %s '%s': %v", key, s, err)
	}
	return b, true, nil
}

func (c *LeaseCommands) parseLease4(a args) (*leasemgr.Lease4, bool, error) {
	addrText, ok, err := a.str("ip-address")
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, errors.New("missing parameter 'ip-address'")
	}
	addr, perr := netip.ParseAddr(addrText)
	if perr != nil || addr.Zone() != "" {
		return nil, false, fmt.Errorf("Failed to convert string to address '%s': invalid address", addrText)
	}
	if addr = addr.Unmap(); !addr.Is4() {
		return nil, false, fmt.Errorf("Non-IPv4 address specified: %s", addr)
	}
	hw, _, err := identArg(a, "hw-address", hostmgr.IdentHWAddr, true)
	if err != nil {
		return nil, false, err
	}
	var lc leaseCommon
	sid, _, err := a.uint32("subnet-id")
	if err != nil {
		return nil, false, err
	}
	cfg := c.config()
	var subnet *cfgmgr.Subnet4
	defValid := uint32(cfgmgr.DefaultValidLifetime)
	switch {
	case cfg == nil && sid == 0:
		return nil, false, fmt.Errorf("subnet-id not specified and no configuration to find a subnet for address %s", addr)
	case cfg == nil:
	case sid != 0:
		subnet = cfg.Subnet4(cfgmgr.SubnetID(sid))
		if subnet == nil {
			return nil, false, fmt.Errorf("Invalid subnet-id: No IPv4 subnet with subnet-id=%d currently configured.", sid)
		}
		if !subnet.Prefix.Contains(addr) {
			return nil, false, fmt.Errorf("The address %s does not belong to subnet %s, subnet-id=%d", addr, subnet.Prefix, sid)
		}
	default:
		subnet = findSubnet4(cfg, addr)
		if subnet == nil {
			return nil, false, fmt.Errorf("subnet-id not specified and failed to find a subnet for address %s", addr)
		}
		sid = uint32(subnet.ID)
	}
	if subnet != nil {
		defValid = subnet.ValidLifetime().Default
	}
	lc.subnetID = sid
	cid, _, err := identArg(a, "client-id", hostmgr.IdentClientID, false)
	if err != nil {
		return nil, false, err
	}
	if err := c.parseTail(a, addr, defValid, &lc); err != nil {
		return nil, false, err
	}
	if !lc.hasPoolID {
		if p := pool4(subnet, addr); p != nil {
			lc.poolID = p.ID
		}
	}
	l := &leasemgr.Lease4{
		Addr:          addr,
		ClientID:      cid,
		ValidLifetime: lc.validLft,
		CLTT:          lc.cltt,
		SubnetID:      lc.subnetID,
		PoolID:        lc.poolID,
		FQDNFwd:       lc.fqdnFwd,
		FQDNRev:       lc.fqdnRev,
		Hostname:      lc.hostname,
		State:         lc.state,
		UserContext:   lc.userContext,
	}
	if len(hw) > 0 {
		l.HWAddr = leasemgr.HWAddr{Addr: hw, Type: leasemgr.HTypeEthernet}
	}
	return l, lc.force, nil
}

func (c *LeaseCommands) parseLease6(a args) (*leasemgr.Lease6, bool, error) {
	addrText, ok, err := a.str("ip-address")
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, errors.New("missing parameter 'ip-address'")
	}
	addr, perr := netip.ParseAddr(addrText)
	if perr != nil || addr.Zone() != "" {
		return nil, false, fmt.Errorf("Failed to convert string to address '%s': invalid address", addrText)
	}
	if addr.Is4() || addr.Is4In6() {
		return nil, false, fmt.Errorf("Non-IPv6 address specified: %s", addr)
	}
	duid, _, err := identArg(a, "duid", hostmgr.IdentDUID, true)
	if err != nil {
		return nil, false, err
	}
	if len(duid) == 0 {
		return nil, false, errors.New("invalid duid '': empty")
	}
	typ := leasemgr.TypeNA
	plen := uint8(128)
	if t, ok, err := a.str("type"); err != nil {
		return nil, false, err
	} else if ok {
		switch t {
		case "IA_NA":
		case "IA_TA":
			typ = leasemgr.TypeTA
		case "IA_PD":
			typ = leasemgr.TypePD
			n, ok, err := a.integer("prefix-len", 1, 128)
			if err != nil {
				return nil, false, err
			}
			if !ok {
				return nil, false, errors.New("missing parameter 'prefix-len'")
			}
			plen = uint8(n)
			if netip.PrefixFrom(addr, int(plen)).Masked().Addr() != addr {
				return nil, false, fmt.Errorf("prefix %s/%d has bits set beyond its length", addr, plen)
			}
		default:
			return nil, false, fmt.Errorf("Incorrect lease type: %s, the only supported values are: na, ta and pd", t)
		}
	}
	sid, _, err := a.uint32("subnet-id")
	if err != nil {
		return nil, false, err
	}
	cfg := c.config()
	var subnet *cfgmgr.Subnet6
	switch {
	case sid == 0 && typ != leasemgr.TypeNA:
		return nil, false, errors.New("Subnet-id is 0 or not specified. This is allowed for address leases only, not prefix leases.")
	case cfg == nil && sid == 0:
		return nil, false, fmt.Errorf("subnet-id not specified and no configuration to find a subnet for address %s", addr)
	case cfg == nil:
	case sid != 0:
		subnet = cfg.Subnet6(cfgmgr.SubnetID(sid))
		if subnet == nil {
			return nil, false, fmt.Errorf("Invalid subnet-id: No IPv6 subnet with subnet-id=%d currently configured.", sid)
		}
		if typ == leasemgr.TypeNA && !subnet.Prefix.Contains(addr) {
			return nil, false, fmt.Errorf("The address %s does not belong to subnet %s, subnet-id=%d", addr, subnet.Prefix, sid)
		}
	default:
		subnet = findSubnet6(cfg, addr)
		if subnet == nil {
			return nil, false, fmt.Errorf("subnet-id not specified and failed to find a subnet for address %s", addr)
		}
		sid = uint32(subnet.ID)
	}
	iaid, ok, err := a.uint32("iaid")
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, errors.New("missing parameter 'iaid'")
	}
	hw, _, err := identArg(a, "hw-address", hostmgr.IdentHWAddr, false)
	if err != nil {
		return nil, false, err
	}
	defValid := uint32(cfgmgr.DefaultValidLifetime)
	defPref := uint32(float64(defValid) * cfgmgr.DefaultPreferredRatio)
	if subnet != nil {
		defValid = subnet.ValidLifetime().Default
		defPref = subnet.PreferredLifetime().Default
	}
	lc := leaseCommon{subnetID: sid}
	if err := c.parseTail(a, addr, defValid, &lc); err != nil {
		return nil, false, err
	}
	pref, ok, err := a.uint32("preferred-lft")
	if err != nil {
		return nil, false, err
	}
	if !ok {
		pref = defPref
	}
	if !lc.hasPoolID {
		if id, ok := pool6(subnet, typ, addr); ok {
			lc.poolID = id
		}
	}
	l := &leasemgr.Lease6{
		Type:              typ,
		Addr:              addr,
		PrefixLen:         plen,
		IAID:              iaid,
		DUID:              duid,
		PreferredLifetime: pref,
		ValidLifetime:     lc.validLft,
		CLTT:              lc.cltt,
		SubnetID:          lc.subnetID,
		PoolID:            lc.poolID,
		FQDNFwd:           lc.fqdnFwd,
		FQDNRev:           lc.fqdnRev,
		Hostname:          lc.hostname,
		State:             lc.state,
		UserContext:       lc.userContext,
	}
	if len(hw) > 0 {
		l.HWAddr = leasemgr.HWAddr{Addr: hw, Type: leasemgr.HTypeEthernet}
	}
	return l, lc.force, nil
}
