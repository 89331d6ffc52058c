package option_test

import (
	"errors"
	"fmt"

	"github.com/dhcpsrv/dhcpsrv/option"
)

func ExampleDefSet_ParseData() {
	defs := option.NewDefSet(option.V4)
	d, err := defs.ParseData(option.Spec{Name: "domain-name-servers", Data: "192.0.2.1, 192.0.2.2"})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s %d % x\n", d.Name, d.Code, d.Wire)
	// Output: domain-name-servers 6 c0 00 02 01 c0 00 02 02
}

func ExampleDefSet_ParseData_error() {
	defs := option.NewDefSet(option.V4)
	_, err := defs.ParseData(option.Spec{Name: "routers", Data: "192.0.2.x"})
	fmt.Println(err)
	fmt.Println(errors.Is(err, option.ErrInvalidValue))
	// Output:
	// option: routers: "192.0.2.x" is not an ipv4-address
	// true
}

func ExampleDefSet_Add() {
	defs := option.NewDefSet(option.V4)
	rt, _ := option.ParseRecordTypes("ipv4-address, uint16, boolean, string")
	err := defs.Add(option.Definition{Name: "bar", Code: 223, Type: option.TypeRecord, RecordTypes: rt})
	if err != nil {
		panic(err)
	}
	d, err := defs.ParseData(option.Spec{Name: "bar", Data: "192.0.2.100, 123, true, Hello World"})
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", d.Wire)

	// Standard options can't be redefined.
	err = defs.Add(option.Definition{Name: "my-routers", Code: 3, Type: option.TypeUint8})
	fmt.Println(errors.Is(err, option.ErrDuplicate))
	// Output:
	// c0 00 02 64 00 7b 01 48 65 6c 6c 6f 20 57 6f 72 6c 64
	// true
}

func ExampleDefinition_Format() {
	defs := option.NewDefSet(option.V6)
	def, _ := defs.Lookup("", "domain-search")
	wire := []byte("\x07example\x03com\x00\x07example\x03org\x00")
	text, err := def.Format(wire)
	if err != nil {
		panic(err)
	}
	fmt.Println(text)
	// Output: example.com, example.org
}

func ExampleSpec_hex() {
	// csv-format false: hex, with the separators Kea accepts.
	defs := option.NewDefSet(option.V4)
	code, csv := uint16(43), false
	d, err := defs.ParseData(option.Spec{Code: &code, Data: "01:04:c0:00:02:01", CSVFormat: &csv})
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Name, option.FormatHex(d.Wire))
	// Output: vendor-encapsulated-options 0104C0000201
}

func ExampleVendorSpace() {
	// Sub-options of vendor-opts (v6) or vivso-suboptions (v4) for
	// CableLabs live in the space "vendor-4491".
	defs := option.NewDefSet(option.V6)
	vendor, _ := defs.ParseData(option.Spec{Name: "vendor-opts", Data: "4491"})
	sub, _ := defs.ParseData(option.Spec{Name: "tftp-servers", Space: option.VendorSpace(4491), Data: "2001:db8::1"})
	fmt.Println(vendor.Def.IsVendor(), sub.Space, sub.Code)
	// Output: true vendor-4491 32
}
