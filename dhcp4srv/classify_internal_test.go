package dhcp4srv

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
)

// The expression language itself is tested in package classify (the
// assertions of the former internal expression tests are in
// classify.TestEval4 and TestCompileErrors); this tests how the server
// orders and keeps the compiled tests.
func TestCompileClassTests(t *testing.T) {
	cfg, _, err := cfgmgr.Parse([]byte(`{"Dhcp4": {
	  "option-def": [{"name": "my-opt", "code": 224, "type": "string"}],
	  "client-classes": [
	    {"name": "pxe", "test": "substring(option[60].hex,0,9) == 'PXEClient'"},
	    {"name": "named", "test": "option[my-opt].text == 'x'"},
	    {"name": "known-direct", "test": "member('ALL') and member('KNOWN')"},
	    {"name": "unknown-kw", "test": "unknown"},
	    {"name": "transitive", "test": "member('known-direct') or member('pxe')"},
	    {"name": "early", "test": "member('pxe')"},
	    {"name": "broken", "test": "option[60].text =="},
	    {"name": "empty"},
	    {"name": "uses-empty", "test": "member('empty') or member('HA_server1') or member('VENDOR_CLASS_x')"},
	    {"name": "forward", "test": "member('later')"},
	    {"name": "later"},
	    {"name": "required", "test": "true", "only-if-required": true}]}}`))
	require.NoError(t, err)
	tests, ignored := compileClasses(cfg)
	require.Len(t, ignored, 2)
	require.ErrorContains(t, ignored["broken"], "classify: 1:19: unexpected end of expression")
	require.ErrorContains(t, ignored["forward"], "member('later'): class later is not defined before this one")
	got := map[string]bool{}
	var names []string
	for _, tc := range tests {
		names = append(names, tc.name)
		got[tc.name] = tc.dependsOn
	}
	require.Equal(t, []string{"pxe", "named", "known-direct", "unknown-kw", "transitive", "early", "uses-empty"}, names)
	require.Equal(t, map[string]bool{"pxe": false, "named": false, "known-direct": true, "unknown-kw": true,
		"transitive": true, "early": false, "uses-empty": false}, got)
}
