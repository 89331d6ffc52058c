package option

import (
	"fmt"
	"strings"
)

// Type is the data type of an option or of one field of a record option,
// with Kea's names ("uint32", "ipv4-address", "fqdn", ...).
type Type uint8

// Option data types, as Kea names them.
const (
	TypeEmpty       Type = iota // "empty"
	TypeBinary                  // "binary"
	TypeBoolean                 // "boolean"
	TypeInt8                    // "int8"
	TypeInt16                   // "int16"
	TypeInt32                   // "int32"
	TypeUint8                   // "uint8"
	TypeUint16                  // "uint16"
	TypeUint32                  // "uint32"
	TypeIPv4Address             // "ipv4-address"
	TypeIPv6Address             // "ipv6-address"
	TypeIPv6Prefix              // "ipv6-prefix"
	TypePSID                    // "psid"
	TypeString                  // "string"
	TypeFQDN                    // "fqdn"
	TypeTuple                   // "tuple"
	TypeRecord                  // "record"
	TypeInternal                // "internal": options the server builds itself

	numTypes // keep last
)

var typeNames = [numTypes]string{
	TypeEmpty:       "empty",
	TypeBinary:      "binary",
	TypeBoolean:     "boolean",
	TypeInt8:        "int8",
	TypeInt16:       "int16",
	TypeInt32:       "int32",
	TypeUint8:       "uint8",
	TypeUint16:      "uint16",
	TypeUint32:      "uint32",
	TypeIPv4Address: "ipv4-address",
	TypeIPv6Address: "ipv6-address",
	TypeIPv6Prefix:  "ipv6-prefix",
	TypePSID:        "psid",
	TypeString:      "string",
	TypeFQDN:        "fqdn",
	TypeTuple:       "tuple",
	TypeRecord:      "record",
	TypeInternal:    "internal",
}

// ParseType returns the Type that Kea calls name ("uint8", "ipv4-address",
// ...). Names are case-sensitive, as in Kea. An unknown name gives an error
// wrapping ErrUnknownType.
func ParseType(name string) (Type, error) {
	for t, n := range typeNames {
		if n == name {
			return Type(t), nil
		}
	}
	return 0, fmt.Errorf("option: %q: %w", name, ErrUnknownType)
}

// String returns Kea's name of the type, or "Type(N)" for a value that is
// not one of the constants.
func (t Type) String() string {
	if t < numTypes {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// MarshalText implements encoding.TextMarshaler with Kea's type name.
func (t Type) MarshalText() ([]byte, error) {
	if t >= numTypes {
		return nil, fmt.Errorf("option: %s: %w", t, ErrUnknownType)
	}
	return []byte(typeNames[t]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with Kea's type name.
func (t *Type) UnmarshalText(b []byte) error {
	v, err := ParseType(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// ParseRecordTypes parses the record-types of an option-def, a
// comma-separated list of type names ("ipv4-address, uint16, string").
// Blanks around names are ignored; an empty string gives nil. Only types that
// Kea allows in a record are accepted (not empty, record nor internal).
func ParseRecordTypes(s string) ([]Type, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]Type, 0, len(parts))
	for _, p := range parts {
		t, err := ParseType(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("option: record-types %q: %w", s, err)
		}
		if t == TypeEmpty || t == TypeRecord || t == TypeInternal {
			return nil, fmt.Errorf("option: record-types %q: %s can't be a record field: %w", s, t, ErrInvalidDefinition)
		}
		out = append(out, t)
	}
	return out, nil
}

// FormatRecordTypes is the inverse of ParseRecordTypes: Kea's record-types
// string ("ipv4-address, uint16").
func FormatRecordTypes(ts []Type) string {
	var b strings.Builder
	for i, t := range ts {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(t.String())
	}
	return b.String()
}

// Definition describes one option: Kea's OptionDefinition (an entry of the
// standard tables or of "option-def").
//
// A Definition is a plain value; once added to a DefSet it must not be
// modified. Its methods are safe for concurrent use.
type Definition struct {
	Name        string
	Code        uint16
	Space       string
	Type        Type
	Array       bool
	RecordTypes []Type // field types when Type is TypeRecord
	Encapsulate string // option space of sub-options, or ""

	// Universe is the protocol the definition belongs to. It only changes
	// the encoding of tuples (1-byte length in v4, 2 bytes in v6) and the
	// code range. DefSet.Add and the standard tables set it; when it is
	// zero, V6 is assumed for the space "dhcp6" and the standard v6 spaces
	// and V4 otherwise.
	Universe Universe
}

// universe returns the effective universe (see the Universe field).
func (d *Definition) universe() Universe {
	if d.Universe == V4 || d.Universe == V6 {
		return d.Universe
	}
	if d.Space == SpaceDHCP6 || stdSpaceUniverse(d.Space) == V6 {
		return V6
	}
	return V4
}

// IsVendor reports whether the option is the vendor container of its
// universe: vivso-suboptions (v4 125) or vendor-opts (v6 17). Its data is
// the 32-bit enterprise number; its sub-options live in the space
// VendorSpace(enterprise), and the server adds them when it packs the
// option (in v4 after the data-len byte of RFC 3925).
func (d *Definition) IsVendor() bool {
	switch d.universe() {
	case V4:
		return d.Space == SpaceDHCP4 && d.Code == 125 && d.Type == TypeUint32
	default:
		return d.Space == SpaceDHCP6 && d.Code == 17 && d.Type == TypeUint32
	}
}

// fields returns the field types the data is made of: the record fields, or
// the single type.
func (d *Definition) fields() []Type {
	if d.Type == TypeRecord {
		return d.RecordTypes
	}
	return []Type{d.Type}
}

// String returns "space.name (code)", as used in error messages.
func (d *Definition) String() string {
	return fmt.Sprintf("%s.%s (%d)", d.Space, d.Name, d.Code)
}

// Validate checks the definition as Kea checks an option-def entry: the name
// and space syntax, the code range of the universe and space, the type, the
// record fields (at least two, strings and binaries only last, no empty),
// arrays (not of string, binary or empty, nor of a record ending in one) and
// the encapsulated space (valid name, not its own space, not with an array).
// Errors wrap ErrInvalidDefinition. (A few standard dhcp6 containers, such
// as ia-na, encapsulate their own space; only option-def forbids that.)
func (d *Definition) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("option: option-def %s.%s: %s: %w", d.Space, d.Name, fmt.Sprintf(format, args...), ErrInvalidDefinition)
	}
	if !validName(d.Name) {
		return bad("invalid option name %q", d.Name)
	}
	if !validName(d.Space) {
		return bad("invalid option space name %q", d.Space)
	}
	if err := checkCode(d.universe(), d.Space, uint32(d.Code)); err != nil {
		return bad("%v", err)
	}
	if d.Type >= numTypes {
		return bad("unknown type %s", d.Type)
	}
	if d.Type == TypeInternal {
		return bad("type internal is reserved to options the server builds")
	}
	if d.Type != TypeRecord && len(d.RecordTypes) > 0 {
		return bad("record-types given for type %s: use type record", d.Type)
	}
	if d.Type == TypeRecord {
		if len(d.RecordTypes) < 2 {
			return bad("a record needs at least 2 record-types, got %d", len(d.RecordTypes))
		}
		for i, t := range d.RecordTypes {
			switch {
			case t >= numTypes, t == TypeEmpty, t == TypeRecord, t == TypeInternal:
				return bad("record field %d: type %s not allowed in a record", i+1, t)
			case (t == TypeString || t == TypeBinary) && i < len(d.RecordTypes)-1:
				return bad("record field %d: a %s field must be the last one", i+1, t)
			}
		}
	}
	if d.Array {
		last := d.Type
		if d.Type == TypeRecord {
			last = d.RecordTypes[len(d.RecordTypes)-1]
		}
		switch last {
		case TypeString:
			return bad("array of strings is not allowed")
		case TypeBinary:
			return bad("array of binary values is not allowed")
		case TypeEmpty:
			return bad("array of empty values is not allowed")
		}
	}
	if d.Encapsulate != "" {
		if !validName(d.Encapsulate) {
			return bad("invalid encapsulated option space name %q", d.Encapsulate)
		}
		if d.Array {
			return bad("an array may not encapsulate an option space")
		}
		if d.Encapsulate == d.Space {
			return bad("must not encapsulate its own space %q", d.Space)
		}
	}
	return nil
}

// validName reports whether s is a valid Kea option or space name: letters,
// digits, '-' and '_', not starting or ending with '-' or '_'.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-' || c == '_':
			if i == 0 || i == len(s)-1 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// checkCode applies Kea's code range rules: v4 codes are 0..255 with 0
// (PAD) and 255 (END) reserved in dhcp4; v6 codes are 0..65535 with 0
// reserved in dhcp6.
func checkCode(u Universe, space string, code uint32) error {
	switch u {
	case V4:
		if code > 255 {
			return fmt.Errorf("invalid option code %d: must not be greater than 255", code)
		}
		if space == SpaceDHCP4 && code == 0 {
			return fmt.Errorf("invalid option code 0: reserved for PAD")
		}
		if space == SpaceDHCP4 && code == 255 {
			return fmt.Errorf("invalid option code 255: reserved for END")
		}
	default:
		if code > 65535 {
			return fmt.Errorf("invalid option code %d: must not be greater than 65535", code)
		}
		if space == SpaceDHCP6 && code == 0 {
			return fmt.Errorf("invalid option code 0: reserved value")
		}
	}
	return nil
}
