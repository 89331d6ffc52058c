package classify_test

import (
	"testing"

	"github.com/dhcpsrv/dhcpsrv/classify"
	"github.com/dhcpsrv/dhcpsrv/option"
)

func benchEval(b *testing.B, expr string, p classify.Packet, u option.Universe) {
	e, err := classify.Compile(expr, nil, u)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		e.Eval(p)
	}
}

func BenchmarkEval(b *testing.B) {
	p4 := packet4(b)
	b.Run("pxe-substring", func(b *testing.B) {
		benchEval(b, "substring(option[60].hex,0,9) == 'PXEClient'", p4, option.V4)
	})
	b.Run("and-member-relay", func(b *testing.B) {
		benchEval(b, "member('KNOWN') and relay4[1].hex == 'eth0' and not option[61].exists", p4, option.V4)
	})
	b.Run("concat-hexstring", func(b *testing.B) {
		benchEval(b, "concat(hexstring(pkt4.mac, ':'), '/x') == '02:00:00:00:00:01/x'", p4, option.V4)
	})
	b.Run("v6-relay-vendorclass", func(b *testing.B) {
		benchEval(b, "relay6[0].peeraddr == 3000::1 and vendor-class[4491].data == 'docsis3.0'", packet6(b), option.V6)
	})
}
