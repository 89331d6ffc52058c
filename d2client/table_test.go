package d2client

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
)

func TestParamsTable(t *testing.T) {
	parse := func(js string) *cfgmgr.Config {
		cfg, _, err := cfgmgr.Parse([]byte(js))
		require.NoError(t, err)
		return cfg
	}
	a := parse(`{"Dhcp4": {"dhcp-ddns": {"enable-updates": true}, "ddns-qualifying-suffix": "global.example.",
		"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "ddns-qualifying-suffix": "one.example."},
		            {"id": 2, "subnet": "198.18.0.0/24"}]}}`)
	ta, err := NewParamsTable(a, nil)
	require.NoError(t, err)
	require.Equal(t, "one.example.", ta.For(&a.Subnets4[0].Scope).QualifyingSuffix)
	require.Equal(t, "global.example.", ta.For(&a.Subnets4[1].Scope).QualifyingSuffix)
	require.Equal(t, "global.example.", ta.For(nil).QualifyingSuffix)
	require.Equal(t, "one.example.", ta.ByID(1).QualifyingSuffix)
	require.Equal(t, "global.example.", ta.ByID(99).QualifyingSuffix, "unknown id: global")

	// The next configuration keeps the previous one's subnets for requests
	// still running with it, one step back only.
	b := parse(`{"Dhcp4": {"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "ddns-qualifying-suffix": "b.example."}]}}`)
	tb, err := NewParamsTable(b, ta)
	require.NoError(t, err)
	require.Equal(t, "b.example.", tb.ByID(1).QualifyingSuffix)
	require.Equal(t, "one.example.", tb.For(&a.Subnets4[0].Scope).QualifyingSuffix)
	c := parse(`{"Dhcp4": {}}`)
	tc, err := NewParamsTable(c, tb)
	require.NoError(t, err)
	require.Nil(t, tc.prev.prev)
	// a's subnet is two configurations back: resolved from its own scope.
	require.Equal(t, "one.example.", tc.For(&a.Subnets4[0].Scope).QualifyingSuffix)

	// A nil table is Kea's default: updates disabled.
	var none *ParamsTable
	require.Equal(t, DefaultParams(false), none.For(nil))
	require.Equal(t, DefaultParams(false), none.ByID(1))

	_, err = NewParamsTable(nil, nil)
	require.Error(t, err)
	bad := parse(`{"Dhcp4": {"subnet4": [{"id": 3, "subnet": "192.0.2.0/24", "hostname-char-set": "[a-"}]}}`)
	_, err = NewParamsTable(bad, nil)
	require.ErrorContains(t, err, "ddns: subnet 3")
}
