package d2client

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
)

// DHCID identifier types (RFC 4701 §3.3).
const (
	DHCIDTypeHWAddr   uint16 = 0 // htype octet ‖ chaddr (DHCPv4 without client-id)
	DHCIDTypeClientID uint16 = 1 // the whole DHCPv4 client-id option payload
	DHCIDTypeDUID     uint16 = 2 // a DUID (DHCPv6, or an RFC 4361 node-specific client-id)
)

// DHCIDDigestSHA256 is the only digest type RFC 4701 defines.
const DHCIDDigestSHA256 uint8 = 1

// maxDUIDLen is Kea's DUID::MAX_DUID_LEN: a 2-octet type and up to 128
// octets of identifier (RFC 8415 §11.1).
const maxDUIDLen = 130

// ErrDHCID reports an identifier or name from which no DHCID can be computed.
var ErrDHCID = errors.New("d2client: cannot compute DHCID")

// DHCID is the RDATA of a DHCID resource record (RFC 4701): a 2-octet
// identifier type, a 1-octet digest type and the digest. Kea's D2Dhcid.
// String renders it as the uppercase hex of NameChangeRequests; Base64 as
// in DNS zone files.
type DHCID []byte

// String returns the uppercase hexadecimal form used in NCRs.
func (d DHCID) String() string {
	const digits = "0123456789ABCDEF"
	b := make([]byte, 2*len(d))
	for i, c := range d {
		b[2*i] = digits[c>>4]
		b[2*i+1] = digits[c&0xf]
	}
	return string(b)
}

// Base64 returns the presentation form of the RDATA in DNS (RFC 4701 §3.4).
func (d DHCID) Base64() string { return base64.StdEncoding.EncodeToString(d) }

// IdentifierType returns the identifier type, or 0xffff if d is too short.
func (d DHCID) IdentifierType() uint16 {
	if len(d) < 3 {
		return 0xffff
	}
	return binary.BigEndian.Uint16(d)
}

// ParseDHCID decodes the hex form of an NCR (either case). It must be
// non-empty and of even length, as Kea's D2Dhcid::fromStr requires.
func ParseDHCID(s string) (DHCID, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: empty DHCID", ErrDHCID)
	}
	if len(s)%2 != 0 {
		return nil, fmt.Errorf("%w: odd number of hex digits in %q", ErrDHCID, s)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %q is not hexadecimal", ErrDHCID, s)
	}
	return DHCID(b), nil
}

// NewDHCID computes the DHCID RDATA of RFC 4701 §3.3 for an identifier of
// the given type and an FQDN in wire format: idType ‖ 1 ‖ SHA-256(identifier
// ‖ fqdnWire). Use FQDNWire to get the canonical (lowercase) wire name Kea
// hashes.
func NewDHCID(idType uint16, identifier, fqdnWire []byte) (DHCID, error) {
	if len(identifier) == 0 {
		return nil, fmt.Errorf("%w: empty identifier", ErrDHCID)
	}
	if len(fqdnWire) == 0 {
		return nil, fmt.Errorf("%w: empty FQDN", ErrDHCID)
	}
	h := sha256.New()
	h.Write(identifier)
	h.Write(fqdnWire)
	out := make(DHCID, 3, 3+sha256.Size)
	binary.BigEndian.PutUint16(out, idType)
	out[2] = DHCIDDigestSHA256
	return h.Sum(out), nil
}

// DHCIDFromHWAddr computes a type 0 DHCID from a hardware type and address
// (the chaddr) and an FQDN in presentation format, as Kea's
// D2Dhcid::fromHWAddr: the identifier is the htype octet followed by the
// address.
func DHCIDFromHWAddr(htype uint8, hwaddr []byte, fqdn string) (DHCID, error) {
	if len(hwaddr) == 0 {
		return nil, fmt.Errorf("%w: empty hardware address", ErrDHCID)
	}
	wire, err := FQDNWire(fqdn)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDHCID, err)
	}
	id := make([]byte, 0, 1+len(hwaddr))
	id = append(append(id, htype), hwaddr...)
	return NewDHCID(DHCIDTypeHWAddr, id, wire)
}

// DHCIDFromClientID computes the DHCID for a DHCPv4 client identifier (the
// option 61 payload, type octet included), as Kea's D2Dhcid::fromClientId:
// an RFC 4361 node-specific client-id (type octet 255) gives a type 2 DHCID
// over the embedded DUID (after the type octet and the 4-octet IAID);
// anything else a type 1 DHCID over the whole client-id.
func DHCIDFromClientID(clientID []byte, fqdn string) (DHCID, error) {
	if len(clientID) == 0 {
		return nil, fmt.Errorf("%w: empty client identifier", ErrDHCID)
	}
	wire, err := FQDNWire(fqdn)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDHCID, err)
	}
	if clientID[0] == 255 {
		if len(clientID) <= 5 {
			return nil, fmt.Errorf("%w: client identifier of %d octets has no embedded DUID", ErrDHCID, len(clientID))
		}
		if len(clientID)-5 > maxDUIDLen {
			return nil, fmt.Errorf("%w: client identifier of %d octets: embedded DUID too long", ErrDHCID, len(clientID))
		}
		return NewDHCID(DHCIDTypeDUID, clientID[5:], wire)
	}
	return NewDHCID(DHCIDTypeClientID, clientID, wire)
}

// DHCIDFromDUID computes a type 2 DHCID from a DUID, as Kea's
// D2Dhcid::fromDUID (DHCPv6 leases).
func DHCIDFromDUID(duid []byte, fqdn string) (DHCID, error) {
	if len(duid) == 0 {
		return nil, fmt.Errorf("%w: empty DUID", ErrDHCID)
	}
	if len(duid) > maxDUIDLen {
		return nil, fmt.Errorf("%w: DUID of %d octets is longer than 130", ErrDHCID, len(duid))
	}
	wire, err := FQDNWire(fqdn)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDHCID, err)
	}
	return NewDHCID(DHCIDTypeDUID, duid, wire)
}
