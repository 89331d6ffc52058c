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
	//
	// Beware the zero value: a Host{} literal is global in both families.
	// A DHCPv4 reservation must set SubnetID6 to SubnetIDUnused (and a
	// DHCPv6 one SubnetID4), as Kea's parsers do; NewHost4 and NewHost6 do
	// it for you.
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

// NewHost4 returns a DHCPv4 reservation for the identifier in the given v4
// subnet (SubnetIDGlobal for a global one); its v6 part is unused.
func NewHost4(subnetID SubnetID, t IdentifierType, id []byte) *Host {
	return &Host{IdentifierType: t, Identifier: id, SubnetID4: subnetID, SubnetID6: SubnetIDUnused}
}

// NewHost6 returns a DHCPv6 reservation for the identifier in the given v6
// subnet (SubnetIDGlobal for a global one); its v4 part is unused.
func NewHost6(subnetID SubnetID, t IdentifierType, id []byte) *Host {
	return &Host{IdentifierType: t, Identifier: id, SubnetID4: SubnetIDUnused, SubnetID6: subnetID}
}

// Ident returns the host's identifier (type and value). The value shares
// the host's memory.
func (h *Host) Ident() Identifier {
	return Identifier{Type: h.IdentifierType, Value: h.Identifier}
}

// HasV4Part reports whether the host belongs to a v4 subnet (or is a
// global v4 reservation), i.e. SubnetID4 is not SubnetIDUnused.
func (h *Host) HasV4Part() bool { return h.SubnetID4 != SubnetIDUnused }

// HasV6Part reports whether the host belongs to a v6 subnet (or is a
// global v6 reservation), i.e. SubnetID6 is not SubnetIDUnused.
func (h *Host) HasV6Part() bool { return h.SubnetID6 != SubnetIDUnused }

// HasIPv4 reports whether the host reserves an IPv4 address.
func (h *Host) HasIPv4() bool { return h.IPv4Address.IsValid() && !h.IPv4Address.IsUnspecified() }

// HasIPv6 reports whether the host reserves IPv6 addresses or prefixes.
func (h *Host) HasIPv6() bool { return len(h.IPv6Addresses) > 0 || len(h.IPv6Prefixes) > 0 }

// HasIPv6Address reports whether a is one of the host's IA_NA reservations.
func (h *Host) HasIPv6Address(a netip.Addr) bool {
	for _, x := range h.IPv6Addresses {
		if x == a {
			return true
		}
	}
	return false
}

// HasIPv6Prefix reports whether p is one of the host's IA_PD reservations.
func (h *Host) HasIPv6Prefix(p netip.Prefix) bool {
	for _, x := range h.IPv6Prefixes {
		if x == p {
			return true
		}
	}
	return false
}

// String describes the host for logs and errors:
// "hw-address=01:02:03:04:05:06 subnet4=1 ipv4=192.0.2.10 host-id=7".
func (h *Host) String() string {
	if h == nil {
		return "<nil host>"
	}
	var sb strings.Builder
	sb.WriteString(h.IdentifierType.String())
	sb.WriteByte('=')
	sb.WriteString(FormatHex(h.Identifier))
	if h.HasV4Part() {
		fmt.Fprintf(&sb, " subnet4=%d", h.SubnetID4)
	}
	if h.HasV6Part() {
		fmt.Fprintf(&sb, " subnet6=%d", h.SubnetID6)
	}
	if h.HasIPv4() {
		fmt.Fprintf(&sb, " ipv4=%s", h.IPv4Address)
	}
	for _, a := range h.IPv6Addresses {
		fmt.Fprintf(&sb, " ipv6=%s", a)
	}
	for _, p := range h.IPv6Prefixes {
		fmt.Fprintf(&sb, " prefix=%s", p)
	}
	if h.Hostname != "" {
		fmt.Fprintf(&sb, " hostname=%q", h.Hostname)
	}
	if h.HostID != 0 {
		fmt.Fprintf(&sb, " host-id=%d", h.HostID)
	}
	return sb.String()
}

// Validate checks what every data source requires of a host before it is
// added: a known identifier type with a value of allowed length (Kea's
// Host::getIdentifierMaxLength), at least one of SubnetID4/SubnetID6 used,
// an IPv4 reservation only with a v4 part, IPv6 reservations only with a v6
// part, unicast IPv6 addresses, prefixes of length 1..128 and no
// reservation listed twice.
func (h *Host) Validate() error {
	if h == nil {
		return fmt.Errorf("hostmgr: host is nil")
	}
	if err := validateIdentifier(h.IdentifierType, h.Identifier); err != nil {
		return err
	}
	if !h.HasV4Part() && !h.HasV6Part() {
		return fmt.Errorf("hostmgr: host %s: both SubnetID4 and SubnetID6 are unused (%d)", h, SubnetIDUnused)
	}
	if h.IPv4Address.IsValid() && !h.IPv4Address.IsUnspecified() {
		if !h.IPv4Address.Is4() {
			return fmt.Errorf("hostmgr: host %s: IPv4 reservation %s is not an IPv4 address", h, h.IPv4Address)
		}
		if !h.HasV4Part() {
			return fmt.Errorf("hostmgr: host %s: IPv4 reservation %s without an IPv4 subnet", h, h.IPv4Address)
		}
	}
	if h.HasIPv6() && !h.HasV6Part() {
		return fmt.Errorf("hostmgr: host %s: IPv6 reservations without an IPv6 subnet", h)
	}
	if h.NextServer.IsValid() && !h.NextServer.Is4() {
		return fmt.Errorf("hostmgr: host %s: next-server %s is not an IPv4 address", h, h.NextServer)
	}
	for i, a := range h.IPv6Addresses {
		if !a.Is6() || a.Is4In6() || a.Zone() != "" || a.IsMulticast() || a.IsUnspecified() {
			return fmt.Errorf("hostmgr: host %s: invalid IPv6 address reservation %q", h, a)
		}
		for _, b := range h.IPv6Addresses[:i] {
			if a == b {
				return fmt.Errorf("hostmgr: host %s: IPv6 address %s reserved twice", h, a)
			}
		}
	}
	for i, p := range h.IPv6Prefixes {
		if !p.IsValid() || !p.Addr().Is6() || p.Addr().Is4In6() || p.Addr().IsMulticast() || p.Bits() == 0 {
			return fmt.Errorf("hostmgr: host %s: invalid IPv6 prefix reservation %q", h, p)
		}
		for _, q := range h.IPv6Prefixes[:i] {
			if p == q {
				return fmt.Errorf("hostmgr: host %s: IPv6 prefix %s reserved twice", h, p)
			}
		}
	}
	return nil
}
