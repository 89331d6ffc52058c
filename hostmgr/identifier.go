package hostmgr

import (
	"fmt"
	"strings"
)

// Identifier is one client identifier: a type and its bytes. The engine
// builds an ordered list of them from a packet, following the server's
// host-reservation-identifiers, and passes it to Manager.Get4Any/Get6Any.
type Identifier struct {
	Type  IdentifierType
	Value []byte
}

// String formats the identifier as "hw-address=01:02:03:04:05:06"; the part
// after '=' is accepted by ParseIdentifier.
func (id Identifier) String() string {
	return id.Type.String() + "=" + FormatHex(id.Value)
}

// Maximum identifier lengths, as Kea's Host::getIdentifierMaxLength.
const (
	MaxHWAddrLen     = 20  // HWAddr::MAX_HWADDR_LEN
	MaxDUIDLen       = 130 // DUID::MAX_DUID_LEN
	MaxClientIDLen   = 130 // ClientId::MAX_CLIENT_ID_LEN
	MaxIdentifierLen = 128 // Host::IDENTIFIER_MAX_LENGTH (circuit-id, flex-id)
)

// MaxLen returns the longest identifier value of type t that Kea accepts.
func (t IdentifierType) MaxLen() int {
	switch t {
	case IdentHWAddr:
		return MaxHWAddrLen
	case IdentDUID:
		return MaxDUIDLen
	case IdentClientID:
		return MaxClientIDLen
	default:
		return MaxIdentifierLen
	}
}

func validateIdentifier(t IdentifierType, id []byte) error {
	if t > IdentFlexID {
		return fmt.Errorf("hostmgr: unknown identifier type %d", uint8(t))
	}
	if len(id) == 0 {
		return fmt.Errorf("hostmgr: empty %s identifier", t)
	}
	if len(id) > t.MaxLen() {
		return fmt.Errorf("hostmgr: %s identifier is %d bytes long, at most %d allowed", t, len(id), t.MaxLen())
	}
	return nil
}

// ParseIdentifier decodes the text form of an identifier as written in a
// Kea reservation ("hw-address": "01:02:03:04:05:06"), as Kea's
// Host::setIdentifier does:
//
//   - hex bytes separated by colons, each one or two digits ("1:2:a0");
//   - hex bytes separated by spaces or hyphens ("01-02-03", a common MAC
//     notation that Kea itself does not accept for hw-address);
//   - a run of hex digits with an optional "0x" prefix ("0x010203"; an odd
//     number of digits gets a leading zero);
//   - for circuit-id, client-id and flex-id only: a string in single quotes
//     ("'gateway-1'"), taken byte for byte without the quotes.
//
// Surrounding white space is ignored. The value must not be empty nor
// longer than t.MaxLen().
func ParseIdentifier(t IdentifierType, text string) ([]byte, error) {
	if t > IdentFlexID {
		return nil, fmt.Errorf("hostmgr: unknown identifier type %d", uint8(t))
	}
	s := strings.TrimSpace(text)
	var out []byte
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		if t == IdentHWAddr || t == IdentDUID {
			return nil, fmt.Errorf("hostmgr: invalid %s %q: a quoted string is allowed only for circuit-id, client-id and flex-id", t, text)
		}
		out = []byte(s[1 : len(s)-1])
		if len(out) == 0 {
			return nil, fmt.Errorf("hostmgr: invalid %s %q: empty quoted string", t, text)
		}
	} else {
		var err error
		out, err = decodeFormattedHex(s)
		if err != nil {
			return nil, fmt.Errorf("hostmgr: invalid %s %q: %w", t, text, err)
		}
	}
	if len(out) > t.MaxLen() {
		return nil, fmt.Errorf("hostmgr: invalid %s %q: %d bytes long, at most %d allowed", t, text, len(out), t.MaxLen())
	}
	return out, nil
}

// decodeFormattedHex follows Kea's util::str::decodeFormattedHexString.
func decodeFormattedHex(s string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("empty value")
	}
	for _, sep := range []byte{':', ' ', '-'} {
		if strings.IndexByte(s, sep) >= 0 {
			return decodeSeparatedHex(s, sep)
		}
	}
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s = s[2:]
	}
	if len(s)%2 == 1 {
		s = "0" + s
	}
	out := make([]byte, 0, len(s)/2)
	for i := 0; i < len(s); i += 2 {
		b, ok := hexByte(s[i : i+2])
		if !ok {
			return nil, fmt.Errorf("%q is not a hex number", s[i:i+2])
		}
		out = append(out, b)
	}
	return out, nil
}

func decodeSeparatedHex(s string, sep byte) ([]byte, error) {
	out := make([]byte, 0, len(s)/3+1)
	for tok := range strings.SplitSeq(s, string(sep)) {
		if len(tok) == 0 || len(tok) > 2 {
			return nil, fmt.Errorf("%q is not a one- or two-digit hex byte (separator %q)", tok, sep)
		}
		b, ok := hexByte(tok)
		if !ok {
			return nil, fmt.Errorf("%q is not a hex number", tok)
		}
		out = append(out, b)
	}
	return out, nil
}

func hexByte(s string) (byte, bool) {
	var v byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | c
	}
	return v, true
}
