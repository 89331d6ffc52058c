package option

import (
	"testing"
)

var fuzzDefs = append(Standard(V4), Standard(V6)...)

// FuzzFormat formats arbitrary bytes with every standard definition: it
// must never panic, and whatever it formats must encode back to the bytes.
func FuzzFormat(f *testing.F) {
	f.Add(uint16(2), []byte{192, 0, 2, 1})
	f.Add(uint16(14), []byte("\x07example\x03org\x00"))
	f.Add(uint16(150), []byte{4, 0x30, 0})
	f.Add(uint16(200), []byte{0, 14, 'r', 'o', 'o', 't'})
	f.Fuzz(func(t *testing.T, i uint16, wire []byte) {
		d := &fuzzDefs[int(i)%len(fuzzDefs)]
		s, err := d.Format(wire)
		if err != nil {
			return
		}
		w, err := d.Encode(s)
		if err != nil {
			t.Fatalf("%s: Format(%x) = %q does not encode: %v", d.String(), wire, s, err)
		}
		if string(w) != string(wire) {
			t.Fatalf("%s: %x -> %q -> %x", d.String(), wire, s, w)
		}
	})
}

// FuzzParseData parses arbitrary option-data entries: it must never panic,
// and a parsed CSV value must survive Format and Encode.
func FuzzParseData(f *testing.F) {
	f.Add(true, "routers", uint16(0), false, "", "192.0.2.1, 192.0.2.2", byte(0))
	f.Add(true, "domain-search", uint16(0), false, "", `a.org, b\.c.org`, byte(0))
	f.Add(false, "rdnss-selection", uint16(74), true, "", "2001:db8::23, 01, example.com", byte(0))
	f.Add(false, "", uint16(43), true, "", "0x0102aabb", byte(2))
	f.Add(true, "s46-portparams", uint16(0), false, "s46-rule-options", "2, 3/4", byte(1))
	f.Fuzz(func(t *testing.T, v6 bool, name string, code uint16, useCode bool, space, data string, csv byte) {
		u := V4
		if v6 {
			u = V6
		}
		set := NewDefSet(u)
		spec := Spec{Name: name, Space: space, Data: data}
		if useCode {
			spec.Code = &code
		}
		switch csv % 3 {
		case 1:
			spec.CSVFormat = boolp(true)
		case 2:
			spec.CSVFormat = boolp(false)
		}
		got, err := set.ParseData(spec)
		if err != nil || got.Def == nil || !got.CSVFormat {
			return
		}
		s, err := got.Def.Format(got.Wire)
		if err != nil {
			return // e.g. not representable; Format is strict
		}
		w, err := got.Def.Encode(s)
		if err != nil || string(w) != string(got.Wire) {
			t.Fatalf("%s: %q -> %x -> %q -> %x (%v)", got.Def.String(), data, got.Wire, s, w, err)
		}
	})
}
