package option

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

// kerr is an error with its own message that wraps a sentinel, so that
// messages read naturally and errors.Is still works.
type kerr struct {
	msg      string
	sentinel error
}

func (e *kerr) Error() string { return e.msg }
func (e *kerr) Unwrap() error { return e.sentinel }

func errf(sentinel error, format string, args ...any) error {
	return &kerr{msg: fmt.Sprintf(format, args...), sentinel: sentinel}
}

// prefixErr prefixes the message of err (keeping what it wraps).
func prefixErr(prefix string, err error) error {
	return &kerr{msg: prefix + err.Error(), sentinel: err}
}

// article returns "a" or "an" for a type name in messages.
func article(t Type) string {
	switch t {
	case TypeEmpty, TypeInt8, TypeInt16, TypeInt32, TypeIPv4Address,
		TypeIPv6Address, TypeIPv6Prefix, TypeInternal:
		return "an"
	}
	return "a"
}

func notA(s string, t Type) error {
	return errf(ErrInvalidValue, "%q is not %s %s", s, article(t), t)
}

// blanks are the characters Kea trims around each comma-separated value.
const blanks = " \t\n\r"

func trimBlanks(s string) string { return strings.Trim(s, blanks) }

// splitValues splits option data in CSV format into values the way Kea
// does: values are separated by commas, "\," is a literal comma and "\\" a
// literal backslash (a backslash before any other character is kept as is),
// empty values are dropped, and blanks around each value are trimmed (a
// value made only of blanks becomes "" and is kept, so that it is reported).
func splitValues(text string) []string {
	var (
		out     []string
		tok     []byte
		inTok   bool
		escaped bool
	)
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == ',':
			switch {
			case !inTok:
				// consecutive delimiters
			case escaped:
				escaped = false
				tok = append(tok, c)
			default:
				if len(tok) > 0 {
					out = append(out, string(tok))
				}
				inTok = false
				tok = tok[:0]
			}
		case c == '\\':
			inTok = true
			if escaped {
				escaped = false
				tok = append(tok, c)
			} else {
				escaped = true
			}
		default:
			inTok = true
			if escaped {
				escaped = false
				tok = append(tok, '\\')
			}
			tok = append(tok, c)
		}
	}
	if escaped {
		tok = append(tok, '\\')
	}
	if len(tok) > 0 {
		out = append(out, string(tok))
	}
	for i := range out {
		out[i] = trimBlanks(out[i])
	}
	return out
}

// escapeValue is the inverse of splitValues for one value: commas become
// "\," and a backslash is doubled when splitValues would otherwise take it
// as an escape (before a comma, a backslash or at the end).
func escapeValue(s string) string {
	if !strings.ContainsAny(s, `,\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ',':
			b.WriteString(`\,`)
		case '\\':
			if i+1 == len(s) || s[i+1] == ',' || s[i+1] == '\\' {
				b.WriteString(`\\`)
			} else {
				b.WriteByte('\\')
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// representable reports whether a text value survives splitValues: valid
// UTF-8 (it travels in JSON), not empty, no blanks at either end.
func representable(s string) bool {
	return s != "" && utf8.ValidString(s) && trimBlanks(s) == s
}

// intRange returns the bounds of an integer type.
func intRange(t Type) (lo, hi int64, size int) {
	switch t {
	case TypeInt8:
		return math.MinInt8, math.MaxInt8, 1
	case TypeInt16:
		return math.MinInt16, math.MaxInt16, 2
	case TypeInt32:
		return math.MinInt32, math.MaxInt32, 4
	case TypeUint8:
		return 0, math.MaxUint8, 1
	case TypeUint16:
		return 0, math.MaxUint16, 2
	default: // TypeUint32
		return 0, math.MaxUint32, 4
	}
}

// parseKeaInt parses an integer as Kea does: decimal first (optional sign),
// else hexadecimal with an optional sign and "0x" prefix ("ff", "0xFF").
func parseKeaInt(s string) (int64, bool) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, true
	}
	neg := false
	h := s
	if h != "" && (h[0] == '-' || h[0] == '+') {
		neg = h[0] == '-'
		h = h[1:]
	}
	if len(h) > 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X') {
		h = h[2:]
	}
	if h == "" || h[0] == '+' || h[0] == '-' {
		return 0, false
	}
	v, err := strconv.ParseInt(h, 16, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// decodeHexCSV decodes a binary value in CSV data: hexadecimal digits,
// blanks anywhere are ignored, an even number of digits (Kea's rule; no
// "0x" prefix, no colons).
func decodeHexCSV(s string) ([]byte, error) {
	clean := strings.Map(func(r rune) rune {
		if strings.ContainsRune(blanks, r) {
			return -1
		}
		return r
	}, s)
	if clean == "" {
		return nil, errf(ErrInvalidValue, "empty binary value")
	}
	b, err := hex.DecodeString(clean)
	if err != nil {
		return nil, errf(ErrInvalidValue, "%q is not a binary (an even number of hexadecimal digits)", s)
	}
	return b, nil
}

// ParseHex decodes option data written with csv-format false, accepting
// what Kea accepts: an optional "0x" prefix, then either plain hexadecimal
// digits (an odd count gets a leading zero), or octets of one or two digits
// separated by single colons or by single spaces ("0a:b:0c", "0a 0b 0c");
// or a text in single quotes ('PXEClient'), taken as its bytes. An empty
// string gives no bytes. Errors wrap ErrInvalidValue.
func ParseHex(s string) ([]byte, error) {
	s = trimBlanks(s)
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' && len(s) > 2 {
		return []byte(s[1 : len(s)-1]), nil
	}
	bad := func() error {
		return errf(ErrInvalidValue, "%q is not a valid string of hexadecimal digits", s)
	}
	h := s
	if len(h) >= 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X') {
		h = h[2:]
		if h == "" {
			return nil, bad()
		}
	}
	if h == "" {
		return []byte{}, nil
	}
	hasColon, hasSpace := strings.Contains(h, ":"), strings.Contains(h, " ")
	if hasColon || hasSpace {
		if hasColon && hasSpace {
			return nil, bad()
		}
		sep := ":"
		if hasSpace {
			sep = " "
		}
		parts := strings.Split(h, sep)
		out := make([]byte, 0, len(parts))
		for _, p := range parts {
			if len(p) == 0 || len(p) > 2 {
				return nil, bad()
			}
			v, err := strconv.ParseUint(p, 16, 8)
			if err != nil {
				return nil, bad()
			}
			out = append(out, byte(v))
		}
		return out, nil
	}
	if len(h)%2 == 1 {
		h = "0" + h
	}
	out, err := hex.DecodeString(h)
	if err != nil {
		return nil, bad()
	}
	return out, nil
}

// FormatHex writes wire bytes the way Kea shows csv-format false data:
// uppercase hexadecimal digits without separators.
func FormatHex(wire []byte) string {
	return strings.ToUpper(hex.EncodeToString(wire))
}

// encodeField appends the wire form of one value of type t to buf.
func encodeField(u Universe, t Type, s string, buf []byte) ([]byte, error) {
	switch t {
	case TypeBinary:
		b, err := decodeHexCSV(s)
		if err != nil {
			return nil, err
		}
		return append(buf, b...), nil

	case TypeBoolean:
		switch {
		case strings.EqualFold(s, "true"):
			return append(buf, 1), nil
		case strings.EqualFold(s, "false"):
			return append(buf, 0), nil
		}
		if v, err := strconv.ParseInt(s, 10, 64); err == nil && (v == 0 || v == 1) {
			return append(buf, byte(v)), nil
		}
		return nil, errf(ErrInvalidValue, "%q is not a boolean (true, false, 1 or 0)", s)

	case TypeInt8, TypeInt16, TypeInt32, TypeUint8, TypeUint16, TypeUint32:
		lo, hi, size := intRange(t)
		v, ok := parseKeaInt(s)
		if !ok {
			return nil, notA(s, t)
		}
		if v < lo || v > hi {
			return nil, errf(ErrInvalidValue, "%q is out of range for %s %s (%d..%d)", s, article(t), t, lo, hi)
		}
		switch size {
		case 1:
			return append(buf, byte(v)), nil
		case 2:
			return binary.BigEndian.AppendUint16(buf, uint16(v)), nil
		default:
			return binary.BigEndian.AppendUint32(buf, uint32(v)), nil
		}

	case TypeIPv4Address:
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			return nil, notA(s, t)
		}
		b := a.As4()
		return append(buf, b[:]...), nil

	case TypeIPv6Address:
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return nil, notA(s, t)
		}
		b := a.As16()
		return append(buf, b[:]...), nil

	case TypeIPv6Prefix:
		addr, lenStr, ok := strings.Cut(s, "/")
		a, err := netip.ParseAddr(trimBlanks(addr))
		n, err2 := strconv.ParseUint(trimBlanks(lenStr), 10, 8)
		if !ok || err != nil || !a.Is6() || a.Zone() != "" || err2 != nil || n > 128 {
			return nil, errf(ErrInvalidValue, "%q is not an ipv6-prefix (address/length, length 0..128)", s)
		}
		p := netip.PrefixFrom(a, int(n)).Masked()
		b := p.Addr().As16()
		buf = append(buf, byte(n))
		return append(buf, b[:(n+7)/8]...), nil

	case TypePSID:
		vs, ls, ok := strings.Cut(s, "/")
		v, okv := parseKeaInt(trimBlanks(vs))
		l, okl := parseKeaInt(trimBlanks(ls))
		if !ok || !okv || !okl || v < 0 || v > math.MaxUint16 || l < 0 || l > 255 {
			return nil, errf(ErrInvalidValue, "%q is not a psid (psid/length)", s)
		}
		if l > 16 {
			return nil, errf(ErrInvalidValue, "psid %q: length %d is not in 0..16", s, l)
		}
		var w uint16
		if l > 0 {
			if v >= 1<<l {
				return nil, errf(ErrInvalidValue, "psid %q: value %d does not fit in %d bits", s, v, l)
			}
			w = uint16(v) << (16 - l)
		}
		buf = append(buf, byte(l))
		return binary.BigEndian.AppendUint16(buf, w), nil

	case TypeString:
		if s == "" {
			return nil, errf(ErrInvalidValue, "empty string value")
		}
		return append(buf, s...), nil

	case TypeFQDN:
		return appendFQDN(buf, s)

	case TypeTuple:
		if s == "" {
			return nil, errf(ErrInvalidValue, "empty tuple value")
		}
		if u == V6 {
			if len(s) > math.MaxUint16 {
				return nil, errf(ErrInvalidValue, "tuple value of %d bytes is longer than 65535", len(s))
			}
			buf = binary.BigEndian.AppendUint16(buf, uint16(len(s)))
		} else {
			if len(s) > math.MaxUint8 {
				return nil, errf(ErrInvalidValue, "tuple value of %d bytes is longer than 255", len(s))
			}
			buf = append(buf, byte(len(s)))
		}
		return append(buf, s...), nil
	}
	return nil, errf(ErrInvalidValue, "type %s takes no value", t)
}

// appendFQDN appends the wire form (RFC 1035 labels, ending with the root
// label, no compression) of a domain name in text. Escapes as in DNS master
// files: "\." and "\\" for a literal dot or backslash, "\DDD" for a byte.
// A trailing dot is optional; "." is the root name.
func appendFQDN(buf []byte, s string) ([]byte, error) {
	bad := func(why string) error {
		return errf(ErrInvalidValue, "%q is not an fqdn: %s", s, why)
	}
	if s == "" {
		return nil, bad("empty name")
	}
	start := len(buf)
	if s == "." {
		return append(buf, 0), nil
	}
	label := make([]byte, 0, 63)
	flush := func() error {
		if len(label) == 0 {
			return bad("empty label")
		}
		if len(label) > 63 {
			return bad("label longer than 63 bytes")
		}
		buf = append(buf, byte(len(label)))
		buf = append(buf, label...)
		label = label[:0]
		return nil
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '.':
			if err := flush(); err != nil {
				return nil, err
			}
		case '\\':
			if i+1 == len(s) {
				return nil, bad("dangling backslash")
			}
			if d := s[i+1]; d >= '0' && d <= '9' {
				if i+4 > len(s) {
					return nil, bad(`\DDD escape needs three digits`)
				}
				v, err := strconv.ParseUint(s[i+1:i+4], 10, 16)
				if err != nil || v > 255 {
					return nil, bad(`bad \DDD escape`)
				}
				label = append(label, byte(v))
				i += 3
			} else {
				label = append(label, d)
				i++
			}
		default:
			label = append(label, c)
		}
	}
	if len(label) > 0 || s[len(s)-1] != '.' {
		if err := flush(); err != nil {
			return nil, err
		}
	}
	buf = append(buf, 0)
	if len(buf)-start > 255 {
		return nil, bad("longer than 255 bytes on the wire")
	}
	return buf, nil
}

// fieldLen returns how many bytes of w the first value of type t takes
// (the rest of w when last and the type has no length of its own), checking
// the structure only.
func fieldLen(u Universe, t Type, w []byte, last bool) (int, error) {
	need := func(n int) (int, error) {
		if len(w) < n {
			return 0, errf(ErrMalformed, "truncated %s: %d bytes, need %d", t, len(w), n)
		}
		return n, nil
	}
	switch t {
	case TypeBinary, TypeString:
		if !last {
			return 0, errf(ErrMalformed, "%s field must be last", t)
		}
		return len(w), nil
	case TypeBoolean:
		return need(1)
	case TypeInt8, TypeUint8:
		return need(1)
	case TypeInt16, TypeUint16:
		return need(2)
	case TypeInt32, TypeUint32:
		return need(4)
	case TypeIPv4Address:
		return need(4)
	case TypeIPv6Address:
		return need(16)
	case TypeIPv6Prefix:
		if len(w) < 1 {
			return need(1)
		}
		if w[0] > 128 {
			return 0, errf(ErrMalformed, "ipv6-prefix length %d is greater than 128", w[0])
		}
		return need(1 + (int(w[0])+7)/8)
	case TypePSID:
		if len(w) >= 1 && w[0] > 16 {
			return 0, errf(ErrMalformed, "psid length %d is greater than 16", w[0])
		}
		return need(3)
	case TypeFQDN:
		i := 0
		for {
			if i >= len(w) {
				return 0, errf(ErrMalformed, "fqdn without the terminating root label")
			}
			l := int(w[i])
			if l == 0 {
				i++
				break
			}
			if l > 63 {
				return 0, errf(ErrMalformed, "fqdn label length %d (compression or extended label)", l)
			}
			i += 1 + l
		}
		if i > 255 {
			return 0, errf(ErrMalformed, "fqdn of %d bytes is longer than 255", i)
		}
		return i, nil
	case TypeTuple:
		if u == V6 {
			if _, err := need(2); err != nil {
				return 0, err
			}
			return need(2 + int(binary.BigEndian.Uint16(w)))
		}
		if _, err := need(1); err != nil {
			return 0, err
		}
		return need(1 + int(w[0]))
	}
	return 0, errf(ErrMalformed, "type %s has no data", t)
}

// formatField returns the text of one value of type t whose wire form is
// exactly w (as delimited by fieldLen), not yet escaped for CSV.
func formatField(u Universe, t Type, w []byte) (string, error) {
	switch t {
	case TypeBinary:
		if len(w) == 0 {
			return "", errf(ErrNotRepresentable, "empty binary value")
		}
		return FormatHex(w), nil
	case TypeBoolean:
		switch w[0] {
		case 0:
			return "false", nil
		case 1:
			return "true", nil
		}
		return "", errf(ErrMalformed, "boolean byte %d is neither 0 nor 1", w[0])
	case TypeInt8:
		return strconv.Itoa(int(int8(w[0]))), nil
	case TypeInt16:
		return strconv.Itoa(int(int16(binary.BigEndian.Uint16(w)))), nil
	case TypeInt32:
		return strconv.Itoa(int(int32(binary.BigEndian.Uint32(w)))), nil
	case TypeUint8:
		return strconv.Itoa(int(w[0])), nil
	case TypeUint16:
		return strconv.Itoa(int(binary.BigEndian.Uint16(w))), nil
	case TypeUint32:
		return strconv.FormatUint(uint64(binary.BigEndian.Uint32(w)), 10), nil
	case TypeIPv4Address:
		return netip.AddrFrom4([4]byte(w)).String(), nil
	case TypeIPv6Address:
		return netip.AddrFrom16([16]byte(w)).String(), nil
	case TypeIPv6Prefix:
		var a [16]byte
		copy(a[:], w[1:])
		p := netip.PrefixFrom(netip.AddrFrom16(a), int(w[0]))
		if p.Masked() != p {
			return "", errf(ErrMalformed, "ipv6-prefix %s has bits set after the prefix length", p)
		}
		return p.String(), nil
	case TypePSID:
		l := int(w[0])
		v := binary.BigEndian.Uint16(w[1:])
		if l == 0 {
			if v != 0 {
				return "", errf(ErrMalformed, "psid of length 0 with value %#04x", v)
			}
			return "0/0", nil
		}
		if v&(1<<(16-l)-1) != 0 {
			return "", errf(ErrMalformed, "psid %#04x has bits set after its %d-bit length", v, l)
		}
		return fmt.Sprintf("%d/%d", v>>(16-l), l), nil
	case TypeString:
		s := string(w)
		if !representable(s) {
			return "", errf(ErrNotRepresentable, "string %q (empty, not UTF-8 or with blanks at an end)", s)
		}
		return s, nil
	case TypeFQDN:
		return formatFQDN(w), nil
	case TypeTuple:
		n := 1
		if u == V6 {
			n = 2
		}
		s := string(w[n:])
		if !representable(s) {
			return "", errf(ErrNotRepresentable, "tuple %q (empty, not UTF-8 or with blanks at an end)", s)
		}
		return s, nil
	}
	return "", errf(ErrMalformed, "type %s has no data", t)
}

// formatFQDN writes a validated wire name as text, escaping '.', '\' and
// bytes outside printable ASCII (and space) as in DNS master files.
func formatFQDN(w []byte) string {
	if len(w) == 1 {
		return "."
	}
	var b strings.Builder
	for i := 0; w[i] != 0; {
		l := int(w[i])
		if i > 0 {
			b.WriteByte('.')
		}
		for _, c := range w[i+1 : i+1+l] {
			switch {
			case c == '.' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c <= ' ' || c >= 0x7f:
				fmt.Fprintf(&b, "\\%03d", c)
			default:
				b.WriteByte(c)
			}
		}
		i += 1 + l
	}
	return b.String()
}
