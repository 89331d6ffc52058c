package memfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// Schema selects the lease file format memfile writes. Both are always read.
type Schema uint8

const (
	// SchemaLatest is the format of Kea 2.4 and later (v4 schema 3.0, v6
	// schema 5.0): the 2.2 columns plus pool_id.
	SchemaLatest Schema = iota
	// Schema22 is the format of Kea 2.2 (v4 schema 2.1, v6 schema 4.0),
	// without pool_id, for files that a Kea 2.2 server or kea-lfc shares.
	// Pool IDs are then not persisted.
	Schema22
)

// String returns "latest" or "2.2".
func (s Schema) String() string {
	if s == Schema22 {
		return "2.2"
	}
	return "latest"
}

// Column names, in file order (Kea's CSVLeaseFile4/6 schemas).
var (
	columns4 = []string{"address", "hwaddr", "client_id", "valid_lifetime", "expire", "subnet_id",
		"fqdn_fwd", "fqdn_rev", "hostname", "state", "user_context", "pool_id"}
	columns6 = []string{"address", "duid", "valid_lifetime", "expire", "subnet_id", "pref_lifetime",
		"lease_type", "iaid", "prefix_len", "fqdn_fwd", "fqdn_rev", "hostname", "hwaddr", "state",
		"user_context", "hwtype", "hwaddr_source", "pool_id"}
)

// Column counts: the fewest a header may have (schema 1.0, through
// hostname) and the count written by each schema.
const (
	minColumns4 = 9
	minColumns6 = 12
)

func writeColumns4(s Schema) int {
	if s == Schema22 {
		return 11
	}
	return 12
}

func writeColumns6(s Schema) int {
	if s == Schema22 {
		return 17
	}
	return 18
}

// header returns the header line for the first n columns.
func header(cols []string, n int) []byte {
	return []byte(strings.Join(cols[:n], ",") + "\n")
}

// parseHeader checks a header line against the known columns and returns
// how many known columns it has. Extra unknown columns at the end (a newer
// schema) are allowed and ignored, as Kea's VersionedCSVFile does.
func parseHeader(line []byte, cols []string, minCols int) (ncols, known int, err error) {
	names := strings.Split(string(line), ",")
	if len(names) < minCols {
		return 0, 0, fmt.Errorf("header has %d columns, want at least %d (%s)", len(names), minCols, strings.Join(cols[:minCols], ","))
	}
	known = min(len(names), len(cols))
	for i := 0; i < known; i++ {
		if names[i] != cols[i] {
			return 0, 0, fmt.Errorf("header column %d is %q, want %q", i+1, names[i], cols[i])
		}
	}
	return len(names), known, nil
}

// appendEscaped appends s with Kea's &#xHH escaping: the separator ',' and
// the escape character '&', and also every byte below 0x20 or above 0x7e
// (as Kea does after 3.2.0), so that no value can break a row.
func appendEscaped(dst []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ',' || c == '&' || c < 0x20 || c > 0x7e {
			dst = append(dst, '&', '#', 'x', hexd[c>>4], hexd[c&0xf])
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// unescape undoes Kea's escaping: every "&#x" followed by two hex digits
// (either case) becomes that byte; a tag not followed by two hex digits is
// kept as it is.
func unescape(b []byte) string {
	if bytes.IndexByte(b, '&') < 0 {
		return string(b)
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '&' && i+4 < len(b) && b[i+1] == '#' && b[i+2] == 'x' {
			hi, ok1 := unhex(b[i+3])
			lo, ok2 := unhex(b[i+4])
			if ok1 && ok2 {
				out = append(out, hi<<4|lo)
				i += 4
				continue
			}
		}
		out = append(out, b[i])
	}
	return string(out)
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendHex appends b as lowercase two-digit hex bytes joined by colons.
func appendHex(dst []byte, b []byte) []byte {
	const hexd = "0123456789abcdef"
	for i, c := range b {
		if i > 0 {
			dst = append(dst, ':')
		}
		dst = append(dst, hexd[c>>4], hexd[c&0xf])
	}
	return dst
}

var errHex = errors.New("bad hex")

// parseHex decodes Kea's colon-separated hex ("0:1:a2"): groups of one or
// two hex digits, no empty group. An empty input gives nil.
func parseHex(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, nil
	}
	out := make([]byte, 0, (len(b)+1)/3)
	for len(b) > 0 {
		i := bytes.IndexByte(b, ':')
		var g []byte
		if i < 0 {
			g, b = b, nil
		} else {
			g, b = b[:i], b[i+1:]
			if len(b) == 0 {
				return nil, errHex // trailing colon
			}
		}
		var v byte
		switch len(g) {
		case 1:
			x, ok := unhex(g[0])
			if !ok {
				return nil, errHex
			}
			v = x
		case 2:
			x, ok1 := unhex(g[0])
			y, ok2 := unhex(g[1])
			if !ok1 || !ok2 {
				return nil, errHex
			}
			v = x<<4 | y
		default:
			return nil, errHex
		}
		out = append(out, v)
	}
	return out, nil
}

// parseUint parses a decimal unsigned number of at most bits bits: digits
// only, no sign, no spaces.
func parseUint(b []byte, bits uint) (uint64, error) {
	if len(b) == 0 || len(b) > 20 {
		return 0, errors.New("bad number")
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, errors.New("bad number")
		}
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, errors.New("number out of range")
		}
		n = n*10 + d
	}
	if bits < 64 && n >= 1<<bits {
		return 0, errors.New("number out of range")
	}
	return n, nil
}

func parseBool(b []byte) (bool, error) {
	if len(b) == 1 {
		switch b[0] {
		case '0':
			return false, nil
		case '1':
			return true, nil
		}
	}
	return false, errors.New("bad boolean (want 0 or 1)")
}

// parseIPv4 parses a dotted quad without allocating.
func parseIPv4(b []byte) (netip.Addr, bool) {
	var a [4]byte
	part, digits := 0, 0
	var v int
	for i := 0; i <= len(b); i++ {
		if i == len(b) || b[i] == '.' {
			if digits == 0 || part > 3 {
				return netip.Addr{}, false
			}
			a[part] = byte(v)
			part++
			v, digits = 0, 0
			continue
		}
		c := b[i]
		if c < '0' || c > '9' || (digits == 1 && v == 0) {
			return netip.Addr{}, false // not a digit, or a leading zero
		}
		v = v*10 + int(c-'0')
		digits++
		if v > 255 {
			return netip.Addr{}, false
		}
	}
	if part != 4 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(a), true
}

// appendKeaJSON appends v in Kea's compact JSON style: `{ "a": 1, "b": [ 2 ] }`,
// map keys sorted.
func appendKeaJSON(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case string:
		return appendJSONString(dst, v), nil
	case json.Number:
		if !json.Valid([]byte(v)) {
			return nil, fmt.Errorf("bad JSON number %q", string(v))
		}
		return append(dst, v...), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errors.New("NaN or infinity in user context")
		}
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return strconv.AppendInt(dst, int64(v), 10), nil
		}
		return strconv.AppendFloat(dst, v, 'g', -1, 64), nil
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, "{ "...)
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendJSONString(dst, k)
			dst = append(dst, ": "...)
			var err error
			if dst, err = appendKeaJSON(dst, v[k]); err != nil {
				return nil, err
			}
		}
		return append(dst, " }"...), nil
	case []any:
		dst = append(dst, "[ "...)
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			var err error
			if dst, err = appendKeaJSON(dst, e); err != nil {
				return nil, err
			}
		}
		return append(dst, " ]"...), nil
	}
	// Other Go values a caller may have put in a user context (ints,
	// structs): let encoding/json turn them into JSON, then re-decode so
	// they get Kea's style.
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var x any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&x); err != nil {
		return nil, err
	}
	return appendKeaJSON(dst, x)
}

func appendJSONString(dst []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			if c < 0x20 {
				dst = append(dst, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&0xf])
			} else {
				dst = append(dst, c)
			}
		}
	}
	return append(dst, '"')
}

// parseUserContext decodes a user context column (already unescaped): empty
// means none; otherwise it must be one JSON object.
func parseUserContext(s string) (leasemgr.UserContext, error) {
	if s == "" {
		return nil, nil
	}
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("bad user context JSON: %v", err)
	}
	if d.More() {
		return nil, errors.New("bad user context JSON: trailing data")
	}
	if _, err := d.Token(); err == nil {
		return nil, errors.New("bad user context JSON: trailing data")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("user context %s is not a JSON map", s)
	}
	return m, nil
}

func appendUserContext(dst []byte, uc leasemgr.UserContext) ([]byte, error) {
	if len(uc) == 0 {
		return dst, nil
	}
	js, err := appendKeaJSON(nil, uc)
	if err != nil {
		return nil, err
	}
	return appendEscaped(dst, string(js)), nil
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, '1')
	}
	return append(dst, '0')
}

// expireOf returns the expire column (cltt + valid, as Kea computes it,
// also for an infinite lifetime).
func expireOf(cltt int64, valid uint32) int64 { return cltt + int64(valid) }

// appendRow4 appends the CSV row for l in schema s, ending with a newline.
// With del the row is Kea's deletion marker: valid lifetime 0, expire =
// cltt.
func appendRow4(dst []byte, l *leasemgr.Lease4, s Schema, del bool) ([]byte, error) {
	valid := l.ValidLifetime
	if del {
		valid = 0
	}
	dst = l.Addr.AppendTo(dst)
	dst = append(dst, ',')
	dst = appendHex(dst, l.HWAddr.Addr)
	dst = append(dst, ',')
	dst = appendHex(dst, l.ClientID)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, uint64(valid), 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, expireOf(l.CLTT, valid), 10)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, uint64(l.SubnetID), 10)
	dst = append(dst, ',')
	dst = appendBool(dst, l.FQDNFwd)
	dst = append(dst, ',')
	dst = appendBool(dst, l.FQDNRev)
	dst = append(dst, ',')
	dst = appendEscaped(dst, l.Hostname)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, uint64(l.State), 10)
	dst = append(dst, ',')
	dst, err := appendUserContext(dst, l.UserContext)
	if err != nil {
		return nil, err
	}
	if s != Schema22 {
		dst = append(dst, ',')
		dst = strconv.AppendUint(dst, uint64(l.PoolID), 10)
	}
	return append(dst, '\n'), nil
}

// appendRow6 is appendRow4 for DHCPv6; a deletion also zeroes the
// preferred lifetime, as Kea does.
func appendRow6(dst []byte, l *leasemgr.Lease6, s Schema, del bool) ([]byte, error) {
	valid, pref := l.ValidLifetime, l.PreferredLifetime
	if del {
		valid, pref = 0, 0
	}
	dst = l.Addr.AppendTo(dst)
	dst = append(dst, ',')
	dst = appendHex(dst, l.DUID)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, uint64(valid), 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, expireOf(l.CLTT, valid), 10)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, uint64(l.SubnetID), 10)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, uint64(pref), 10)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, uint64(l.Type), 10)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, uint64(l.IAID), 10)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, uint64(l.PrefixLen), 10)
	dst = append(dst, ',')
	dst = appendBool(dst, l.FQDNFwd)
	dst = append(dst, ',')
	dst = appendBool(dst, l.FQDNRev)
	dst = append(dst, ',')
	dst = appendEscaped(dst, l.Hostname)
	dst = append(dst, ',')
	dst = appendHex(dst, l.HWAddr.Addr)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, uint64(l.State), 10)
	dst = append(dst, ',')
	dst, err := appendUserContext(dst, l.UserContext)
	if err != nil {
		return nil, err
	}
	dst = append(dst, ',')
	if len(l.HWAddr.Addr) > 0 {
		dst = strconv.AppendUint(dst, uint64(l.HWAddr.Type), 10)
	}
	dst = append(dst, ',')
	if len(l.HWAddr.Addr) > 0 {
		dst = strconv.AppendUint(dst, uint64(l.HWAddr.Source), 10)
	}
	if s != Schema22 {
		dst = append(dst, ',')
		dst = strconv.AppendUint(dst, uint64(l.PoolID), 10)
	}
	return append(dst, '\n'), nil
}

// fieldError names the column a row error is about.
func fieldError(col string, v []byte, err error) error {
	if len(v) > 64 {
		v = append(v[:61:61], "..."...)
	}
	return fmt.Errorf("%s %q: %v", col, v, err)
}

// splitRow splits a line at commas into fields (reusing fields).
func splitRow(line []byte, fields [][]byte) [][]byte {
	fields = fields[:0]
	for {
		i := bytes.IndexByte(line, ',')
		if i < 0 {
			return append(fields, line)
		}
		fields = append(fields, line[:i])
		line = line[i+1:]
	}
}

// decodeRow4 decodes the fields of one v4 row; known is the number of
// known columns the header has (the rest take their defaults).
func decodeRow4(f [][]byte, known int) (*leasemgr.Lease4, error) {
	l := &leasemgr.Lease4{}
	var ok bool
	if l.Addr, ok = parseIPv4(f[0]); !ok {
		return nil, fieldError("address", f[0], errors.New("not an IPv4 address"))
	}
	hw, err := parseHex(f[1])
	if err != nil {
		return nil, fieldError("hwaddr", f[1], err)
	}
	if len(hw) > leasemgr.MaxHWAddrLen {
		return nil, fieldError("hwaddr", f[1], fmt.Errorf("longer than %d bytes", leasemgr.MaxHWAddrLen))
	}
	if len(hw) > 0 {
		l.HWAddr = leasemgr.HWAddr{Addr: hw, Type: leasemgr.HTypeEthernet}
	}
	if l.ClientID, err = parseHex(f[2]); err != nil {
		return nil, fieldError("client_id", f[2], err)
	}
	if len(l.ClientID) == 1 || len(l.ClientID) > maxClientIDLen {
		return nil, fieldError("client_id", f[2], fmt.Errorf("length %d not in [2, %d]", len(l.ClientID), maxClientIDLen))
	}
	n, err := parseUint(f[3], 32)
	if err != nil {
		return nil, fieldError("valid_lifetime", f[3], err)
	}
	l.ValidLifetime = uint32(n)
	exp, err := parseUint(f[4], 63)
	if err != nil {
		return nil, fieldError("expire", f[4], err)
	}
	l.CLTT = int64(exp) - int64(l.ValidLifetime)
	if n, err = parseUint(f[5], 32); err != nil {
		return nil, fieldError("subnet_id", f[5], err)
	}
	l.SubnetID = uint32(n)
	if l.FQDNFwd, err = parseBool(f[6]); err != nil {
		return nil, fieldError("fqdn_fwd", f[6], err)
	}
	if l.FQDNRev, err = parseBool(f[7]); err != nil {
		return nil, fieldError("fqdn_rev", f[7], err)
	}
	l.Hostname = unescape(f[8])
	if known > 9 {
		if l.State, err = parseState(f[9]); err != nil {
			return nil, fieldError("state", f[9], err)
		}
	}
	if known > 10 {
		if l.UserContext, err = parseUserContext(unescape(f[10])); err != nil {
			return nil, fieldError("user_context", f[10], err)
		}
	}
	if known > 11 {
		if n, err = parseUint(f[11], 32); err != nil {
			return nil, fieldError("pool_id", f[11], err)
		}
		l.PoolID = uint32(n)
	}
	if len(l.HWAddr.Addr) == 0 && len(l.ClientID) == 0 && l.State != leasemgr.StateDeclined && l.ValidLifetime != 0 {
		return nil, errors.New("lease has neither hardware address nor client identifier and is not declined")
	}
	return l, nil
}

func parseState(b []byte) (leasemgr.State, error) {
	n, err := parseUint(b, 32)
	if err != nil {
		return 0, err
	}
	if leasemgr.State(n) > leasemgr.MaxState {
		return 0, fmt.Errorf("unknown state %d", n)
	}
	return leasemgr.State(n), nil
}

// decodeRow6 decodes the fields of one v6 row.
func decodeRow6(f [][]byte, known int) (*leasemgr.Lease6, error) {
	l := &leasemgr.Lease6{}
	a, err := netip.ParseAddr(string(f[0]))
	if err != nil || !a.Is6() || a.Zone() != "" {
		return nil, fieldError("address", f[0], errors.New("not an IPv6 address"))
	}
	l.Addr = a
	if l.DUID, err = parseHex(f[1]); err != nil {
		return nil, fieldError("duid", f[1], err)
	}
	if len(l.DUID) == 0 || len(l.DUID) > maxDUIDLen {
		return nil, fieldError("duid", f[1], fmt.Errorf("length %d not in [1, %d]", len(l.DUID), maxDUIDLen))
	}
	n, err := parseUint(f[2], 32)
	if err != nil {
		return nil, fieldError("valid_lifetime", f[2], err)
	}
	l.ValidLifetime = uint32(n)
	exp, err := parseUint(f[3], 63)
	if err != nil {
		return nil, fieldError("expire", f[3], err)
	}
	l.CLTT = int64(exp) - int64(l.ValidLifetime)
	if n, err = parseUint(f[4], 32); err != nil {
		return nil, fieldError("subnet_id", f[4], err)
	}
	l.SubnetID = uint32(n)
	if n, err = parseUint(f[5], 32); err != nil {
		return nil, fieldError("pref_lifetime", f[5], err)
	}
	l.PreferredLifetime = uint32(n)
	if n, err = parseUint(f[6], 8); err != nil || n > uint64(leasemgr.TypePD) {
		return nil, fieldError("lease_type", f[6], errors.New("not 0, 1 or 2"))
	}
	l.Type = leasemgr.LeaseType(n)
	if n, err = parseUint(f[7], 32); err != nil {
		return nil, fieldError("iaid", f[7], err)
	}
	l.IAID = uint32(n)
	if n, err = parseUint(f[8], 8); err != nil || n > 128 {
		return nil, fieldError("prefix_len", f[8], errors.New("not in [0, 128]"))
	}
	l.PrefixLen = uint8(n)
	if l.FQDNFwd, err = parseBool(f[9]); err != nil {
		return nil, fieldError("fqdn_fwd", f[9], err)
	}
	if l.FQDNRev, err = parseBool(f[10]); err != nil {
		return nil, fieldError("fqdn_rev", f[10], err)
	}
	l.Hostname = unescape(f[11])
	if known > 12 {
		hw, err := parseHex(f[12])
		if err != nil {
			return nil, fieldError("hwaddr", f[12], err)
		}
		if len(hw) > leasemgr.MaxHWAddrLen {
			return nil, fieldError("hwaddr", f[12], fmt.Errorf("longer than %d bytes", leasemgr.MaxHWAddrLen))
		}
		if len(hw) > 0 {
			l.HWAddr = leasemgr.HWAddr{Addr: hw, Type: leasemgr.HTypeEthernet}
		}
	}
	if known > 13 {
		if l.State, err = parseState(f[13]); err != nil {
			return nil, fieldError("state", f[13], err)
		}
	}
	if known > 14 {
		if l.UserContext, err = parseUserContext(unescape(f[14])); err != nil {
			return nil, fieldError("user_context", f[14], err)
		}
	}
	if known > 15 && len(f[15]) > 0 {
		if n, err = parseUint(f[15], 16); err != nil {
			return nil, fieldError("hwtype", f[15], err)
		}
		if len(l.HWAddr.Addr) > 0 {
			l.HWAddr.Type = uint16(n)
		}
	}
	if known > 16 && len(f[16]) > 0 {
		if n, err = parseUint(f[16], 32); err != nil {
			return nil, fieldError("hwaddr_source", f[16], err)
		}
		if len(l.HWAddr.Addr) > 0 {
			l.HWAddr.Source = uint32(n)
		}
	}
	if known > 17 {
		if n, err = parseUint(f[17], 32); err != nil {
			return nil, fieldError("pool_id", f[17], err)
		}
		l.PoolID = uint32(n)
	}
	return l, nil
}

// Identifier length limits (Kea's ClientId and DUID).
const (
	maxClientIDLen = 255
	maxDUIDLen     = 130
)
