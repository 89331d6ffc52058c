package dhcp6srv

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
)

func TestCompileClassTests(t *testing.T) {
	cfg, _, err := cfgmgr.Parse([]byte(`{"Dhcp6": {
	  "option-def": [{"name": "my-opt", "code": 65000, "type": "string"}],
	  "client-classes": [
	    {"name": "modem", "test": "vendor-class[4491].data == 'docsis3.0'"},
	    {"name": "named", "test": "option[my-opt].text == 'x'"},
	    {"name": "known-modem", "test": "member('modem') and known"},
	    {"name": "transitive", "test": "member('known-modem')"},
	    {"name": "relayed", "test": "relay6[0].peeraddr == fe80::1"},
	    {"name": "v4-only", "test": "pkt4.msgtype == 1"},
	    {"name": "forward", "test": "member('later')"},
	    {"name": "later"}]}}`))
	require.NoError(t, err)
	ct := compileClasses(cfg)
	require.Len(t, ct.ignored, 2)
	require.ErrorContains(t, ct.ignored["v4-only"], "classify: 1:1: pkt4 is not available in DHCPv6")
	require.ErrorContains(t, ct.ignored["forward"], "member('later'): class later is not defined before this one")
	got := map[string]bool{}
	var names []string
	for _, tc := range ct.tests {
		names = append(names, tc.name)
		got[tc.name] = tc.late
	}
	require.Equal(t, []string{"modem", "named", "known-modem", "transitive", "relayed"}, names)
	require.Equal(t, map[string]bool{"modem": false, "named": false, "known-modem": true, "transitive": true, "relayed": false}, got)
}
