package d2client

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"time"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// ChangeType is an NCR's "change-type".
type ChangeType uint8

// The change types of Kea's NameChangeType.
const (
	ChangeAdd    ChangeType = 0 // CHG_ADD: add or replace the entries
	ChangeRemove ChangeType = 1 // CHG_REMOVE: remove the entries
)

// String returns "add" or "remove".
func (c ChangeType) String() string {
	switch c {
	case ChangeAdd:
		return "add"
	case ChangeRemove:
		return "remove"
	}
	return "ChangeType(" + strconv.Itoa(int(c)) + ")"
}

// MaxNCRSize is the largest NCR datagram (length prefix included) that Kea's
// UDP listener reads: larger requests are refused by Marshal.
const MaxNCRSize = 4096

// ncrTimeLayout is the UTC YYYYMMDDHHMMSS form of "lease-expires-on".
const ncrTimeLayout = "20060102150405"

// ErrInvalidNCR reports a NameChangeRequest that Kea's D2 would reject.
var ErrInvalidNCR = errors.New("d2client: invalid NameChangeRequest")

// NCR is a NameChangeRequest, the message a DHCP server sends to
// kea-dhcp-ddns (Kea's isc::dhcp_ddns::NameChangeRequest) and the unit of
// work of a Sender.
type NCR struct {
	ChangeType ChangeType
	Forward    bool       // "forward-change": update A/AAAA and DHCID
	Reverse    bool       // "reverse-change": update PTR
	FQDN       string     // "fqdn": absolute, with the trailing dot
	IPAddress  netip.Addr // "ip-address": the leased address
	DHCID      DHCID      // "dhcid": RFC 4701 RDATA
	// LeaseExpiresOn is "lease-expires-on" (Kea 2.2–3.1.5 require it):
	// cltt + TTL, as Kea computes it. Marshalled in UTC, second precision.
	LeaseExpiresOn time.Time
	// LeaseLength is "lease-length": the DNS TTL in seconds.
	LeaseLength uint32
	// ConflictResolution is "conflict-resolution-mode" (Kea 2.6+); the
	// marshalled "use-conflict-resolution" (Kea ≤2.4) is derived from it.
	ConflictResolution ConflictResolutionMode
}

// Validate applies Kea's checks: change type 0 or 1, at least one direction,
// a valid non-empty FQDN, a valid address and a non-empty DHCID.
func (n *NCR) Validate() error {
	if n.ChangeType > ChangeRemove {
		return fmt.Errorf("%w: change-type %d", ErrInvalidNCR, n.ChangeType)
	}
	if !n.Forward && !n.Reverse {
		return fmt.Errorf("%w: neither forward-change nor reverse-change", ErrInvalidNCR)
	}
	if n.FQDN == "" {
		return fmt.Errorf("%w: empty fqdn", ErrInvalidNCR)
	}
	if labels, _, err := parseName(n.FQDN); err != nil || len(labels) == 0 {
		return fmt.Errorf("%w: fqdn %q is not a valid domain name", ErrInvalidNCR, n.FQDN)
	}
	if !n.IPAddress.IsValid() || n.IPAddress.Zone() != "" {
		return fmt.Errorf("%w: ip-address %v", ErrInvalidNCR, n.IPAddress)
	}
	if len(n.DHCID) == 0 {
		return fmt.Errorf("%w: empty dhcid", ErrInvalidNCR)
	}
	if n.ConflictResolution > NoCheckWithoutDHCID {
		return fmt.Errorf("%w: conflict resolution mode %d", ErrInvalidNCR, n.ConflictResolution)
	}
	return nil
}

// MarshalJSON renders the NCR as Kea's compact JSON, keys in Kea's order,
// with the superset of keys every kea-dhcp-ddns from 2.2 on accepts:
// lease-expires-on (required up to 3.1.5) and both use-conflict-resolution
// (≤2.4) and conflict-resolution-mode (2.6+).
func (n *NCR) MarshalJSON() ([]byte, error) {
	return n.appendJSON(make([]byte, 0, 320))
}

func (n *NCR) appendJSON(b []byte) ([]byte, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	b = append(b, `{"change-type":`...)
	b = strconv.AppendUint(b, uint64(n.ChangeType), 10)
	b = append(b, `,"forward-change":`...)
	b = strconv.AppendBool(b, n.Forward)
	b = append(b, `,"reverse-change":`...)
	b = strconv.AppendBool(b, n.Reverse)
	b = append(b, `,"fqdn":`...)
	b = appendJSONString(b, n.FQDN)
	b = append(b, `,"ip-address":"`...)
	b = n.IPAddress.AppendTo(b)
	b = append(b, `","dhcid":"`...)
	const digits = "0123456789ABCDEF"
	for _, c := range n.DHCID {
		b = append(b, digits[c>>4], digits[c&0xf])
	}
	b = append(b, `","lease-expires-on":"`...)
	b = n.LeaseExpiresOn.UTC().AppendFormat(b, ncrTimeLayout)
	b = append(b, `","lease-length":`...)
	b = strconv.AppendUint(b, uint64(n.LeaseLength), 10)
	b = append(b, `,"use-conflict-resolution":`...)
	b = strconv.AppendBool(b, n.ConflictResolution.UsesConflictResolution())
	b = append(b, `,"conflict-resolution-mode":"`...)
	b = append(b, n.ConflictResolution.String()...)
	b = append(b, `"}`...)
	return b, nil
}

// appendJSONString appends s as a JSON string. Names hold only printable
// ASCII (labelsText escapes the rest), but any byte is escaped safely.
func appendJSONString(b []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c >= 0x7f:
			b = append(b, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// AppendWire appends the UDP datagram of Kea's NameChangeUDPSender: the
// 2-octet big-endian length of the JSON text, then the text.
func (n *NCR) AppendWire(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, 0, 0)
	b, err := n.appendJSON(b)
	if err != nil {
		return nil, err
	}
	l := len(b) - start - 2
	if l+2 > MaxNCRSize {
		return nil, fmt.Errorf("%w: %d octets exceed the %d-octet datagram", ErrInvalidNCR, l+2, MaxNCRSize)
	}
	binary.BigEndian.PutUint16(b[start:], uint16(l))
	return b, nil
}

// ParseWire parses a datagram in the form AppendWire writes.
func ParseWire(b []byte) (*NCR, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("%w: datagram of %d octets", ErrInvalidNCR, len(b))
	}
	l := int(binary.BigEndian.Uint16(b))
	if l != len(b)-2 {
		return nil, fmt.Errorf("%w: length prefix %d, %d octets follow", ErrInvalidNCR, l, len(b)-2)
	}
	return ParseNCR(b[2:])
}

// ParseNCR parses an NCR in Kea's JSON form, with the checks of Kea's
// NameChangeRequest::fromJSON: change-type, forward-change, reverse-change,
// fqdn, ip-address, dhcid and lease-length are required and typed (integer
// 0/1, booleans, strings, a uint32); fqdn must be a valid non-empty name
// (returned with a trailing dot, as Kea normalises it); dhcid non-empty
// even-length hex; at least one direction. lease-expires-on is optional
// (Kea 3.1.6+ no longer sends it) but, if present, must be 14 digits of a
// valid UTC time. conflict-resolution-mode wins over use-conflict-resolution
// (true → check-with-dhcid, false → no-check-with-dhcid; default
// check-with-dhcid). Unknown keys are ignored.
func ParseNCR(data []byte) (*NCR, error) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidNCR, err)
	}
	if m == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalidNCR)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrInvalidNCR)
	}
	var n NCR
	ct, err := ncrUint(m, "change-type", 1)
	if err != nil {
		return nil, err
	}
	n.ChangeType = ChangeType(ct)
	if n.Forward, err = ncrBool(m, "forward-change"); err != nil {
		return nil, err
	}
	if n.Reverse, err = ncrBool(m, "reverse-change"); err != nil {
		return nil, err
	}
	fqdn, err := ncrString(m, "fqdn")
	if err != nil {
		return nil, err
	}
	if fqdn == "" {
		return nil, fmt.Errorf("%w: empty fqdn", ErrInvalidNCR)
	}
	name, _, err := canonicalName(fqdn)
	if err != nil || name == "" {
		return nil, fmt.Errorf("%w: fqdn %q is not a valid domain name", ErrInvalidNCR, fqdn)
	}
	n.FQDN = name + "."
	ip, err := ncrString(m, "ip-address")
	if err != nil {
		return nil, err
	}
	if n.IPAddress, err = netip.ParseAddr(ip); err != nil || n.IPAddress.Zone() != "" {
		return nil, fmt.Errorf("%w: ip-address %q", ErrInvalidNCR, ip)
	}
	dh, err := ncrString(m, "dhcid")
	if err != nil {
		return nil, err
	}
	if n.DHCID, err = ParseDHCID(dh); err != nil {
		return nil, fmt.Errorf("%w: dhcid: %v", ErrInvalidNCR, err)
	}
	if _, ok := m["lease-expires-on"]; ok {
		s, err := ncrString(m, "lease-expires-on")
		if err != nil {
			return nil, err
		}
		if len(s) != 14 {
			return nil, fmt.Errorf("%w: lease-expires-on %q is not YYYYMMDDHHMMSS", ErrInvalidNCR, s)
		}
		if n.LeaseExpiresOn, err = time.ParseInLocation(ncrTimeLayout, s, time.UTC); err != nil {
			return nil, fmt.Errorf("%w: lease-expires-on %q is not YYYYMMDDHHMMSS", ErrInvalidNCR, s)
		}
	}
	ll, err := ncrUint(m, "lease-length", math.MaxUint32)
	if err != nil {
		return nil, err
	}
	n.LeaseLength = uint32(ll)
	if _, ok := m["use-conflict-resolution"]; ok {
		use, err := ncrBool(m, "use-conflict-resolution")
		if err != nil {
			return nil, err
		}
		if !use {
			n.ConflictResolution = NoCheckWithDHCID
		}
	}
	if _, ok := m["conflict-resolution-mode"]; ok {
		s, err := ncrString(m, "conflict-resolution-mode")
		if err != nil {
			return nil, err
		}
		if n.ConflictResolution, err = ParseConflictResolutionMode(s); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidNCR, err)
		}
	}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	return &n, nil
}

func ncrField(m map[string]json.RawMessage, key string) (json.RawMessage, error) {
	v, ok := m[key]
	if !ok {
		return nil, fmt.Errorf("%w: missing %s", ErrInvalidNCR, key)
	}
	return v, nil
}

func ncrBool(m map[string]json.RawMessage, key string) (bool, error) {
	v, err := ncrField(m, key)
	if err != nil {
		return false, err
	}
	switch string(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%w: %s must be a boolean, got %s", ErrInvalidNCR, key, truncate(v))
}

func ncrString(m map[string]json.RawMessage, key string) (string, error) {
	v, err := ncrField(m, key)
	if err != nil {
		return "", err
	}
	var s string
	if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &s) != nil {
		return "", fmt.Errorf("%w: %s must be a string, got %s", ErrInvalidNCR, key, truncate(v))
	}
	return s, nil
}

func ncrUint(m map[string]json.RawMessage, key string, max uint64) (uint64, error) {
	v, err := ncrField(m, key)
	if err != nil {
		return 0, err
	}
	u, err := strconv.ParseUint(string(v), 10, 64)
	if err != nil || u > max {
		return 0, fmt.Errorf("%w: %s must be an integer in 0..%d, got %s", ErrInvalidNCR, key, max, truncate(v))
	}
	return u, nil
}

func truncate(v []byte) string {
	if len(v) > 40 {
		return string(v[:40]) + "…"
	}
	return string(v)
}

// NCRForLease4 builds the NCR for a DHCPv4 lease event, as Kea's queueNCR:
// nil (and no error) when the lease needs none: no hostname, neither
// FQDNFwd nor FQDNRev set, or updates disabled (Params.UpdatesEnabled; the
// per-subnet ddns-send-updates already shaped the lease's flags). The DHCID
// is computed from the client-id if the lease has one, else from the
// hardware address; the TTL from p.TTL and the valid lifetime;
// lease-expires-on is CLTT + TTL.
func NCRForLease4(l *leasemgr.Lease4, p Params, ct ChangeType) (*NCR, error) {
	if l == nil || l.Hostname == "" || (!l.FQDNFwd && !l.FQDNRev) || !p.UpdatesEnabled {
		return nil, nil
	}
	fqdn := Absolute(l.Hostname)
	var id DHCID
	var err error
	if len(l.ClientID) > 0 {
		id, err = DHCIDFromClientID(l.ClientID, fqdn)
	} else {
		id, err = DHCIDFromHWAddr(uint8(l.HWAddr.Type), l.HWAddr.Addr, fqdn)
	}
	if err != nil {
		return nil, fmt.Errorf("d2client: lease %s: %w", l.Addr, err)
	}
	return newLeaseNCR(ct, l.FQDNFwd, l.FQDNRev, fqdn, l.Addr, id, l.CLTT, l.ValidLifetime, p)
}

// NCRForLease6 is NCRForLease4 for DHCPv6: the DHCID comes from the DUID;
// prefix delegations (TypePD) never get an NCR.
func NCRForLease6(l *leasemgr.Lease6, p Params, ct ChangeType) (*NCR, error) {
	if l == nil || l.Type == leasemgr.TypePD || l.Hostname == "" || (!l.FQDNFwd && !l.FQDNRev) || !p.UpdatesEnabled {
		return nil, nil
	}
	fqdn := Absolute(l.Hostname)
	id, err := DHCIDFromDUID(l.DUID, fqdn)
	if err != nil {
		return nil, fmt.Errorf("d2client: lease %s: %w", l.Addr, err)
	}
	return newLeaseNCR(ct, l.FQDNFwd, l.FQDNRev, fqdn, l.Addr, id, l.CLTT, l.ValidLifetime, p)
}

func newLeaseNCR(ct ChangeType, fwd, rev bool, fqdn string, addr netip.Addr, id DHCID, cltt int64, lifetime uint32, p Params) (*NCR, error) {
	name, _, err := canonicalName(fqdn)
	if err != nil {
		return nil, fmt.Errorf("d2client: lease %s: %w", addr, err)
	}
	ttl := p.TTL.Compute(lifetime)
	n := &NCR{
		ChangeType:         ct,
		Forward:            fwd,
		Reverse:            rev,
		FQDN:               name + ".",
		IPAddress:          addr,
		DHCID:              id,
		LeaseExpiresOn:     time.Unix(cltt+int64(ttl), 0).UTC(),
		LeaseLength:        ttl,
		ConflictResolution: p.ConflictResolution,
	}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	return n, nil
}
