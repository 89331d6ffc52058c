package d2client

import (
	"errors"
	"fmt"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
)

// ParamsTable holds the DDNS parameters of one configuration's subnets,
// resolved once when the configuration is installed (Kea's getDdnsParams,
// computed at commit rather than per packet). It keeps the table of the
// configuration before it, so requests still running with that one find
// their subnets. A ParamsTable is immutable and safe for concurrent use;
// a nil *ParamsTable answers DefaultParams(false) (updates disabled).
type ParamsTable struct {
	d2      cfgmgr.DDNSConfig
	global  Params
	byScope map[*cfgmgr.Scope]Params
	byID    map[cfgmgr.SubnetID]Params
	prev    *ParamsTable // its own prev is dropped: one step back
}

// NewParamsTable resolves the DDNS parameters of cfg's global scope and of
// each of its subnets (v4 or v6), keeping prev (the table of the
// configuration in use until now, or nil) for requests in flight. It fails
// on an invalid ddns-replace-client-name, ddns-conflict-resolution-mode or
// hostname-char-set, naming the subnet.
func NewParamsTable(cfg *cfgmgr.Config, prev *ParamsTable) (*ParamsTable, error) {
	if cfg == nil {
		return nil, errors.New("ddns: nil configuration")
	}
	n := len(cfg.Subnets4) + len(cfg.Subnets6)
	t := &ParamsTable{
		d2:      cfg.DHCPDDNS,
		byScope: make(map[*cfgmgr.Scope]Params, n),
		byID:    make(map[cfgmgr.SubnetID]Params, n),
	}
	var err error
	if t.global, err = ParamsFromScope(cfg.GlobalScope(), &t.d2); err != nil {
		return nil, fmt.Errorf("ddns: global parameters: %w", err)
	}
	add := func(id cfgmgr.SubnetID, s *cfgmgr.Scope) error {
		p, err := ParamsFromScope(s, &t.d2)
		if err != nil {
			return fmt.Errorf("ddns: subnet %d: %w", id, err)
		}
		t.byScope[s], t.byID[id] = p, p
		return nil
	}
	for _, sn := range cfg.Subnets4 {
		if err := add(sn.ID, &sn.Scope); err != nil {
			return nil, err
		}
	}
	for _, sn := range cfg.Subnets6 {
		if err := add(sn.ID, &sn.Scope); err != nil {
			return nil, err
		}
	}
	if prev != nil {
		t.prev = &ParamsTable{d2: prev.d2, global: prev.global, byScope: prev.byScope, byID: prev.byID}
	}
	return t, nil
}

// For returns the parameters of the subnet whose Scope is s (the global
// ones for nil): from this configuration, else the previous one, else
// resolved now for a subnet of a configuration the table was not built
// from.
func (t *ParamsTable) For(s *cfgmgr.Scope) Params {
	if t == nil {
		return DefaultParams(false)
	}
	if s == nil {
		return t.global
	}
	if p, ok := t.byScope[s]; ok {
		return p
	}
	if t.prev != nil {
		if p, ok := t.prev.byScope[s]; ok {
			return p
		}
	}
	p, err := ParamsFromScope(s, &t.d2)
	if err != nil {
		return DefaultParams(false)
	}
	return p
}

// ByID returns the parameters of the subnet with this id in the current
// configuration, or the global ones (for reclamation, which knows a lease's
// subnet id only).
func (t *ParamsTable) ByID(id uint32) Params {
	if t == nil {
		return DefaultParams(false)
	}
	if p, ok := t.byID[cfgmgr.SubnetID(id)]; ok {
		return p
	}
	return t.global
}
