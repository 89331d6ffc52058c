package dhcp4srv

import (
	"testing"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/stretchr/testify/require"
)

func TestCompileClassTests(t *testing.T) {
	req, err := dhcpv4.NewDiscovery([]byte{2, 0, 0, 0, 0, 1},
		dhcpv4.WithOption(dhcpv4.OptClassIdentifier("PXEClient:Arch:00007")),
		dhcpv4.WithGatewayIP([]byte{192, 0, 2, 1}),
		dhcpv4.WithOption(dhcpv4.OptRelayAgentInfo(dhcpv4.OptGeneric(dhcpv4.GenericOptionCode(1), []byte("eth0")))))
	require.NoError(t, err)
	pv := &packetView{req: req, classes: []string{"ALL", "KNOWN"}}
	for _, tc := range []struct {
		test  string
		want  bool
		known bool
	}{
		{"true", true, false},
		{"false or not true", false, false},
		{"member('ALL') and member('KNOWN')", true, true},
		{"not member('UNKNOWN')", true, true},
		{"option[60].exists", true, false},
		{"option[61].exists", false, false},
		{"option[60].text == 'PXEClient:Arch:00007'", true, false},
		{"substring(option[60].hex,0,9) == 'PXEClient'", true, false},
		{"substring(option[60].hex,-5,all) == '00007'", true, false},
		{"pkt4.mac == 0x020000000001", true, false},
		{"relay4[1].hex == 'eth0'", true, false},
		{"relay4[2].exists", false, false},
		{"(option[60].exists or false) and not (member('X'))", true, false},
	} {
		n, known, err := compileTest(tc.test)
		require.NoError(t, err, tc.test)
		_, got := n.eval(pv)
		require.Equal(t, tc.want, got, tc.test)
		require.Equal(t, tc.known, known, tc.test)
	}
	for _, bad := range []string{"vendor[4491].exists", "option[host-name].text == 'x'", "ifelse(true,'a','b') == 'a'",
		"option[60].text ==", "member(", "'abc", "pkt4.msgtype == 1 + 2", "(true"} {
		_, _, err := compileTest(bad)
		require.Error(t, err, bad)
	}
}
