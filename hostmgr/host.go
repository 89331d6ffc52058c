package hostmgr

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"

	"github.com/dhcpsrv/dhcpsrv/option"
)

// SubnetID identifies a subnet, as in Kea (uint32). SubnetIDGlobal (0) marks
// a global reservation, one that belongs to no subnet.
type SubnetID = uint32

// SubnetIDGlobal is the subnet id of global reservations.
const SubnetIDGlobal SubnetID = 0

// IdentifierType is the kind of client identifier a reservation is keyed by.
// The numeric values match Kea's Host::IdentifierType.
type IdentifierType uint8

// Identifier types, with their Kea configuration names.
const (
	IdentHWAddr    IdentifierType = 0 // "hw-address"
	IdentDUID      IdentifierType = 1 // "duid"
	IdentCircuitID IdentifierType = 2 // "circuit-id"
	IdentClientID  IdentifierType = 3 // "client-id"
	IdentFlexID    IdentifierType = 4 // "flex-id"
)

var identNames = [...]string{"hw-address", "duid", "circuit-id", "client-id", "flex-id"}

// String returns Kea's configuration name of the identifier type.
func (t IdentifierType) String() string {
	if int(t) < len(identNames) {
		return identNames[t]
	}
	return fmt.Sprintf("identifier-type(%d)", uint8(t))
}

// ParseIdentifierType maps Kea's configuration name ("hw-address", "duid",
// "circuit-id", "client-id", "flex-id") to an IdentifierType.
func ParseIdentifierType(name string) (IdentifierType, error) {
	for i, n := range identNames {
		if n == name {
			return IdentifierType(i), nil
		}
	}
	return 0, fmt.Errorf("hostmgr: unknown identifier type %q", name)
}

// Host is one host reservation, Kea's Host: a client identifier and what is
// reserved for it in one v4 subnet and/or one v6 subnet.
//
// A Host is a value; sources hand out copies (or values that must not be
// modified), so a caller may keep it without locking.
type Host struct {
	IdentifierType IdentifierType
	Identifier     []byte

	// SubnetID4 and SubnetID6 are the subnets the reservation is for;
	// SubnetIDGlobal (0) makes it global. Kea uses SubnetIDUnused
	// (0xffffffff) for "no v4 part" / "no v6 part".
	SubnetID4 SubnetID
	SubnetID6 SubnetID

	IPv4Address   netip.Addr     // zero if none
	IPv6Addresses []netip.Addr   // reserved IA_NA addresses
	IPv6Prefixes  []netip.Prefix // reserved IA_PD prefixes

	Hostname string

	ClientClasses4 []string
	ClientClasses6 []string
	Options4       []option.Data
	Options6       []option.Data

	NextServer     netip.Addr // siaddr; zero if unset
	ServerHostname string
	BootFileName   string

	// UserContext is the reservation's "user-context" map as raw JSON
	// (nil if none).
	UserContext []byte

	// HostID is a unique id assigned by the data source (for paging).
	HostID uint64
}

// SubnetIDUnused marks the absence of a v4 or v6 part in a Host.
const SubnetIDUnused SubnetID = 0xffffffff

// IdentifierText returns the identifier as Kea prints it: colon-separated
// lowercase hex bytes.
func (h *Host) IdentifierText() string {
	return FormatHex(h.Identifier)
}

// FormatHex formats b as lowercase colon-separated hex ("01:02:0a").
func FormatHex(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	var sb strings.Builder
	sb.Grow(len(b)*3 - 1)
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteString(hex.EncodeToString([]byte{c}))
	}
	return sb.String()
}

// Clone returns a deep copy of h.
func (h *Host) Clone() *Host {
	c := *h
	c.Identifier = append([]byte(nil), h.Identifier...)
	c.IPv6Addresses = append([]netip.Addr(nil), h.IPv6Addresses...)
	c.IPv6Prefixes = append([]netip.Prefix(nil), h.IPv6Prefixes...)
	c.ClientClasses4 = append([]string(nil), h.ClientClasses4...)
	c.ClientClasses6 = append([]string(nil), h.ClientClasses6...)
	c.Options4 = cloneOptions(h.Options4)
	c.Options6 = cloneOptions(h.Options6)
	c.UserContext = append([]byte(nil), h.UserContext...)
	return &c
}

func cloneOptions(in []option.Data) []option.Data {
	if in == nil {
		return nil
	}
	out := make([]option.Data, len(in))
	for i, o := range in {
		o.Wire = append([]byte(nil), o.Wire...)
		o.ClientClasses = append([]string(nil), o.ClientClasses...)
		out[i] = o
	}
	return out
}
