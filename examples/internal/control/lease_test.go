package control

import (
	"context"
	"encoding/json"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
	"github.com/dhcpsrv/dhcpsrv/option"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

const config4 = `{"Dhcp4": {
  "valid-lifetime": 4000,
  "subnet4": [
    {"id": 1, "subnet": "192.0.2.0/24",
     "pools": [{"pool": "192.0.2.100 - 192.0.2.199", "pool-id": 7}]},
    {"id": 2, "subnet": "198.18.0.0/24", "valid-lifetime": 600}
  ]}}`

const config6 = `{"Dhcp6": {
  "valid-lifetime": 4000, "preferred-lifetime": 3000,
  "subnet6": [
    {"id": 1, "subnet": "2001:db8:1::/64",
     "pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::1ff", "pool-id": 3}],
     "pd-pools": [{"prefix": "2001:db8:8000::", "prefix-len": 48, "delegated-len": 56, "pool-id": 4}]},
    {"id": 2, "subnet": "2001:db8:2::/64"}
  ]}}`

var testNow = time.Unix(1_700_000_000, 0)

type leaseFixture struct {
	s      *Server
	leases leasemgr.Manager
	cfgs   *cfgmgr.Manager
	st     *stats.Manager
}

func newLeaseFixture(t *testing.T, family option.Universe) *leaseFixture {
	t.Helper()
	ctx := context.Background()
	lm, err := memfile.Open(ctx, memfile.Config{InMemory: true})
	require.NoError(t, err)
	t.Cleanup(func() { lm.Close() })
	cfgs := cfgmgr.NewManager()
	text := config4
	if family == option.V6 {
		text = config6
	}
	_, err = cfgs.StageBytes([]byte(text), cfgmgr.ParseOptions{Family: family})
	require.NoError(t, err)
	_, err = cfgs.Commit()
	require.NoError(t, err)
	st := stats.New()
	ls := LeaseStats{Stats: st, Config: cfgs.Current}
	cmds := &LeaseCommands{
		Leases: lm, Config: cfgs.Current, Now: func() time.Time { return testNow },
		OnLease4Change: ls.Lease4Changed, OnLease6Change: ls.Lease6Changed,
	}
	reg := NewRegistry(nil)
	if family == option.V6 {
		cmds.Register6(reg)
	} else {
		cmds.Register4(reg)
	}
	return &leaseFixture{s: startServer(t, reg, Options{}), leases: lm, cfgs: cfgs, st: st}
}

func (f *leaseFixture) stat(name string) int64 {
	v, ok := f.st.Get(name)
	if !ok {
		return 0
	}
	return v.Int
}

func requireResult(t *testing.T, r Response, result int, text string) {
	t.Helper()
	require.Equal(t, result, r.Result, r.Text)
	require.Equal(t, text, r.Text)
}

func keys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

type leases4Args struct {
	Leases []Lease4JSON `json:"leases"`
	Count  *int         `json:"count"`
}

type leases6Args struct {
	Leases []Lease6JSON `json:"leases"`
	Count  *int         `json:"count"`
}

func TestLease4AddGet(t *testing.T) {
	f := newLeaseFixture(t, option.V4)
	r := call(t, f.s, "lease4-add", map[string]any{
		"ip-address": "192.0.2.100", "hw-address": "1a:1b:1c:1d:1e:1f",
		"client-id": "01:02:03:04", "subnet-id": 1, "hostname": "host.example.org.",
		"fqdn-fwd": true, "user-context": map[string]any{"version": 1},
	})
	requireResult(t, r, ResultSuccess, "Lease for address 192.0.2.100, subnet-id 1 added.")
	require.EqualValues(t, 1, f.stat("subnet[1].assigned-addresses"))
	require.EqualValues(t, 1, f.stat("subnet[1].pool[7].assigned-addresses"))

	// subnet-id found from the address; valid-lft from the subnet; expire.
	r = call(t, f.s, "lease4-add", map[string]any{
		"ip-address": "198.18.0.5", "hw-address": "", "expire": testNow.Unix() + 100, "state": 1,
		"comment": "declined by hand",
	})
	requireResult(t, r, ResultSuccess, "Lease for address 198.18.0.5, subnet-id 2 added.")
	require.EqualValues(t, 1, f.stat("subnet[2].assigned-addresses"))
	require.EqualValues(t, 1, f.stat("subnet[2].declined-addresses"))
	require.EqualValues(t, 1, f.stat("declined-addresses"))

	r = call(t, f.s, "lease4-get", map[string]any{"ip-address": "192.0.2.100"})
	requireResult(t, r, ResultSuccess, "IPv4 lease found.")
	require.Equal(t, []string{"client-id", "cltt", "fqdn-fwd", "fqdn-rev", "hostname", "hw-address",
		"ip-address", "pool-id", "state", "subnet-id", "user-context", "valid-lft"}, keys(t, r.Arguments))
	var l Lease4JSON
	require.NoError(t, r.Decode(&l))
	require.Equal(t, Lease4JSON{
		ClientID: "01:02:03:04", CLTT: testNow.Unix(), FQDNFwd: true, Hostname: "host.example.org.",
		HWAddress: "1a:1b:1c:1d:1e:1f", IPAddress: "192.0.2.100", PoolID: 7, SubnetID: 1,
		UserContext: map[string]any{"version": 1.0}, ValidLft: 4000,
	}, l)

	r = call(t, f.s, "lease4-get", map[string]any{"ip-address": "198.18.0.5"})
	l = Lease4JSON{}
	require.NoError(t, r.Decode(&l))
	require.Equal(t, Lease4JSON{
		CLTT: testNow.Unix() + 100 - 600, IPAddress: "198.18.0.5", SubnetID: 2, State: 1,
		UserContext: map[string]any{"comment": "declined by hand"}, ValidLft: 600,
	}, l)
	require.NotContains(t, keys(t, r.Arguments), "client-id")

	// By identifier and subnet.
	r = call(t, f.s, "lease4-get", map[string]any{"identifier-type": "hw-address", "identifier": "1a:1b:1c:1d:1e:1f", "subnet-id": 1})
	requireResult(t, r, ResultSuccess, "IPv4 lease found.")
	r = call(t, f.s, "lease4-get", map[string]any{"identifier-type": "client-id", "identifier": "01:02:03:04", "subnet-id": 1})
	requireResult(t, r, ResultSuccess, "IPv4 lease found.")
	r = call(t, f.s, "lease4-get", map[string]any{"identifier-type": "client-id", "identifier": "01:02:03:04", "subnet-id": 2})
	requireResult(t, r, ResultEmpty, "Lease not found.")
	r = call(t, f.s, "lease4-get", map[string]any{"ip-address": "192.0.2.1"})
	requireResult(t, r, ResultEmpty, "Lease not found.")
	require.Empty(t, r.Arguments)

	for _, tc := range []struct {
		args any
		text string
	}{
		{nil, "Parameters missing or are not a map."},
		{map[string]any{"ip-address": 5}, "'ip-address' is not a string."},
		{map[string]any{"ip-address": "2001:db8::1"}, "Invalid IPv4 address specified: 2001:db8::1"},
		{map[string]any{"ip-address": "bogus"}, "Failed to convert string to address 'bogus': invalid address"},
		{map[string]any{"identifier-type": "hw-address", "identifier": "01"}, "Mandatory 'subnet-id' parameter missing."},
		{map[string]any{"subnet-id": "1", "identifier-type": "hw-address", "identifier": "01"}, "'subnet-id' parameter is not integer."},
		{map[string]any{"subnet-id": 1, "identifier": "01"}, "No 'ip-address' provided and 'identifier-type' is either missing or not a string."},
		{map[string]any{"subnet-id": 1, "identifier-type": "hw-address"}, "No 'ip-address' provided and 'identifier' is either missing or not a string."},
		{map[string]any{"subnet-id": 1, "identifier-type": "flex-id", "identifier": "01"}, "Incorrect identifier type: flex-id, the only supported values are: address, hw-address, duid, client-id"},
		{map[string]any{"subnet-id": 1, "identifier-type": "duid", "identifier": "01:02"}, "Query by duid is not allowed in v4."},
		{map[string]any{"subnet-id": 1, "identifier-type": "hw-address", "identifier": "zz"}, "invalid hw-address 'zz'"},
	} {
		r := call(t, f.s, "lease4-get", tc.args)
		require.Equal(t, ResultError, r.Result, "%v", tc.args)
		require.Contains(t, r.Text, tc.text)
	}
}

func TestLease4AddErrors(t *testing.T) {
	f := newLeaseFixture(t, option.V4)
	base := func(kv ...any) map[string]any {
		m := map[string]any{"ip-address": "192.0.2.10", "hw-address": "01:02:03:04:05:06"}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return m
	}
	for _, tc := range []struct {
		args any
		text string
	}{
		{nil, "no parameters specified for the command"},
		{base("ip-address", nil), "missing parameter 'ip-address'"},
		{base("hw-address", nil), "missing parameter 'hw-address'"},
		{base("ip-address", "2001:db8::1"), "Non-IPv4 address specified: 2001:db8::1"},
		{base("ip-address", "10.0.0.1"), "subnet-id not specified and failed to find a subnet for address 10.0.0.1"},
		{base("subnet-id", 99), "Invalid subnet-id: No IPv4 subnet with subnet-id=99 currently configured."},
		{base("subnet-id", 2), "The address 192.0.2.10 does not belong to subnet 198.18.0.0/24, subnet-id=2"},
		{base("subnet-id", -1), "'subnet-id' parameter value -1 is out of range"},
		{base("state", 3), "Invalid state value: 3, supported values are: 0 (default), 1 (declined) and 2 (expired-reclaimed)"},
		{base("fqdn-rev", true), "No hostname specified and either forward or reverse fqdn was set to true."},
		{base("fqdn-rev", "yes"), "'fqdn-rev' parameter must be a boolean"},
		{base("valid-lft", 1.5), "'valid-lft' parameter must be an integer"},
		{base("expire", 0), "expiration time must be positive for address 192.0.2.10"},
		{base("expire", 10), "expiration time must be greater than valid lifetime for address 192.0.2.10"},
		{base("user-context", []any{1}), "Invalid user context '[1]' is not a JSON map."},
		{base("client-id", "xyz"), "invalid client-id 'xyz'"},
	} {
		r := call(t, f.s, "lease4-add", tc.args)
		require.Equal(t, ResultError, r.Result, "%v", tc.args)
		require.Contains(t, r.Text, tc.text, "%v", tc.args)
	}
	requireResult(t, call(t, f.s, "lease4-add", base()), ResultSuccess, "Lease for address 192.0.2.10, subnet-id 1 added.")
	requireResult(t, call(t, f.s, "lease4-add", base()), ResultConflict, "IPv4 lease already exists.")
	require.EqualValues(t, 1, f.stat("subnet[1].assigned-addresses"))
	require.EqualValues(t, 0, f.stat("subnet[1].pool[7].assigned-addresses"), "192.0.2.10 is outside the pool")
}

func addLeases4(t *testing.T, f *leaseFixture) {
	t.Helper()
	for _, a := range []map[string]any{
		{"ip-address": "192.0.2.101", "hw-address": "00:00:00:00:00:01", "client-id": "ff:01", "hostname": "one.example.org"},
		{"ip-address": "192.0.2.102", "hw-address": "00:00:00:00:00:02", "hostname": "two.example.org"},
		{"ip-address": "192.0.2.103", "hw-address": "00:00:00:00:00:01"},
		{"ip-address": "198.18.0.1", "hw-address": "00:00:00:00:00:03", "client-id": "ff:01"},
	} {
		require.Equal(t, ResultSuccess, call(t, f.s, "lease4-add", a).Result)
	}
}

func TestLease4Queries(t *testing.T) {
	f := newLeaseFixture(t, option.V4)
	r := call(t, f.s, "lease4-get-all", nil)
	requireResult(t, r, ResultEmpty, "0 IPv4 lease(s) found.")
	require.JSONEq(t, `{"leases": []}`, string(r.Arguments))

	addLeases4(t, f)
	var got leases4Args
	addrs := func() []string {
		var out []string
		for _, l := range got.Leases {
			out = append(out, l.IPAddress)
		}
		return out
	}

	r = call(t, f.s, "lease4-get-all", nil)
	requireResult(t, r, ResultSuccess, "4 IPv4 lease(s) found.")
	require.NoError(t, r.Decode(&got))
	require.Equal(t, []string{"192.0.2.101", "192.0.2.102", "192.0.2.103", "198.18.0.1"}, addrs())
	require.Nil(t, got.Count)

	got = leases4Args{}
	r = call(t, f.s, "lease4-get-all", map[string]any{"subnets": []int{2}})
	requireResult(t, r, ResultSuccess, "1 IPv4 lease(s) found.")
	require.NoError(t, r.Decode(&got))
	require.Equal(t, []string{"198.18.0.1"}, addrs())
	requireResult(t, call(t, f.s, "lease4-get-all", map[string]any{"subnets": []int{5}}), ResultEmpty, "0 IPv4 lease(s) found.")
	requireResult(t, call(t, f.s, "lease4-get-all", map[string]any{"subnets": 2}), ResultError, "'subnets' parameter must be a list")
	requireResult(t, call(t, f.s, "lease4-get-all", map[string]any{"subnets": []any{"x"}}), ResultError, "listed subnet identifiers must be numbers")
	requireResult(t, call(t, f.s, "lease4-get-all", map[string]any{}), ResultError, "'subnets' parameter not specified")

	// Paging: from "start", then from the last address of each page.
	from, seen := "start", []string{}
	for {
		got = leases4Args{}
		r = call(t, f.s, "lease4-get-page", map[string]any{"from": from, "limit": 3})
		require.NoError(t, r.Decode(&got))
		require.NotNil(t, got.Count)
		require.Equal(t, len(got.Leases), *got.Count)
		if r.Result == ResultEmpty {
			requireResult(t, r, ResultEmpty, "0 IPv4 lease(s) found.")
			break
		}
		require.Equal(t, ResultSuccess, r.Result)
		seen = append(seen, addrs()...)
		from = got.Leases[len(got.Leases)-1].IPAddress
	}
	require.Equal(t, []string{"192.0.2.101", "192.0.2.102", "192.0.2.103", "198.18.0.1"}, seen)
	for _, tc := range []struct {
		args any
		text string
	}{
		{nil, "no parameters specified for the lease4-get-page command"},
		{map[string]any{"limit": 1}, "'from' parameter not specified"},
		{map[string]any{"from": 1, "limit": 1}, "'from' parameter must be a string"},
		{map[string]any{"from": "bogus", "limit": 1}, "'from' parameter value is neither 'start' keyword nor a valid IPv4 address"},
		{map[string]any{"from": "2001:db8::1", "limit": 1}, "'from' parameter value 2001:db8::1 is not an IPv4 address"},
		{map[string]any{"from": "start"}, "'limit' parameter not specified"},
		{map[string]any{"from": "start", "limit": "1"}, "'limit' parameter must be a number"},
		{map[string]any{"from": "start", "limit": 0}, "page size of retrieved leases must not be 0"},
	} {
		requireResult(t, call(t, f.s, "lease4-get-page", tc.args), ResultError, tc.text)
	}

	got = leases4Args{}
	r = call(t, f.s, "lease4-get-by-hw-address", map[string]any{"hw-address": "00:00:00:00:00:01"})
	requireResult(t, r, ResultSuccess, "2 IPv4 lease(s) found.")
	require.NoError(t, r.Decode(&got))
	require.ElementsMatch(t, []string{"192.0.2.101", "192.0.2.103"}, addrs())
	requireResult(t, call(t, f.s, "lease4-get-by-hw-address", map[string]any{"hw-address": "00:00:00:00:00:09"}), ResultEmpty, "0 IPv4 lease(s) found.")
	requireResult(t, call(t, f.s, "lease4-get-by-hw-address", nil), ResultError, "Command arguments missing or a not a map.")
	requireResult(t, call(t, f.s, "lease4-get-by-hw-address", map[string]any{}), ResultError, "'hw-address' parameter not specified")
	requireResult(t, call(t, f.s, "lease4-get-by-hw-address", map[string]any{"hw-address": 1}), ResultError, "'hw-address' parameter must be a string")

	got = leases4Args{}
	r = call(t, f.s, "lease4-get-by-client-id", map[string]any{"client-id": "ff:01"})
	requireResult(t, r, ResultSuccess, "2 IPv4 lease(s) found.")
	require.NoError(t, r.Decode(&got))
	require.ElementsMatch(t, []string{"192.0.2.101", "198.18.0.1"}, addrs())
	requireResult(t, call(t, f.s, "lease4-get-by-client-id", map[string]any{"client-id": "ff:02"}), ResultEmpty, "0 IPv4 lease(s) found.")

	got = leases4Args{}
	r = call(t, f.s, "lease4-get-by-hostname", map[string]any{"hostname": "TWO.example.org"})
	requireResult(t, r, ResultSuccess, "1 IPv4 lease(s) found.")
	require.NoError(t, r.Decode(&got))
	require.Equal(t, []string{"192.0.2.102"}, addrs())
	requireResult(t, call(t, f.s, "lease4-get-by-hostname", map[string]any{"hostname": ""}), ResultError, "'hostname' parameter is empty")
	requireResult(t, call(t, f.s, "lease4-get-by-hostname", map[string]any{"hostname": "none"}), ResultEmpty, "0 IPv4 lease(s) found.")
}

func TestLease4UpdateDelWipe(t *testing.T) {
	f := newLeaseFixture(t, option.V4)
	addLeases4(t, f)
	require.EqualValues(t, 3, f.stat("subnet[1].assigned-addresses"))
	require.EqualValues(t, 3, f.stat("subnet[1].pool[7].assigned-addresses"))

	r := call(t, f.s, "lease4-update", map[string]any{"ip-address": "192.0.2.101", "hw-address": "00:00:00:00:00:0a", "hostname": "new.example.org", "state": 1})
	requireResult(t, r, ResultSuccess, "IPv4 lease updated.")
	l, err := f.leases.Lease4(context.Background(), mustAddr("192.0.2.101"))
	require.NoError(t, err)
	require.Equal(t, "new.example.org", l.Hostname)
	require.Equal(t, "00:00:00:00:00:0a", l.HWAddr.String())
	require.EqualValues(t, 3, f.stat("subnet[1].assigned-addresses"))
	require.EqualValues(t, 1, f.stat("subnet[1].declined-addresses"))
	require.EqualValues(t, 1, f.stat("subnet[1].pool[7].declined-addresses"))
	require.EqualValues(t, 1, f.stat("declined-addresses"))

	// Moving the lease to expired-reclaimed stops counting it.
	r = call(t, f.s, "lease4-update", map[string]any{"ip-address": "192.0.2.101", "hw-address": "00:00:00:00:00:0a", "state": 2})
	requireResult(t, r, ResultSuccess, "IPv4 lease updated.")
	require.EqualValues(t, 2, f.stat("subnet[1].assigned-addresses"))
	require.EqualValues(t, 0, f.stat("declined-addresses"))

	r = call(t, f.s, "lease4-update", map[string]any{"ip-address": "192.0.2.150", "hw-address": "00:00:00:00:00:0b"})
	require.Equal(t, ResultConflict, r.Result)
	require.Contains(t, r.Text, "failed to update the lease with address 192.0.2.150")
	r = call(t, f.s, "lease4-update", map[string]any{"ip-address": "192.0.2.150", "hw-address": "00:00:00:00:00:0b", "force-create": true})
	requireResult(t, r, ResultSuccess, "IPv4 lease added.")
	require.EqualValues(t, 3, f.stat("subnet[1].assigned-addresses"))
	requireResult(t, call(t, f.s, "lease4-update", nil), ResultError, "no parameters specified for lease4-update command")
	requireResult(t, call(t, f.s, "lease4-update", map[string]any{"ip-address": "192.0.2.150", "hw-address": "00:00:00:00:00:0b", "force-create": 1}), ResultError, "'force-create' parameter must be a boolean")

	requireResult(t, call(t, f.s, "lease4-del", map[string]any{"ip-address": "192.0.2.102"}), ResultSuccess, "IPv4 lease deleted.")
	requireResult(t, call(t, f.s, "lease4-del", map[string]any{"ip-address": "192.0.2.102"}), ResultEmpty, "IPv4 lease not found.")
	requireResult(t, call(t, f.s, "lease4-del", map[string]any{"identifier-type": "hw-address", "identifier": "00:00:00:00:00:03", "subnet-id": 2}), ResultSuccess, "IPv4 lease deleted.")
	requireResult(t, call(t, f.s, "lease4-del", map[string]any{"identifier-type": "client-id", "identifier": "ff:01", "subnet-id": 2}), ResultEmpty, "IPv4 lease not found.")
	requireResult(t, call(t, f.s, "lease4-del", map[string]any{"identifier-type": "duid", "identifier": "01:02", "subnet-id": 2}), ResultError, "Delete by duid is not allowed in v4.")
	requireResult(t, call(t, f.s, "lease4-del", map[string]any{"ip-address": "192.0.2.102", "update-ddns": "yes"}), ResultError, "'update-ddns' is not a boolean")
	require.EqualValues(t, 2, f.stat("subnet[1].assigned-addresses"))
	require.EqualValues(t, 0, f.stat("subnet[2].assigned-addresses"))

	// Remaining: .101 (reclaimed), .103, .150 in subnet 1.
	requireResult(t, call(t, f.s, "lease4-wipe", map[string]any{"subnet-id": 2}), ResultEmpty, "Deleted 0 IPv4 lease(s) from subnet(s) 2 WARNING: lease4-wipe is deprecated!")
	requireResult(t, call(t, f.s, "lease4-wipe", map[string]any{"subnet-id": 1}), ResultSuccess, "Deleted 3 IPv4 lease(s) from subnet(s) 1 WARNING: lease4-wipe is deprecated!")
	require.EqualValues(t, 0, f.stat("subnet[1].assigned-addresses"))
	require.EqualValues(t, 0, f.stat("subnet[1].pool[7].assigned-addresses"))
	addLeases4(t, f)
	requireResult(t, call(t, f.s, "lease4-wipe", nil), ResultSuccess, "Deleted 4 IPv4 lease(s) from subnet(s) 1 2 WARNING: lease4-wipe is deprecated!")
	require.EqualValues(t, 0, f.stat("subnet[2].assigned-addresses"))
	requireResult(t, call(t, f.s, "lease4-wipe", map[string]any{"subnet-id": "1"}), ResultError, "'subnet-id' parameter must be a number")
}

func TestLease6Commands(t *testing.T) {
	f := newLeaseFixture(t, option.V6)
	r := call(t, f.s, "lease6-add", map[string]any{
		"ip-address": "2001:db8:1::100", "duid": "00:01:02:03", "iaid": 7, "hw-address": "0a:0b:0c:0d:0e:0f",
		"hostname": "h6.example.org",
	})
	requireResult(t, r, ResultSuccess, "Lease for address 2001:db8:1::100, subnet-id 1 added.")
	r = call(t, f.s, "lease6-add", map[string]any{
		"ip-address": "2001:db8:8000:100::", "type": "IA_PD", "prefix-len": 56, "duid": "00:01:02:03", "iaid": 8, "subnet-id": 1,
		"valid-lft": 100, "preferred-lft": 50,
	})
	requireResult(t, r, ResultSuccess, "Lease for prefix 2001:db8:8000:100::/56, subnet-id 1 added.")
	r = call(t, f.s, "lease6-add", map[string]any{"ip-address": "2001:db8:2::5", "duid": "00:01:02:04", "iaid": 1, "state": 1})
	requireResult(t, r, ResultSuccess, "Lease for address 2001:db8:2::5, subnet-id 2 added.")
	require.EqualValues(t, 1, f.stat("subnet[1].assigned-nas"))
	require.EqualValues(t, 1, f.stat("subnet[1].pool[3].assigned-nas"))
	require.EqualValues(t, 1, f.stat("subnet[1].assigned-pds"))
	require.EqualValues(t, 1, f.stat("subnet[1].pd-pool[4].assigned-pds"))
	require.EqualValues(t, 1, f.stat("subnet[2].declined-addresses"))
	require.EqualValues(t, 1, f.stat("declined-addresses"))

	requireResult(t, call(t, f.s, "lease6-add", map[string]any{"ip-address": "2001:db8:1::100", "duid": "00:01", "iaid": 1}), ResultConflict, "IPv6 lease already exists.")
	for _, tc := range []struct {
		args any
		text string
	}{
		{map[string]any{"ip-address": "192.0.2.1", "duid": "01", "iaid": 1}, "Non-IPv6 address specified: 192.0.2.1"},
		{map[string]any{"ip-address": "2001:db8:1::5", "iaid": 1}, "missing parameter 'duid'"},
		{map[string]any{"ip-address": "2001:db8:1::5", "duid": "01"}, "missing parameter 'iaid'"},
		{map[string]any{"ip-address": "2001:db8:1::5", "duid": "01", "iaid": 1, "type": "IA_XX"}, "Incorrect lease type: IA_XX, the only supported values are: na, ta and pd"},
		{map[string]any{"ip-address": "2001:db8:8000::", "duid": "01", "iaid": 1, "type": "IA_PD", "subnet-id": 1}, "missing parameter 'prefix-len'"},
		{map[string]any{"ip-address": "2001:db8:8000::", "duid": "01", "iaid": 1, "type": "IA_PD", "prefix-len": 56}, "Subnet-id is 0 or not specified. This is allowed for address leases only, not prefix leases."},
		{map[string]any{"ip-address": "2001:db8:3::1", "duid": "01", "iaid": 1}, "subnet-id not specified and failed to find a subnet for address 2001:db8:3::1"},
		{map[string]any{"ip-address": "2001:db8:3::1", "duid": "01", "iaid": 1, "subnet-id": 1}, "The address 2001:db8:3::1 does not belong to subnet 2001:db8:1::/64, subnet-id=1"},
		{map[string]any{"ip-address": "2001:db8:1::1", "duid": "01", "iaid": 1, "subnet-id": 9}, "Invalid subnet-id: No IPv6 subnet with subnet-id=9 currently configured."},
	} {
		r := call(t, f.s, "lease6-add", tc.args)
		require.Equal(t, ResultError, r.Result, "%v", tc.args)
		require.Contains(t, r.Text, tc.text, "%v", tc.args)
	}

	r = call(t, f.s, "lease6-get", map[string]any{"ip-address": "2001:db8:1::100"})
	requireResult(t, r, ResultSuccess, "IPv6 lease found.")
	require.Equal(t, []string{"cltt", "duid", "fqdn-fwd", "fqdn-rev", "hostname", "hw-address", "iaid", "ip-address",
		"pool-id", "preferred-lft", "state", "subnet-id", "type", "valid-lft"}, keys(t, r.Arguments))
	var l Lease6JSON
	require.NoError(t, r.Decode(&l))
	require.Equal(t, Lease6JSON{CLTT: testNow.Unix(), DUID: "00:01:02:03", Hostname: "h6.example.org", HWAddress: "0a:0b:0c:0d:0e:0f",
		IAID: 7, IPAddress: "2001:db8:1::100", PoolID: 3, PreferredLft: 3000, SubnetID: 1, Type: "IA_NA", ValidLft: 4000}, l)

	r = call(t, f.s, "lease6-get", map[string]any{"ip-address": "2001:db8:8000:100::", "type": "IA_PD"})
	requireResult(t, r, ResultSuccess, "IPv6 lease found.")
	require.Contains(t, keys(t, r.Arguments), "prefix-len")
	require.NotContains(t, keys(t, r.Arguments), "hw-address")
	l = Lease6JSON{}
	require.NoError(t, r.Decode(&l))
	require.Equal(t, Lease6JSON{CLTT: testNow.Unix(), DUID: "00:01:02:03", IAID: 8, IPAddress: "2001:db8:8000:100::", PoolID: 4,
		PreferredLft: 50, PrefixLen: 56, SubnetID: 1, Type: "IA_PD", ValidLft: 100}, l)

	r = call(t, f.s, "lease6-get", map[string]any{"identifier-type": "duid", "identifier": "00:01:02:03", "iaid": 8, "subnet-id": 1, "type": "IA_PD"})
	requireResult(t, r, ResultSuccess, "IPv6 lease found.")
	r = call(t, f.s, "lease6-get", map[string]any{"identifier-type": "duid", "identifier": "00:01:02:03", "iaid": 8, "subnet-id": 1})
	requireResult(t, r, ResultEmpty, "Lease not found.")
	requireResult(t, call(t, f.s, "lease6-get", map[string]any{"ip-address": "2001:db8:1::999"}), ResultEmpty, "Lease not found.")
	requireResult(t, call(t, f.s, "lease6-get", map[string]any{"ip-address": "2001:db8:1::100", "type": "IA_XX"}), ResultError,
		"Invalid lease type specified: IA_XX, only supported values are: IA_NA, IA_TA, IA_PD and V4")
	requireResult(t, call(t, f.s, "lease6-get", map[string]any{"identifier-type": "hw-address", "identifier": "01", "subnet-id": 1}), ResultError, "Query by hw-address is not allowed in v6.")
	requireResult(t, call(t, f.s, "lease6-get", map[string]any{"ip-address": "192.0.2.1"}), ResultError, "Invalid IPv6 address specified: 192.0.2.1")

	var got leases6Args
	r = call(t, f.s, "lease6-get-all", nil)
	requireResult(t, r, ResultSuccess, "3 IPv6 lease(s) found.")
	r = call(t, f.s, "lease6-get-all", map[string]any{"subnets": []int{2}})
	requireResult(t, r, ResultSuccess, "1 IPv6 lease(s) found.")
	r = call(t, f.s, "lease6-get-page", map[string]any{"from": "start", "limit": 2})
	requireResult(t, r, ResultSuccess, "2 IPv6 lease(s) found.")
	require.NoError(t, r.Decode(&got))
	require.Equal(t, 2, *got.Count)
	r = call(t, f.s, "lease6-get-page", map[string]any{"from": got.Leases[1].IPAddress, "limit": 2})
	requireResult(t, r, ResultSuccess, "1 IPv6 lease(s) found.")
	requireResult(t, call(t, f.s, "lease6-get-page", map[string]any{"from": "192.0.2.1", "limit": 2}), ResultError, "'from' parameter value 192.0.2.1 is not an IPv6 address")
	r = call(t, f.s, "lease6-get-by-duid", map[string]any{"duid": "00:01:02:03"})
	requireResult(t, r, ResultSuccess, "2 IPv6 lease(s) found.")
	requireResult(t, call(t, f.s, "lease6-get-by-duid", map[string]any{"duid": "00:09"}), ResultEmpty, "0 IPv6 lease(s) found.")
	requireResult(t, call(t, f.s, "lease6-get-by-duid", map[string]any{}), ResultError, "'duid' parameter not specified")
	requireResult(t, call(t, f.s, "lease6-get-by-hostname", map[string]any{"hostname": "H6.example.org"}), ResultSuccess, "1 IPv6 lease(s) found.")

	r = call(t, f.s, "lease6-update", map[string]any{"ip-address": "2001:db8:1::100", "duid": "00:01:02:03", "iaid": 7, "state": 1})
	requireResult(t, r, ResultSuccess, "IPv6 lease updated.")
	require.EqualValues(t, 1, f.stat("subnet[1].assigned-nas"))
	require.EqualValues(t, 1, f.stat("subnet[1].pool[3].declined-addresses"))
	require.EqualValues(t, 2, f.stat("declined-addresses"))
	r = call(t, f.s, "lease6-update", map[string]any{"ip-address": "2001:db8:1::101", "duid": "00:01", "iaid": 1})
	require.Equal(t, ResultConflict, r.Result)
	r = call(t, f.s, "lease6-update", map[string]any{"ip-address": "2001:db8:1::101", "duid": "00:01", "iaid": 1, "force-create": true})
	requireResult(t, r, ResultSuccess, "IPv6 lease added.")
	require.EqualValues(t, 2, f.stat("subnet[1].assigned-nas"))

	requireResult(t, call(t, f.s, "lease6-del", map[string]any{"ip-address": "2001:db8:1::101"}), ResultSuccess, "IPv6 lease deleted.")
	requireResult(t, call(t, f.s, "lease6-del", map[string]any{"ip-address": "2001:db8:1::101"}), ResultEmpty, "IPv6 lease not found.")
	requireResult(t, call(t, f.s, "lease6-del", map[string]any{"identifier-type": "duid", "identifier": "00:01:02:03", "iaid": 8, "subnet-id": 1, "type": "IA_PD"}), ResultSuccess, "IPv6 lease deleted.")
	requireResult(t, call(t, f.s, "lease6-del", map[string]any{"identifier-type": "hw-address", "identifier": "01", "subnet-id": 1}), ResultError, "Delete by hw-address is not allowed in v6.")
	require.EqualValues(t, 1, f.stat("subnet[1].assigned-nas"))
	require.EqualValues(t, 0, f.stat("subnet[1].assigned-pds"))
	require.EqualValues(t, 0, f.stat("subnet[1].pd-pool[4].assigned-pds"))

	requireResult(t, call(t, f.s, "lease6-wipe", nil), ResultSuccess, "Deleted 2 IPv6 lease(s) from subnet(s) 1 2 WARNING: lease6-wipe is deprecated!")
	require.EqualValues(t, 0, f.stat("subnet[1].assigned-nas"))
	require.EqualValues(t, 0, f.stat("declined-addresses"))
	requireResult(t, call(t, f.s, "lease6-get-all", nil), ResultEmpty, "0 IPv6 lease(s) found.")
}

// Without a configuration, subnet-id is mandatory and not checked.
func TestLeaseCommandsWithoutConfig(t *testing.T) {
	lm, err := memfile.Open(context.Background(), memfile.Config{InMemory: true})
	require.NoError(t, err)
	defer lm.Close()
	reg := NewRegistry(nil)
	(&LeaseCommands{Leases: lm}).Register4(reg)
	s := startServer(t, reg, Options{})
	r := call(t, s, "lease4-add", map[string]any{"ip-address": "10.0.0.1", "hw-address": "01:02:03:04:05:06"})
	requireResult(t, r, ResultError, "subnet-id not specified and no configuration to find a subnet for address 10.0.0.1")
	r = call(t, s, "lease4-add", map[string]any{"ip-address": "10.0.0.1", "hw-address": "01:02:03:04:05:06", "subnet-id": 5})
	requireResult(t, r, ResultSuccess, "Lease for address 10.0.0.1, subnet-id 5 added.")
	l, err := lm.Lease4(context.Background(), mustAddr("10.0.0.1"))
	require.NoError(t, err)
	require.EqualValues(t, cfgmgr.DefaultValidLifetime, l.ValidLifetime)
	requireResult(t, call(t, s, "lease4-wipe", nil), ResultSuccess, "Deleted 1 IPv4 lease(s) from subnet(s) 5 WARNING: lease4-wipe is deprecated!")
}
