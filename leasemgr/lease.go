package leasemgr

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// InfiniteLifetime is the valid or preferred lifetime that never ends
// (Kea's INFINITY_LFT, 0xffffffff). A lease with an infinite valid lifetime
// never expires.
const InfiniteLifetime uint32 = 0xffffffff

// Universe is the DHCP protocol family a manager serves.
type Universe uint8

// Protocol families. The values are the ones Kea's command line uses
// (kea-lfc -4 / -6).
const (
	V4 Universe = 4
	V6 Universe = 6
)

// String returns "v4", "v6" or "universe(N)".
func (u Universe) String() string {
	switch u {
	case V4:
		return "v4"
	case V6:
		return "v6"
	}
	return fmt.Sprintf("universe(%d)", uint8(u))
}

// LeaseType is the type of a lease: Kea's Lease::Type. The values are the
// ones stored in the lease_type column of Kea's lease files and databases.
type LeaseType uint8

// Lease types.
const (
	TypeNA LeaseType = 0 // IPv6 non-temporary address (IA_NA)
	TypeTA LeaseType = 1 // IPv6 temporary address (IA_TA, deprecated in Kea)
	TypePD LeaseType = 2 // IPv6 delegated prefix (IA_PD)
	TypeV4 LeaseType = 3 // IPv4 address
)

// String returns Kea's name for the type: "IA_NA", "IA_TA", "IA_PD", "V4".
func (t LeaseType) String() string {
	switch t {
	case TypeNA:
		return "IA_NA"
	case TypeTA:
		return "IA_TA"
	case TypePD:
		return "IA_PD"
	case TypeV4:
		return "V4"
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// State is a lease state: Kea's Lease::state_. The values are the ones stored
// in the state column of Kea's lease files and databases.
type State uint32

// Lease states.
const (
	StateDefault          State = 0 // assigned
	StateDeclined         State = 1 // declined by the client, in probation
	StateExpiredReclaimed State = 2 // expired and reclaimed, kept for affinity
	StateReleased         State = 3 // released with affinity (Kea 2.7+)
	StateRegistered       State = 4 // registered address (RFC 9686, Kea 3.0+)
)

// MaxState is the highest state value this package knows.
const MaxState = StateRegistered

// String returns Kea's name for the state: "default", "declined",
// "expired-reclaimed", "released", "registered".
func (s State) String() string {
	switch s {
	case StateDefault:
		return "default"
	case StateDeclined:
		return "declined"
	case StateExpiredReclaimed:
		return "expired-reclaimed"
	case StateReleased:
		return "released"
	case StateRegistered:
		return "registered"
	}
	return fmt.Sprintf("state(%d)", uint32(s))
}

// Hardware types (RFC 1700 / IANA ARP hardware types) most often seen in
// HWAddr.Type.
const (
	HTypeUndefined uint16 = 0
	HTypeEthernet  uint16 = 1
)

// Hardware address sources: the bit values Kea stores in the hwaddr_source
// column of DHCPv6 leases (Kea's HWAddr::HWADDR_SOURCE_*).
const (
	HWAddrSourceUnknown               uint32 = 0
	HWAddrSourceRaw                   uint32 = 1
	HWAddrSourceDUID                  uint32 = 2
	HWAddrSourceIPv6LinkLocal         uint32 = 4
	HWAddrSourceClientAddrRelayOption uint32 = 8
	HWAddrSourceRemoteID              uint32 = 16
	HWAddrSourceSubscriberID          uint32 = 32
	HWAddrSourceDOCSISCMTS            uint32 = 64
	HWAddrSourceDOCSISModem           uint32 = 128
)

// MaxHWAddrLen is the longest hardware address Kea accepts (HWAddr::MAX_HWADDR_LEN).
const MaxHWAddrLen = 20

// HWAddr is a hardware (link-layer) address. The zero value means "none".
type HWAddr struct {
	// Addr holds the address bytes; empty means no hardware address.
	Addr []byte
	// Type is the hardware type (HTypeEthernet for Ethernet). Kea's v4 lease
	// files do not store it; leases loaded from them get HTypeEthernet.
	Type uint16
	// Source tells where a DHCPv6 server learned the address
	// (HWAddrSource*). Unused for DHCPv4.
	Source uint32
}

// IsZero reports whether h holds no address.
func (h HWAddr) IsZero() bool { return len(h.Addr) == 0 }

// String formats the address bytes the way Kea does: lowercase hex bytes
// joined by colons ("00:0c:01:02:03:04"); "" when empty.
func (h HWAddr) String() string { return FormatHex(h.Addr) }

// Clone returns a deep copy of h.
func (h HWAddr) Clone() HWAddr {
	h.Addr = cloneBytes(h.Addr)
	return h
}

// Equal reports whether h and o have the same bytes, type and source.
func (h HWAddr) Equal(o HWAddr) bool {
	return bytes.Equal(h.Addr, o.Addr) && h.Type == o.Type && h.Source == o.Source
}

// FormatHex formats b as Kea prints hardware addresses, client identifiers
// and DUIDs in lease files: lowercase two-digit hex bytes joined by colons.
func FormatHex(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	var sb strings.Builder
	sb.Grow(3*len(b) - 1)
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteString(hex.EncodeToString([]byte{c}))
	}
	return sb.String()
}

// UserContext is a lease's user context: an arbitrary JSON map (Kea's
// user_context), as decoded by encoding/json with UseNumber, so numbers are
// json.Number and survive a round trip unchanged. A nil or empty map means
// no user context.
type UserContext = map[string]any

// version is what a Manager stored for a lease when it handed it out: the
// basis of the optimistic check in Update and Delete.
type version struct {
	cltt  int64
	valid uint32
	set   bool
}

// Lease4 is a DHCPv4 lease (Kea's Lease4).
//
// Times: CLTT is the client last transmission time in Unix seconds (the
// form Kea's files and databases use; Kea's lease files store
// expire = cltt + valid_lifetime). ExpiresAt and Expired derive the
// expiration from it.
//
// A Lease4 is a value owned by whoever holds the pointer: managers store
// copies of what they are given and return copies of what they hold, so a
// caller may modify a returned lease freely.
//
// Optimistic concurrency: a Manager remembers, in each lease it returns,
// the CLTT and valid lifetime the lease had in storage (Kea's
// current_cltt_/current_valid_lft_). UpdateLease4 and DeleteLease4 fail with
// ErrConflict when the stored lease no longer has them, i.e. when somebody
// else changed the lease since it was read. A lease built by the caller
// (never returned by a Manager) carries no such memory and its update is
// unconditional; see Loaded, MarkLoaded and ForgetLoaded.
type Lease4 struct {
	Addr          netip.Addr  // IPv4 address; the lease's key
	HWAddr        HWAddr      // client's hardware address; may be empty
	ClientID      []byte      // client identifier (option 61); may be empty
	ValidLifetime uint32      // seconds; InfiniteLifetime never expires
	CLTT          int64       // client last transmission time, Unix seconds
	SubnetID      uint32      // subnet the lease belongs to
	PoolID        uint32      // pool within the subnet (Kea 2.4+ pool_id); 0 if unknown
	FQDNFwd       bool        // forward DNS update performed
	FQDNRev       bool        // reverse DNS update performed
	Hostname      string      // client's hostname (FQDN), may be empty
	State         State       // StateDefault, StateDeclined, ...
	UserContext   UserContext // arbitrary JSON map; nil if none

	loaded version
}

// Lease6 is a DHCPv6 lease (Kea's Lease6): an address (IA_NA, IA_TA) or a
// delegated prefix (IA_PD). Times, ownership and the optimistic check work
// as for Lease4.
type Lease6 struct {
	Type              LeaseType   // TypeNA, TypeTA or TypePD
	Addr              netip.Addr  // IPv6 address or prefix; the lease's key
	PrefixLen         uint8       // prefix length; 128 for addresses
	IAID              uint32      // identity association identifier
	DUID              []byte      // client's DUID; Kea's declined leases carry 00:00:00
	PreferredLifetime uint32      // seconds; InfiniteLifetime allowed
	ValidLifetime     uint32      // seconds; InfiniteLifetime never expires
	CLTT              int64       // client last transmission time, Unix seconds
	SubnetID          uint32      // subnet the lease belongs to
	PoolID            uint32      // pool or pd-pool within the subnet; 0 if unknown
	FQDNFwd           bool        // forward DNS update performed
	FQDNRev           bool        // reverse DNS update performed
	Hostname          string      // client's FQDN, may be empty
	HWAddr            HWAddr      // client's hardware address (with Type and Source); may be empty
	State             State       // StateDefault, StateDeclined, ...
	UserContext       UserContext // arbitrary JSON map; nil if none

	loaded version
}

// DeclinedDUID is the DUID Kea gives a declined DHCPv6 lease (00:00:00),
// which has no owner any more.
var DeclinedDUID = []byte{0, 0, 0}

// Never is what ExpiresAt returns for a lease with an infinite lifetime: the
// last second of the year 9999 UTC.
var Never = time.Date(9999, time.December, 31, 23, 59, 59, 0, time.UTC)

func expireUnix(cltt int64, valid uint32) (int64, bool) {
	if valid == InfiniteLifetime {
		return 0, false
	}
	return cltt + int64(valid), true
}

func expiresAt(cltt int64, valid uint32) time.Time {
	e, ok := expireUnix(cltt, valid)
	if !ok {
		return Never
	}
	return time.Unix(e, 0)
}

// expired follows Kea's Lease::expired: the expiration time is strictly
// before now. An infinite lifetime never expires.
func expired(cltt int64, valid uint32, now time.Time) bool {
	e, ok := expireUnix(cltt, valid)
	return ok && e < now.Unix()
}

// ExpiresAt returns when the lease expires: CLTT + ValidLifetime, or Never
// for an infinite lifetime.
func (l *Lease4) ExpiresAt() time.Time { return expiresAt(l.CLTT, l.ValidLifetime) }

// Expired reports whether the lease expired before now (Kea's
// Lease::expired: expiration strictly before now, at one-second
// granularity). A lease with an infinite lifetime never expires.
func (l *Lease4) Expired(now time.Time) bool { return expired(l.CLTT, l.ValidLifetime, now) }

// Clone returns a deep copy of l, including what it was loaded with.
func (l *Lease4) Clone() *Lease4 {
	if l == nil {
		return nil
	}
	c := *l
	c.HWAddr = l.HWAddr.Clone()
	c.ClientID = cloneBytes(l.ClientID)
	c.UserContext = CloneUserContext(l.UserContext)
	return &c
}

// Equal reports whether l and o hold the same lease data. It ignores what
// the leases were loaded with, treats a nil and an empty user context alike
// and compares user contexts as JSON (so 1, 1.0 and json.Number("1") are
// not told apart only when they marshal alike).
func (l *Lease4) Equal(o *Lease4) bool {
	if l == nil || o == nil {
		return l == o
	}
	return l.Addr == o.Addr && l.HWAddr.Equal(o.HWAddr) && bytes.Equal(l.ClientID, o.ClientID) &&
		l.ValidLifetime == o.ValidLifetime && l.CLTT == o.CLTT && l.SubnetID == o.SubnetID &&
		l.PoolID == o.PoolID && l.FQDNFwd == o.FQDNFwd && l.FQDNRev == o.FQDNRev &&
		l.Hostname == o.Hostname && l.State == o.State && UserContextEqual(l.UserContext, o.UserContext)
}

// Loaded returns the CLTT and valid lifetime the lease had in storage when a
// Manager returned it (or last stored it), and whether it has such a record.
func (l *Lease4) Loaded() (cltt int64, valid uint32, ok bool) {
	return l.loaded.cltt, l.loaded.valid, l.loaded.set
}

// MarkLoaded records the lease's current CLTT and valid lifetime as what
// storage holds. Backends call it on every lease they return and on the
// caller's lease after a successful add or update; callers rarely need it.
func (l *Lease4) MarkLoaded() { l.loaded = version{cltt: l.CLTT, valid: l.ValidLifetime, set: true} }

// ForgetLoaded clears the record kept by MarkLoaded, so the next update or
// delete of l is unconditional (Kea's lease commands behave this way).
func (l *Lease4) ForgetLoaded() { l.loaded = version{} }

// String returns a short description for logs: address, identifiers,
// lifetime, subnet and state.
func (l *Lease4) String() string {
	return fmt.Sprintf("%s hwaddr=%s client-id=%s valid=%d cltt=%d subnet=%d state=%s",
		l.Addr, l.HWAddr, FormatHex(l.ClientID), l.ValidLifetime, l.CLTT, l.SubnetID, l.State)
}

// ExpiresAt returns when the lease expires: CLTT + ValidLifetime, or Never
// for an infinite lifetime.
func (l *Lease6) ExpiresAt() time.Time { return expiresAt(l.CLTT, l.ValidLifetime) }

// Expired reports whether the lease expired before now; see Lease4.Expired.
func (l *Lease6) Expired(now time.Time) bool { return expired(l.CLTT, l.ValidLifetime, now) }

// Prefix returns the leased address or prefix as a netip.Prefix
// (Addr/PrefixLen; /128 for addresses).
func (l *Lease6) Prefix() netip.Prefix {
	if l.Type != TypePD {
		return netip.PrefixFrom(l.Addr, 128)
	}
	return netip.PrefixFrom(l.Addr, int(l.PrefixLen))
}

// Clone returns a deep copy of l, including what it was loaded with.
func (l *Lease6) Clone() *Lease6 {
	if l == nil {
		return nil
	}
	c := *l
	c.HWAddr = l.HWAddr.Clone()
	c.DUID = cloneBytes(l.DUID)
	c.UserContext = CloneUserContext(l.UserContext)
	return &c
}

// Equal reports whether l and o hold the same lease data; see Lease4.Equal.
func (l *Lease6) Equal(o *Lease6) bool {
	if l == nil || o == nil {
		return l == o
	}
	return l.Type == o.Type && l.Addr == o.Addr && l.PrefixLen == o.PrefixLen && l.IAID == o.IAID &&
		bytes.Equal(l.DUID, o.DUID) && l.PreferredLifetime == o.PreferredLifetime &&
		l.ValidLifetime == o.ValidLifetime && l.CLTT == o.CLTT && l.SubnetID == o.SubnetID &&
		l.PoolID == o.PoolID && l.FQDNFwd == o.FQDNFwd && l.FQDNRev == o.FQDNRev &&
		l.Hostname == o.Hostname && l.HWAddr.Equal(o.HWAddr) && l.State == o.State &&
		UserContextEqual(l.UserContext, o.UserContext)
}

// Loaded returns what the lease had in storage; see Lease4.Loaded.
func (l *Lease6) Loaded() (cltt int64, valid uint32, ok bool) {
	return l.loaded.cltt, l.loaded.valid, l.loaded.set
}

// MarkLoaded records the lease's CLTT and valid lifetime; see Lease4.MarkLoaded.
func (l *Lease6) MarkLoaded() { l.loaded = version{cltt: l.CLTT, valid: l.ValidLifetime, set: true} }

// ForgetLoaded makes the next update or delete unconditional; see Lease4.ForgetLoaded.
func (l *Lease6) ForgetLoaded() { l.loaded = version{} }

// String returns a short description for logs.
func (l *Lease6) String() string {
	return fmt.Sprintf("%s %s/%d duid=%s iaid=%d valid=%d cltt=%d subnet=%d state=%s",
		l.Type, l.Addr, l.PrefixLen, FormatHex(l.DUID), l.IAID, l.ValidLifetime, l.CLTT, l.SubnetID, l.State)
}

// CloneUserContext returns a deep copy of a user context (maps and slices
// are copied; other JSON values are immutable).
func CloneUserContext(uc UserContext) UserContext {
	if uc == nil {
		return nil
	}
	return cloneJSON(uc).(map[string]any)
}

func cloneJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = cloneJSON(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = cloneJSON(e)
		}
		return s
	}
	return v
}

// UserContextEqual reports whether two user contexts hold the same JSON
// (nil and empty are equal; numbers compare by their JSON text).
func UserContextEqual(a, b UserContext) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	ja, err1 := json.Marshal(normalizeJSON(a))
	jb, err2 := json.Marshal(normalizeJSON(b))
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// normalizeJSON turns numbers into one representation so that 1, 1.0 and
// json.Number("1") compare equal.
func normalizeJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = normalizeJSON(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = normalizeJSON(e)
		}
		return s
	case json.Number:
		if f, err := v.Float64(); err == nil {
			return f
		}
		return string(v)
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case uint32:
		return float64(v)
	case float32:
		return float64(v)
	}
	return v
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}
