package d2client

import (
	"errors"
	"fmt"
)

// Option codes of the client FQDN options and the DHCPv4 hostname option.
const (
	OptionHostname4 = 12 // DHCPv4 Host Name (RFC 2132 §3.14)
	OptionFQDN4     = 81 // DHCPv4 Client FQDN (RFC 4702)
	OptionFQDN6     = 39 // DHCPv6 Client FQDN (RFC 4704)
)

// Flags of the client FQDN options. S, O and N have the same meaning (and,
// for S and O, the same bit) in both options; E exists only in DHCPv4 and N
// sits at a different bit in each.
const (
	FlagS  uint8 = 0x01 // server performs the forward (A/AAAA) update
	FlagO  uint8 = 0x02 // server overrode the client's S flag (server → client)
	FlagE4 uint8 = 0x04 // DHCPv4: name in canonical wire format (else ASCII)
	FlagN4 uint8 = 0x08 // DHCPv4: server performs no update
	FlagN6 uint8 = 0x04 // DHCPv6: server performs no update

	flagsMask4 = FlagS | FlagO | FlagE4 | FlagN4
	flagsMask6 = FlagS | FlagO | FlagN6
)

// RCodeServer is the value a server puts into RCODE1 and RCODE2 of its
// option 81 (RFC 4702 §2.2; a client sends 0). Both fields are deprecated
// and ignored on receipt.
const RCodeServer uint8 = 255

// ErrInvalidFlags reports client FQDN flags with must-be-zero bits set or
// with both N and S set (RFC 4702 §2.1, RFC 4704 §4.1).
var ErrInvalidFlags = errors.New("d2client: invalid client FQDN flags")

// ErrShortOption reports an option payload shorter than its fixed part.
var ErrShortOption = errors.New("d2client: option too short")

// FQDN4 is the DHCPv4 Client FQDN option 81 (RFC 4702), Kea's
// Option4ClientFqdn: flags, the two deprecated RCODE octets and the domain
// name.
//
// Name is in presentation format without a trailing dot: labels separated by
// '.', with RFC 1035 escapes (\. \\ \DDD) for octets that need them. Partial
// tells whether the name is partial (no root label on the wire; the server
// qualifies it) or fully qualified. On the wire the name is in canonical
// wire format when Flags has FlagE4, else ASCII (deprecated, RFC 4702 §2.3.2),
// where a fully qualified name ends with '.'. An empty partial name means
// "no name"; an empty fully qualified name is the root.
//
// UnmarshalBinary keeps the flags as sent, must-be-zero bits included; call
// Validate to apply RFC 4702's rules as Kea does.
type FQDN4 struct {
	Flags   uint8
	RCode1  uint8
	RCode2  uint8
	Name    string
	Partial bool
}

// FQDN6 is the DHCPv6 Client FQDN option 39 (RFC 4704), Kea's
// Option6ClientFqdn: flags and a domain name in wire format that may be
// partial (no root label). Name and Partial are as in FQDN4.
type FQDN6 struct {
	Flags   uint8
	Name    string
	Partial bool
}

// Validate reports ErrInvalidFlags if must-be-zero bits are set or both N
// and S are set, and ErrInvalidName if the name is not a valid domain name.
func (f *FQDN4) Validate() error {
	if f.Flags&^flagsMask4 != 0 {
		return fmt.Errorf("%w: %#02x has must-be-zero bits set", ErrInvalidFlags, f.Flags)
	}
	if f.Flags&FlagN4 != 0 && f.Flags&FlagS != 0 {
		return fmt.Errorf("%w: N and S are both set", ErrInvalidFlags)
	}
	_, _, err := parseName(f.Name)
	return err
}

// Validate is FQDN4.Validate for option 39.
func (f *FQDN6) Validate() error {
	if f.Flags&^flagsMask6 != 0 {
		return fmt.Errorf("%w: %#02x has must-be-zero bits set", ErrInvalidFlags, f.Flags)
	}
	if f.Flags&FlagN6 != 0 && f.Flags&FlagS != 0 {
		return fmt.Errorf("%w: N and S are both set", ErrInvalidFlags)
	}
	_, _, err := parseName(f.Name)
	return err
}

// FQDN returns the name with a trailing dot when fully qualified.
func (f *FQDN4) FQDN() string { return fqdnText(f.Name, f.Partial) }

// FQDN returns the name with a trailing dot when fully qualified.
func (f *FQDN6) FQDN() string { return fqdnText(f.Name, f.Partial) }

func fqdnText(name string, partial bool) string {
	name = trimFinalDot(name)
	if partial {
		return name
	}
	return name + "."
}

// Forward reports whether the server performs the forward (A) update: the S
// flag of a server's option (Kea's getUpdateDirections).
func (f *FQDN4) Forward() bool { return f.Flags&FlagS != 0 }

// Reverse reports whether the server performs the reverse (PTR) update: the
// N flag of a server's option is clear.
func (f *FQDN4) Reverse() bool { return f.Flags&FlagN4 == 0 }

// Forward reports whether the server performs the forward (AAAA) update.
func (f *FQDN6) Forward() bool { return f.Flags&FlagS != 0 }

// Reverse reports whether the server performs the reverse (PTR) update.
func (f *FQDN6) Reverse() bool { return f.Flags&FlagN6 == 0 }

// MarshalBinary encodes the option payload (without code and length).
// A trailing dot on Name is ignored: Partial alone decides the form.
func (f *FQDN4) MarshalBinary() ([]byte, error) {
	return f.AppendBinary(make([]byte, 0, 3+len(f.Name)+2))
}

// AppendBinary appends the option payload to b.
func (f *FQDN4) AppendBinary(b []byte) ([]byte, error) {
	labels, _, err := parseName(trimFinalDot(f.Name))
	if err != nil {
		return nil, err
	}
	b = append(b, f.Flags, f.RCode1, f.RCode2)
	if f.Flags&FlagE4 != 0 {
		if len(labels) == 0 && f.Partial {
			return b, nil
		}
		return appendLabelsWire(b, labels, !f.Partial, false), nil
	}
	b = append(b, labelsText(labels)...)
	if !f.Partial {
		b = append(b, '.')
	}
	return b, nil
}

// UnmarshalBinary decodes an option 81 payload. The name is read in wire
// format if the E flag is set, else as ASCII text.
func (f *FQDN4) UnmarshalBinary(b []byte) error {
	if len(b) < 3 {
		return fmt.Errorf("%w: option 81 needs 3 octets, got %d", ErrShortOption, len(b))
	}
	out := FQDN4{Flags: b[0], RCode1: b[1], RCode2: b[2]}
	rest := b[3:]
	if out.Flags&FlagE4 != 0 {
		labels, root, err := parseWireName(rest)
		if err != nil {
			return fmt.Errorf("d2client: option 81: %w", err)
		}
		out.Name, out.Partial = labelsText(labels), !root
	} else {
		labels, root, err := parseName(string(rest))
		if err != nil {
			return fmt.Errorf("d2client: option 81: %w", err)
		}
		out.Name, out.Partial = labelsText(labels), !root
	}
	*f = out
	return nil
}

// MarshalBinary encodes the option 39 payload (without code and length).
func (f *FQDN6) MarshalBinary() ([]byte, error) {
	return f.AppendBinary(make([]byte, 0, 1+len(f.Name)+2))
}

// AppendBinary appends the option 39 payload to b.
func (f *FQDN6) AppendBinary(b []byte) ([]byte, error) {
	labels, _, err := parseName(trimFinalDot(f.Name))
	if err != nil {
		return nil, err
	}
	b = append(b, f.Flags)
	if len(labels) == 0 && f.Partial {
		return b, nil
	}
	return appendLabelsWire(b, labels, !f.Partial, false), nil
}

// UnmarshalBinary decodes an option 39 payload.
func (f *FQDN6) UnmarshalBinary(b []byte) error {
	if len(b) < 1 {
		return fmt.Errorf("%w: option 39 needs 1 octet", ErrShortOption)
	}
	labels, root, err := parseWireName(b[1:])
	if err != nil {
		return fmt.Errorf("d2client: option 39: %w", err)
	}
	*f = FQDN6{Flags: b[0], Name: labelsText(labels), Partial: !root}
	return nil
}
