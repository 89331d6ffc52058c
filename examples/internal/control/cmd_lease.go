package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// LeaseCommands are Kea's lease_cmds commands on a lease manager: lease4-add,
// lease4-get, lease4-get-all, lease4-get-page, lease4-get-by-hw-address,
// lease4-get-by-client-id, lease4-get-by-hostname, lease4-update,
// lease4-del, lease4-wipe and their lease6 counterparts (lease6-get-by-duid
// instead of the hardware address and client identifier queries). The
// arguments, answers and texts are Kea's.
//
// Fill the fields, then call Register4 and/or Register6; do not change the
// fields afterwards. The commands are safe for concurrent use as far as the
// Manager is.
type LeaseCommands struct {
	// Leases is the lease store. Required.
	Leases leasemgr.Manager
	// Config returns the current configuration (cfgmgr.Manager.Current).
	// lease4-add and lease4-update check the subnet-id against it, find the
	// subnet of an address when subnet-id is absent, take the default
	// valid (and preferred) lifetime and the pool-id from it, as Kea does;
	// the wipe commands wipe its subnets when no subnet-id is given.
	// Nil (or a nil result) skips those checks: subnet-id is then
	// mandatory and the default lifetime is cfgmgr.DefaultValidLifetime.
	Config func() *cfgmgr.Config
	// OnLease4Change and OnLease6Change, if set, are called after each
	// change a command made: (nil, new) after an add, (old, new) after an
	// update, (old, nil) after a delete, once per lease removed by a wipe.
	// This is how statistics follow the commands (Kea's
	// updateStatsOnAdd/Update/Delete); LeaseStats provides Kea's rules.
	// They are called from the command's goroutine, possibly from several
	// commands at once, and must not block. old may be slightly stale if
	// the server changed the lease meanwhile.
	OnLease4Change func(old, new *leasemgr.Lease4)
	OnLease6Change func(old, new *leasemgr.Lease6)
	// Now gives the CLTT of added leases without "expire"; nil is time.Now.
	Now func() time.Time
}

// Register4 registers the lease4-* commands. It panics if Leases is nil.
func (c *LeaseCommands) Register4(r *Registry) {
	if c.Leases == nil {
		panic("control: LeaseCommands needs Leases")
	}
	r.Register("lease4-add", c.lease4Add)
	r.Register("lease4-get", c.lease4Get)
	r.Register("lease4-get-all", c.lease4GetAll)
	r.Register("lease4-get-page", c.lease4GetPage)
	r.Register("lease4-get-by-hw-address", c.lease4GetByHWAddress)
	r.Register("lease4-get-by-client-id", c.lease4GetByClientID)
	r.Register("lease4-get-by-hostname", c.lease4GetByHostname)
	r.Register("lease4-update", c.lease4Update)
	r.Register("lease4-del", c.lease4Del)
	r.Register("lease4-wipe", c.lease4Wipe)
}

// Register6 registers the lease6-* commands. It panics if Leases is nil.
func (c *LeaseCommands) Register6(r *Registry) {
	if c.Leases == nil {
		panic("control: LeaseCommands needs Leases")
	}
	r.Register("lease6-add", c.lease6Add)
	r.Register("lease6-get", c.lease6Get)
	r.Register("lease6-get-all", c.lease6GetAll)
	r.Register("lease6-get-page", c.lease6GetPage)
	r.Register("lease6-get-by-duid", c.lease6GetByDUID)
	r.Register("lease6-get-by-hostname", c.lease6GetByHostname)
	r.Register("lease6-update", c.lease6Update)
	r.Register("lease6-del", c.lease6Del)
	r.Register("lease6-wipe", c.lease6Wipe)
}

func (c *LeaseCommands) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *LeaseCommands) config() *cfgmgr.Config {
	if c.Config == nil {
		return nil
	}
	return c.Config()
}

func (c *LeaseCommands) changed4(old, new *leasemgr.Lease4) {
	if c.OnLease4Change != nil {
		c.OnLease4Change(old, new)
	}
}

func (c *LeaseCommands) changed6(old, new *leasemgr.Lease6) {
	if c.OnLease6Change != nil {
		c.OnLease6Change(old, new)
	}
}

// ---- query parameters (Kea's LeaseCmdsImpl::getParameters) ----

type queryType int

const (
	queryAddr queryType = iota
	queryHWAddr
	queryDUID
	queryClientID
)

type leaseQuery struct {
	typ       queryType
	addr      netip.Addr
	ident     []byte
	subnetID  uint32
	iaid      uint32
	leaseType leasemgr.LeaseType
}

func parseLeaseType(s string) (leasemgr.LeaseType, error) {
	switch s {
	case "IA_NA", "0":
		return leasemgr.TypeNA, nil
	case "IA_TA", "1":
		return leasemgr.TypeTA, nil
	case "IA_PD", "2":
		return leasemgr.TypePD, nil
	case "V4", "3":
		return leasemgr.TypeV4, nil
	}
	return 0, fmt.Errorf("Invalid lease type specified: %s, only supported values are: IA_NA, IA_TA, IA_PD and V4", s)
}

func parseQuery(raw json.RawMessage, family int) (leaseQuery, error) {
	q := leaseQuery{leaseType: leasemgr.TypeNA}
	a, err := parseArgs(raw)
	if err != nil {
		return q, errors.New("Parameters missing or are not a map.")
	}
	if _, _, err := a.boolean("update-ddns"); err != nil {
		return q, errors.New("'update-ddns' is not a boolean")
	}
	if t, ok, err := a.str("type"); err != nil {
		return q, err
	} else if ok {
		if q.leaseType, err = parseLeaseType(t); err != nil {
			return q, err
		}
	}
	if a.has("ip-address") {
		if _, isStr := a["ip-address"].(string); !isStr {
			return q, errors.New("'ip-address' is not a string.")
		}
		addr, _, err := a.addr("ip-address", family)
		if err != nil {
			return q, err
		}
		q.typ, q.addr = queryAddr, addr
		return q, nil
	}
	if !a.has("subnet-id") {
		return q, errors.New("Mandatory 'subnet-id' parameter missing.")
	}
	sid, _, err := a.uint32("subnet-id")
	if err != nil {
		return q, errors.New("'subnet-id' parameter is not integer.")
	}
	q.subnetID = sid
	if iaid, _, err := a.uint32("iaid"); err != nil {
		return q, err
	} else {
		q.iaid = iaid
	}
	typ, tok, terr := a.str("identifier-type")
	if !tok || terr != nil {
		return q, errors.New("No 'ip-address' provided and 'identifier-type' is either missing or not a string.")
	}
	ident, iok, ierr := a.str("identifier")
	if !iok || ierr != nil {
		return q, errors.New("No 'ip-address' provided and 'identifier' is either missing or not a string.")
	}
	var it hostmgr.IdentifierType
	switch typ {
	case "address":
		return q, errors.New("Query by address requires the 'ip-address' parameter.")
	case "hw-address":
		q.typ, it = queryHWAddr, hostmgr.IdentHWAddr
	case "duid":
		q.typ, it = queryDUID, hostmgr.IdentDUID
	case "client-id":
		q.typ, it = queryClientID, hostmgr.IdentClientID
	default:
		return q, fmt.Errorf("Incorrect identifier type: %s, the only supported values are: address, hw-address, duid, client-id", typ)
	}
	b, err := hostmgr.ParseIdentifier(it, ident)
	if err != nil {
		return q, fmt.Errorf("invalid %s '%s': %v", typ, ident, err)
	}
	q.ident = b
	return q, nil
}

// hexArg parses a mandatory identifier argument of the by-identifier
// getters ("hw-address", "client-id", "duid").
func hexArg(raw json.RawMessage, key string, it hostmgr.IdentifierType) ([]byte, error) {
	a, err := parseArgs(raw)
	if err != nil {
		return nil, errors.New("Command arguments missing or a not a map.")
	}
	s, err := a.mustStr(key)
	if err != nil {
		return nil, err
	}
	b, err := hostmgr.ParseIdentifier(it, s)
	if err != nil {
		return nil, fmt.Errorf("invalid %s '%s': %v", key, s, err)
	}
	return b, nil
}

// hostnameArg parses the "hostname" argument, lower-cased as Kea does.
func hostnameArg(raw json.RawMessage) (string, error) {
	a, err := parseArgs(raw)
	if err != nil {
		return "", errors.New("Command arguments missing or a not a map.")
	}
	h, err := a.mustStr("hostname")
	if err != nil {
		return "", err
	}
	if h == "" {
		return "", errors.New("'hostname' parameter is empty")
	}
	return strings.ToLower(h), nil
}

// subnetsArg parses lease*-get-all's optional "subnets" list; all is true
// when there are no arguments.
func subnetsArg(raw json.RawMessage) (ids []uint32, all bool, err error) {
	a, err := parseArgs(raw)
	if errors.Is(err, errNoArgs) {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	v, ok := a["subnets"]
	if !ok {
		return nil, false, errors.New("'subnets' parameter not specified")
	}
	list, ok := v.([]any)
	if !ok {
		return nil, false, errors.New("'subnets' parameter must be a list")
	}
	for _, e := range list {
		n, ok := e.(json.Number)
		if !ok {
			return nil, false, errors.New("listed subnet identifiers must be numbers")
		}
		id, perr := n.Int64()
		if perr != nil || id < 0 || id > math.MaxUint32 {
			return nil, false, errors.New("listed subnet identifiers must be numbers")
		}
		ids = append(ids, uint32(id))
	}
	return ids, false, nil
}

// pageArgs parses lease*-get-page's "from" and "limit".
func pageArgs(raw json.RawMessage, cmd string, family int) (from netip.Addr, limit int, err error) {
	a, err := parseArgs(raw)
	if err != nil {
		return from, 0, fmt.Errorf("no parameters specified for the %s command", cmd)
	}
	v, ok := a["from"]
	if !ok {
		return from, 0, errors.New("'from' parameter not specified")
	}
	s, ok := v.(string)
	if !ok {
		return from, 0, errors.New("'from' parameter must be a string")
	}
	if s == "start" {
		if family == 4 {
			from = netip.IPv4Unspecified()
		} else {
			from = netip.IPv6Unspecified()
		}
	} else {
		from, err = netip.ParseAddr(s)
		if err != nil || from.Zone() != "" {
			return from, 0, fmt.Errorf("'from' parameter value is neither 'start' keyword nor a valid IPv%d address", family)
		}
		from = from.Unmap()
		if family == 4 && !from.Is4() {
			return from, 0, fmt.Errorf("'from' parameter value %s is not an IPv4 address", s)
		}
		if family == 6 && !from.Is6() {
			return from, 0, fmt.Errorf("'from' parameter value %s is not an IPv6 address", s)
		}
	}
	lv, ok := a["limit"]
	if !ok {
		return from, 0, errors.New("'limit' parameter not specified")
	}
	n, ok := lv.(json.Number)
	if !ok {
		return from, 0, errors.New("'limit' parameter must be a number")
	}
	l, perr := n.Int64()
	if perr != nil || l < 0 {
		return from, 0, errors.New("'limit' parameter must be a number")
	}
	if l == 0 {
		return from, 0, errors.New("page size of retrieved leases must not be 0")
	}
	if l > math.MaxUint32 {
		return from, 0, fmt.Errorf("page size of retrieved leases must not be greater than %d", uint32(math.MaxUint32))
	}
	return from, int(l), nil
}

func leaseList4(ls []*leasemgr.Lease4, withCount bool) Response {
	return leaseList(len(ls), "IPv4", leases4JSON(ls), withCount)
}

func leaseList6(ls []*leasemgr.Lease6, withCount bool) Response {
	return leaseList(len(ls), "IPv6", leases6JSON(ls), withCount)
}

// leaseList is Kea's answer to a lease listing: "N IPv4 lease(s) found.",
// result empty when there are none, and the count for paged listings.
func leaseList(n int, fam string, leases any, withCount bool) Response {
	result := ResultSuccess
	if n == 0 {
		result = ResultEmpty
	}
	args := map[string]any{"leases": leases}
	if withCount {
		args["count"] = n
	}
	return Answer(result, fmt.Sprintf("%d %s lease(s) found.", n, fam), args)
}

// leasesOf answers lease4-get-all and lease6-get-all: every lease, or those
// of the listed subnets, in order.
func leasesOf[L any](ctx context.Context, raw json.RawMessage, all func(context.Context) ([]L, error),
	bySubnet func(context.Context, uint32) ([]L, error)) ([]L, error) {
	ids, everything, err := subnetsArg(raw)
	if err != nil {
		return nil, err
	}
	if everything {
		return all(ctx)
	}
	var ls []L
	for _, id := range ids {
		part, err := bySubnet(ctx, id)
		if err != nil {
			return nil, err
		}
		ls = append(ls, part...)
	}
	return ls, nil
}

var notFound = Response{Result: ResultEmpty, Text: "Lease not found."}

// ---- DHCPv4 ----

func (c *LeaseCommands) lease4Get(ctx context.Context, raw json.RawMessage) Response {
	q, err := parseQuery(raw, 4)
	if err != nil {
		return Errorf("%v", err)
	}
	var l *leasemgr.Lease4
	switch q.typ {
	case queryAddr:
		l, err = c.Leases.Lease4(ctx, q.addr)
	case queryHWAddr:
		l, err = c.Leases.Lease4ByHWAddrSubnet(ctx, q.ident, q.subnetID)
	case queryClientID:
		l, err = c.Leases.Lease4ByClientIDSubnet(ctx, q.ident, q.subnetID)
	case queryDUID:
		return Errorf("Query by duid is not allowed in v4.")
	}
	if errors.Is(err, leasemgr.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return Errorf("%v", err)
	}
	return Answer(ResultSuccess, "IPv4 lease found.", NewLease4JSON(l))
}

func (c *LeaseCommands) lease4GetAll(ctx context.Context, raw json.RawMessage) Response {
	ls, err := leasesOf(ctx, raw, c.Leases.AllLeases4, c.Leases.Leases4BySubnet)
	if err != nil {
		return Errorf("%v", err)
	}
	return leaseList4(ls, false)
}

func (c *LeaseCommands) lease4GetPage(ctx context.Context, raw json.RawMessage) Response {
	from, limit, err := pageArgs(raw, "lease4-get-page", 4)
	if err != nil {
		return Errorf("%v", err)
	}
	ls, err := c.Leases.Leases4Page(ctx, from, limit)
	if err != nil {
		return Errorf("%v", err)
	}
	return leaseList4(ls, true)
}

func (c *LeaseCommands) lease4GetByHWAddress(ctx context.Context, raw json.RawMessage) Response {
	hw, err := hexArg(raw, "hw-address", hostmgr.IdentHWAddr)
	if err != nil {
		return Errorf("%v", err)
	}
	ls, err := c.Leases.Leases4ByHWAddr(ctx, hw)
	if err != nil {
		return Errorf("%v", err)
	}
	return leaseList4(ls, false)
}

func (c *LeaseCommands) lease4GetByClientID(ctx context.Context, raw json.RawMessage) Response {
	id, err := hexArg(raw, "client-id", hostmgr.IdentClientID)
	if err != nil {
		return Errorf("%v", err)
	}
	ls, err := c.Leases.Leases4ByClientID(ctx, id)
	if err != nil {
		return Errorf("%v", err)
	}
	return leaseList4(ls, false)
}

func (c *LeaseCommands) lease4GetByHostname(ctx context.Context, raw json.RawMessage) Response {
	h, err := hostnameArg(raw)
	if err != nil {
		return Errorf("%v", err)
	}
	ls, err := c.Leases.Leases4ByHostname(ctx, h)
	if err != nil {
		return Errorf("%v", err)
	}
	return leaseList4(ls, false)
}

func (c *LeaseCommands) lease4Add(ctx context.Context, raw json.RawMessage) Response {
	a, err := parseArgs(raw)
	if err != nil {
		return Errorf("no parameters specified for the command")
	}
	l, _, err := c.parseLease4(a)
	if err != nil {
		return Errorf("%v", err)
	}
	if err := c.Leases.AddLease4(ctx, l); err != nil {
		if errors.Is(err, leasemgr.ErrExists) {
			return Response{Result: ResultConflict, Text: "IPv4 lease already exists."}
		}
		return Errorf("%v", err)
	}
	c.changed4(nil, l.Clone())
	return Success(fmt.Sprintf("Lease for address %s, subnet-id %d added.", l.Addr, l.SubnetID))
}

func updateConflict(addr netip.Addr) Response {
	return Response{Result: ResultConflict, Text: fmt.Sprintf("failed to update the lease with address %s either because the lease has been deleted or it has changed in the database, in both cases a retry might succeed", addr)}
}

func (c *LeaseCommands) lease4Update(ctx context.Context, raw json.RawMessage) Response {
	a, err := parseArgs(raw)
	if err != nil {
		return Errorf("no parameters specified for lease4-update command")
	}
	l, force, err := c.parseLease4(a)
	if err != nil {
		return Errorf("%v", err)
	}
	old, err := c.Leases.Lease4(ctx, l.Addr)
	switch {
	case errors.Is(err, leasemgr.ErrNotFound) && force:
		if err := c.Leases.AddLease4(ctx, l); err != nil {
			if errors.Is(err, leasemgr.ErrExists) {
				return Response{Result: ResultConflict, Text: "lost race between calls to get and add"}
			}
			return Errorf("%v", err)
		}
		c.changed4(nil, l.Clone())
		return Success("IPv4 lease added.")
	case errors.Is(err, leasemgr.ErrNotFound):
		return updateConflict(l.Addr)
	case err != nil:
		return Errorf("%v", err)
	}
	if err := c.Leases.UpdateLease4(ctx, l); err != nil {
		if errors.Is(err, leasemgr.ErrNotFound) || errors.Is(err, leasemgr.ErrConflict) {
			return updateConflict(l.Addr)
		}
		return Errorf("%v", err)
	}
	c.changed4(old, l.Clone())
	return Success("IPv4 lease updated.")
}

func (c *LeaseCommands) lease4Del(ctx context.Context, raw json.RawMessage) Response {
	q, err := parseQuery(raw, 4)
	if err != nil {
		return Errorf("%v", err)
	}
	var l *leasemgr.Lease4
	switch q.typ {
	case queryAddr:
		l, err = c.Leases.Lease4(ctx, q.addr)
	case queryHWAddr:
		l, err = c.Leases.Lease4ByHWAddrSubnet(ctx, q.ident, q.subnetID)
	case queryClientID:
		l, err = c.Leases.Lease4ByClientIDSubnet(ctx, q.ident, q.subnetID)
	case queryDUID:
		return Errorf("Delete by duid is not allowed in v4.")
	}
	v4NotFound := Response{Result: ResultEmpty, Text: "IPv4 lease not found."}
	if errors.Is(err, leasemgr.ErrNotFound) {
		return v4NotFound
	}
	if err != nil {
		return Errorf("%v", err)
	}
	l.ForgetLoaded() // Kea's lease commands delete unconditionally
	if err := c.Leases.DeleteLease4(ctx, l); err != nil {
		if errors.Is(err, leasemgr.ErrNotFound) {
			return v4NotFound
		}
		return Errorf("%v", err)
	}
	c.changed4(l, nil)
	return Success("IPv4 lease deleted.")
}

// wipeIDs returns the subnets a wipe without subnet-id covers: those of
// the configuration, else those that have leases.
func (c *LeaseCommands) wipeIDs(ctx context.Context, v6 bool) ([]uint32, error) {
	if cfg := c.config(); cfg != nil {
		var ids []uint32
		if v6 {
			for _, s := range cfg.Subnets6 {
				ids = append(ids, uint32(s.ID))
			}
		} else {
			for _, s := range cfg.Subnets4 {
				ids = append(ids, uint32(s.ID))
			}
		}
		return ids, nil
	}
	seen := map[uint32]bool{}
	var ids []uint32
	add := func(id uint32) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if v6 {
		ls, err := c.Leases.AllLeases6(ctx)
		if err != nil {
			return nil, err
		}
		for _, l := range ls {
			add(l.SubnetID)
		}
	} else {
		ls, err := c.Leases.AllLeases4(ctx)
		if err != nil {
			return nil, err
		}
		for _, l := range ls {
			add(l.SubnetID)
		}
	}
	return ids, nil
}

func wipeSubnetArg(raw json.RawMessage) (uint32, error) {
	a, err := parseArgs(raw)
	if errors.Is(err, errNoArgs) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	id, _, err := a.uint32("subnet-id")
	return id, err
}

func wipeText(n int, fam string, ids []uint32) Response {
	var b strings.Builder
	fmt.Fprintf(&b, "Deleted %d IPv%s lease(s) from subnet(s)", n, fam)
	for _, id := range ids {
		fmt.Fprintf(&b, " %d", id)
	}
	fmt.Fprintf(&b, " WARNING: lease%s-wipe is deprecated!", fam)
	if n == 0 {
		return Response{Result: ResultEmpty, Text: b.String()}
	}
	return Success(b.String())
}

func (c *LeaseCommands) lease4Wipe(ctx context.Context, raw json.RawMessage) Response {
	id, err := wipeSubnetArg(raw)
	if err != nil {
		return Errorf("%v", err)
	}
	ids := []uint32{id}
	if id == 0 {
		if ids, err = c.wipeIDs(ctx, false); err != nil {
			return Errorf("%v", err)
		}
	}
	total := 0
	for _, sid := range ids {
		var gone []*leasemgr.Lease4
		if c.OnLease4Change != nil {
			if gone, err = c.Leases.Leases4BySubnet(ctx, sid); err != nil {
				return Errorf("%v", err)
			}
		}
		n, err := c.Leases.WipeLeases4(ctx, sid)
		if err != nil {
			return Errorf("%v", err)
		}
		total += n
		for _, l := range gone {
			c.changed4(l, nil)
		}
	}
	return wipeText(total, "4", ids)
}

// ---- DHCPv6 ----

func (c *LeaseCommands) lease6Get(ctx context.Context, raw json.RawMessage) Response {
	q, err := parseQuery(raw, 6)
	if err != nil {
		return Errorf("%v", err)
	}
	var l *leasemgr.Lease6
	switch q.typ {
	case queryAddr:
		l, err = c.Leases.Lease6(ctx, q.leaseType, q.addr)
	case queryDUID:
		var ls []*leasemgr.Lease6
		ls, err = c.Leases.Leases6ByDUIDIAIDSubnet(ctx, q.leaseType, q.ident, q.iaid, q.subnetID)
		if err == nil && len(ls) == 0 {
			err = leasemgr.ErrNotFound
		} else if err == nil {
			l = ls[0]
		}
	case queryHWAddr:
		return Errorf("Query by hw-address is not allowed in v6.")
	case queryClientID:
		return Errorf("Query by client-id is not allowed in v6.")
	}
	if errors.Is(err, leasemgr.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return Errorf("%v", err)
	}
	return Answer(ResultSuccess, "IPv6 lease found.", NewLease6JSON(l))
}

func (c *LeaseCommands) lease6GetAll(ctx context.Context, raw json.RawMessage) Response {
	ls, err := leasesOf(ctx, raw, c.Leases.AllLeases6, c.Leases.Leases6BySubnet)
	if err != nil {
		return Errorf("%v", err)
	}
	return leaseList6(ls, false)
}

func (c *LeaseCommands) lease6GetPage(ctx context.Context, raw json.RawMessage) Response {
	from, limit, err := pageArgs(raw, "lease6-get-page", 6)
	if err != nil {
		return Errorf("%v", err)
	}
	ls, err := c.Leases.Leases6Page(ctx, from, limit)
	if err != nil {
		return Errorf("%v", err)
	}
	return leaseList6(ls, true)
}

func (c *LeaseCommands) lease6GetByDUID(ctx context.Context, raw json.RawMessage) Response {
	duid, err := hexArg(raw, "duid", hostmgr.IdentDUID)
	if err != nil {
		return Errorf("%v", err)
	}
	ls, err := c.Leases.Leases6ByDUID(ctx, duid)
	if err != nil {
		return Errorf("%v", err)
	}
	return leaseList6(ls, false)
}

func (c *LeaseCommands) lease6GetByHostname(ctx context.Context, raw json.RawMessage) Response {
	h, err := hostnameArg(raw)
	if err != nil {
		return Errorf("%v", err)
	}
	ls, err := c.Leases.Leases6ByHostname(ctx, h)
	if err != nil {
		return Errorf("%v", err)
	}
	return leaseList6(ls, false)
}

func lease6What(l *leasemgr.Lease6) string {
	if l.Type == leasemgr.TypePD {
		return fmt.Sprintf("prefix %s/%d", l.Addr, l.PrefixLen)
	}
	return "address " + l.Addr.String()
}

func (c *LeaseCommands) lease6Add(ctx context.Context, raw json.RawMessage) Response {
	a, err := parseArgs(raw)
	if err != nil {
		return Errorf("no parameters specified for the command")
	}
	l, _, err := c.parseLease6(a)
	if err != nil {
		return Errorf("%v", err)
	}
	if err := c.Leases.AddLease6(ctx, l); err != nil {
		if errors.Is(err, leasemgr.ErrExists) {
			return Response{Result: ResultConflict, Text: "IPv6 lease already exists."}
		}
		return Errorf("%v", err)
	}
	c.changed6(nil, l.Clone())
	return Success(fmt.Sprintf("Lease for %s, subnet-id %d added.", lease6What(l), l.SubnetID))
}

func (c *LeaseCommands) lease6Update(ctx context.Context, raw json.RawMessage) Response {
	a, err := parseArgs(raw)
	if err != nil {
		return Errorf("no parameters specified for lease6-update command")
	}
	l, force, err := c.parseLease6(a)
	if err != nil {
		return Errorf("%v", err)
	}
	old, err := c.Leases.Lease6(ctx, l.Type, l.Addr)
	switch {
	case errors.Is(err, leasemgr.ErrNotFound) && force:
		if err := c.Leases.AddLease6(ctx, l); err != nil {
			if errors.Is(err, leasemgr.ErrExists) {
				return Response{Result: ResultConflict, Text: "lost race between calls to get and add"}
			}
			return Errorf("%v", err)
		}
		c.changed6(nil, l.Clone())
		return Success("IPv6 lease added.")
	case errors.Is(err, leasemgr.ErrNotFound):
		return updateConflict(l.Addr)
	case err != nil:
		return Errorf("%v", err)
	}
	if err := c.Leases.UpdateLease6(ctx, l); err != nil {
		if errors.Is(err, leasemgr.ErrNotFound) || errors.Is(err, leasemgr.ErrConflict) {
			return updateConflict(l.Addr)
		}
		return Errorf("%v", err)
	}
	c.changed6(old, l.Clone())
	return Success("IPv6 lease updated.")
}

func (c *LeaseCommands) lease6Del(ctx context.Context, raw json.RawMessage) Response {
	q, err := parseQuery(raw, 6)
	if err != nil {
		return Errorf("%v", err)
	}
	var l *leasemgr.Lease6
	switch q.typ {
	case queryAddr:
		l, err = c.Leases.Lease6(ctx, q.leaseType, q.addr)
	case queryDUID:
		var ls []*leasemgr.Lease6
		ls, err = c.Leases.Leases6ByDUIDIAIDSubnet(ctx, q.leaseType, q.ident, q.iaid, q.subnetID)
		if err == nil && len(ls) == 0 {
			err = leasemgr.ErrNotFound
		} else if err == nil {
			l = ls[0]
		}
	case queryHWAddr:
		return Errorf("Delete by hw-address is not allowed in v6.")
	case queryClientID:
		return Errorf("Delete by client-id is not allowed in v6.")
	}
	v6NotFound := Response{Result: ResultEmpty, Text: "IPv6 lease not found."}
	if errors.Is(err, leasemgr.ErrNotFound) {
		return v6NotFound
	}
	if err != nil {
		return Errorf("%v", err)
	}
	l.ForgetLoaded()
	if err := c.Leases.DeleteLease6(ctx, l); err != nil {
		if errors.Is(err, leasemgr.ErrNotFound) {
			return v6NotFound
		}
		return Errorf("%v", err)
	}
	c.changed6(l, nil)
	return Success("IPv6 lease deleted.")
}

func (c *LeaseCommands) lease6Wipe(ctx context.Context, raw json.RawMessage) Response {
	id, err := wipeSubnetArg(raw)
	if err != nil {
		return Errorf("%v", err)
	}
	ids := []uint32{id}
	if id == 0 {
		if ids, err = c.wipeIDs(ctx, true); err != nil {
			return Errorf("%v", err)
		}
	}
	total := 0
	for _, sid := range ids {
		var gone []*leasemgr.Lease6
		if c.OnLease6Change != nil {
			if gone, err = c.Leases.Leases6BySubnet(ctx, sid); err != nil {
				return Errorf("%v", err)
			}
		}
		n, err := c.Leases.WipeLeases6(ctx, sid)
		if err != nil {
			return Errorf("%v", err)
		}
		total += n
		for _, l := range gone {
			c.changed6(l, nil)
		}
	}
	return wipeText(total, "6", ids)
}
