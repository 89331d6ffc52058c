package option

// Universe tells DHCPv4 from DHCPv6: option codes are one byte in v4 and two
// bytes in v6, and each universe has its own standard option spaces.
type Universe uint8

// The two universes.
const (
	V4 Universe = 4
	V6 Universe = 6
)

// Space names of the two top-level standard option spaces.
const (
	SpaceDHCP4 = "dhcp4"
	SpaceDHCP6 = "dhcp6"
)

// Data is one configured option (Kea's option-data entry, OptionDescriptor),
// resolved against its definition and encoded to wire bytes.
type Data struct {
	// Def is the definition the option was parsed with; nil for an option
	// without a definition given as hex (csv-format false).
	Def *Definition

	Space string // "dhcp4", "dhcp6", "vendor-4491", ...
	Code  uint16
	Name  string // empty when the option has no definition

	// Wire is the option payload (without code and length).
	Wire []byte

	// Text and CSVFormat are the configured data as written, so the option
	// can be marshalled back to Kea JSON.
	Text      string
	CSVFormat bool

	AlwaysSend bool // Kea's always-send: send even if not requested
	NeverSend  bool // Kea's never-send: never send, whatever the precedence

	// ClientClasses, when not empty, limits the option to packets in one of
	// these classes (Kea 2.7+ option-data client-classes).
	ClientClasses []string

	// Warnings lists what Kea accepts silently but is likely a mistake,
	// such as values after the last field of a record (ignored). Parsing
	// succeeded; callers may log them.
	Warnings []string
}
