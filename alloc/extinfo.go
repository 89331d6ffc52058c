package alloc

import (
	"encoding/hex"
	"strings"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// Relay agent information sub-options stored in a lease's extended info.
const (
	raiRemoteID = 2
	raiRelayID  = 12
)

// withRelayAgentInfo returns uc with the relay agent information stored as
// Kea stores it with store-extended-info (Kea's updateLease4ExtendedInfo):
//
//	{"ISC": {"relay-agent-info": {"sub-options": "0x...", "remote-id": "...", "relay-id": "..."}}}
//
// The result is a new map; uc is not modified.
func withRelayAgentInfo(uc leasemgr.UserContext, rai []byte) leasemgr.UserContext {
	info := map[string]any{"sub-options": "0x" + strings.ToUpper(hex.EncodeToString(rai))}
	if v, ok := option.SubOption4(rai, raiRemoteID); ok && len(v) > 0 {
		info["remote-id"] = strings.ToUpper(hex.EncodeToString(v))
	}
	if v, ok := option.SubOption4(rai, raiRelayID); ok && len(v) > 0 {
		info["relay-id"] = strings.ToUpper(hex.EncodeToString(v))
	}
	out := leasemgr.CloneUserContext(uc)
	if out == nil {
		out = leasemgr.UserContext{}
	}
	isc, _ := out["ISC"].(map[string]any)
	if isc == nil {
		isc = map[string]any{}
	} else {
		c := make(map[string]any, len(isc)+1)
		for k, v := range isc {
			c[k] = v
		}
		isc = c
	}
	isc["relay-agent-info"] = info
	out["ISC"] = isc
	return out
}
