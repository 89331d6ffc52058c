package classify_test

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv6"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/classify"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// keaDiffers are the expressions where this package knowingly differs
// from Kea (see the package documentation): .text of an option with a
// typed (non-string, non-binary) definition is Kea's debug rendering
// ("type=053, len=001: 1 (uint8)"), here that of a binary option; pkt.len
// in v4 is Kea's length of the packet re-encoded from what it parsed (394
// for this 402-byte datagram), here the datagram's length.
var keaDiffers = map[string]bool{
	"option[53].text == 'type=053, len=001: 01'":                true,
	"vendor[4491].option[1].text == 'type=001, len=002: 02:03'": true,
	"pkt.len == 402": true,
	"option[61].text == 'type=00061, len=00002: 00:07'":          true,
	"vendor[*].option[1].text == 'type=00001, len=00002: 02:03'": true,
}

// TestKea22Eval evaluates expressions on packets that kea-dhcp4 and
// kea-dhcp6 2.2.0 evaluated (testdata/kea22-eval[46].tsv hold the packet
// and Kea's result for each expression) and requires the same results.
func TestKea22Eval(t *testing.T) {
	for _, fam := range []string{"4", "6"} {
		lines := readLines(t, filepath.Join("testdata", "kea22-eval"+fam+".tsv"))
		var p classify.Packet
		u := option.V4
		n := 0
		for _, l := range lines {
			if strings.HasPrefix(l, "#") {
				continue
			}
			f := strings.SplitN(l, "\t", 2)
			require.Len(t, f, 2, l)
			if f[0] == "packet" {
				b, err := hex.DecodeString(f[1])
				require.NoError(t, err)
				p, u = keaPacket(t, fam, b)
				continue
			}
			want := f[0] == "true"
			e, err := classify.Compile(f[1], nil, u)
			require.NoError(t, err, f[1])
			if keaDiffers[f[1]] {
				continue
			}
			if got := e.Eval(p); got != want {
				t.Errorf("v%s: %s: %v, Kea 2.2: %s", fam, f[1], got, f[0])
			}
			n++
		}
		require.Greater(t, n, 30)
	}
}

func keaPacket(t *testing.T, fam string, b []byte) (classify.Packet, option.Universe) {
	if fam == "4" {
		m, err := dhcpv4.FromBytes(b)
		require.NoError(t, err)
		lo := netip.MustParseAddr("127.0.0.1")
		return &classify.Packet4{Msg: m, IfName: "lo", SrcAddr: lo, DstAddr: lo, Size: len(b),
			Classes: []string{"ALL", "VENDOR_CLASS_" + string(m.Options.Get(dhcpv4.OptionClassIdentifier)), "UNKNOWN"}}, option.V4
	}
	d, err := dhcpv6.FromBytes(b)
	require.NoError(t, err)
	var relays []*dhcpv6.RelayMessage
	for d.IsRelay() {
		r := d.(*dhcpv6.RelayMessage)
		relays = append(relays, r)
		d, err = r.GetInnerMessage()
		require.NoError(t, err)
		d = r.Options.RelayMessage()
	}
	m, ok := d.(*dhcpv6.Message)
	require.True(t, ok, fmt.Sprintf("%T", d))
	lo := netip.MustParseAddr("::1")
	return &classify.Packet6{Msg: m, Relays: relays, IfName: "lo", SrcAddr: lo, DstAddr: lo, Size: len(b),
		Classes: []string{"ALL", "UNKNOWN"}}, option.V6
}
