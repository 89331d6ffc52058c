package cfgmgr

import (
	"github.com/dhcpsrv/dhcpsrv/option"
)

// This file is the one seam between cfgmgr and the option package:
// option-def entries go into an option.DefSet (standard definitions plus
// custom ones), and option-data entries are resolved and encoded by
// (*option.DefSet).ParseData.

// optionSpec is one option-data entry as configured.
type optionSpec = option.Spec

// optionContext resolves option-data against the standard and custom
// definitions of one config (or of one client class with its own
// option-def).
type optionContext struct {
	fam  option.Universe
	defs *option.DefSet
}

func newOptionContext(fam option.Universe) *optionContext {
	return &optionContext{fam: fam, defs: option.NewDefSet(fam)}
}

// addDef registers a custom definition (option-def).
func (oc *optionContext) addDef(d option.Definition) error {
	return oc.defs.Add(d)
}

// parseData turns an option-data entry into an option.Data.
func (oc *optionContext) parseData(s optionSpec) (option.Data, error) {
	return oc.defs.ParseData(s)
}

// DefSet returns the option definitions of the config: the standard ones
// of its family plus OptionDefs. Parse builds it once; for a Config built
// in code it is built on each call.
func (c *Config) DefSet() *option.DefSet {
	if c.defs != nil {
		return c.defs
	}
	ds := option.NewDefSet(c.Family)
	for _, d := range c.OptionDefs {
		_ = ds.Add(d)
	}
	return ds
}

// parseOptionType maps Kea's type name to option.Type.
func parseOptionType(name string) (option.Type, error) {
	return option.ParseType(name)
}

// optionTypeName is the inverse of parseOptionType.
func optionTypeName(t option.Type) string { return t.String() }
