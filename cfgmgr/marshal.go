package cfgmgr

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"

	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// MarshalJSON writes the config as a Kea configuration file:
// {"Dhcp4": {...}} or {"Dhcp6": {...}} (see ToElement).
func (c *Config) MarshalJSON() ([]byte, error) {
	root := "Dhcp4"
	if c.Family == option.V6 {
		root = "Dhcp6"
	}
	return json.Marshal(map[string]any{root: c.ToElement()})
}

// ToElement returns the Dhcp4/Dhcp6 map of the config, as Kea's toElement:
// parameters set at a level are written at that level, sections are
// written with their effective values, and sections the SDK does not
// honour are written back as they were read. Parsing the result gives a
// Config equal to c. Numbers are json.Number values.
func (c *Config) ToElement() map[string]any {
	fam := c.Family
	out := map[string]any{}
	encodeObject(reflect.ValueOf(&c.Globals).Elem(), fam, encodeAll, out)
	putUC(out, c.UserContext)

	ifc := map[string]any{}
	encodeObject(reflect.ValueOf(&c.Interfaces).Elem(), fam, encodeAll, ifc)
	if ifc["interfaces"] == nil {
		ifc["interfaces"] = []any{}
	}
	putUC(ifc, c.Interfaces.UserContext)
	out["interfaces-config"] = ifc

	if c.LeaseDatabase != nil {
		out["lease-database"] = dbElement(c.LeaseDatabase, fam)
	}
	if c.HostsDatabases != nil {
		if c.HostsDatabasesSingle && len(c.HostsDatabases) == 1 {
			out["hosts-database"] = dbElement(c.HostsDatabases[0], fam)
		} else {
			l := make([]any, len(c.HostsDatabases))
			for i, db := range c.HostsDatabases {
				l[i] = dbElement(db, fam)
			}
			out["hosts-databases"] = l
		}
	}
	out["expired-leases-processing"] = sectionElement(&c.ExpiredLeases, fam, encodeAll, c.ExpiredLeases.UserContext)
	out["dhcp-ddns"] = sectionElement(&c.DHCPDDNS, fam, encodeAll, c.DHCPDDNS.UserContext)
	out["multi-threading"] = sectionElement(&c.MultiThreading, fam, encodeAll, nil)
	qc := sectionElement(&c.QueueControl, fam, encodeAll, nil)
	for k, v := range c.QueueControl.Extra {
		qc[k] = v
	}
	out["dhcp-queue-control"] = qc
	if m := sectionElement(&c.SanityChecks, fam, encodeNonDefault, nil); len(m) > 0 {
		out["sanity-checks"] = m
	}
	if m := sectionElement(&c.Compatibility, fam, encodeNonDefault, nil); len(m) > 0 {
		out["compatibility"] = m
	}
	if fam == option.V6 {
		out["server-id"] = sectionElement(&c.ServerID, fam, encodeAll, c.ServerID.UserContext)
	}
	if c.ControlSocket != nil {
		out["control-socket"] = sectionElement(c.ControlSocket, fam, encodeNonDefault, c.ControlSocket.UserContext)
	}
	if c.OptionDefs != nil {
		out["option-def"] = optionDefsElement(c.OptionDefs)
	}
	if c.Options != nil {
		out["option-data"] = optionsElement(c.Options)
	}
	if c.ClientClasses != nil {
		l := make([]any, len(c.ClientClasses))
		for i, cc := range c.ClientClasses {
			l[i] = classElement(cc, fam)
		}
		out["client-classes"] = l
	}
	if c.Reservations != nil {
		out["reservations"] = hostsElement(c.Reservations, fam)
	}
	if fam == option.V6 {
		var nets []any
		for _, n := range c.SharedNetworks6 {
			m := map[string]any{"name": n.Name}
			paramsElement(&n.Params, fam, m)
			if n.Options != nil {
				m["option-data"] = optionsElement(n.Options)
			}
			subs := []any{}
			for _, s := range n.Subnets {
				subs = append(subs, subnet6Element(s))
			}
			m["subnet6"] = subs
			putUC(m, n.UserContext)
			nets = append(nets, m)
		}
		if nets != nil {
			out["shared-networks"] = nets
		}
		subs := []any{}
		for _, s := range c.Subnets6 {
			if s.Network == nil {
				subs = append(subs, subnet6Element(s))
			}
		}
		out["subnet6"] = subs
	} else {
		var nets []any
		for _, n := range c.SharedNetworks4 {
			m := map[string]any{"name": n.Name}
			paramsElement(&n.Params, fam, m)
			if n.Options != nil {
				m["option-data"] = optionsElement(n.Options)
			}
			subs := []any{}
			for _, s := range n.Subnets {
				subs = append(subs, subnet4Element(s))
			}
			m["subnet4"] = subs
			putUC(m, n.UserContext)
			nets = append(nets, m)
		}
		if nets != nil {
			out["shared-networks"] = nets
		}
		subs := []any{}
		for _, s := range c.Subnets4 {
			if s.Network == nil {
				subs = append(subs, subnet4Element(s))
			}
		}
		out["subnet4"] = subs
	}
	for k, v := range c.Unsupported {
		out[k] = v
	}
	return out
}

func putUC(m map[string]any, uc map[string]any) {
	if uc != nil {
		m["user-context"] = uc
	}
}

func sectionElement(ptr any, fam option.Universe, mode encodeMode, uc map[string]any) map[string]any {
	m := map[string]any{}
	encodeObject(reflect.ValueOf(ptr).Elem(), fam, mode, m)
	putUC(m, uc)
	return m
}

func dbElement(db *Database, fam option.Universe) map[string]any {
	m := make(map[string]any, len(db.Raw)+4)
	for k, v := range db.Raw {
		m[k] = v
	}
	encodeObject(reflect.ValueOf(db).Elem(), fam, encodeNonDefault, m)
	return m
}

func paramsElement(p *Params, fam option.Universe, m map[string]any) {
	encodeObject(reflect.ValueOf(p).Elem(), fam, encodeAll, m)
	if p.RelayAddresses != nil {
		l := make([]any, len(p.RelayAddresses))
		for i, a := range p.RelayAddresses {
			l[i] = a.String()
		}
		m["relay"] = map[string]any{"ip-addresses": l}
	}
}

func subnet4Element(s *Subnet4) map[string]any {
	m := map[string]any{
		"id":     json.Number(strconv.FormatUint(uint64(s.ID), 10)),
		"subnet": s.Prefix.String(),
	}
	paramsElement(&s.Params, option.V4, m)
	if s.Pools != nil {
		l := make([]any, len(s.Pools))
		for i, p := range s.Pools {
			l[i] = poolElement(p.First.String()+"-"+p.Last.String(), &p.PoolCommon)
		}
		m["pools"] = l
	}
	if s.Options != nil {
		m["option-data"] = optionsElement(s.Options)
	}
	if s.Reservations != nil {
		m["reservations"] = hostsElement(s.Reservations, option.V4)
	}
	if s.Subnet4o6.IsValid() {
		m["4o6-subnet"] = s.Subnet4o6.String()
	}
	if s.Interface4o6 != "" {
		m["4o6-interface"] = s.Interface4o6
	}
	if s.InterfaceID4o6 != "" {
		m["4o6-interface-id"] = s.InterfaceID4o6
	}
	putUC(m, s.UserContext)
	return m
}

func subnet6Element(s *Subnet6) map[string]any {
	m := map[string]any{
		"id":     json.Number(strconv.FormatUint(uint64(s.ID), 10)),
		"subnet": s.Prefix.String(),
	}
	paramsElement(&s.Params, option.V6, m)
	if s.Pools != nil {
		l := make([]any, len(s.Pools))
		for i, p := range s.Pools {
			l[i] = poolElement(p.First.String()+"-"+p.Last.String(), &p.PoolCommon)
		}
		m["pools"] = l
	}
	if s.PDPools != nil {
		l := make([]any, len(s.PDPools))
		for i, p := range s.PDPools {
			pm := poolElement("", &p.PoolCommon)
			pm["prefix"] = p.Prefix.Addr().String()
			pm["prefix-len"] = json.Number(strconv.Itoa(p.Prefix.Bits()))
			pm["delegated-len"] = json.Number(strconv.Itoa(p.DelegatedLen))
			if p.Excluded.IsValid() {
				pm["excluded-prefix"] = p.Excluded.Addr().String()
				pm["excluded-prefix-len"] = json.Number(strconv.Itoa(p.Excluded.Bits()))
			}
			l[i] = pm
		}
		m["pd-pools"] = l
	}
	if s.Options != nil {
		m["option-data"] = optionsElement(s.Options)
	}
	if s.Reservations != nil {
		m["reservations"] = hostsElement(s.Reservations, option.V6)
	}
	putUC(m, s.UserContext)
	return m
}

func poolElement(rng string, pc *PoolCommon) map[string]any {
	m := map[string]any{}
	if rng != "" {
		m["pool"] = rng
	}
	if pc.ID != 0 {
		m["pool-id"] = json.Number(strconv.FormatUint(uint64(pc.ID), 10))
	}
	if pc.ClientClass != "" {
		m["client-class"] = pc.ClientClass
	}
	if pc.RequireClientClasses != nil {
		m["require-client-classes"] = strList(pc.RequireClientClasses)
	}
	if pc.Options != nil {
		m["option-data"] = optionsElement(pc.Options)
	}
	putUC(m, pc.UserContext)
	return m
}

func strList(ss []string) []any {
	l := make([]any, len(ss))
	for i, s := range ss {
		l[i] = s
	}
	return l
}

func optionsElement(opts []option.Data) []any {
	l := make([]any, len(opts))
	for i := range opts {
		o := &opts[i]
		m := map[string]any{"space": o.Space, "csv-format": o.CSVFormat}
		if o.Name != "" {
			m["name"] = o.Name
		}
		if o.Code != 0 {
			m["code"] = json.Number(strconv.Itoa(int(o.Code)))
		}
		if o.Text != "" {
			m["data"] = o.Text
		}
		if o.AlwaysSend {
			m["always-send"] = true
		}
		if o.NeverSend {
			m["never-send"] = true
		}
		if o.ClientClasses != nil {
			m["client-classes"] = strList(o.ClientClasses)
		}
		l[i] = m
	}
	return l
}

func optionDefsElement(defs []option.Definition) []any {
	l := make([]any, len(defs))
	for i := range defs {
		d := &defs[i]
		m := map[string]any{
			"name":        d.Name,
			"code":        json.Number(strconv.Itoa(int(d.Code))),
			"type":        optionTypeName(d.Type),
			"array":       d.Array,
			"space":       d.Space,
			"encapsulate": d.Encapsulate,
		}
		rt := make([]string, len(d.RecordTypes))
		for j, t := range d.RecordTypes {
			rt[j] = optionTypeName(t)
		}
		m["record-types"] = strings.Join(rt, ", ")
		l[i] = m
	}
	return l
}

func classElement(c *ClientClass, fam option.Universe) map[string]any {
	m := map[string]any{"name": c.Name}
	if c.Test != "" {
		m["test"] = c.Test
	}
	if c.OnlyIfRequired {
		m["only-if-required"] = true
	}
	if c.OptionDefs != nil && fam == option.V4 {
		m["option-def"] = optionDefsElement(c.OptionDefs)
	}
	if c.Options != nil {
		m["option-data"] = optionsElement(c.Options)
	}
	if c.NextServer.IsValid() {
		m["next-server"] = c.NextServer.String()
	}
	if c.ServerHostname != "" {
		m["server-hostname"] = c.ServerHostname
	}
	if c.BootFileName != "" {
		m["boot-file-name"] = c.BootFileName
	}
	encodeObject(reflect.ValueOf(&c.Lifetimes).Elem(), fam, encodeAll, m)
	putUC(m, c.UserContext)
	return m
}

func hostsElement(hs []*hostmgr.Host, fam option.Universe) []any {
	l := make([]any, len(hs))
	for i, h := range hs {
		l[i] = hostElement(h, fam)
	}
	return l
}

func hostElement(h *hostmgr.Host, fam option.Universe) map[string]any {
	m := map[string]any{h.IdentifierType.String(): hostmgr.FormatHex(h.Identifier)}
	if h.IPv4Address.IsValid() {
		m["ip-address"] = h.IPv4Address.String()
	}
	if h.IPv6Addresses != nil {
		l := make([]any, len(h.IPv6Addresses))
		for i, a := range h.IPv6Addresses {
			l[i] = a.String()
		}
		m["ip-addresses"] = l
	}
	if h.IPv6Prefixes != nil {
		l := make([]any, len(h.IPv6Prefixes))
		for i, p := range h.IPv6Prefixes {
			l[i] = p.String()
		}
		m["prefixes"] = l
	}
	if h.Hostname != "" {
		m["hostname"] = h.Hostname
	}
	classes, opts := h.ClientClasses4, h.Options4
	if fam == option.V6 {
		classes, opts = h.ClientClasses6, h.Options6
	}
	if classes != nil {
		m["client-classes"] = strList(classes)
	}
	if opts != nil {
		m["option-data"] = optionsElement(opts)
	}
	if h.NextServer.IsValid() {
		m["next-server"] = h.NextServer.String()
	}
	if h.ServerHostname != "" {
		m["server-hostname"] = h.ServerHostname
	}
	if h.BootFileName != "" {
		m["boot-file-name"] = h.BootFileName
	}
	if h.UserContext != nil {
		dec := json.NewDecoder(bytes.NewReader(h.UserContext))
		dec.UseNumber()
		var uc any
		if dec.Decode(&uc) == nil {
			m["user-context"] = uc
		}
	}
	return m
}
