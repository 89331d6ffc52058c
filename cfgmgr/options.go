package cfgmgr

import (
	"fmt"
	"strings"

	"github.com/dhcpsrv/dhcpsrv/option"
)

// This file is the one seam between cfgmgr and the option package's parser.
// Until option.DefSet/ParseData exist, option-data entries are kept as
// configured (name, code, space, data text, flags) without wire bytes, and
// option-def entries are checked with a local type table.
//
// TODO(option): when option.NewDefSet, (*DefSet).Add and (*DefSet).ParseData
// land, build a DefSet in newOptionContext, Add every option-def in
// addDef, and call ParseData in parseData.

// optionSpec is one option-data entry as configured (mirrors option.Spec).
type optionSpec struct {
	Name          string
	Code          *uint16
	Space         string
	Data          string
	CSVFormat     *bool
	AlwaysSend    bool
	NeverSend     bool
	ClientClasses []string
}

// optionContext resolves option-data against the standard and custom
// definitions of one config.
type optionContext struct {
	fam  option.Universe
	defs []option.Definition
}

func newOptionContext(fam option.Universe) *optionContext {
	return &optionContext{fam: fam}
}

// addDef registers a custom definition (option-def).
func (oc *optionContext) addDef(d option.Definition) error {
	for _, e := range oc.defs {
		if e.Space == d.Space && (e.Code == d.Code || e.Name == d.Name) {
			return fmt.Errorf("option definition %q (code %d) already exists in space %q", e.Name, e.Code, e.Space)
		}
	}
	oc.defs = append(oc.defs, d)
	return nil
}

// parseData turns an option-data entry into an option.Data.
func (oc *optionContext) parseData(s optionSpec) (option.Data, error) {
	d := option.Data{
		Space:         s.Space,
		Name:          s.Name,
		Text:          s.Data,
		CSVFormat:     true,
		AlwaysSend:    s.AlwaysSend,
		NeverSend:     s.NeverSend,
		ClientClasses: s.ClientClasses,
	}
	if s.CSVFormat != nil {
		d.CSVFormat = *s.CSVFormat
	}
	if s.Code != nil {
		d.Code = *s.Code
	}
	if s.Name == "" && s.Code == nil {
		return d, fmt.Errorf("option-data needs a name or a code")
	}
	if !d.CSVFormat {
		t := strings.NewReplacer(":", "", " ", "", "0x", "", "0X", "").Replace(s.Data)
		for _, c := range t {
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return d, fmt.Errorf("option data is not a valid hex string")
			}
		}
	}
	// Custom definitions resolve name <-> code now; standard ones once the
	// option package provides its tables.
	for i := range oc.defs {
		def := &oc.defs[i]
		if def.Space != d.Space {
			continue
		}
		if (d.Name != "" && def.Name == d.Name) || (d.Name == "" && s.Code != nil && def.Code == d.Code) {
			if s.Code != nil && def.Code != d.Code {
				return d, fmt.Errorf("option %q has code %d, not %d", def.Name, def.Code, d.Code)
			}
			return d, nil
		}
	}
	return d, nil
}

var optionTypeNames = map[string]option.Type{
	"empty": option.TypeEmpty, "binary": option.TypeBinary, "boolean": option.TypeBoolean,
	"int8": option.TypeInt8, "int16": option.TypeInt16, "int32": option.TypeInt32,
	"uint8": option.TypeUint8, "uint16": option.TypeUint16, "uint32": option.TypeUint32,
	"ipv4-address": option.TypeIPv4Address, "ipv6-address": option.TypeIPv6Address,
	"ipv6-prefix": option.TypeIPv6Prefix, "psid": option.TypePSID, "string": option.TypeString,
	"fqdn": option.TypeFQDN, "tuple": option.TypeTuple, "record": option.TypeRecord,
	"internal": option.TypeInternal,
}

// parseOptionType maps Kea's type name to option.Type.
func parseOptionType(name string) (option.Type, error) {
	if t, ok := optionTypeNames[name]; ok {
		return t, nil
	}
	return 0, fmt.Errorf("unknown option type %q", name)
}

// optionTypeName is the inverse of parseOptionType.
func optionTypeName(t option.Type) string {
	for n, v := range optionTypeNames {
		if v == t {
			return n
		}
	}
	return fmt.Sprintf("type(%d)", t)
}
