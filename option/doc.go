// Package option holds DHCP option definitions and turns configured option
// data into wire bytes and back. It is the Go counterpart of the option
// parts of Kea's libdhcp++ and libdhcpsrv.
//
// # Kea concepts
//
//	Kea                                   this package
//	OptionDataType ("uint8", "fqdn"...)   Type, ParseType, Type.String
//	OptionDefinition                      Definition (Validate, Encode, Format)
//	std_option_defs.h, docsis3 defs       Standard, and every DefSet
//	LibDHCP + CfgOptionDef (option-def)   DefSet: NewDefSet, Add, Lookup, LookupCode, Custom
//	option-data entry                     Spec
//	OptionDataParser                      DefSet.ParseData
//	OptionDescriptor                      Data
//	"vendor-<enterprise>" spaces          VendorSpace, ParseVendorSpace, Definition.IsVendor
//
// The standard definitions are those of Kea 2.2, in the spaces dhcp4,
// dhcp-agent-options-space (RAI sub-options), vendor-encapsulated-options-space
// (empty), vendor-4491 (DOCSIS, also under Kea's names docsis3-v4 and
// docsis3-v6) for v4, and dhcp6, the softwire spaces s46-cont-mape-options,
// s46-cont-mapt-options, s46-cont-lw-options, s46-rule-options,
// s46-v4v6bind-options, rsoo-opts, vendor-4491 and vendor-2495 (ISC's
// 4o6-interface, 4o6-source-address, 4o6-source-port) for v6. Names, codes,
// types, array flags and record fields were checked against kea-dhcp4 and
// kea-dhcp6 2.2 (TestStandardAgainstKea).
//
// # Option data
//
// With csv-format true (the default) the data is a comma-separated list of
// values, one per field of the definition; "\," is a literal comma and
// "\\" a literal backslash, blanks around values are ignored, empty values
// between commas are dropped. Per type:
//
//	binary        hexadecimal digits, blanks ignored ("1A BB AD")
//	boolean       true, false (any case), 1 or 0; one byte
//	int8..uint32  decimal with optional sign, else hexadecimal with optional
//	              0x ("0xf0", "ff"), range-checked; big-endian
//	ipv4-address  "192.0.2.1"; 4 bytes
//	ipv6-address  "2001:db8::1"; 16 bytes
//	ipv6-prefix   "2001:db8::/48"; length byte, then the prefix bytes
//	              (host bits cleared)
//	psid          "psid/length" ("3/4"), length 0..16; length byte, then the
//	              PSID in the high bits of 16 bits (RFC 7597)
//	string        the text as bytes
//	fqdn          a domain name, "\." and "\DDD" escapes; RFC 1035 labels
//	              ending with the root label, no compression
//	tuple         text with a length: 1 byte in v4, 2 bytes in v6
//	record        one value per field; with array, the last field repeats
//	empty         no data; the content is sub-options of the encapsulated
//	              space, configured as option-data entries of that space
//
// With csv-format false the data is hexadecimal as Kea accepts it (see
// ParseHex), checked against the definition when there is one.
//
// Definition.Format turns wire bytes back into this text, so that a
// configuration can be written back (config-get): Encode(Format(w)) == w
// for every definition and every w that Format accepts. Format is strict:
// it refuses bytes it cannot reproduce exactly (ErrMalformed) or that the
// text format cannot express (ErrNotRepresentable; use FormatHex and
// csv-format false).
//
// # Special options
//
// vivso-suboptions (v4 125) and vendor-opts (v6 17) carry the enterprise
// number; their sub-options live in the space VendorSpace(enterprise).
// vendor-class (v6 16) and vivco-suboptions (v4 124) are an enterprise
// number and hex data that must be a list of length-prefixed tuples.
// fqdn (v4 81) and client-fqdn (v6 39) refuse the N and S flags together.
// vendor-encapsulated-options (v4 43) is Kea's last-resort definition: empty,
// encapsulating vendor-encapsulated-options-space, and an option-def may
// replace it (e.g. as binary, or to encapsulate another space). A v6
// status-code may have an empty message ("0").
//
// # Differences from Kea
//
// Where Kea silently accepts something that is almost certainly a mistake,
// this package rejects it with an error that says what is wrong: several
// values for an option that is neither an array nor a record (Kea keeps the
// first: "domain-name": "a.org, b.org" sends "a.org"), an IPv6 address as an
// ipv4-address, domain names with empty or over-long labels. Values after
// the last field of a record that is not an array are ignored, as in Kea
// (its own example configurations rely on it), and reported in
// Data.Warnings. Kea 2.2 defines no RAI sub-options; the definitions here
// follow later Kea releases and, like the DOCSIS ones, an option-def may
// replace them. Other standard definitions can't be redefined.
//
// # Errors
//
// Errors are values, never panics, whatever the input: every error wraps
// one of the Err* sentinels (test with errors.Is) and its message starts
// with "option: " and names the option, e.g.
//
//	option: routers: "192.0.2.x" is not an ipv4-address
//
// # Concurrency
//
// A DefSet is safe for concurrent reads once built (no Add running).
// Definitions are immutable values; their methods may be called
// concurrently.
package option
