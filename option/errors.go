package option

import "errors"

// Sentinel errors. Every error returned by this package wraps one of them
// (test with errors.Is) and carries a message that names the option, the
// space and the offending value.
var (
	// ErrUnknownOption: no definition with that name or code in the space.
	ErrUnknownOption = errors.New("unknown option")

	// ErrUnknownType: a type name that is not one of Kea's option data types.
	ErrUnknownType = errors.New("unknown option data type")

	// ErrInvalidDefinition: an option-def that Kea would reject (bad name,
	// code out of range, record without record-types, array of strings...).
	ErrInvalidDefinition = errors.New("invalid option definition")

	// ErrDuplicate: an option-def whose name or code is already defined in
	// its space (standard definitions included).
	ErrDuplicate = errors.New("option definition already exists")

	// ErrInvalidSpec: an option-data entry that is inconsistent on its own
	// (no name nor code, name and code of different options, bad space name,
	// code out of range).
	ErrInvalidSpec = errors.New("invalid option data")

	// ErrInvalidValue: a value that is not of the type the definition wants
	// ("192.0.2.x" for an ipv4-address, 300 for a uint8, bad hex...).
	ErrInvalidValue = errors.New("invalid option value")

	// ErrValueCount: too few or too many comma-separated values for the
	// definition (several values for a non-array option, missing record
	// fields, data for an empty option).
	ErrValueCount = errors.New("wrong number of option values")

	// ErrMalformed: wire bytes that do not decode with the definition
	// (truncated field, trailing bytes, bad label).
	ErrMalformed = errors.New("malformed option data")

	// ErrNotRepresentable: well-formed wire bytes that Kea's text format
	// cannot express (a string with leading blanks, an empty tuple...).
	// Such data can still be written with csv-format false (hex).
	ErrNotRepresentable = errors.New("option data not representable as text")
)
