package option

import (
	"fmt"
	"slices"
)

// DefSet is the set of option definitions of one server: the standard
// definitions of its universe plus the custom ones of option-def (Kea's
// LibDHCP standard definitions plus CfgOptionDef).
//
// Build a DefSet with NewDefSet and Add, then share it: once no more Add
// calls are made it is safe for concurrent use by any number of goroutines.
// Add must not run concurrently with any other method.
type DefSet struct {
	u      Universe
	std    *stdIndex
	custom []*Definition
	byName map[spaceKey]*Definition
	byCode map[spaceCode]*Definition
}

// NewDefSet returns a DefSet of universe u (V4 or V6) holding the standard
// definitions of u. Any other universe is treated as V4.
func NewDefSet(u Universe) *DefSet {
	if u != V6 {
		u = V4
	}
	return &DefSet{
		u:      u,
		std:    stdFor(u),
		byName: make(map[spaceKey]*Definition),
		byCode: make(map[spaceCode]*Definition),
	}
}

// Universe returns the universe of the set.
func (s *DefSet) Universe() Universe { return s.u }

// DefaultSpace returns the top-level space of the set: "dhcp4" or "dhcp6".
func (s *DefSet) DefaultSpace() string {
	if s.u == V6 {
		return SpaceDHCP6
	}
	return SpaceDHCP4
}

// Add adds a custom definition (one option-def entry). An empty Space means
// the top-level space of the universe, a zero Universe the set's. The
// definition must pass Validate, and neither its name nor its code may
// already be defined in its space: standard definitions can't be replaced
// (ErrDuplicate), except Kea's last-resort definition of v4 option 43
// (vendor-encapsulated-options) and the RAI sub-options, which a custom
// definition with the same code replaces. Add copies d.
func (s *DefSet) Add(d Definition) error {
	if d.Space == "" {
		d.Space = s.DefaultSpace()
	}
	if d.Universe == 0 {
		d.Universe = s.u
	}
	if d.Universe != s.u {
		return fmt.Errorf("option: option-def %s.%s: universe %d in a v%d set: %w", d.Space, d.Name, d.Universe, s.u, ErrInvalidDefinition)
	}
	d.RecordTypes = slices.Clone(d.RecordTypes)
	if err := d.Validate(); err != nil {
		return err
	}
	if i, ok := s.std.byCode[spaceCode{d.Space, d.Code}]; ok && !s.std.over[i] {
		return fmt.Errorf("option: option-def %s.%s: code %d is the standard option %s in space %s and can't be redefined: %w",
			d.Space, d.Name, d.Code, s.std.defs[i].Name, d.Space, ErrDuplicate)
	}
	if i, ok := s.std.byName[spaceKey{d.Space, d.Name}]; ok {
		// A replaceable standard definition may only be replaced by code.
		if !s.std.over[i] || s.std.defs[i].Code != d.Code {
			return fmt.Errorf("option: option-def %s.%s: name %q is the standard option %d in space %s and can't be redefined: %w",
				d.Space, d.Name, d.Name, s.std.defs[i].Code, d.Space, ErrDuplicate)
		}
	}
	if o, ok := s.byName[spaceKey{d.Space, d.Name}]; ok {
		return fmt.Errorf("option: option-def %s.%s: name already defined in space %s (code %d): %w", d.Space, d.Name, d.Space, o.Code, ErrDuplicate)
	}
	if o, ok := s.byCode[spaceCode{d.Space, d.Code}]; ok {
		return fmt.Errorf("option: option-def %s.%s: code %d already defined in space %s (%s): %w", d.Space, d.Name, d.Code, d.Space, o.Name, ErrDuplicate)
	}
	p := &d
	s.custom = append(s.custom, p)
	s.byName[spaceKey{d.Space, d.Name}] = p
	s.byCode[spaceCode{d.Space, d.Code}] = p
	return nil
}

// Lookup returns the definition of the option called name in space (""
// means the top-level space). Custom definitions that replace a standard
// one win. The returned definition must not be modified.
func (s *DefSet) Lookup(space, name string) (*Definition, bool) {
	if space == "" {
		space = s.DefaultSpace()
	}
	if d, ok := s.byName[spaceKey{space, name}]; ok {
		return d, true
	}
	if i, ok := s.std.byName[spaceKey{space, name}]; ok {
		d := &s.std.defs[i]
		// A replaced standard definition is hidden under its old name.
		if _, replaced := s.byCode[spaceCode{space, d.Code}]; !replaced {
			return d, true
		}
	}
	return nil, false
}

// LookupCode returns the definition of option code in space ("" means the
// top-level space). The returned definition must not be modified.
func (s *DefSet) LookupCode(space string, code uint16) (*Definition, bool) {
	if space == "" {
		space = s.DefaultSpace()
	}
	if d, ok := s.byCode[spaceCode{space, code}]; ok {
		return d, true
	}
	if i, ok := s.std.byCode[spaceCode{space, code}]; ok {
		return &s.std.defs[i], true
	}
	return nil, false
}

// Custom returns copies of the custom definitions, in the order they were
// added (for marshalling option-def back to JSON).
func (s *DefSet) Custom() []Definition {
	out := make([]Definition, len(s.custom))
	for i, d := range s.custom {
		out[i] = *d
		out[i].RecordTypes = slices.Clone(d.RecordTypes)
	}
	return out
}

// Spec is one option-data entry as configured (Kea JSON), before it is
// resolved against the definitions.
type Spec struct {
	Name  string  // "name"; optional when Code is set
	Code  *uint16 // "code"; optional when Name is set
	Space string  // "space"; "" means dhcp4 or dhcp6
	Data  string  // "data"; may be empty
	// CSVFormat is "csv-format"; nil means true (Kea's default).
	CSVFormat     *bool
	AlwaysSend    bool     // "always-send"
	NeverSend     bool     // "never-send"
	ClientClasses []string // "client-classes"
}

// ParseData resolves spec against the set and encodes its data, as Kea's
// option-data parser does:
//
//   - the definition is found by code when Code is set (then Name, if set,
//     must be the definition's name), else by name, in Space (default
//     dhcp4/dhcp6);
//   - with csv-format true (the default) the data is encoded with
//     Definition.Encode; with csv-format false it is hex (see ParseHex) and
//     checked against the definition, if any;
//   - an option without a definition can only be given by code with
//     csv-format false or unset (its data is then hex).
//
// Errors wrap ErrInvalidSpec, ErrUnknownOption, ErrInvalidValue or
// ErrValueCount and read like "option: routers: "192.0.2.x" is not an
// ipv4-address".
func (s *DefSet) ParseData(spec Spec) (Data, error) {
	space := spec.Space
	if space == "" {
		space = s.DefaultSpace()
	}
	label := spec.Name
	if label == "" && spec.Code != nil {
		label = fmt.Sprintf("%s option %d", space, *spec.Code)
	}
	fail := func(err error) (Data, error) {
		return Data{}, prefixErr("option: "+label+": ", err)
	}
	if !validName(space) {
		return fail(errf(ErrInvalidSpec, "invalid option space name %q", space))
	}
	if spec.Name == "" && spec.Code == nil {
		label = "option-data"
		return fail(errf(ErrInvalidSpec, "neither name nor code given"))
	}

	var d *Definition
	if spec.Code != nil {
		if err := checkCode(s.u, space, uint32(*spec.Code)); err != nil {
			return fail(errf(ErrInvalidSpec, "%v", err))
		}
		d, _ = s.LookupCode(space, *spec.Code)
		if d != nil && spec.Name != "" && d.Name != spec.Name {
			return fail(errf(ErrInvalidSpec, "code %d in space %s is option %s, not %s", *spec.Code, space, d.Name, spec.Name))
		}
		if d == nil && spec.Name != "" {
			return fail(errf(ErrUnknownOption, "no definition of option %s with code %d in space %s", spec.Name, *spec.Code, space))
		}
	} else {
		d, _ = s.Lookup(space, spec.Name)
		if d == nil {
			return fail(errf(ErrUnknownOption, "no option %q in space %s (give its option-def, or its code with hex data)", spec.Name, space))
		}
	}
	csv := spec.CSVFormat == nil || *spec.CSVFormat
	if d == nil && spec.CSVFormat != nil && *spec.CSVFormat {
		return fail(errf(ErrUnknownOption, "no definition of code %d in space %s: csv-format true needs one (use hex data with csv-format false)", *spec.Code, space))
	}

	out := Data{
		Def:           d,
		Space:         space,
		Text:          spec.Data,
		CSVFormat:     csv && d != nil,
		AlwaysSend:    spec.AlwaysSend,
		NeverSend:     spec.NeverSend,
		ClientClasses: slices.Clone(spec.ClientClasses),
	}
	if d != nil {
		out.Code, out.Name = d.Code, d.Name
	} else {
		out.Code = *spec.Code
	}

	var err error
	switch {
	case d != nil && csv:
		var ignored int
		out.Wire, ignored, err = d.encode(splitValues(spec.Data))
		if ignored > 0 {
			out.Warnings = append(out.Warnings, fmt.Sprintf("%s: %d values after the %d fields of the record are ignored (as Kea does)", d.Name, ignored, len(d.RecordTypes)))
		}
	default:
		out.Wire, err = ParseHex(spec.Data)
		if err == nil && d != nil {
			err = d.checkWire(out.Wire)
		}
	}
	if err != nil {
		if d != nil {
			label = d.Name
		}
		return fail(err)
	}
	return out, nil
}
