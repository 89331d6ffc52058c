package option

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseType(t *testing.T) {
	for ty := TypeEmpty; ty < numTypes; ty++ {
		got, err := ParseType(ty.String())
		require.NoError(t, err)
		require.Equal(t, ty, got)
		b, err := ty.MarshalText()
		require.NoError(t, err)
		var back Type
		require.NoError(t, back.UnmarshalText(b))
		require.Equal(t, ty, back)
	}
	for _, bad := range []string{"", "UINT8", "ipv4", "uint64", "int"} {
		_, err := ParseType(bad)
		require.ErrorIs(t, err, ErrUnknownType, bad)
	}
	require.Equal(t, "Type(200)", Type(200).String())
	_, err := Type(200).MarshalText()
	require.ErrorIs(t, err, ErrUnknownType)
}

func TestRecordTypes(t *testing.T) {
	got, err := ParseRecordTypes(" ipv4-address ,uint16, string ")
	require.NoError(t, err)
	require.Equal(t, []Type{TypeIPv4Address, TypeUint16, TypeString}, got)
	require.Equal(t, "ipv4-address, uint16, string", FormatRecordTypes(got))
	got, err = ParseRecordTypes("  ")
	require.NoError(t, err)
	require.Nil(t, got)
	for _, bad := range []string{"uint8, bogus", "uint8, empty", "uint8, record", "uint8, internal", "uint8,,uint16"} {
		_, err := ParseRecordTypes(bad)
		require.Error(t, err, bad)
	}
}

// codecCases cover every type: text in, wire out, and the canonical text
// Format gives back.
var codecCases = []struct {
	name  string
	u     Universe
	typ   Type
	array bool
	rec   []Type
	text  string
	wire  string // hex
	canon string // Format output; "" means text
}{
	{name: "empty", typ: TypeEmpty, text: "", wire: ""},
	{name: "binary", typ: TypeBinary, text: "0a0B ff", wire: "0a0bff", canon: "0A0BFF"},
	{name: "binary values", typ: TypeBinary, text: "1A BB AD", wire: "1abbad", canon: "1ABBAD"},
	{name: "boolean true", typ: TypeBoolean, text: "TRUE", wire: "01", canon: "true"},
	{name: "boolean 0", typ: TypeBoolean, text: "0", wire: "00", canon: "false"},
	{name: "int8", typ: TypeInt8, text: "-128", wire: "80"},
	{name: "int16", typ: TypeInt16, text: "-2", wire: "fffe"},
	{name: "int32", typ: TypeInt32, text: "-25200", wire: "ffff9d90"},
	{name: "int32 hex", typ: TypeInt32, text: "-0x10", wire: "fffffff0", canon: "-16"},
	{name: "uint8 hex", typ: TypeUint8, text: "0xf0", wire: "f0", canon: "240"},
	{name: "uint8 plain hex", typ: TypeUint8, text: "ff", wire: "ff", canon: "255"},
	{name: "uint8 decimal leading zero", typ: TypeUint8, text: "010", wire: "0a", canon: "10"},
	{name: "uint16", typ: TypeUint16, text: "65535", wire: "ffff"},
	{name: "uint32", typ: TypeUint32, text: "+4294967295", wire: "ffffffff", canon: "4294967295"},
	{name: "uint16 array", typ: TypeUint16, array: true, text: "1,2 ,, 3", wire: "000100020003", canon: "1, 2, 3"},
	{name: "empty array", typ: TypeIPv4Address, array: true, text: "", wire: ""},
	{name: "ipv4", typ: TypeIPv4Address, text: "192.0.2.1", wire: "c0000201"},
	{name: "ipv4 array", typ: TypeIPv4Address, array: true, text: "192.0.2.2, 192.0.2.3", wire: "c0000202c0000203"},
	{name: "ipv6", typ: TypeIPv6Address, text: "2001:DB8::1", wire: "20010db8000000000000000000000001", canon: "2001:db8::1"},
	{name: "ipv6 mapped", typ: TypeIPv6Address, text: "::ffff:192.0.2.1", wire: "00000000000000000000ffffc0000201"},
	{name: "ipv6-prefix", typ: TypeIPv6Prefix, text: "2001:db8:1::/48", wire: "3020010db80001"},
	{name: "ipv6-prefix odd length masks", typ: TypeIPv6Prefix, text: "2001:db8:ffff::/33", wire: "2120010db880", canon: "2001:db8:8000::/33"},
	{name: "ipv6-prefix /0", typ: TypeIPv6Prefix, text: "::/0", wire: "00"},
	{name: "ipv6-prefix /128", typ: TypeIPv6Prefix, text: "2001:db8::1/128", wire: "8020010db8000000000000000000000001"},
	{name: "psid", typ: TypePSID, text: "3/4", wire: "043000"},
	{name: "psid 16", typ: TypePSID, text: "0xffff/16", wire: "10ffff", canon: "65535/16"},
	{name: "psid 0", typ: TypePSID, text: "0/0", wire: "000000"},
	{name: "string", typ: TypeString, text: "Error: here's a DHCPNAK!", wire: hex.EncodeToString([]byte("Error: here's a DHCPNAK!"))},
	{name: "string escaped commas", typ: TypeString, text: `EST5EDT4\,M3.2.0/02:00\,M11.1.0/02:00`, wire: hex.EncodeToString([]byte("EST5EDT4,M3.2.0/02:00,M11.1.0/02:00"))},
	{name: "string backslashes", typ: TypeString, text: `C:\boot\\x\`, wire: hex.EncodeToString([]byte(`C:\boot\x\`)), canon: `C:\boot\x\\`},
	{name: "string trimmed", typ: TypeString, text: "  hello world \t", wire: hex.EncodeToString([]byte("hello world")), canon: "hello world"},
	{name: "fqdn", typ: TypeFQDN, text: "my.example.org", wire: "026d79076578616d706c65036f726700"},
	{name: "fqdn trailing dot", typ: TypeFQDN, text: "example.org.", wire: "076578616d706c65036f726700", canon: "example.org"},
	{name: "fqdn root", typ: TypeFQDN, text: ".", wire: "00"},
	{name: "fqdn escapes", typ: TypeFQDN, text: `a\.b.c\032d`, wire: "03612e62036320640" + "0", canon: `a\.b.c\032d`},
	{name: "fqdn array", typ: TypeFQDN, array: true, text: "example.com, example.org", wire: "076578616d706c6503636f6d00076578616d706c65036f726700"},
	{name: "tuple v4", typ: TypeTuple, u: V4, text: "abc", wire: "03616263"},
	{name: "tuple v6", typ: TypeTuple, u: V6, array: true, text: "root=/dev/sda2, quiet", wire: "000e726f6f743d2f6465762f736461320005717569657" + "4"},
	{name: "record", typ: TypeRecord, rec: []Type{TypeIPv4Address, TypeUint16, TypeBoolean, TypeString}, text: "192.0.2.100, 123, true, Hello World", wire: "c0000264007b0148656c6c6f20576f726c64"},
	{name: "record array", typ: TypeRecord, array: true, rec: []Type{TypeIPv4Address, TypeUint16}, text: "192.0.2.1, 1, 2", wire: "c000020100010002"},
	{name: "record trailing binary", typ: TypeRecord, rec: []Type{TypeUint8, TypeBinary}, text: "0, 1A BB", wire: "001abb", canon: "0, 1ABB"},
	{name: "record fqdn array", typ: TypeRecord, array: true, rec: []Type{TypeUint8, TypeFQDN}, text: "1, a.org, b.org", wire: "010161036f72670001620" + "36f726700"},
	{name: "record psid tuple", typ: TypeRecord, u: V4, rec: []Type{TypeIPv4Address, TypePSID, TypeTuple, TypeFQDN, TypeString}, text: "192.0.2.74, 3/4, 1, example.org, string", wire: "c000024a04300001" + "31" + "076578616d706c65036f726700" + "737472696e67"},
}

func TestEncodeFormat(t *testing.T) {
	for _, tc := range codecCases {
		t.Run(tc.name, func(t *testing.T) {
			u := tc.u
			if u == 0 {
				u = V4
			}
			d := &Definition{Name: "opt", Code: 222, Space: "s", Type: tc.typ, Array: tc.array, RecordTypes: tc.rec, Universe: u}
			w, err := d.Encode(tc.text)
			require.NoError(t, err)
			require.Equal(t, tc.wire, hex.EncodeToString(w))
			s, err := d.Format(w)
			require.NoError(t, err)
			canon := tc.canon
			if canon == "" {
				canon = tc.text
			}
			require.Equal(t, canon, s)
			again, err := d.Encode(s)
			require.NoError(t, err)
			require.Equal(t, w, again)
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	set4, set6 := NewDefSet(V4), NewDefSet(V6)
	for _, tc := range []struct {
		set      *DefSet
		name     string
		space    string
		data     string
		sentinel error
		msg      string
	}{
		{set4, "routers", "", "192.0.2.x", ErrInvalidValue, `option: routers: "192.0.2.x" is not an ipv4-address`},
		{set4, "routers", "", "2001:db8::1", ErrInvalidValue, `"2001:db8::1" is not an ipv4-address`},
		{set4, "routers", "", "192.0.2.1, ,192.0.2.2", ErrInvalidValue, `"" is not an ipv4-address`},
		{set4, "default-ip-ttl", "", "256", ErrInvalidValue, `option: default-ip-ttl: "256" is out of range for a uint8 (0..255)`},
		{set4, "default-ip-ttl", "", "-1", ErrInvalidValue, "out of range"},
		{set4, "default-ip-ttl", "", "1e2", ErrInvalidValue, "out of range"}, // hex 0x1e2, as in Kea
		{set4, "default-ip-ttl", "", "1.5", ErrInvalidValue, `"1.5" is not a uint8`},
		{set4, "time-offset", "", "1, 2", ErrValueCount, "2 values given, but the option is not an array and takes one int32"},
		{set4, "time-offset", "", "", ErrValueCount, "no value given (int32)"},
		{set4, "host-name", "", "a, b", ErrValueCount, `write \, for a comma`},
		{set4, "ip-forwarding", "", "yes", ErrInvalidValue, `"yes" is not a boolean`},
		{set4, "ip-forwarding", "", "2", ErrInvalidValue, "is not a boolean"},
		{set4, "user-class", "", "0x0a0b", ErrInvalidValue, "is not a binary"},
		{set4, "user-class", "", "abc", ErrInvalidValue, "is not a binary"},
		{set4, "v4-access-domain", "", "a..b", ErrInvalidValue, "empty label"},
		{set4, "v4-access-domain", "", ".org", ErrInvalidValue, "empty label"},
		{set4, "v4-access-domain", "", strings.Repeat("a", 64) + ".org", ErrInvalidValue, "longer than 63"},
		{set4, "domain-search", "", "a.org, " + strings.Repeat("a.", 130), ErrInvalidValue, "longer than 255"},
		{set4, "v4-access-domain", "", `a\25`, ErrInvalidValue, "three digits"},
		{set4, "v4-access-domain", "", `a\25x`, ErrInvalidValue, `bad \DDD`},
		{set4, "v4-access-domain", "", `a\300`, ErrInvalidValue, `bad \DDD`},
		{set4, "v4-access-domain", "", `a\`, ErrInvalidValue, "dangling backslash"},
		{set4, "client-ndi", "", "1, 2", ErrValueCount, "2 values given, record needs 3 (uint8, uint8, uint8)"},
		{set4, "slp-service-scope", "", "maybe, x", ErrInvalidValue, `field 1 (boolean): "maybe" is not a boolean`},
		{set4, "slp-directory-agent", "", "true, 192.0.2.1, bad", ErrInvalidValue, `array value 2 of field 2 (ipv4-address): "bad"`},
		{set4, "vendor-encapsulated-options", "", "01", ErrValueCount, "sub-options of space \"vendor-encapsulated-options-space\""},
		{set4, "vivco-suboptions", "", "4491, 0a0b", ErrInvalidValue, "length-prefixed tuples"},
		{set4, "fqdn", "", "9, 0, 0, a.org", ErrInvalidValue, "both N and S"},
		{set4, "v4-portparams", "", "1, 16/4", ErrInvalidValue, "does not fit in 4 bits"},
		{set4, "v4-portparams", "", "1, 3/17", ErrInvalidValue, "length 17 is not in 0..16"},
		{set4, "v4-portparams", "", "1, 3", ErrInvalidValue, "is not a psid"},
		{set6, "pd-exclude", "", "2001:db8::/0", ErrInvalidValue, "length 0"},
		{set6, "pd-exclude", "", "2001:db8::/129", ErrInvalidValue, "is not an ipv6-prefix"},
		{set6, "pd-exclude", "", "192.0.2.0/24", ErrInvalidValue, "is not an ipv6-prefix"},
		{set6, "dns-servers", "", "192.0.2.1", ErrInvalidValue, `"192.0.2.1" is not an ipv6-address`},
		{set6, "dns-servers", "", "fe80::1%eth0", ErrInvalidValue, "is not an ipv6-address"},
		{set6, "vendor-class", "", "4491, 0a0b", ErrInvalidValue, "tuples"},
		{set6, "vendor-class", "", "4491", ErrValueCount, "1 values given, record needs 2"},
		{set6, "status-code", "", "", ErrValueCount, "no value given"},
		{set6, "client-fqdn", "", "5, a.org", ErrInvalidValue, "both N and S"},
		{set6, "rapid-commit", "", "1", ErrValueCount, "an empty option takes no data"},
	} {
		t.Run(tc.name+"/"+tc.data, func(t *testing.T) {
			_, err := tc.set.ParseData(Spec{Name: tc.name, Space: tc.space, Data: tc.data})
			require.ErrorIs(t, err, tc.sentinel)
			require.Contains(t, err.Error(), tc.msg)
			require.True(t, strings.HasPrefix(err.Error(), "option: "), err.Error())
		})
	}
	// Tuples are limited by their length field.
	d := &Definition{Name: "t", Code: 1, Space: "x", Type: TypeTuple, Universe: V4}
	_, err := d.Encode(strings.Repeat("a", 256))
	require.ErrorIs(t, err, ErrInvalidValue)
	d.Universe = V6
	_, err = d.Encode(strings.Repeat("a", 256))
	require.NoError(t, err)
	_, err = d.Encode(strings.Repeat("a", 65536))
	require.ErrorIs(t, err, ErrInvalidValue)
	// Internal options are not configurable.
	_, err = (&Definition{Name: "i", Type: TypeInternal}).Encode("")
	require.ErrorIs(t, err, ErrInvalidValue)
}

func TestFormatErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		d        Definition
		wire     string
		sentinel error
	}{
		{"truncated uint32", Definition{Type: TypeUint32}, "000102", ErrMalformed},
		{"trailing bytes", Definition{Type: TypeUint8}, "0102", ErrMalformed},
		{"ipv4 array not multiple", Definition{Type: TypeIPv4Address, Array: true}, "c0000201c000", ErrMalformed},
		{"boolean 2", Definition{Type: TypeBoolean}, "02", ErrMalformed},
		{"prefix length 129", Definition{Type: TypeIPv6Prefix}, "81", ErrMalformed},
		{"prefix host bits", Definition{Type: TypeIPv6Prefix}, "0fffff", ErrMalformed},
		{"psid length 17", Definition{Type: TypePSID}, "110000", ErrMalformed},
		{"psid low bits", Definition{Type: TypePSID}, "04ffff", ErrMalformed},
		{"psid zero length value", Definition{Type: TypePSID}, "000001", ErrMalformed},
		{"fqdn no root", Definition{Type: TypeFQDN}, "0161", ErrMalformed},
		{"fqdn pointer", Definition{Type: TypeFQDN}, "c00c", ErrMalformed},
		{"empty with data", Definition{Type: TypeEmpty}, "01", ErrMalformed},
		{"empty string", Definition{Type: TypeString}, "", ErrNotRepresentable},
		{"blank string", Definition{Type: TypeString}, "2061", ErrNotRepresentable},
		{"invalid utf8", Definition{Type: TypeString}, "ff", ErrNotRepresentable},
		{"empty binary", Definition{Type: TypeBinary}, "", ErrNotRepresentable},
		{"empty tuple", Definition{Type: TypeTuple, Array: true}, "00", ErrNotRepresentable},
		{"tuple too short", Definition{Type: TypeTuple}, "0561", ErrMalformed},
		{"record missing field", Definition{Type: TypeRecord, RecordTypes: []Type{TypeUint8, TypeUint16}}, "01", ErrMalformed},
		{"record array no value", Definition{Type: TypeRecord, Array: true, RecordTypes: []Type{TypeUint8, TypeUint16}}, "01", ErrNotRepresentable},
		{"internal", Definition{Type: TypeInternal}, "01", ErrNotRepresentable},
		{"vendor class tuples", Definition{Space: SpaceDHCP6, Code: 16, Type: TypeRecord, RecordTypes: []Type{TypeUint32, TypeBinary}, Universe: V6}, "000011940a0b", ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.d.Name = "opt"
			w, err := hex.DecodeString(tc.wire)
			require.NoError(t, err)
			_, err = tc.d.Format(w)
			require.ErrorIs(t, err, tc.sentinel)
			require.True(t, strings.HasPrefix(err.Error(), "option: opt: "), err.Error())
		})
	}
}

func TestStatusCodeEmptyMessage(t *testing.T) {
	d, ok := NewDefSet(V6).Lookup("", "status-code")
	require.True(t, ok)
	w, err := d.Encode("0, all fine")
	require.NoError(t, err)
	require.Equal(t, "0000616c6c2066696e65", hex.EncodeToString(w))
	// An empty status message is valid on the wire (RFC 8415) and
	// round-trips as just the code.
	s, err := d.Format([]byte{0, 6})
	require.NoError(t, err)
	require.Equal(t, "6", s)
	w, err = d.Encode(s)
	require.NoError(t, err)
	require.Equal(t, []byte{0, 6}, w)
}

func TestRecordExtraValuesIgnored(t *testing.T) {
	// Kea ignores values after the fields of a record that is not an
	// array; its own all-options.json relies on it ("nii": "1, 2, 11, 13").
	set := NewDefSet(V6)
	got, err := set.ParseData(Spec{Name: "nii", Data: "1, 2, 11, 13"})
	require.NoError(t, err)
	require.Equal(t, []byte{1, 2, 11}, got.Wire)
	require.Len(t, got.Warnings, 1)
	require.Contains(t, got.Warnings[0], "1 values after the 3 fields")
	got, err = set.ParseData(Spec{Name: "geoconf-civic", Data: "0, 0x5553, 15 9D, A3 FF"})
	require.NoError(t, err)
	require.Equal(t, []byte{0, 0x55, 0x53, 0x15, 0x9d}, got.Wire)
}

func TestSplitValues(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{" a , b ", []string{"a", "b"}},
		{",,a,,b,,", []string{"a", "b"}},
		{"a, ,b", []string{"a", "", "b"}},
		{`a\,b`, []string{"a,b"}},
		{`a\\,b`, []string{`a\`, "b"}},
		{`a\b`, []string{`a\b`}},
		{`a\`, []string{`a\`}},
		{`\,`, []string{","}},
	} {
		require.Equal(t, tc.want, splitValues(tc.in), "%q", tc.in)
	}
	for _, s := range []string{"a,b", `a\`, `a\,`, `\\`, `x\y`, `,\,\\,`, `\`} {
		got := splitValues(escapeValue(s))
		require.Equal(t, []string{s}, got, "%q -> %q", s, escapeValue(s))
	}
}

func TestParseHex(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"0a0b", "0a0b", true},
		{"0x0A0B", "0a0b", true},
		{"abc", "0abc", true},
		{"a:b:c", "0a0b0c", true},
		{"0a 0b 0c", "0a0b0c", true},
		{"0x0a:0b", "0a0b", true},
		{"'PXEClient'", hex.EncodeToString([]byte("PXEClient")), true},
		{"0a 0b:0c", "", false},
		{"0x 0a 0b", "", false},
		{"0a  0b", "", false},
		{"abc:", "", false},
		{"123:ab", "", false},
		{"zz", "", false},
		{"0x", "", false},
	} {
		got, err := ParseHex(tc.in)
		if !tc.ok {
			require.ErrorIs(t, err, ErrInvalidValue, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, hex.EncodeToString(got), tc.in)
	}
	require.Equal(t, "0A0BFF", FormatHex([]byte{10, 11, 255}))
}

func TestParseDataSpec(t *testing.T) {
	set := NewDefSet(V4)

	got, err := set.ParseData(Spec{Name: "routers", Data: "192.0.2.1", AlwaysSend: true, ClientClasses: []string{"a"}})
	require.NoError(t, err)
	require.Equal(t, uint16(3), got.Code)
	require.Equal(t, "routers", got.Name)
	require.Equal(t, SpaceDHCP4, got.Space)
	require.True(t, got.CSVFormat)
	require.True(t, got.AlwaysSend)
	require.Equal(t, []string{"a"}, got.ClientClasses)
	require.Equal(t, "192.0.2.1", got.Text)
	require.NotNil(t, got.Def)

	// By code only.
	got, err = set.ParseData(Spec{Code: u16(6), Data: "192.0.2.8, 192.0.2.9"})
	require.NoError(t, err)
	require.Equal(t, "domain-name-servers", got.Name)
	require.Len(t, got.Wire, 8)

	// csv-format false: hex, checked against the definition.
	got, err = set.ParseData(Spec{Name: "routers", Data: "c0:00:02:01", CSVFormat: boolp(false)})
	require.NoError(t, err)
	require.Equal(t, []byte{192, 0, 2, 1}, got.Wire)
	require.False(t, got.CSVFormat)
	_, err = set.ParseData(Spec{Name: "routers", Data: "c0000201c000", CSVFormat: boolp(false)})
	require.ErrorIs(t, err, ErrInvalidValue)
	_, err = set.ParseData(Spec{Name: "time-offset", Data: "", CSVFormat: boolp(false)})
	require.ErrorIs(t, err, ErrInvalidValue)
	_, err = set.ParseData(Spec{Name: "ip-forwarding", Data: "02", CSVFormat: boolp(false)})
	require.ErrorIs(t, err, ErrInvalidValue)
	// Option 43 with raw sub-options, in hex.
	got, err = set.ParseData(Spec{Code: u16(43), Data: "0102aabb", CSVFormat: boolp(false)})
	require.NoError(t, err)
	require.Equal(t, "vendor-encapsulated-options", got.Name)
	// An empty option with sub-options but no data.
	got, err = set.ParseData(Spec{Name: "vendor-encapsulated-options"})
	require.NoError(t, err)
	require.Empty(t, got.Wire)

	// No definition: code with hex data works, names and csv do not.
	got, err = set.ParseData(Spec{Code: u16(200), Data: "0x0102"})
	require.NoError(t, err)
	require.Nil(t, got.Def)
	require.Equal(t, []byte{1, 2}, got.Wire)
	require.False(t, got.CSVFormat)
	_, err = set.ParseData(Spec{Code: u16(200), Data: "01", CSVFormat: boolp(true)})
	require.ErrorIs(t, err, ErrUnknownOption)
	_, err = set.ParseData(Spec{Code: u16(200), Name: "foo", Data: "01"})
	require.ErrorIs(t, err, ErrUnknownOption)
	_, err = set.ParseData(Spec{Name: "no-such-option", Data: "1"})
	require.ErrorIs(t, err, ErrUnknownOption)
	require.EqualError(t, err, `option: no-such-option: no option "no-such-option" in space dhcp4 (give its option-def, or its code with hex data)`)
	_, err = set.ParseData(Spec{Code: u16(200), Data: "zz", CSVFormat: boolp(false)})
	require.ErrorIs(t, err, ErrInvalidValue)

	// Spec errors.
	for _, spec := range []Spec{
		{},
		{Name: "routers", Code: u16(6), Data: "192.0.2.1"},
		{Code: u16(0)},
		{Code: u16(255)},
		{Code: u16(256)},
		{Name: "routers", Space: "bad space"},
		{Name: "routers", Space: "-x"},
	} {
		_, err := set.ParseData(spec)
		require.ErrorIs(t, err, ErrInvalidSpec, "%+v", spec)
	}
	_, err = set.ParseData(Spec{Name: "routers", Code: u16(6)})
	require.EqualError(t, err, "option: routers: code 6 in space dhcp4 is option domain-name-servers, not routers")

	// Other spaces and universes.
	set6 := NewDefSet(V6)
	_, err = set6.ParseData(Spec{Code: u16(0)})
	require.ErrorIs(t, err, ErrInvalidSpec)
	got, err = set6.ParseData(Spec{Code: u16(300), Data: "01"})
	require.NoError(t, err)
	require.Equal(t, uint16(300), got.Code)
	got, err = set6.ParseData(Spec{Name: "4o6-source-port", Space: SpaceISC, Data: "6767"})
	require.NoError(t, err)
	require.Equal(t, uint16(60002), got.Code)
	got, err = set6.ParseData(Spec{Name: "tftp-servers", Space: SpaceDOCSIS6, Data: "2001:db8::1"})
	require.NoError(t, err)
	require.Equal(t, uint16(32), got.Code)
	got, err = set6.ParseData(Spec{Name: "vendor-opts", Data: "00001194", CSVFormat: boolp(false)})
	require.NoError(t, err)
	_, err = set6.ParseData(Spec{Name: "vendor-opts", Data: "000011", CSVFormat: boolp(false)})
	require.ErrorIs(t, err, ErrInvalidValue)
	_ = got
}

func TestDefSet(t *testing.T) {
	set := NewDefSet(V4)
	require.Equal(t, V4, set.Universe())
	require.Equal(t, V6, NewDefSet(V6).Universe())
	require.Equal(t, V4, NewDefSet(0).Universe())

	d, ok := set.Lookup("", "domain-name-servers")
	require.True(t, ok)
	require.Equal(t, uint16(6), d.Code)
	require.Equal(t, TypeIPv4Address, d.Type)
	require.True(t, d.Array)
	d, ok = set.LookupCode(SpaceDHCP4, 82)
	require.True(t, ok)
	require.Equal(t, SpaceAgent, d.Encapsulate)
	_, ok = set.LookupCode(SpaceDHCP4, 200)
	require.False(t, ok)
	d, ok = set.Lookup(SpaceAgent, "link-selection")
	require.True(t, ok)
	require.Equal(t, uint16(5), d.Code)

	foo := Definition{Name: "foo", Code: 222, Type: TypeUint32}
	require.NoError(t, set.Add(foo))
	d, ok = set.Lookup(SpaceDHCP4, "foo")
	require.True(t, ok)
	require.Equal(t, SpaceDHCP4, d.Space)
	require.Equal(t, V4, d.Universe)
	got, err := set.ParseData(Spec{Name: "foo", Data: "12345"})
	require.NoError(t, err)
	require.Equal(t, []byte{0, 0, 0x30, 0x39}, got.Wire)

	require.NoError(t, set.Add(Definition{Name: "bar", Code: 223, Type: TypeRecord, RecordTypes: []Type{TypeIPv4Address, TypeUint16, TypeBoolean, TypeString}}))
	require.NoError(t, set.Add(Definition{Name: "cookie", Code: 1, Space: "APC", Type: TypeString}))
	// Kea's last-resort option 43 may be redefined.
	require.NoError(t, set.Add(Definition{Name: "vendor-encapsulated-options", Code: 43, Type: TypeEmpty, Encapsulate: "APC"}))
	d, ok = set.LookupCode("", 43)
	require.True(t, ok)
	require.Equal(t, "APC", d.Encapsulate)
	d, ok = set.Lookup("", "vendor-encapsulated-options")
	require.True(t, ok)
	require.Equal(t, "APC", d.Encapsulate)
	// The RAI sub-options too (Kea 2.2 has no definitions there).
	require.NoError(t, set.Add(Definition{Name: "my-circuit", Code: 1, Space: SpaceAgent, Type: TypeString}))
	_, ok = set.Lookup(SpaceAgent, "circuit-id")
	require.False(t, ok)

	custom := set.Custom()
	require.Len(t, custom, 5)
	require.Equal(t, "foo", custom[0].Name)
	require.Equal(t, "my-circuit", custom[4].Name)
	custom[1].RecordTypes[0] = TypeUint8 // a copy
	d, _ = set.Lookup("", "bar")
	require.Equal(t, TypeIPv4Address, d.RecordTypes[0])

	for _, tc := range []struct {
		d        Definition
		sentinel error
		msg      string
	}{
		{Definition{Name: "foo", Code: 224, Type: TypeUint8}, ErrDuplicate, "name already defined"},
		{Definition{Name: "other", Code: 222, Type: TypeUint8}, ErrDuplicate, "code 222 already defined in space dhcp4 (foo)"},
		{Definition{Name: "routers", Code: 225, Type: TypeUint8}, ErrDuplicate, "standard option 3"},
		{Definition{Name: "my-routers", Code: 3, Type: TypeUint8}, ErrDuplicate, "code 3 is the standard option routers"},
		{Definition{Name: "circuit-id", Code: 99, Space: SpaceAgent, Type: TypeUint8}, ErrDuplicate, "standard option 1"},
		{Definition{Name: "x", Code: 0, Type: TypeUint8}, ErrInvalidDefinition, "reserved for PAD"},
		{Definition{Name: "x", Code: 255, Type: TypeUint8}, ErrInvalidDefinition, "reserved for END"},
		{Definition{Name: "x", Code: 256, Space: "s", Type: TypeUint8}, ErrInvalidDefinition, "greater than 255"},
		{Definition{Name: "-foo", Code: 230, Type: TypeUint8}, ErrInvalidDefinition, `invalid option name "-foo"`},
		{Definition{Name: "foo_", Code: 230, Type: TypeUint8}, ErrInvalidDefinition, "invalid option name"},
		{Definition{Name: "fo.o", Code: 230, Type: TypeUint8}, ErrInvalidDefinition, "invalid option name"},
		{Definition{Name: "", Code: 230, Type: TypeUint8}, ErrInvalidDefinition, "invalid option name"},
		{Definition{Name: "x", Code: 230, Space: "bad space", Type: TypeUint8}, ErrInvalidDefinition, "invalid option space name"},
		{Definition{Name: "x", Code: 230, Type: TypeInternal}, ErrInvalidDefinition, "internal"},
		{Definition{Name: "x", Code: 230, Type: Type(99)}, ErrInvalidDefinition, "unknown type"},
		{Definition{Name: "x", Code: 230, Type: TypeRecord}, ErrInvalidDefinition, "at least 2 record-types, got 0"},
		{Definition{Name: "x", Code: 230, Type: TypeRecord, RecordTypes: []Type{TypeUint8}}, ErrInvalidDefinition, "got 1"},
		{Definition{Name: "x", Code: 230, Type: TypeUint8, RecordTypes: []Type{TypeUint8, TypeUint8}}, ErrInvalidDefinition, "use type record"},
		{Definition{Name: "x", Code: 230, Type: TypeRecord, RecordTypes: []Type{TypeString, TypeUint8}}, ErrInvalidDefinition, "a string field must be the last one"},
		{Definition{Name: "x", Code: 230, Type: TypeRecord, RecordTypes: []Type{TypeBinary, TypeUint8}}, ErrInvalidDefinition, "a binary field must be the last one"},
		{Definition{Name: "x", Code: 230, Type: TypeRecord, RecordTypes: []Type{TypeUint8, TypeEmpty}}, ErrInvalidDefinition, "not allowed in a record"},
		{Definition{Name: "x", Code: 230, Type: TypeRecord, Array: true, RecordTypes: []Type{TypeUint8, TypeString}}, ErrInvalidDefinition, "array of strings"},
		{Definition{Name: "x", Code: 230, Type: TypeRecord, Array: true, RecordTypes: []Type{TypeUint8, TypeBinary}}, ErrInvalidDefinition, "array of binary"},
		{Definition{Name: "x", Code: 230, Type: TypeString, Array: true}, ErrInvalidDefinition, "array of strings"},
		{Definition{Name: "x", Code: 230, Type: TypeBinary, Array: true}, ErrInvalidDefinition, "array of binary"},
		{Definition{Name: "x", Code: 230, Type: TypeEmpty, Array: true}, ErrInvalidDefinition, "array of empty"},
		{Definition{Name: "x", Code: 230, Type: TypeUint8, Array: true, Encapsulate: "abc"}, ErrInvalidDefinition, "an array may not encapsulate"},
		{Definition{Name: "x", Code: 230, Space: "abc", Type: TypeUint8, Encapsulate: "abc"}, ErrInvalidDefinition, "its own space"},
		{Definition{Name: "x", Code: 230, Type: TypeUint8, Encapsulate: "a b"}, ErrInvalidDefinition, "invalid encapsulated option space name"},
		{Definition{Name: "x", Code: 230, Type: TypeUint8, Universe: V6}, ErrInvalidDefinition, "universe 6 in a v4 set"},
	} {
		err := set.Add(tc.d)
		require.ErrorIs(t, err, tc.sentinel, "%+v", tc.d)
		require.Contains(t, err.Error(), tc.msg)
	}
	// Allowed: digits only, arrays of fqdn and tuple, fqdn/tuple inside a
	// record, any code 0..255 outside dhcp4.
	for _, d := range []Definition{
		{Name: "123", Code: 240, Type: TypeUint8},
		{Name: "fq", Code: 241, Type: TypeFQDN, Array: true},
		{Name: "tu", Code: 242, Type: TypeTuple, Array: true},
		{Name: "rec", Code: 243, Type: TypeRecord, RecordTypes: []Type{TypeUint8, TypeFQDN, TypeTuple, TypePSID}},
		{Name: "zero", Code: 0, Space: "s", Type: TypeEmpty},
		{Name: "max", Code: 255, Space: "s", Type: TypeEmpty},
	} {
		require.NoError(t, set.Add(d), "%+v", d)
	}

	set6 := NewDefSet(V6)
	require.NoError(t, set6.Add(Definition{Name: "s46-priority", Code: 111, Type: TypeUint16, Array: true}))
	require.NoError(t, set6.Add(Definition{Name: "big", Code: 65535, Space: "s", Type: TypeUint8}))
	require.ErrorIs(t, set6.Add(Definition{Name: "zero", Code: 0, Type: TypeUint8}), ErrInvalidDefinition)
	require.ErrorIs(t, set6.Add(Definition{Name: "dns", Code: 23, Type: TypeUint8}), ErrDuplicate)
	// DOCSIS vendor options may be redefined, as in Kea.
	require.NoError(t, set6.Add(Definition{Name: "my-oro", Code: 1, Space: SpaceDOCSIS, Type: TypeUint16, Array: true}))
}

func TestStandardTables(t *testing.T) {
	for _, u := range []Universe{V4, V6} {
		seenName := map[spaceKey]bool{}
		seenCode := map[spaceCode]bool{}
		std := Standard(u)
		require.NotEmpty(t, std)
		for _, d := range std {
			v := d
			if v.Encapsulate == v.Space {
				v.Encapsulate = "" // dhcp6 containers (ia-na...): only option-def forbids it
			}
			require.NoError(t, v.Validate(), "%s", d.String())
			require.Equal(t, u, d.Universe)
			require.False(t, seenName[spaceKey{d.Space, d.Name}], "duplicate name %s", d.String())
			require.False(t, seenCode[spaceCode{d.Space, d.Code}], "duplicate code %s", d.String())
			seenName[spaceKey{d.Space, d.Name}] = true
			seenCode[spaceCode{d.Space, d.Code}] = true
			if d.Encapsulate != "" && d.Encapsulate != SpaceDHCP6 {
				require.Contains(t, StandardSpaces(u), d.Encapsulate, d.String())
			}
			require.Contains(t, StandardSpaces(u), d.Space, d.String())
		}
	}
	// Standard returns copies.
	a := Standard(V4)
	a[0].Name = "changed"
	require.Equal(t, "subnet-mask", Standard(V4)[0].Name)
	// A few anchors.
	set4, set6 := NewDefSet(V4), NewDefSet(V6)
	for _, c := range []struct {
		set   *DefSet
		space string
		name  string
		code  uint16
	}{
		{set4, SpaceDHCP4, "routers", 3},
		{set4, SpaceDHCP4, "domain-search", 119},
		{set4, SpaceDHCP4, "vivso-suboptions", 125},
		{set4, SpaceDOCSIS, "tftp-servers", 2},
		{set6, SpaceDHCP6, "dns-servers", 23},
		{set6, SpaceDHCP6, "vendor-opts", 17},
		{set6, SpaceS46Rule, "s46-portparams", 93},
		{set6, SpaceISC, "4o6-interface", 60000},
		{set6, SpaceDOCSIS, "cmts-cm-mac", 1026},
	} {
		d, ok := c.set.Lookup(c.space, c.name)
		require.True(t, ok, c.name)
		require.Equal(t, c.code, d.Code, c.name)
	}
}

func TestVendor(t *testing.T) {
	require.Equal(t, "vendor-4491", VendorSpace(4491))
	require.Equal(t, "vendor-4294967295", VendorSpace(4294967295))
	for _, tc := range []struct {
		in string
		id uint32
		ok bool
	}{
		{"vendor-4491", 4491, true},
		{"vendor-0", 0, true},
		{"vendor-4294967295", 4294967295, true},
		{"vendor-4294967296", 0, false},
		{"vendor-", 0, false},
		{"vendor-01", 0, false},
		{"vendor-x", 0, false},
		{"dhcp4", 0, false},
	} {
		id, ok := ParseVendorSpace(tc.in)
		require.Equal(t, tc.ok, ok, tc.in)
		require.Equal(t, tc.id, id, tc.in)
	}
	d, _ := NewDefSet(V4).Lookup("", "vivso-suboptions")
	require.True(t, d.IsVendor())
	d, _ = NewDefSet(V6).Lookup("", "vendor-opts")
	require.True(t, d.IsVendor())
	d, _ = NewDefSet(V6).Lookup("", "vendor-class")
	require.False(t, d.IsVendor())
}

func TestErrorsAreWrapped(t *testing.T) {
	_, err := NewDefSet(V4).ParseData(Spec{Name: "routers", Data: "x"})
	var target *kerr
	require.True(t, errors.As(err, &target))
	require.ErrorIs(t, err, ErrInvalidValue)
	require.NotErrorIs(t, err, ErrValueCount)
}

// TestDomainNameIsPlainText pins option 15 to Kea's (and RFC 2132's) plain
// string encoding: clients read it as text, not as DNS wire format.
func TestDomainNameIsPlainText(t *testing.T) {
	d, err := NewDefSet(V4).ParseData(Spec{Name: "domain-name", Data: "example.org"})
	require.NoError(t, err)
	require.Equal(t, []byte("example.org"), d.Wire)
}
