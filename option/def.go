package option

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
)

// Definition describes one option: Kea's OptionDefinition (an entry of the
// standard tables or of "option-def").
type Definition struct {
	Name        string
	Code        uint16
	Space       string
	Type        Type
	Array       bool
	RecordTypes []Type // field types when Type is TypeRecord
	Encapsulate string // option space of sub-options, or ""
}
