package cfgmgr

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// ParseOptions tune Parse. The zero value accepts what Kea 2.2 accepts.
type ParseOptions struct {
	// Family selects the Dhcp4 or Dhcp6 map when a file holds both; zero
	// means "the one that is present".
	Family option.Universe
	// RequireSubnetID rejects subnets without "id" as Kea 2.6+ does.
	// Otherwise ids are assigned as Kea 2.2 does (see Parse).
	RequireSubnetID bool
}

// Parse parses and validates a Kea configuration file with a top-level
// "Dhcp4" or "Dhcp6" map. Comments ("//", "#", "/* */") are allowed
// outside strings.
//
// Every problem found is reported in the returned error, an ErrorList whose
// entries name the JSON path and the offending value; the Config is nil
// then. Sections the SDK cannot honour (hooks, loggers, config backend,
// other daemons' maps, unsupported host databases) are kept in
// Config.Unsupported where they belong to the server map and reported as
// warnings.
//
// Subnets without "id" get one as in Kea 2.2: subnets are visited in the
// order Kea parses them (those of "shared-networks" first, then
// "subnet4"/"subnet6", each in file order) and each missing id becomes one
// more than the highest id seen so far.
func Parse(data []byte) (*Config, []Warning, error) {
	return ParseOptions{}.Parse(data)
}

// ParseFile reads and parses a Kea configuration file (see Parse).
func ParseFile(path string) (*Config, []Warning, error) {
	return ParseOptions{}.ParseFile(path)
}

// ParseFile reads and parses a Kea configuration file with these options.
func (o ParseOptions) ParseFile(path string) (*Config, []Warning, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("cfgmgr: %w", err)
	}
	return o.Parse(data)
}

// Parse parses a Kea configuration with these options (see Parse).
func (o ParseOptions) Parse(data []byte) (*Config, []Warning, error) {
	v, err := parseJSON(data)
	if err != nil {
		se := err.(*SyntaxError)
		return nil, nil, ErrorList{{Path: fmt.Sprintf("line %d, column %d", se.Line, se.Column), Msg: se.Msg, Kind: ErrSyntax}}
	}
	d := &decoder{opts: o}
	cfg := d.top(v)
	if len(d.errs) > 0 {
		return nil, d.warns, d.errs
	}
	return cfg, d.warns, nil
}

type decoder struct {
	opts  ParseOptions
	fam   option.Universe
	root  string
	errs  ErrorList
	warns []Warning
	oc    *optionContext
}

func (d *decoder) err(path string, val any, kind error, format string, args ...any) {
	e := &Error{Path: path, Msg: fmt.Sprintf(format, args...), Kind: kind}
	if val != nil {
		e.Value = showValue(val)
	}
	d.errs = append(d.errs, e)
}

func (d *decoder) warn(path, format string, args ...any) {
	d.warns = append(d.warns, Warning{Path: path, Message: fmt.Sprintf(format, args...)})
}

// otherDaemons are top-level maps of other Kea daemons.
var otherDaemons = map[string]string{
	"Logging":       "the Kea 1.x logging map; dhcpsrv logs through log/slog",
	"Control-agent": "the kea-ctrl-agent map",
	"DhcpDdns":      "the kea-dhcp-ddns map",
	"Netconf":       "the kea-netconf map",
}

func (d *decoder) top(v any) *Config {
	o, ok := v.(*object)
	if !ok {
		d.err("/", v, ErrType, "configuration must be a map with a Dhcp4 or Dhcp6 entry")
		return nil
	}
	_, has4 := o.get("Dhcp4")
	_, has6 := o.get("Dhcp6")
	switch {
	case d.opts.Family == option.V4 || d.opts.Family == option.V6:
		d.fam = d.opts.Family
	case has4 && has6:
		d.err("/", nil, ErrValue, "both Dhcp4 and Dhcp6 present: set ParseOptions.Family")
		return nil
	case has4:
		d.fam = option.V4
	case has6:
		d.fam = option.V6
	default:
		d.err("/", nil, ErrMissing, "no Dhcp4 or Dhcp6 map")
		return nil
	}
	d.root = "Dhcp4"
	if d.fam == option.V6 {
		d.root = "Dhcp6"
	}
	var cfg *Config
	seen := map[string]bool{}
	for _, m := range o.members {
		if seen[m.key] {
			d.err(m.key, m.val, ErrDuplicate, "duplicate key")
			continue
		}
		seen[m.key] = true
		switch {
		case m.key == d.root:
			mo, ok := m.val.(*object)
			if !ok {
				d.typeErr(m.key, m.val, "a map")
				continue
			}
			cfg = d.server(mo)
		case m.key == "Dhcp4" || m.key == "Dhcp6":
			d.warn(m.key, "ignored: this config is parsed for %s", d.root)
		case otherDaemons[m.key] != "":
			d.warn(m.key, "ignored: %s is not part of a DHCP server config", otherDaemons[m.key])
		default:
			d.unknown(m.key, m.val)
		}
	}
	if cfg == nil && len(d.errs) == 0 {
		d.err(d.root, nil, ErrMissing, "no %s map", d.root)
	}
	return cfg
}

// unsupportedGlobals are server-map keys the SDK keeps but does not honour.
var unsupportedGlobals = map[string]string{
	"hooks-libraries": "hook libraries cannot be loaded by a Go program",
	"loggers":         "dhcpsrv logs through log/slog",
	"config-control":  "the configuration backend is not supported",
}

// server decodes the Dhcp4/Dhcp6 map.
func (d *decoder) server(o *object) *Config {
	cfg := &Config{Family: d.fam}
	d.oc = newOptionContext(d.fam)
	cfg.defs = d.oc.defs
	root := d.root
	sub := "subnet4"
	if d.fam == option.V6 {
		sub = "subnet6"
	}
	// Option definitions first: option-data anywhere may use them.
	if v, ok := o.get("option-def"); ok {
		cfg.OptionDefs = d.optionDefs(root+"/option-def", v)
	}
	var (
		subnetsVal, networksVal, ddnsVal, resvVal, classesVal any
		resMode                                               any
		resModePath                                           string
	)
	d.decodeObject(root, o, &cfg.Globals, levelGlobal, func(key, path string, val any) bool {
		switch key {
		case "option-def":
		case sub:
			subnetsVal = val
		case "shared-networks":
			networksVal = val
		case "dhcp-ddns":
			ddnsVal = val
		case "reservations":
			resvVal = val
		case "client-classes":
			classesVal = val
		case "reservation-mode":
			resMode, resModePath = val, path
		case "option-data":
			cfg.Options = d.optionData(path, val)
		case "interfaces-config":
			d.section(path, val, &cfg.Interfaces, &cfg.Interfaces.UserContext)
			d.checkInterfaces(path, cfg.Interfaces.Interfaces)
		case "lease-database":
			cfg.LeaseDatabase = d.database(path, val, true)
		case "hosts-database":
			if db := d.database(path, val, false); db != nil {
				cfg.HostsDatabases = []*Database{db}
				cfg.HostsDatabasesSingle = true
			}
		case "hosts-databases":
			l, ok := val.([]any)
			if !ok {
				d.typeErr(path, val, "a list")
				return true
			}
			for i, e := range l {
				if db := d.database(fmt.Sprintf("%s[%d]", path, i), e, false); db != nil {
					cfg.HostsDatabases = append(cfg.HostsDatabases, db)
				}
			}
		case "expired-leases-processing":
			d.section(path, val, &cfg.ExpiredLeases, &cfg.ExpiredLeases.UserContext)
		case "multi-threading":
			d.section(path, val, &cfg.MultiThreading, nil)
		case "dhcp-queue-control":
			d.queueControl(path, val, &cfg.QueueControl)
		case "sanity-checks":
			d.section(path, val, &cfg.SanityChecks, nil)
		case "compatibility":
			d.section(path, val, &cfg.Compatibility, nil)
		case "server-id":
			if d.fam != option.V6 {
				return false
			}
			d.section(path, val, &cfg.ServerID, &cfg.ServerID.UserContext)
		case "control-socket":
			cfg.ControlSocket = &ControlSocket{}
			d.section(path, val, cfg.ControlSocket, &cfg.ControlSocket.UserContext)
		default:
			if why, ok := unsupportedGlobals[key]; ok {
				if cfg.Unsupported == nil {
					cfg.Unsupported = map[string]any{}
				}
				cfg.Unsupported[key] = toPlain(val)
				if l, isList := val.([]any); !isList || len(l) > 0 {
					d.warn(path, "ignored: %s", why)
				}
				return true
			}
			return false
		}
		return true
	}, &cfg.UserContext)
	// Sections absent from the file still carry Kea's defaults.
	for _, sec := range []any{&cfg.Interfaces, &cfg.ExpiredLeases, &cfg.MultiThreading,
		&cfg.QueueControl, &cfg.SanityChecks, &cfg.Compatibility, &cfg.DHCPDDNS, &cfg.ServerID} {
		if _, present := o.get(sectionKey(sec)); !present {
			setDefaultsOf(sec, d.fam)
		}
	}
	if cfg.Interfaces.Interfaces == nil {
		cfg.Interfaces.Interfaces = []string{}
	}
	d.reservationMode(resModePath, resMode, &cfg.Globals.Params)
	d.checkParams(root, &cfg.Globals.Params)
	d.checkGlobals(root, cfg)
	if ddnsVal != nil {
		d.dhcpDDNS(root+"/dhcp-ddns", ddnsVal, cfg)
	}
	if classesVal != nil {
		cfg.ClientClasses = d.clientClasses(root+"/client-classes", classesVal)
	}
	if resvVal != nil {
		cfg.Reservations = d.reservations(root+"/reservations", resvVal, hostmgr.SubnetIDGlobal)
	}

	// Subnets: shared networks first, as Kea 2.2 parses them (and assigns
	// missing ids) in that order.
	var ids idAssigner
	ids.require = d.opts.RequireSubnetID
	var top4 []*Subnet4
	var top6 []*Subnet6
	if networksVal != nil {
		l, ok := networksVal.([]any)
		if !ok {
			d.typeErr(root+"/shared-networks", networksVal, "a list")
		}
		for i, e := range l {
			path := fmt.Sprintf("%s/shared-networks[%d]", root, i)
			if d.fam == option.V4 {
				if n := d.network4(path, e, &ids); n != nil {
					cfg.SharedNetworks4 = append(cfg.SharedNetworks4, n)
				}
			} else if n := d.network6(path, e, &ids); n != nil {
				cfg.SharedNetworks6 = append(cfg.SharedNetworks6, n)
			}
		}
	}
	if subnetsVal != nil {
		l, ok := subnetsVal.([]any)
		if !ok {
			d.typeErr(root+"/"+sub, subnetsVal, "a list")
		}
		for i, e := range l {
			path := fmt.Sprintf("%s/%s[%d]", root, sub, i)
			if d.fam == option.V4 {
				if s := d.subnet4(path, e, &ids); s != nil {
					top4 = append(top4, s)
				}
			} else if s := d.subnet6(path, e, &ids); s != nil {
				top6 = append(top6, s)
			}
		}
	}
	if len(d.errs) > 0 {
		return cfg
	}
	ids.assign(d)
	v := newValidator(cfg, d)
	v.run(top4, top6)
	return cfg
}

// sectionKey returns the JSON key of a config section value.
func sectionKey(sec any) string {
	switch sec.(type) {
	case *InterfacesConfig:
		return "interfaces-config"
	case *ExpiredLeasesProcessing:
		return "expired-leases-processing"
	case *MultiThreading:
		return "multi-threading"
	case *QueueControl:
		return "dhcp-queue-control"
	case *SanityChecks:
		return "sanity-checks"
	case *Compatibility:
		return "compatibility"
	case *DDNSConfig:
		return "dhcp-ddns"
	case *ServerID:
		return "server-id"
	}
	return ""
}

// section decodes a plain map section into dst by tags.
func (d *decoder) section(path string, val any, dst any, uc *map[string]any) {
	o, ok := val.(*object)
	if !ok {
		d.typeErr(path, val, "a map")
		setDefaultsOf(dst, d.fam)
		return
	}
	d.decodeObject(path, o, dst, levelOther, nil, uc)
}

func (d *decoder) checkInterfaces(path string, ifs []string) {
	for i, s := range ifs {
		p := fmt.Sprintf("%s/interfaces[%d]", path, i)
		if s == "" {
			d.err(p, s, ErrValue, "empty interface name")
			continue
		}
		if _, _, err := ParseInterfaceSpec(s, d.fam); err != nil {
			d.err(p, s, ErrValue, "%v", err)
		}
	}
}

// ParseInterfaceSpec splits an interfaces-config entry: "eth0" or "*"
// (addr zero), "eth0/192.0.2.1" (v4: listen on that address only) or
// "eth0/2001:db8::1" (v6: unicast address).
func ParseInterfaceSpec(s string, fam option.Universe) (name string, addr netip.Addr, err error) {
	name, a, found := strings.Cut(s, "/")
	if name == "" {
		return "", netip.Addr{}, fmt.Errorf("empty interface name")
	}
	if !found {
		return name, netip.Addr{}, nil
	}
	addr, err = netip.ParseAddr(a)
	if err != nil || (fam == option.V4 && !addr.Is4()) || (fam == option.V6 && !addr.Is6()) {
		return "", netip.Addr{}, fmt.Errorf("%q is not a valid %s address", a, famName(fam))
	}
	return name, addr, nil
}

func famName(fam option.Universe) string {
	if fam == option.V6 {
		return "IPv6"
	}
	return "IPv4"
}

var dbKeysCQL = []string{"contact-points", "keyspace", "consistency", "serial-consistency",
	"reconnect-wait-time", "request-timeout", "tcp-keepalive", "tcp-nodelay", "max-statement-tries"}

func (d *decoder) database(path string, val any, lease bool) *Database {
	o, ok := val.(*object)
	if !ok {
		d.typeErr(path, val, "a map")
		return nil
	}
	db := &Database{Raw: toPlain(o).(map[string]any)}
	d.decodeObject(path, o, db, levelOther, func(key, _ string, _ any) bool {
		return db.Type == "cql" && contains(dbKeysCQL, key)
	}, nil)
	if _, ok := o.get("type"); !ok {
		d.err(path, nil, ErrMissing, "missing \"type\"")
		return db
	}
	switch {
	case db.Type == "cql":
		d.err(path+"/type", db.Type, ErrUnsupported, "Cassandra (cql) databases are not supported by dhcpsrv")
	case lease && db.Type != "memfile" && db.Type != "mysql" && db.Type != "postgresql":
		d.err(path+"/type", db.Type, ErrValue, "unknown lease database type")
	case !lease && db.Type == "memfile":
		d.err(path+"/type", db.Type, ErrValue, "memfile cannot hold host reservations")
	case !lease && db.Type != "postgresql":
		d.warn(path, "hosts database of type %q is not supported by dhcpsrv (only postgresql): its reservations will not be used", db.Type)
	}
	if db.Type != "memfile" && db.Name == "" {
		d.err(path, nil, ErrMissing, "missing \"name\" (database name)")
	}
	return db
}

func (d *decoder) queueControl(path string, val any, qc *QueueControl) {
	o, ok := val.(*object)
	if !ok {
		d.typeErr(path, val, "a map")
		setDefaultsOf(qc, d.fam)
		return
	}
	d.decodeObject(path, o, qc, levelOther, func(key, _ string, v any) bool {
		if key == "enable-queue" || key == "queue-type" || key == "capacity" {
			return false
		}
		if qc.Extra == nil {
			qc.Extra = map[string]any{}
		}
		qc.Extra[key] = toPlain(v)
		return true
	}, nil)
	if _, ok := o.get("enable-queue"); !ok {
		d.err(path, nil, ErrMissing, "missing \"enable-queue\"")
	}
}

// oldDDNSKeys are Kea 2.2's name-handling keys of dhcp-ddns and the
// globals they moved to.
var oldDDNSKeys = map[string]string{
	"override-no-update":        "ddns-override-no-update",
	"override-client-update":    "ddns-override-client-update",
	"replace-client-name":       "ddns-replace-client-name",
	"generated-prefix":          "ddns-generated-prefix",
	"qualifying-suffix":         "ddns-qualifying-suffix",
	"hostname-char-set":         "hostname-char-set",
	"hostname-char-replacement": "hostname-char-replacement",
}

func (d *decoder) dhcpDDNS(path string, val any, cfg *Config) {
	o, ok := val.(*object)
	if !ok {
		d.typeErr(path, val, "a map")
		return
	}
	dc := &cfg.DHCPDDNS
	gv := reflect.ValueOf(&cfg.Globals).Elem()
	d.decodeObject(path, o, dc, levelOther, func(key, p string, v any) bool {
		g, ok := oldDDNSKeys[key]
		if !ok {
			return false
		}
		f, fi := findField(gv, g)
		if !f.IsNil() {
			d.warn(p, "deprecated (Kea 2.2) and ignored: global %q is set", g)
			return true
		}
		d.decodeField(p, f, fi, v)
		d.warn(p, "deprecated (Kea 2.2): moved to global %q", g)
		return true
	}, &dc.UserContext)
	if _, ok := o.get("enable-updates"); !ok {
		d.err(path, nil, ErrMissing, "missing \"enable-updates\"")
	}
	if !dc.EnableUpdates {
		return
	}
	if dc.NCRProtocol == "TCP" {
		d.err(path+"/ncr-protocol", dc.NCRProtocol, ErrUnsupported, "TCP is not yet supported (as in Kea)")
	}
	if dc.SenderIP.IsValid() && dc.SenderIP.Is4() != dc.ServerIP.Is4() {
		d.err(path+"/sender-ip", dc.SenderIP.String(), ErrValue, "must be of the same family as server-ip %s", dc.ServerIP)
	}
	sender := dc.SenderIP
	if !sender.IsValid() {
		sender = netip.IPv4Unspecified()
		if dc.ServerIP.Is6() {
			sender = netip.IPv6Unspecified()
		}
	}
	if sender == dc.ServerIP && dc.SenderPort == dc.ServerPort {
		d.err(path, nil, ErrValue, "server-ip/server-port and sender-ip/sender-port must differ")
	}
}

// reservationMode applies Kea 2.2's "reservation-mode" to p.
func (d *decoder) reservationMode(path string, val any, p *Params) {
	if val == nil {
		return
	}
	s, ok := val.(string)
	if !ok {
		d.typeErr(path, val, "a string")
		return
	}
	if p.ReservationsGlobal != nil || p.ReservationsInSubnet != nil || p.ReservationsOutOfPool != nil {
		d.err(path, val, ErrValue, "invalid use of both 'reservation-mode' and one of 'reservations-global', 'reservations-in-subnet' or 'reservations-out-of-pool'")
		return
	}
	var g, in, oop bool
	switch s {
	case "disabled", "off":
	case "global":
		g = true
	case "out-of-pool":
		in, oop = true, true
	case "all":
		in = true
	default:
		d.err(path, val, ErrValue, "must be one of disabled, off, out-of-pool, global, all")
		return
	}
	p.ReservationsGlobal, p.ReservationsInSubnet, p.ReservationsOutOfPool = &g, &in, &oop
	d.warn(path, "deprecated (Kea 2.2, removed in 2.6): use reservations-global, reservations-in-subnet and reservations-out-of-pool")
}

// checkParams checks the values of one level's inheritable parameters.
func (d *decoder) checkParams(path string, p *Params) {
	d.checkTriplet(path, "valid-lifetime", p.ValidLifetime, p.MinValidLifetime, p.MaxValidLifetime)
	d.checkTriplet(path, "preferred-lifetime", p.PreferredLifetime, p.MinPreferredLifetime, p.MaxPreferredLifetime)
	pct := func(key string, v *float64) {
		if v != nil && (*v < 0 || *v > 1) {
			d.err(path+"/"+key, json.Number(fmt.Sprint(*v)), ErrRange, "must be between 0 and 1")
		}
	}
	pct("t1-percent", p.T1Percent)
	pct("t2-percent", p.T2Percent)
	pct("cache-threshold", p.CacheThreshold)
	pct("ddns-ttl-percent", p.DDNSTTLPercent)
	if p.T1Percent != nil && p.T2Percent != nil && *p.T1Percent >= *p.T2Percent {
		d.err(path+"/t1-percent", json.Number(fmt.Sprint(*p.T1Percent)), ErrValue, "must be less than t2-percent (%v)", *p.T2Percent)
	}
	if p.RenewTimer != nil && p.RebindTimer != nil && *p.RenewTimer > *p.RebindTimer {
		d.err(path+"/renew-timer", json.Number(fmt.Sprint(*p.RenewTimer)), ErrValue, "greater than rebind-timer (%d)", *p.RebindTimer)
	}
	if p.DDNSTTLMin != nil && p.DDNSTTLMax != nil && *p.DDNSTTLMin > *p.DDNSTTLMax {
		d.err(path+"/ddns-ttl-min", json.Number(fmt.Sprint(*p.DDNSTTLMin)), ErrValue, "greater than ddns-ttl-max (%d)", *p.DDNSTTLMax)
	}
}

func (d *decoder) checkTriplet(path, name string, def, lo, hi *uint32) {
	if def == nil && lo == nil && hi == nil {
		return
	}
	num := func(v *uint32) any { return json.Number(fmt.Sprint(*v)) }
	switch {
	case def == nil && lo != nil && hi != nil:
		d.err(path+"/min-"+name, num(lo), ErrMissing, "min-%s and max-%s without %s (default)", name, name, name)
	case lo != nil && hi != nil && *lo > *hi:
		d.err(path+"/min-"+name, num(lo), ErrValue, "greater than max-%s (%d)", name, *hi)
	case def != nil && lo != nil && *def < *lo:
		d.err(path+"/"+name, num(def), ErrRange, "less than min-%s (%d)", name, *lo)
	case def != nil && hi != nil && *def > *hi:
		d.err(path+"/"+name, num(def), ErrRange, "greater than max-%s (%d)", name, *hi)
	}
}

func (d *decoder) checkGlobals(path string, cfg *Config) {
	for i, s := range cfg.Globals.HostReservationIdentifiers {
		p := fmt.Sprintf("%s/host-reservation-identifiers[%d]", path, i)
		t, err := hostmgr.ParseIdentifierType(s)
		if err != nil {
			d.err(p, s, ErrValue, "unknown identifier type")
			continue
		}
		if d.fam == option.V6 && (t == hostmgr.IdentCircuitID || t == hostmgr.IdentClientID) {
			d.err(p, s, ErrValue, "not a DHCPv6 identifier type")
		}
	}
	for i, s := range cfg.Globals.MACSources {
		switch s {
		case "any", "raw", "duid", "ipv6-link-local", "client-link-addr-option", "rfc6939",
			"remote-id", "rfc4649", "subscriber-id", "rfc4580", "docsis-cmts", "docsis-modem":
		default:
			d.err(fmt.Sprintf("%s/mac-sources[%d]", path, i), s, ErrValue, "unknown MAC source")
		}
	}
	for i, s := range cfg.Globals.RelaySuppliedOptions {
		var code uint16
		if _, err := fmt.Sscan(s, &code); err != nil || code == 0 {
			d.err(fmt.Sprintf("%s/relay-supplied-options[%d]", path, i), s, ErrValue, "not an option code")
		}
	}
}

// idAssigner records subnets without "id" and assigns them as Kea 2.2.
type idAssigner struct {
	require bool
	seen    []idSlot // in Kea's parse order
}

type idSlot struct {
	set func(SubnetID)
	id  SubnetID // 0 = missing
}

func (a *idAssigner) add(id SubnetID, set func(SubnetID)) {
	a.seen = append(a.seen, idSlot{set: set, id: id})
}

func (a *idAssigner) assign(d *decoder) {
	var max SubnetID
	for _, s := range a.seen {
		if s.id == 0 {
			if max >= SubnetIDMax {
				d.err(d.root, nil, ErrRange, "no subnet id left to assign")
				return
			}
			max++
			s.set(max)
			continue
		}
		if s.id > max {
			max = s.id
		}
	}
}

// subnetID decodes "id" (absent: 0).
func (d *decoder) subnetID(path string, val any) SubnetID {
	n, ok := d.uintValue(path, val, uint64(SubnetIDMax))
	if !ok {
		return 0
	}
	if n == 0 {
		d.err(path, val, ErrRange, "subnet id 0 is reserved")
	}
	return SubnetID(n)
}

func (d *decoder) subnetPrefix(path string, val any) netip.Prefix {
	s, ok := val.(string)
	if !ok {
		d.typeErr(path, val, "a prefix string")
		return netip.Prefix{}
	}
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		d.err(path, val, ErrValue, "not a valid prefix")
		return netip.Prefix{}
	}
	if (d.fam == option.V4) != p.Addr().Is4() {
		d.err(path, val, ErrValue, "not an %s prefix", famName(d.fam))
		return netip.Prefix{}
	}
	return p
}

// relay decodes "relay": {"ip-addresses": [...]} (or 2.2's "ip-address").
func (d *decoder) relay(path string, val any) []netip.Addr {
	o, ok := val.(*object)
	if !ok {
		d.typeErr(path, val, "a map")
		return nil
	}
	out := []netip.Addr{}
	var single bool
	for _, m := range o.members {
		p := path + "/" + m.key
		switch m.key {
		case "ip-address":
			single = true
			s, ok := m.val.(string)
			if !ok {
				d.typeErr(p, m.val, "an IP address string")
				continue
			}
			if s == "" || s == "0.0.0.0" || s == "::" {
				continue
			}
			if a, ok := d.addr(p, s); ok {
				out = append(out, a)
			}
		case "ip-addresses":
			l, ok := m.val.([]any)
			if !ok {
				d.typeErr(p, m.val, "a list")
				continue
			}
			for i, e := range l {
				pi := fmt.Sprintf("%s[%d]", p, i)
				s, ok := e.(string)
				if !ok {
					d.typeErr(pi, e, "an IP address string")
					continue
				}
				if a, ok := d.addr(pi, s); ok {
					out = append(out, a)
				}
			}
		default:
			d.unknown(p, m.val)
		}
	}
	if _, both := o.get("ip-addresses"); both && single {
		d.err(path, val, ErrValue, "specify either ip-address or ip-addresses, not both")
	}
	return out
}

// addr parses an address of the config's family.
func (d *decoder) addr(path, s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		d.err(path, s, ErrValue, "not a valid IP address")
		return netip.Addr{}, false
	}
	if (d.fam == option.V4) != a.Is4() {
		d.err(path, s, ErrValue, "not an %s address", famName(d.fam))
		return netip.Addr{}, false
	}
	return a, true
}

// networkKeys handles the keys common to subnets and shared networks that
// the tag decoder does not: option-data, relay, reservation-mode.
func (d *decoder) networkKeys(key, path string, val any, p *Params, opts *[]option.Data, resMode *any, resModePath *string) bool {
	switch key {
	case "option-data":
		*opts = d.optionData(path, val)
	case "relay":
		p.RelayAddresses = d.relay(path, val)
	case "reservation-mode":
		*resMode, *resModePath = val, path
	default:
		return false
	}
	return true
}

func (d *decoder) subnet4(path string, val any, ids *idAssigner) *Subnet4 {
	s := &Subnet4{}
	ok := d.subnet(path, val, ids, subnetFields{&s.ID, &s.Prefix, &s.Params, &s.Options, &s.UserContext, &s.Reservations,
		func(h *hostmgr.Host, id SubnetID) { h.SubnetID4 = id }},
		func(key, p string, v any) bool {
			switch key {
			case "pools":
				d.each(p, v, func(p string, e any) {
					if pl := d.pool4(p, e); pl != nil {
						s.Pools = append(s.Pools, pl)
					}
				})
			case "4o6-subnet":
				str, ok := v.(string)
				if !ok {
					d.typeErr(p, v, "a prefix string")
					return true
				}
				pf, err := netip.ParsePrefix(str)
				if err != nil || !pf.Addr().Is6() {
					d.err(p, v, ErrValue, "not a valid IPv6 prefix")
					return true
				}
				s.Subnet4o6 = pf
			case "4o6-interface":
				d.str(p, v, &s.Interface4o6)
			case "4o6-interface-id":
				d.str(p, v, &s.InterfaceID4o6)
			default:
				return false
			}
			return true
		})
	if !ok {
		return nil
	}
	return s
}

func (d *decoder) subnet6(path string, val any, ids *idAssigner) *Subnet6 {
	s := &Subnet6{}
	ok := d.subnet(path, val, ids, subnetFields{&s.ID, &s.Prefix, &s.Params, &s.Options, &s.UserContext, &s.Reservations,
		func(h *hostmgr.Host, id SubnetID) { h.SubnetID6 = id }},
		func(key, p string, v any) bool {
			switch key {
			case "pools":
				d.each(p, v, func(p string, e any) {
					if pl := d.pool6(p, e); pl != nil {
						s.Pools = append(s.Pools, pl)
					}
				})
			case "pd-pools":
				d.each(p, v, func(p string, e any) {
					if pl := d.pdPool(p, e); pl != nil {
						s.PDPools = append(s.PDPools, pl)
					}
				})
			default:
				return false
			}
			return true
		})
	if !ok {
		return nil
	}
	return s
}

// subnetFields are the fields a subnet of either family shares, and how
// to set a reservation's subnet id of that family.
type subnetFields struct {
	id           *SubnetID
	prefix       *netip.Prefix
	params       *Params
	options      *[]option.Data
	userContext  *map[string]any
	reservations *[]*hostmgr.Host
	setHostID    func(h *hostmgr.Host, id SubnetID)
}

// subnet decodes a "subnet4" or "subnet6" entry: the keys both families
// share here, the family's own keys through own (which reports whether it
// knew the key). It reports false when val is not a map.
func (d *decoder) subnet(path string, val any, ids *idAssigner, f subnetFields, own func(key, path string, v any) bool) bool {
	o, ok := val.(*object)
	if !ok {
		d.typeErr(path, val, "a map")
		return false
	}
	var resMode, resvVal any
	var resModePath string
	hasID, hasSubnet := false, false
	d.decodeObject(path, o, f.params, levelNetwork, func(key, p string, v any) bool {
		switch key {
		case "id":
			hasID = true
			*f.id = d.subnetID(p, v)
		case "subnet":
			hasSubnet = true
			*f.prefix = d.subnetPrefix(p, v)
		case "reservations":
			resvVal = v
		default:
			if own(key, p, v) {
				return true
			}
			return d.networkKeys(key, p, v, f.params, f.options, &resMode, &resModePath)
		}
		return true
	}, f.userContext)
	d.reservationMode(resModePath, resMode, f.params)
	d.checkParams(path, f.params)
	if !hasSubnet {
		d.err(path, nil, ErrMissing, "missing \"subnet\"")
	}
	if !hasID && d.opts.RequireSubnetID {
		d.err(path, nil, ErrMissing, "missing \"id\" (required since Kea 2.6)")
	}
	ids.add(*f.id, func(id SubnetID) { *f.id = id })
	if resvVal != nil {
		*f.reservations = d.reservations(path+"/reservations", resvVal, *f.id)
		if !hasID {
			hs := *f.reservations
			ids.seen[len(ids.seen)-1].set = func(id SubnetID) {
				*f.id = id
				for _, h := range hs {
					f.setHostID(h, id)
				}
			}
		}
	}
	return true
}

// each calls fn with the path and value of every element of the list v,
// or reports that v is not a list.
func (d *decoder) each(path string, v any, fn func(path string, e any)) {
	l, ok := v.([]any)
	if !ok {
		d.typeErr(path, v, "a list")
		return
	}
	for i, e := range l {
		fn(fmt.Sprintf("%s[%d]", path, i), e)
	}
}

func (d *decoder) str(path string, v any, dst *string) {
	s, ok := v.(string)
	if !ok {
		d.typeErr(path, v, "a string")
		return
	}
	*dst = s
}

func (d *decoder) network4(path string, val any, ids *idAssigner) *SharedNetwork4 {
	n := &SharedNetwork4{}
	ok := d.network(path, val, "subnet4", &n.Name, &n.Params, &n.Options, &n.UserContext, func(p string, e any) {
		if s := d.subnet4(p, e, ids); s != nil {
			s.Network = n
			n.Subnets = append(n.Subnets, s)
		}
	})
	if !ok {
		return nil
	}
	return n
}

func (d *decoder) network6(path string, val any, ids *idAssigner) *SharedNetwork6 {
	n := &SharedNetwork6{}
	ok := d.network(path, val, "subnet6", &n.Name, &n.Params, &n.Options, &n.UserContext, func(p string, e any) {
		if s := d.subnet6(p, e, ids); s != nil {
			s.Network = n
			n.Subnets = append(n.Subnets, s)
		}
	})
	if !ok {
		return nil
	}
	return n
}

// network decodes a "shared-networks" entry of either family into the
// fields given, passing each entry of its subnetKey list to addSubnet with
// its path. It reports false when val is not a map.
func (d *decoder) network(path string, val any, subnetKey string, name *string, params *Params,
	opts *[]option.Data, uc *map[string]any, addSubnet func(path string, v any)) bool {
	o, ok := val.(*object)
	if !ok {
		d.typeErr(path, val, "a map")
		return false
	}
	var resMode any
	var resModePath string
	hasName := false
	d.decodeObject(path, o, params, levelNetwork, func(key, p string, v any) bool {
		switch key {
		case "name":
			hasName = true
			d.str(p, v, name)
			if *name == "" {
				d.err(p, v, ErrValue, "empty shared network name")
			}
		case subnetKey:
			d.each(p, v, addSubnet)
		default:
			return d.networkKeys(key, p, v, params, opts, &resMode, &resModePath)
		}
		return true
	}, uc)
	d.reservationMode(resModePath, resMode, params)
	d.checkParams(path, params)
	if !hasName {
		d.err(path, nil, ErrMissing, "missing \"name\"")
	}
	return true
}

// poolCommon handles the keys shared by all pool kinds.
func (d *decoder) poolCommon(key, path string, v any, pc *PoolCommon) bool {
	switch key {
	case "pool-id":
		n, ok := d.uintValue(path, v, 0xffffffff)
		if ok {
			pc.ID = uint32(n)
		}
	case "client-class":
		d.str(path, v, &pc.ClientClass)
	case "require-client-classes":
		if l, ok := d.stringList(path, v); ok {
			pc.RequireClientClasses = l
		}
	case "option-data":
		pc.Options = d.optionData(path, v)
	case "user-context", "comment":
		d.userContext(path, key, v, &pc.UserContext)
	default:
		return false
	}
	return true
}

// poolRange parses "a - b", "a-b" or "prefix/len".
func (d *decoder) poolRange(path string, v any) (first, last netip.Addr, ok bool) {
	s, isStr := v.(string)
	if !isStr {
		d.typeErr(path, v, "a string")
		return first, last, false
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(strings.TrimSpace(s))
		if err != nil {
			d.err(path, v, ErrValue, "not a valid prefix")
			return first, last, false
		}
		if (d.fam == option.V4) != p.Addr().Is4() {
			d.err(path, v, ErrValue, "not an %s prefix", famName(d.fam))
			return first, last, false
		}
		p = p.Masked()
		return p.Addr(), lastAddr(p), true
	}
	a, b, found := strings.Cut(s, "-")
	if !found {
		d.err(path, v, ErrValue, "must be \"first - last\" or a prefix")
		return first, last, false
	}
	var err1, err2 error
	first, err1 = netip.ParseAddr(strings.TrimSpace(a))
	last, err2 = netip.ParseAddr(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || first.Zone() != "" || last.Zone() != "" {
		d.err(path, v, ErrValue, "not a valid address range")
		return first, last, false
	}
	if (d.fam == option.V4) != first.Is4() || first.Is4() != last.Is4() {
		d.err(path, v, ErrValue, "not an %s address range", famName(d.fam))
		return first, last, false
	}
	if last.Less(first) {
		d.err(path, v, ErrValue, "range end before start")
		return first, last, false
	}
	return first, last, true
}

func (d *decoder) pool4(path string, val any) *Pool4 {
	pl := &Pool4{}
	if !d.addressPool(path, val, &pl.First, &pl.Last, &pl.PoolCommon) {
		return nil
	}
	return pl
}

func (d *decoder) pool6(path string, val any) *Pool6 {
	pl := &Pool6{}
	if !d.addressPool(path, val, &pl.First, &pl.Last, &pl.PoolCommon) {
		return nil
	}
	return pl
}

// addressPool decodes a "pools" entry of either family into its range and
// common fields, and reports whether it holds a valid range.
func (d *decoder) addressPool(path string, val any, first, last *netip.Addr, pc *PoolCommon) bool {
	o, ok := val.(*object)
	if !ok {
		d.typeErr(path, val, "a map")
		return false
	}
	has, good := false, true
	d.poolObject(path, o, pc, func(key, p string, v any) bool {
		if key != "pool" {
			return false
		}
		has = true
		*first, *last, good = d.poolRange(p, v)
		return true
	})
	if !has {
		d.err(path, nil, ErrMissing, "missing \"pool\"")
	}
	return has && good
}

// poolObject walks a pool map: own keys first, then the common ones.
func (d *decoder) poolObject(path string, o *object, pc *PoolCommon, own func(key, path string, v any) bool) {
	seen := map[string]bool{}
	for _, m := range o.members {
		p := path + "/" + m.key
		if seen[m.key] {
			d.err(p, m.val, ErrDuplicate, "duplicate key")
			continue
		}
		seen[m.key] = true
		if own(m.key, p, m.val) || d.poolCommon(m.key, p, m.val, pc) {
			continue
		}
		d.unknown(p, m.val)
	}
}

func (d *decoder) pdPool(path string, val any) *PDPool {
	o, ok := val.(*object)
	if !ok {
		d.typeErr(path, val, "a map")
		return nil
	}
	pl := &PDPool{}
	var (
		prefix, excl       netip.Addr
		plen, dlen, exlen  uint64
		hasP, hasL, hasD   bool
		hasEx, hasExL, bad bool
	)
	intv := func(p string, v any, dst *uint64, has *bool) {
		*has = true
		n, ok := d.uintValue(p, v, 128)
		if !ok {
			bad = true
		}
		*dst = n
	}
	d.poolObject(path, o, &pl.PoolCommon, func(key, p string, v any) bool {
		switch key {
		case "prefix", "excluded-prefix":
			s, ok := v.(string)
			if !ok {
				d.typeErr(p, v, "an IPv6 address string")
				bad = true
				return true
			}
			a, err := netip.ParseAddr(s)
			if err != nil || !a.Is6() || a.Zone() != "" {
				d.err(p, v, ErrValue, "not a valid IPv6 address")
				bad = true
				return true
			}
			if key == "prefix" {
				prefix, hasP = a, true
			} else {
				excl, hasEx = a, true
			}
		case "prefix-len":
			intv(p, v, &plen, &hasL)
		case "delegated-len":
			intv(p, v, &dlen, &hasD)
		case "excluded-prefix-len":
			intv(p, v, &exlen, &hasExL)
		default:
			return false
		}
		return true
	})
	for _, k := range []struct {
		has  bool
		name string
	}{{hasP, "prefix"}, {hasL, "prefix-len"}, {hasD, "delegated-len"}} {
		if !k.has {
			d.err(path, nil, ErrMissing, "missing %q", k.name)
			bad = true
		}
	}
	if bad {
		return nil
	}
	if plen == 0 {
		d.err(path+"/prefix-len", json.Number(fmt.Sprint(plen)), ErrRange, "must be between 1 and 128")
		return nil
	}
	pl.Prefix = netip.PrefixFrom(prefix, int(plen))
	if pl.Prefix.Masked() != pl.Prefix {
		d.err(path+"/prefix", prefix.String(), ErrValue, "has bits set beyond prefix-len %d", plen)
		return nil
	}
	pl.DelegatedLen = int(dlen)
	if dlen < plen {
		d.err(path+"/delegated-len", json.Number(fmt.Sprint(dlen)), ErrValue, "less than prefix-len (%d)", plen)
		return nil
	}
	if hasEx != hasExL {
		d.err(path, nil, ErrMissing, "excluded-prefix and excluded-prefix-len go together")
		return nil
	}
	if hasEx && !(excl.IsUnspecified() && exlen == 0) {
		pl.Excluded = netip.PrefixFrom(excl, int(exlen))
		switch {
		case exlen <= dlen:
			d.err(path+"/excluded-prefix-len", json.Number(fmt.Sprint(exlen)), ErrValue, "must be greater than delegated-len (%d)", dlen)
			return nil
		case pl.Excluded.Masked() != pl.Excluded:
			d.err(path+"/excluded-prefix", excl.String(), ErrValue, "has bits set beyond excluded-prefix-len %d", exlen)
			return nil
		case !pl.Prefix.Contains(excl):
			d.err(path+"/excluded-prefix", excl.String(), ErrValue, "not within prefix %s", pl.Prefix)
			return nil
		}
	}
	return pl
}

// optionData decodes an option-data list.
func (d *decoder) optionData(path string, val any) []option.Data {
	l, ok := val.([]any)
	if !ok {
		d.typeErr(path, val, "a list")
		return nil
	}
	out := make([]option.Data, 0, len(l))
	for i, e := range l {
		p := fmt.Sprintf("%s[%d]", path, i)
		o, ok := e.(*object)
		if !ok {
			d.typeErr(p, e, "a map")
			continue
		}
		spec := optionSpec{Space: option.SpaceDHCP4}
		if d.fam == option.V6 {
			spec.Space = option.SpaceDHCP6
		}
		var uc map[string]any
		good := true
		seen := map[string]bool{}
		for _, m := range o.members {
			pm := p + "/" + m.key
			if seen[m.key] {
				d.err(pm, m.val, ErrDuplicate, "duplicate key")
				good = false
				continue
			}
			seen[m.key] = true
			before := len(d.errs)
			switch m.key {
			case "name":
				d.str(pm, m.val, &spec.Name)
			case "code":
				max := uint64(254)
				if d.fam == option.V6 {
					max = 65535
				}
				if n, ok := d.uintValue(pm, m.val, max); ok {
					if n == 0 {
						d.err(pm, m.val, ErrRange, "option code 0 is reserved")
					}
					c := uint16(n)
					spec.Code = &c
				}
			case "space":
				d.str(pm, m.val, &spec.Space)
			case "data":
				d.str(pm, m.val, &spec.Data)
			case "csv-format":
				if b, ok := m.val.(bool); ok {
					spec.CSVFormat = &b
				} else {
					d.typeErr(pm, m.val, "a boolean")
				}
			case "always-send", "never-send":
				b, ok := m.val.(bool)
				if !ok {
					d.typeErr(pm, m.val, "a boolean")
				} else if m.key == "always-send" {
					spec.AlwaysSend = b
				} else {
					spec.NeverSend = b
				}
			case "client-classes":
				if ss, ok := d.stringList(pm, m.val); ok {
					spec.ClientClasses = ss
				}
			case "user-context", "comment":
				d.userContext(pm, m.key, m.val, &uc)
			default:
				d.unknown(pm, m.val)
			}
			if len(d.errs) > before {
				good = false
			}
		}
		if uc != nil {
			d.warn(p, "user-context/comment of option-data is not kept (option.Data has no field for it)")
		}
		if !good {
			continue
		}
		od, err := d.oc.parseData(spec)
		if err != nil {
			d.err(p, e, ErrValue, "%v", err)
			continue
		}
		out = append(out, od)
	}
	return out
}

// optionDefs decodes an option-def list and registers the definitions.
func (d *decoder) optionDefs(path string, val any) []option.Definition {
	l, ok := val.([]any)
	if !ok {
		d.typeErr(path, val, "a list")
		return nil
	}
	out := make([]option.Definition, 0, len(l))
	for i, e := range l {
		p := fmt.Sprintf("%s[%d]", path, i)
		o, ok := e.(*object)
		if !ok {
			d.typeErr(p, e, "a map")
			continue
		}
		def := option.Definition{Space: option.SpaceDHCP4}
		if d.fam == option.V6 {
			def.Space = option.SpaceDHCP6
		}
		var uc map[string]any
		before := len(d.errs)
		seen := map[string]bool{}
		for _, m := range o.members {
			pm := p + "/" + m.key
			if seen[m.key] {
				d.err(pm, m.val, ErrDuplicate, "duplicate key")
				continue
			}
			seen[m.key] = true
			switch m.key {
			case "name":
				d.str(pm, m.val, &def.Name)
			case "code":
				max := uint64(254)
				if d.fam == option.V6 {
					max = 65535
				}
				if n, ok := d.uintValue(pm, m.val, max); ok {
					def.Code = uint16(n)
				}
			case "type":
				var s string
				d.str(pm, m.val, &s)
				if t, err := parseOptionType(s); err != nil {
					d.err(pm, m.val, ErrValue, "%v", err)
				} else {
					def.Type = t
				}
			case "array":
				if b, ok := m.val.(bool); ok {
					def.Array = b
				} else {
					d.typeErr(pm, m.val, "a boolean")
				}
			case "record-types":
				var s string
				d.str(pm, m.val, &s)
				for _, f := range strings.Split(s, ",") {
					f = strings.TrimSpace(f)
					if f == "" {
						continue
					}
					t, err := parseOptionType(f)
					if err != nil {
						d.err(pm, m.val, ErrValue, "%v", err)
						continue
					}
					def.RecordTypes = append(def.RecordTypes, t)
				}
			case "space":
				d.str(pm, m.val, &def.Space)
			case "encapsulate":
				d.str(pm, m.val, &def.Encapsulate)
			case "user-context", "comment":
				d.userContext(pm, m.key, m.val, &uc)
			default:
				d.unknown(pm, m.val)
			}
		}
		for _, k := range []string{"name", "code", "type"} {
			if _, ok := o.get(k); !ok {
				d.err(p, nil, ErrMissing, "missing %q", k)
			}
		}
		if uc != nil {
			d.warn(p, "user-context/comment of option-def is not kept (option.Definition has no field for it)")
		}
		if len(d.errs) > before {
			continue
		}
		if def.Type == option.TypeRecord && len(def.RecordTypes) == 0 {
			d.err(p, e, ErrValue, "record option needs record-types")
			continue
		}
		if def.Code == 0 {
			d.err(p+"/code", json.Number("0"), ErrRange, "option code 0 is reserved")
			continue
		}
		if err := d.oc.addDef(def); err != nil {
			d.err(p, e, ErrDuplicate, "%v", err)
			continue
		}
		out = append(out, def)
	}
	return out
}

func (d *decoder) clientClasses(path string, val any) []*ClientClass {
	l, ok := val.([]any)
	if !ok {
		d.typeErr(path, val, "a list")
		return nil
	}
	var out []*ClientClass
	names := map[string]bool{}
	for i, e := range l {
		p := fmt.Sprintf("%s[%d]", path, i)
		o, ok := e.(*object)
		if !ok {
			d.typeErr(p, e, "a map")
			continue
		}
		c := &ClientClass{}
		hasName := false
		globalOC := d.oc
		if dv, ok := o.get("option-def"); ok && d.fam == option.V4 {
			// A class's option-def applies to its own option-data: resolve
			// it in a set holding the global custom definitions too.
			d.oc = newOptionContext(d.fam)
			for _, gd := range globalOC.defs.Custom() {
				_ = d.oc.addDef(gd)
			}
			c.OptionDefs = d.optionDefs(p+"/option-def", dv)
		}
		d.decodeObject(p, o, &c.Lifetimes, levelOther, func(key, pm string, v any) bool {
			switch key {
			case "name":
				hasName = true
				d.str(pm, v, &c.Name)
			case "test":
				d.str(pm, v, &c.Test)
			case "only-if-required":
				if b, ok := v.(bool); ok {
					c.OnlyIfRequired = b
				} else {
					d.typeErr(pm, v, "a boolean")
				}
			case "option-data":
				c.Options = d.optionData(pm, v)
			case "option-def":
				if d.fam != option.V4 {
					return false
				}
			case "next-server":
				if d.fam != option.V4 {
					return false
				}
				var s string
				d.str(pm, v, &s)
				if s != "" {
					if a, ok := d.addr(pm, s); ok {
						c.NextServer = a
					}
				}
			case "server-hostname":
				if d.fam != option.V4 {
					return false
				}
				d.str(pm, v, &c.ServerHostname)
			case "boot-file-name":
				if d.fam != option.V4 {
					return false
				}
				d.str(pm, v, &c.BootFileName)
			default:
				return false
			}
			return true
		}, &c.UserContext)
		d.oc = globalOC
		lt := &c.Lifetimes
		d.checkTriplet(p, "valid-lifetime", lt.Valid, lt.MinValid, lt.MaxValid)
		d.checkTriplet(p, "preferred-lifetime", lt.Preferred, lt.MinPreferred, lt.MaxPreferred)
		if !hasName {
			d.err(p, nil, ErrMissing, "missing \"name\"")
			continue
		}
		if c.Name == "" {
			d.err(p+"/name", "", ErrValue, "empty client class name")
			continue
		}
		if names[c.Name] {
			d.err(p+"/name", c.Name, ErrDuplicate, "client class already defined")
			continue
		}
		names[c.Name] = true
		out = append(out, c)
	}
	return out
}

// identKeys are the reservation identifier keys per family.
var identKeys = map[option.Universe][]string{
	option.V4: {"hw-address", "duid", "circuit-id", "client-id", "flex-id"},
	option.V6: {"hw-address", "duid", "flex-id"},
}

func (d *decoder) reservations(path string, val any, subnet SubnetID) []*hostmgr.Host {
	l, ok := val.([]any)
	if !ok {
		d.typeErr(path, val, "a list")
		return nil
	}
	out := make([]*hostmgr.Host, 0, len(l))
	for i, e := range l {
		if h := d.host(fmt.Sprintf("%s[%d]", path, i), e, subnet); h != nil {
			out = append(out, h)
		}
	}
	return out
}

func (d *decoder) host(path string, val any, subnet SubnetID) *hostmgr.Host {
	o, ok := val.(*object)
	if !ok {
		d.typeErr(path, val, "a map")
		return nil
	}
	h := &hostmgr.Host{SubnetID4: hostmgr.SubnetIDUnused, SubnetID6: hostmgr.SubnetIDUnused}
	if d.fam == option.V4 {
		h.SubnetID4 = subnet
	} else {
		h.SubnetID6 = subnet
	}
	v4 := d.fam == option.V4
	before := len(d.errs)
	nIdent := 0
	var uc map[string]any
	seen := map[string]bool{}
	for _, m := range o.members {
		p := path + "/" + m.key
		if seen[m.key] {
			d.err(p, m.val, ErrDuplicate, "duplicate key")
			continue
		}
		seen[m.key] = true
		switch k := m.key; {
		case contains(identKeys[d.fam], k):
			nIdent++
			t, _ := hostmgr.ParseIdentifierType(k)
			s, ok := m.val.(string)
			if !ok {
				d.typeErr(p, m.val, "a string")
				continue
			}
			b, err := hostmgr.ParseIdentifier(t, s)
			if err != nil {
				d.err(p, m.val, ErrValue, "%v", err)
				continue
			}
			h.IdentifierType, h.Identifier = t, b
		case k == "ip-address" && v4:
			var s string
			d.str(p, m.val, &s)
			if s != "" {
				if a, ok := d.addr(p, s); ok {
					h.IPv4Address = a
				}
			}
		case k == "ip-addresses" && !v4:
			ss, ok := d.stringList(p, m.val)
			if !ok {
				continue
			}
			h.IPv6Addresses = make([]netip.Addr, 0, len(ss))
			for j, s := range ss {
				if a, ok := d.addr(fmt.Sprintf("%s[%d]", p, j), s); ok {
					h.IPv6Addresses = append(h.IPv6Addresses, a)
				}
			}
		case k == "prefixes" && !v4:
			ss, ok := d.stringList(p, m.val)
			if !ok {
				continue
			}
			h.IPv6Prefixes = make([]netip.Prefix, 0, len(ss))
			for j, s := range ss {
				pf, err := netip.ParsePrefix(s)
				if err != nil || !pf.Addr().Is6() || pf.Masked() != pf {
					d.err(fmt.Sprintf("%s[%d]", p, j), s, ErrValue, "not a valid IPv6 prefix")
					continue
				}
				h.IPv6Prefixes = append(h.IPv6Prefixes, pf)
			}
		case k == "hostname":
			d.str(p, m.val, &h.Hostname)
		case k == "client-classes":
			if ss, ok := d.stringList(p, m.val); ok {
				if v4 {
					h.ClientClasses4 = ss
				} else {
					h.ClientClasses6 = ss
				}
			}
		case k == "option-data":
			if v4 {
				h.Options4 = d.optionData(p, m.val)
			} else {
				h.Options6 = d.optionData(p, m.val)
			}
		case k == "next-server" && v4:
			var s string
			d.str(p, m.val, &s)
			if s != "" {
				if a, ok := d.addr(p, s); ok {
					h.NextServer = a
				}
			}
		case k == "server-hostname" && v4:
			d.str(p, m.val, &h.ServerHostname)
		case k == "boot-file-name" && v4:
			d.str(p, m.val, &h.BootFileName)
		case k == "user-context" || k == "comment":
			d.userContext(p, k, m.val, &uc)
		default:
			d.unknown(p, m.val)
		}
	}
	if nIdent == 0 {
		d.err(path, nil, ErrMissing, "reservation needs one identifier (%s)", strings.Join(identKeys[d.fam], ", "))
	} else if nIdent > 1 {
		d.err(path, nil, ErrValue, "reservation has more than one identifier")
	}
	if uc != nil {
		b, err := json.Marshal(uc)
		if err == nil {
			h.UserContext = b
		}
	}
	if len(d.errs) > before {
		return nil
	}
	return h
}

// lastAddr returns the last address of a masked prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	bits := p.Bits()
	for i := range b {
		for j := 0; j < 8; j++ {
			if i*8+j >= bits {
				b[i] |= 0x80 >> j
			}
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func sortSubnets4(l []*Subnet4) {
	sort.SliceStable(l, func(i, j int) bool { return l[i].ID < l[j].ID })
}

func sortSubnets6(l []*Subnet6) {
	sort.SliceStable(l, func(i, j int) bool { return l[i].ID < l[j].ID })
}
