package option

import (
	"strconv"
	"strings"
)

// isStatusCode reports whether d is the DHCPv6 status-code option, whose
// status message may be empty.
func (d *Definition) isStatusCode() bool {
	return d.Space == SpaceDHCP6 && d.Code == 13 && d.Type == TypeRecord
}

// Encode turns option data in Kea's CSV format (csv-format true) into the
// option payload: comma-separated values, one per field of the definition,
// with "\," for a literal comma. It follows Kea's rules per type (see the
// package documentation) and is stricter than Kea where Kea silently drops
// or mangles data: several values for an option that is neither an array nor
// a record are an error. Values after the fields of a record that is not an
// array are ignored, as Kea ignores them (Kea's own examples have such
// records); ParseData reports them in Data.Warnings.
//
// Errors wrap ErrInvalidValue or ErrValueCount and name the option.
func (d *Definition) Encode(text string) ([]byte, error) {
	w, _, err := d.encode(splitValues(text))
	if err != nil {
		return nil, prefixErr("option: "+d.Name+": ", err)
	}
	return w, nil
}

// encode encodes the values; ignored is the number of values after the
// fields of a non-array record, which are ignored as in Kea.
func (d *Definition) encode(vals []string) (w []byte, ignored int, err error) {
	u := d.universe()
	switch d.Type {
	case TypeEmpty:
		if len(vals) > 0 {
			if d.Encapsulate != "" {
				return nil, 0, errf(ErrValueCount, "an empty option takes no data (set its sub-options of space %q in their own option-data)", d.Encapsulate)
			}
			return nil, 0, errf(ErrValueCount, "an empty option takes no data")
		}
		return []byte{}, 0, nil
	case TypeInternal:
		return nil, 0, errf(ErrInvalidValue, "an internal option is built by the server and can't be configured")
	case TypeRecord:
		if len(d.RecordTypes) == 0 {
			return nil, 0, errf(ErrInvalidValue, "record without record-types")
		}
	}
	fields := d.fields()
	nf := len(fields)
	lastT := fields[nf-1]
	optionalLast := d.isStatusCode()

	switch {
	case d.Array && d.Type != TypeRecord:
		// any number of values, including none
	case len(vals) == 0:
		return nil, 0, errf(ErrValueCount, "no value given (%s)", describe(d))
	case len(vals) < nf && !(optionalLast && len(vals) == nf-1):
		return nil, 0, errf(ErrValueCount, "%d values given, %s needs %d (%s)", len(vals), d.Type, nf, FormatRecordTypes(fields))
	case len(vals) > nf && !d.Array:
		if d.Type != TypeRecord {
			return nil, 0, errf(ErrValueCount, "%d values given, but the option is not an array and takes one %s (write \\, for a comma inside a value)", len(vals), lastT)
		}
		ignored = len(vals) - nf
		vals = vals[:nf]
	}

	buf := make([]byte, 0, 16*len(vals))
	for i, v := range vals {
		t := lastT
		if i < nf {
			t = fields[i]
		}
		buf, err = encodeField(u, t, v, buf)
		if err != nil {
			if d.Type == TypeRecord {
				return nil, 0, prefixErr(fieldName(i, nf, t), err)
			}
			return nil, 0, err
		}
	}
	if err := d.checkSpecial(buf); err != nil {
		return nil, 0, err
	}
	return buf, ignored, nil
}

func fieldName(i, nf int, t Type) string {
	if i >= nf {
		return "array value " + itoa(i-nf+2) + " of field " + itoa(nf) + " (" + t.String() + "): "
	}
	return "field " + itoa(i+1) + " (" + t.String() + "): "
}

func itoa(i int) string { return strconv.Itoa(i) }

// describe returns the type of d for messages: "uint8", "array of
// ipv4-address", "record (uint8, fqdn)".
func describe(d *Definition) string {
	s := d.Type.String()
	if d.Type == TypeRecord {
		s += " (" + FormatRecordTypes(d.RecordTypes) + ")"
	}
	if d.Array {
		s = "array of " + s
	}
	return s
}

// checkSpecial applies the checks Kea's special option classes make on the
// payload: the tuple list of vendor-class (v6 16) and vivco-suboptions (v4
// 124), the N and S flags of the client FQDN options (v4 81, v6 39), and the
// non-empty prefix of pd-exclude (v6 67).
func (d *Definition) checkSpecial(w []byte) error {
	u := d.universe()
	switch {
	case (u == V6 && d.Space == SpaceDHCP6 && d.Code == 16) || (u == V4 && d.Space == SpaceDHCP4 && d.Code == 124):
		if len(w) < 4 {
			return nil // reported by the structural check
		}
		rest := w[4:]
		for len(rest) > 0 {
			n, err := fieldLen(u, TypeTuple, rest, false)
			if err != nil {
				return errf(ErrInvalidValue, "vendor class data after the enterprise number must be a list of length-prefixed tuples: %v", err)
			}
			rest = rest[n:]
		}
	case d.Type == TypeRecord && len(w) > 0 && ((u == V4 && d.Space == SpaceDHCP4 && d.Code == 81) || (u == V6 && d.Space == SpaceDHCP6 && d.Code == 39)):
		// Client FQDN flags: N (no server update) excludes S (server
		// updates), RFC 4702 and RFC 4704.
		n := byte(0x08)
		if u == V6 {
			n = 0x04
		}
		if w[0]&n != 0 && w[0]&0x01 != 0 {
			return errf(ErrInvalidValue, "flags %d set both N and S, which the RFC forbids", w[0])
		}
	case u == V6 && d.Space == SpaceDHCP6 && d.Code == 67 && d.Type == TypeIPv6Prefix:
		if len(w) > 0 && w[0] == 0 {
			return errf(ErrInvalidValue, "the excluded prefix must not have length 0")
		}
	}
	return nil
}

// Format is the inverse of Encode: it turns an option payload into Kea's
// CSV text, so that Encode(Format(wire)) == wire. Values are separated by
// ", " and escaped as Encode expects. Format is strict: a payload that does
// not decode exactly with the definition (truncated, trailing bytes, a
// boolean byte of 2, bits set after a prefix length...) gives an error
// wrapping ErrMalformed, and a payload that Kea's text cannot express (an
// empty or blank-edged string, a partial domain name...) an error wrapping
// ErrNotRepresentable; such payloads can be written with FormatHex and
// csv-format false. Format covers the option's own data, not sub-options.
func (d *Definition) Format(wire []byte) (string, error) {
	s, err := d.format(wire)
	if err != nil {
		return "", prefixErr("option: "+d.Name+": ", err)
	}
	return s, nil
}

func (d *Definition) format(w []byte) (string, error) {
	u := d.universe()
	switch d.Type {
	case TypeEmpty:
		if len(w) > 0 {
			return "", errf(ErrMalformed, "%d bytes of data in an empty option", len(w))
		}
		return "", nil
	case TypeInternal:
		return "", errf(ErrNotRepresentable, "an internal option has no text form")
	case TypeRecord:
		if len(d.RecordTypes) == 0 {
			return "", errf(ErrMalformed, "record without record-types")
		}
	}
	fields := d.fields()
	nf := len(fields)
	var b strings.Builder
	write := func(s string) {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(escapeValue(s))
	}
	rest := w
	for i, t := range fields {
		last := i == nf-1 && !d.Array
		if i == nf-1 && d.Array {
			break
		}
		if last && len(rest) == 0 && t == TypeString && d.isStatusCode() {
			return b.String(), nil
		}
		n, err := fieldLen(u, t, rest, last)
		if err != nil {
			return "", prefixIfRecord(d, i, nf, t, err)
		}
		s, err := formatField(u, t, rest[:n])
		if err != nil {
			return "", prefixIfRecord(d, i, nf, t, err)
		}
		write(s)
		rest = rest[n:]
	}
	if d.Array {
		t := fields[nf-1]
		k := nf - 1
		for len(rest) > 0 {
			n, err := fieldLen(u, t, rest, false)
			if err != nil {
				return "", prefixIfRecord(d, k, nf, t, err)
			}
			s, err := formatField(u, t, rest[:n])
			if err != nil {
				return "", prefixIfRecord(d, k, nf, t, err)
			}
			write(s)
			rest = rest[n:]
			k++
		}
		if d.Type == TypeRecord && k == nf-1 && nf > 1 {
			// A record array needs at least one value of its last field;
			// without, the text would have too few values.
			return "", errf(ErrNotRepresentable, "record array without a value for its last field")
		}
	}
	if len(rest) > 0 {
		return "", errf(ErrMalformed, "%d trailing bytes after the %s data", len(rest), describe(d))
	}
	if err := d.checkSpecial(w); err != nil {
		return "", errf(ErrMalformed, "%v", err)
	}
	return b.String(), nil
}

func prefixIfRecord(d *Definition, i, nf int, t Type, err error) error {
	if d.Type == TypeRecord {
		return prefixErr(fieldName(i, nf, t), err)
	}
	return err
}

// checkWire validates a payload given in hex (csv-format false) against the
// definition the way Kea's option classes do when they unpack it: every
// field present with a valid length; bytes after the fields are accepted
// only when the option carries sub-options (an encapsulated space, or the
// vendor container).
func (d *Definition) checkWire(w []byte) error {
	u := d.universe()
	subs := d.Encapsulate != "" || d.IsVendor()
	switch d.Type {
	case TypeEmpty:
		if len(w) > 0 && !subs {
			return errf(ErrInvalidValue, "%d bytes of data in an empty option without sub-options", len(w))
		}
		return nil
	case TypeInternal:
		return nil
	case TypeRecord:
		if len(d.RecordTypes) == 0 {
			return errf(ErrInvalidValue, "record without record-types")
		}
	}
	fields := d.fields()
	nf := len(fields)
	rest := w
	for i, t := range fields {
		if i == nf-1 && d.Array {
			break
		}
		last := i == nf-1
		if last && len(rest) == 0 && t == TypeString && d.isStatusCode() {
			break
		}
		n, err := fieldLen(u, t, rest, last)
		if err == nil {
			err = checkValue(t, rest[:n])
		}
		if err != nil {
			return errf(ErrInvalidValue, "%v", prefixIfRecord(d, i, nf, t, err))
		}
		rest = rest[n:]
	}
	if d.Array {
		t := fields[nf-1]
		for len(rest) > 0 {
			n, err := fieldLen(u, t, rest, false)
			if err == nil {
				err = checkValue(t, rest[:n])
			}
			if err != nil {
				return errf(ErrInvalidValue, "%v", err)
			}
			rest = rest[n:]
		}
	}
	if len(rest) > 0 && !subs {
		return errf(ErrInvalidValue, "%d trailing bytes after the %s data", len(rest), describe(d))
	}
	return d.checkSpecial(w)
}

// checkValue rejects field values that Kea refuses when it unpacks them.
func checkValue(t Type, w []byte) error {
	switch t {
	case TypeBoolean:
		if w[0] > 1 {
			return errf(ErrMalformed, "boolean byte %d is neither 0 nor 1", w[0])
		}
	case TypeString:
		if len(w) == 0 {
			return errf(ErrMalformed, "empty string")
		}
	}
	return nil
}

// VendorSpace returns the option space of the sub-options of a vendor
// (Kea's "vendor-<enterprise>", e.g. "vendor-4491").
func VendorSpace(enterprise uint32) string {
	return "vendor-" + strconv.FormatUint(uint64(enterprise), 10)
}

// ParseVendorSpace returns the enterprise number of a vendor space name
// ("vendor-4491" gives 4491, true); false for any other name.
func ParseVendorSpace(space string) (uint32, bool) {
	num, ok := strings.CutPrefix(space, "vendor-")
	if !ok || num == "" || len(num) > 10 || (len(num) > 1 && num[0] == '0') {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(num); i++ {
		c := num[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if v > 0xffffffff {
		return 0, false
	}
	return uint32(v), true
}
