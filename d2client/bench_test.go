package d2client

import (
	"net/netip"
	"testing"
	"time"
)

func BenchmarkDHCIDFromHWAddr(b *testing.B) {
	hw := []byte{0, 1, 2, 3, 4, 5}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DHCIDFromHWAddr(1, hw, "myhost-192-0-2-10.example.org."); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDHCIDFromDUID(b *testing.B) {
	duid := []byte{0, 1, 0, 1, 0x2a, 0x3b, 0x4c, 0x5d, 0, 1, 2, 3, 4, 5}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DHCIDFromDUID(duid, "myhost.example.org."); err != nil {
			b.Fatal(err)
		}
	}
}

func benchNCR(b *testing.B) *NCR {
	d, _ := DHCIDFromHWAddr(1, []byte{0, 1, 2, 3, 4, 5}, "myhost-192-0-2-10.example.org.")
	return &NCR{ChangeType: ChangeAdd, Forward: true, Reverse: true,
		FQDN: "myhost-192-0-2-10.example.org.", IPAddress: netip.MustParseAddr("192.0.2.10"),
		DHCID: d, LeaseExpiresOn: time.Unix(1735732800, 0), LeaseLength: 1200}
}

func BenchmarkNCRAppendWire(b *testing.B) {
	n := benchNCR(b)
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = n.AppendWire(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseNCR(b *testing.B) {
	data, _ := benchNCR(b).MarshalJSON()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseNCR(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFQDN4Unmarshal(b *testing.B) {
	wire := []byte("\x05\x00\x00\x06myhost\x07example\x03org\x00")
	b.ReportAllocs()
	for b.Loop() {
		var f FQDN4
		if err := f.UnmarshalBinary(wire); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFQDN4Marshal(b *testing.B) {
	f := FQDN4{Flags: FlagS | FlagE4, RCode1: 255, RCode2: 255, Name: "myhost.example.org"}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = f.AppendBinary(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAdjustFQDN4(b *testing.B) {
	p := DefaultParams(true)
	p.QualifyingSuffix = "example.org"
	c := FQDN4{Flags: FlagS | FlagE4, Name: "my_host", Partial: true}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AdjustFQDN4(p, c); err != nil {
			b.Fatal(err)
		}
	}
}
