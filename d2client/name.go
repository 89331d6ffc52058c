package d2client

import (
	"errors"
	"fmt"
	"strings"
)

// Domain-name limits of RFC 1035.
const (
	maxLabelLen = 63
	maxNameLen  = 255 // wire length, root label included
)

// ErrInvalidName reports a domain name that is not a valid DNS name (an
// empty label, a label over 63 octets, a name over 255 octets, a bad
// escape).
var ErrInvalidName = errors.New("d2client: invalid domain name")

// parseName splits a presentation-format name into raw labels. It accepts
// the escapes of RFC 1035 §5.1 (\X and \DDD). A final unescaped '.' marks a
// fully qualified name (root=true); "." alone is the root name (no labels,
// root=true); "" is the empty partial name. The wire length check counts the
// root label whether or not the name has it.
func parseName(s string) (labels [][]byte, root bool, err error) {
	if s == "" {
		return nil, false, nil
	}
	if s == "." {
		return nil, true, nil
	}
	var cur []byte
	wire := 1 // the root label
	inLabel := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if !inLabel {
				return nil, false, fmt.Errorf("%w: %q: empty label", ErrInvalidName, s)
			}
			labels = append(labels, cur)
			cur = nil
			inLabel = false
			if i == len(s)-1 {
				root = true
			}
			continue
		case c == '\\':
			if i+1 >= len(s) {
				return nil, false, fmt.Errorf("%w: %q: trailing backslash", ErrInvalidName, s)
			}
			if isDigit(s[i+1]) {
				if i+3 >= len(s) || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
					return nil, false, fmt.Errorf("%w: %q: bad \\DDD escape", ErrInvalidName, s)
				}
				v := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
				if v > 255 {
					return nil, false, fmt.Errorf("%w: %q: bad \\DDD escape", ErrInvalidName, s)
				}
				c = byte(v)
				i += 3
			} else {
				c = s[i+1]
				i++
			}
		}
		cur = append(cur, c)
		inLabel = true
		if len(cur) > maxLabelLen {
			return nil, false, fmt.Errorf("%w: %q: label longer than 63 octets", ErrInvalidName, s)
		}
	}
	if inLabel {
		labels = append(labels, cur)
	}
	for _, l := range labels {
		wire += 1 + len(l)
	}
	if wire > maxNameLen {
		return nil, false, fmt.Errorf("%w: %q: longer than 255 octets", ErrInvalidName, s)
	}
	return labels, root, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// appendLabelsWire appends labels in wire format; root adds the terminating
// zero label; lower downcases ASCII letters (DNSSEC canonical form).
func appendLabelsWire(b []byte, labels [][]byte, root, lower bool) []byte {
	for _, l := range labels {
		b = append(b, byte(len(l)))
		if lower {
			for _, c := range l {
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				b = append(b, c)
			}
		} else {
			b = append(b, l...)
		}
	}
	if root {
		b = append(b, 0)
	}
	return b
}

// nameToWire converts a presentation-format name to uncompressed wire format.
// forceRoot terminates the name with the root label even if s has no final
// dot (how Kea writes an FQDN for the DHCID).
func nameToWire(b []byte, s string, forceRoot, lower bool) ([]byte, error) {
	labels, root, err := parseName(s)
	if err != nil {
		return b, err
	}
	return appendLabelsWire(b, labels, root || forceRoot, lower), nil
}

// parseWireName decodes an uncompressed wire-format name that fills b
// entirely. A name without the terminating zero label is partial.
// Compression pointers are not allowed (RFC 4702 §2.3.1, RFC 4704 §4.1).
func parseWireName(b []byte) (labels [][]byte, root bool, err error) {
	wire := 1
	for i := 0; i < len(b); {
		n := int(b[i])
		if n == 0 {
			if i != len(b)-1 {
				return nil, false, fmt.Errorf("%w: %d octets after the root label", ErrInvalidName, len(b)-i-1)
			}
			return labels, true, nil
		}
		if n > maxLabelLen {
			return nil, false, fmt.Errorf("%w: label length octet %#02x", ErrInvalidName, n)
		}
		if i+1+n > len(b) {
			return nil, false, fmt.Errorf("%w: label runs past the end", ErrInvalidName)
		}
		labels = append(labels, b[i+1:i+1+n])
		wire += 1 + n
		if wire > maxNameLen {
			return nil, false, fmt.Errorf("%w: longer than 255 octets", ErrInvalidName)
		}
		i += 1 + n
	}
	return labels, false, nil
}

// labelsText renders raw labels in presentation format without the final
// dot, escaping '.', '\\' and non-printable octets.
func labelsText(labels [][]byte) string {
	var sb strings.Builder
	for i, l := range labels {
		if i > 0 {
			sb.WriteByte('.')
		}
		for _, c := range l {
			switch {
			case c == '.' || c == '\\':
				sb.WriteByte('\\')
				sb.WriteByte(c)
			case c < 0x21 || c > 0x7e:
				sb.WriteByte('\\')
				sb.WriteByte('0' + c/100)
				sb.WriteByte('0' + c/10%10)
				sb.WriteByte('0' + c%10)
			default:
				sb.WriteByte(c)
			}
		}
	}
	return sb.String()
}

// canonicalName parses s and renders it back without a trailing dot, with
// escapes normalised, and reports whether s was fully qualified.
func canonicalName(s string) (name string, root bool, err error) {
	labels, root, err := parseName(s)
	if err != nil {
		return "", false, err
	}
	return labelsText(labels), root, nil
}

// Absolute returns name with a trailing dot (the root label) unless it has
// one already. The empty name stays empty.
func Absolute(name string) string {
	if name == "" || hasFinalDot(name) {
		return name
	}
	return name + "."
}

// hasFinalDot reports whether name ends with an unescaped '.'.
func hasFinalDot(name string) bool {
	if !strings.HasSuffix(name, ".") {
		return false
	}
	// Count the backslashes before the final dot: odd means escaped.
	n := 0
	for i := len(name) - 2; i >= 0 && name[i] == '\\'; i-- {
		n++
	}
	return n%2 == 0
}

// trimFinalDot removes one unescaped trailing dot.
func trimFinalDot(name string) string {
	if hasFinalDot(name) {
		return name[:len(name)-1]
	}
	return name
}

// FQDNWire returns the canonical (lowercase, uncompressed, root-terminated)
// wire form of name, the form hashed into the DHCID (Kea's
// OptionDataTypeUtil::writeFqdn with downcase).
func FQDNWire(name string) ([]byte, error) {
	if name == "" || name == "." {
		return nil, fmt.Errorf("%w: empty FQDN", ErrInvalidName)
	}
	return nameToWire(make([]byte, 0, len(name)+2), name, true, true)
}
