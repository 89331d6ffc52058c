package option

import "testing"

func BenchmarkNewDefSet(b *testing.B) {
	for b.Loop() {
		_ = NewDefSet(V4)
	}
}

func BenchmarkParseData(b *testing.B) {
	set := NewDefSet(V4)
	for _, bc := range []struct {
		name string
		spec Spec
	}{
		{"routers", Spec{Name: "routers", Data: "192.0.2.1, 192.0.2.2"}},
		{"domain-search", Spec{Name: "domain-search", Data: "example.com, example.org"}},
		{"record", Spec{Name: "rdnss-selection", Data: "1, 192.0.2.70, 192.0.2.71, example.com, example.org"}},
		{"hex", Spec{Code: u16(43), Data: "0x0102aabb", CSVFormat: boolp(false)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := set.ParseData(bc.spec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkFormat(b *testing.B) {
	set := NewDefSet(V4)
	for _, bc := range []struct{ name, data string }{
		{"routers", "192.0.2.1, 192.0.2.2"},
		{"domain-search", "example.com, example.org"},
		{"rdnss-selection", "1, 192.0.2.70, 192.0.2.71, example.com, example.org"},
	} {
		d, _ := set.Lookup("", bc.name)
		w, err := d.Encode(bc.data)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Format(w); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
