package alloc

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

func TestWithRelayAgentInfo(t *testing.T) {
	rai := []byte{1, 2, 'c', 'i', 2, 3, 0xaa, 0xbb, 0xcc, 12, 1, 0x07}
	orig := leasemgr.UserContext{"comment": "kept", "ISC": map[string]any{"other": true}}
	got := withRelayAgentInfo(orig, rai)
	require.Equal(t, leasemgr.UserContext{
		"comment": "kept",
		"ISC": map[string]any{
			"other": true,
			"relay-agent-info": map[string]any{
				"sub-options": "0x010263690203AABBCC0C0107",
				"remote-id":   "AABBCC",
				"relay-id":    "07",
			},
		},
	}, got)
	// The input is not modified.
	require.Equal(t, map[string]any{"other": true}, orig["ISC"])

	// No remote-id or relay-id: only the raw sub-options.
	got = withRelayAgentInfo(nil, []byte{1, 1, 'x'})
	require.Equal(t, map[string]any{"sub-options": "0x010178"},
		got["ISC"].(map[string]any)["relay-agent-info"])
}
