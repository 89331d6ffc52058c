package control

import (
	"encoding/json"
	"testing"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// FuzzParse feeds untrusted bytes to the parsers that run before a handler
// (no recover in between): the command envelope, the lease queries and the
// lease arguments. None may panic.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"command": "lease4-get", "arguments": {"ip-address": "192.0.2.1"}}`,
		`{"command": "lease6-get", "arguments": {"identifier-type": "duid", "identifier": "01:02", "iaid": 1, "subnet-id": 1, "type": "IA_PD"}}`,
		`{"command": "lease4-add", "arguments": {"ip-address": "192.0.2.100", "hw-address": "01:02:03:04:05:06", "expire": 99999, "user-context": {"a": [1]}, "comment": "x"}}`,
		`{"command": "lease6-add", "arguments": {"ip-address": "2001:db8:8000::", "type": "IA_PD", "prefix-len": 56, "duid": "01", "iaid": 1, "subnet-id": 1}}`,
		`{"command": "x", "arguments": null, "service": []}`,
		`{"command": "lease4-get-page", "arguments": {"from": "start", "limit": 1e3}}`,
	} {
		f.Add([]byte(s))
	}
	cfg4, _, err := cfgmgr.ParseOptions{Family: option.V4}.Parse([]byte(config4))
	if err != nil {
		f.Fatal(err)
	}
	cfg6, _, err := cfgmgr.ParseOptions{Family: option.V6}.Parse([]byte(config6))
	if err != nil {
		f.Fatal(err)
	}
	c4 := &LeaseCommands{Config: func() *cfgmgr.Config { return cfg4 }}
	c6 := &LeaseCommands{Config: func() *cfgmgr.Config { return cfg6 }}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := ParseRequest(data)
		if err != nil {
			return
		}
		raw := json.RawMessage(req.Arguments)
		parseQuery(raw, 4)
		parseQuery(raw, 6)
		subnetsArg(raw)
		pageArgs(raw, "x", 4)
		pageArgs(raw, "x", 6)
		hostnameArg(raw)
		if a, err := parseArgs(raw); err == nil {
			c4.parseLease4(a)
			c6.parseLease6(a)
		}
	})
}
