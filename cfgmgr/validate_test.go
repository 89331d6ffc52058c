package cfgmgr

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/option"
)

func v4cfg(body string) []byte { return []byte(`{"Dhcp4": {` + body + `}}`) }
func v6cfg(body string) []byte { return []byte(`{"Dhcp6": {` + body + `}}`) }

// TestValidationErrors checks every validation rule: the error names the
// JSON path (and the offending value where there is one) and its kind.
func TestValidationErrors(t *testing.T) {
	cases := []struct {
		name string
		cfg  []byte
		want string // substring of one error line: "path: value: message"
		kind error
	}{
		{"range end before start",
			v4cfg(`"subnet4": [{"id": 1, "subnet": "192.0.2.0/24"}, {"id": 2, "subnet": "192.0.1.0/24"}, {"id": 3, "subnet": "192.0.0.0/24",
				"pools": [{"pool": "192.0.2.10 - 192.0.1.5"}]}]`),
			`Dhcp4/subnet4[2]/pools[0]/pool: "192.0.2.10 - 192.0.1.5": range end before start`, ErrValue},
		{"pool outside subnet",
			v4cfg(`"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.3.1-192.0.3.100"}]}]`),
			`Dhcp4/subnet4[0]/pools[0]/pool: "192.0.3.1 - 192.0.3.100": pool is not within subnet 192.0.2.0/24`, ErrRange},
		{"overlapping pools in subnet",
			v4cfg(`"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.1-192.0.2.100"}, {"pool": "192.0.2.50-192.0.2.150"}]}]`),
			`Dhcp4/subnet4[0]/pools[1]/pool: "192.0.2.50 - 192.0.2.150": pool overlaps Dhcp4/subnet4[0]/pools[0]/pool`, ErrOverlap},
		{"overlapping pd-pools in subnet",
			v6cfg(`"subnet6": [{"id": 1, "subnet": "2001:db8::/32", "pd-pools": [
				{"prefix": "2001:db8:1::", "prefix-len": 48, "delegated-len": 56},
				{"prefix": "2001:db8:1:100::", "prefix-len": 56, "delegated-len": 60}]}]`),
			`pd-pool overlaps Dhcp6/subnet6[0]/pd-pools[0]`, ErrOverlap},
		{"duplicate subnet id",
			v4cfg(`"subnet4": [{"id": 7, "subnet": "192.0.2.0/24"}, {"id": 7, "subnet": "192.0.3.0/24"}]`),
			`Dhcp4/subnet4[1]/id: 7: subnet id already used by Dhcp4/subnet4[0]`, ErrDuplicate},
		{"duplicate subnet id in shared network",
			v4cfg(`"shared-networks": [{"name": "a", "subnet4": [{"id": 7, "subnet": "192.0.2.0/24"}]}], "subnet4": [{"id": 7, "subnet": "192.0.3.0/24"}]`),
			`Dhcp4/subnet4[0]/id: 7: subnet id already used by Dhcp4/shared-networks[0]/subnet4[0]`, ErrDuplicate},
		{"duplicate subnet prefix",
			v6cfg(`"subnet6": [{"id": 1, "subnet": "2001:db8::/64"}, {"id": 2, "subnet": "2001:db8::/64"}]`),
			`Dhcp6/subnet6[1]/subnet: "2001:db8::/64": subnet prefix already used by Dhcp6/subnet6[0]`, ErrDuplicate},
		{"auto id collides with a later explicit id (Kea 2.2)",
			v4cfg(`"subnet4": [{"subnet": "192.0.2.0/24"}, {"id": 1, "subnet": "192.0.3.0/24"}]`),
			`Dhcp4/subnet4[1]/id: 1: subnet id already used by Dhcp4/subnet4[0]`, ErrDuplicate},
		{"reserved address outside subnet",
			v4cfg(`"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "reservations": [{"hw-address": "aa:bb:cc:dd:ee:ff", "ip-address": "192.0.3.5"}]}]`),
			`Dhcp4/subnet4[0]/reservations[0]/ip-address: "192.0.3.5": reserved address is not within subnet 192.0.2.0/24`, ErrRange},
		{"reserved v6 address outside subnet",
			v6cfg(`"subnet6": [{"id": 1, "subnet": "2001:db8:1::/64", "reservations": [{"duid": "01:02:03", "ip-addresses": ["2001:db8:2::1"]}]}]`),
			`Dhcp6/subnet6[0]/reservations[0]/ip-addresses[0]: "2001:db8:2::1": reserved address is not within subnet`, ErrRange},
		{"duplicate identifier in subnet",
			v4cfg(`"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "reservations": [{"hw-address": "aa:bb:cc:dd:ee:ff", "ip-address": "192.0.2.5"}, {"hw-address": "AA:BB:CC:DD:EE:FF", "ip-address": "192.0.2.6"}]}]`),
			`Dhcp4/subnet4[0]/reservations[1]/hw-address: "aa:bb:cc:dd:ee:ff": host with this identifier already reserved at Dhcp4/subnet4[0]/reservations[0]`, ErrDuplicate},
		{"duplicate global identifier",
			v4cfg(`"reservations": [{"client-id": "01:aa", "hostname": "a"}, {"client-id": "01:aa", "hostname": "b"}]`),
			`Dhcp4/reservations[1]/client-id: "01:aa": host with this identifier already reserved`, ErrDuplicate},
		{"duplicate reserved address",
			v4cfg(`"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "reservations": [{"hw-address": "aa:bb:cc:dd:ee:ff", "ip-address": "192.0.2.5"}, {"hw-address": "aa:bb:cc:dd:ee:01", "ip-address": "192.0.2.5"}]}]`),
			`Dhcp4/subnet4[0]/reservations[1]/ip-address: "192.0.2.5": address already reserved at Dhcp4/subnet4[0]/reservations[0]`, ErrDuplicate},
		{"min greater than max lifetime",
			v4cfg(`"valid-lifetime": 100, "min-valid-lifetime": 300, "max-valid-lifetime": 200`),
			`Dhcp4/min-valid-lifetime: 300: greater than max-valid-lifetime (200)`, ErrValue},
		{"default below min",
			v4cfg(`"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "valid-lifetime": 100, "min-valid-lifetime": 200}]`),
			`Dhcp4/subnet4[0]/valid-lifetime: 100: less than min-valid-lifetime (200)`, ErrRange},
		{"default above max (v6 preferred)",
			v6cfg(`"shared-networks": [{"name": "n", "preferred-lifetime": 900, "max-preferred-lifetime": 800}]`),
			`Dhcp6/shared-networks[0]/preferred-lifetime: 900: greater than max-preferred-lifetime (800)`, ErrRange},
		{"min and max without default",
			v4cfg(`"min-valid-lifetime": 100, "max-valid-lifetime": 200`),
			`Dhcp4/min-valid-lifetime: 100: min-valid-lifetime and max-valid-lifetime without valid-lifetime`, ErrMissing},
		{"t1 greater than t2 at one level",
			v4cfg(`"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "renew-timer": 100, "rebind-timer": 50}]`),
			`Dhcp4/subnet4[0]/renew-timer: 100: greater than rebind-timer (50)`, ErrValue},
		{"t1 greater than t2 across levels",
			v4cfg(`"renew-timer": 100, "subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "rebind-timer": 50}]`),
			`Dhcp4/subnet4[0]: effective renew-timer (100) is greater than rebind-timer (50)`, ErrValue},
		{"t1-percent not below t2-percent",
			v6cfg(`"t1-percent": 0.9, "t2-percent": 0.5`),
			`Dhcp6/t1-percent: 0.9: must be less than t2-percent (0.5)`, ErrValue},
		{"percent out of range",
			v4cfg(`"cache-threshold": 1.5`),
			`Dhcp4/cache-threshold: 1.5: must be between 0 and 1`, ErrRange},
		{"delegated-len below prefix-len",
			v6cfg(`"subnet6": [{"id": 1, "subnet": "2001:db8::/32", "pd-pools": [{"prefix": "3000::", "prefix-len": 48, "delegated-len": 40}]}]`),
			`Dhcp6/subnet6[0]/pd-pools[0]/delegated-len: 40: less than prefix-len (48)`, ErrValue},
		{"excluded prefix not longer than delegated",
			v6cfg(`"subnet6": [{"id": 1, "subnet": "2001:db8::/32", "pd-pools": [{"prefix": "3000::", "prefix-len": 48, "delegated-len": 64, "excluded-prefix": "3000::", "excluded-prefix-len": 60}]}]`),
			`Dhcp6/subnet6[0]/pd-pools[0]/excluded-prefix-len: 60: must be greater than delegated-len (64)`, ErrValue},
		{"overlapping pd-pools",
			v6cfg(`"subnet6": [{"id": 1, "subnet": "2001:db8::/32", "pd-pools": [{"prefix": "3000::", "prefix-len": 48, "delegated-len": 64}, {"prefix": "3000::", "prefix-len": 56, "delegated-len": 64}]}]`),
			`Dhcp6/subnet6[0]/pd-pools[1]: "3000::/56": pd-pool overlaps Dhcp6/subnet6[0]/pd-pools[0]`, ErrOverlap},
		{"missing id in strict mode is checked separately", nil, "", nil},
		{"missing subnet",
			v4cfg(`"subnet4": [{"id": 1}]`),
			`Dhcp4/subnet4[0]: missing "subnet"`, ErrMissing},
		{"unknown key",
			v4cfg(`"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "valid-lifetme": 5}]`),
			`Dhcp4/subnet4[0]/valid-lifetme: 5: unknown parameter`, ErrUnknownKey},
		{"v6 key in v4",
			v4cfg(`"preferred-lifetime": 5`),
			`Dhcp4/preferred-lifetime: 5: parameter not valid in Dhcp4`, ErrUnknownKey},
		{"subnet-only key at global level",
			v4cfg(`"interface": "eth0"`),
			`Dhcp4/interface: "eth0": parameter not valid at global level`, ErrUnknownKey},
		{"wrong type",
			v4cfg(`"valid-lifetime": "7200"`),
			`Dhcp4/valid-lifetime: "7200": must be an integer, not a string`, ErrType},
		{"negative",
			v4cfg(`"valid-lifetime": -1`),
			`Dhcp4/valid-lifetime: -1: must not be negative`, ErrRange},
		{"too big",
			v4cfg(`"expired-leases-processing": {"max-reclaim-time": 10001}`),
			`Dhcp4/expired-leases-processing/max-reclaim-time: 10001: must be at most 10000`, ErrRange},
		{"bad enum",
			v4cfg(`"ddns-replace-client-name": "sometimes"`),
			`Dhcp4/ddns-replace-client-name: "sometimes": must be one of never, always, when-present, when-not-present`, ErrValue},
		{"duplicate key",
			v4cfg(`"valid-lifetime": 1, "valid-lifetime": 2`),
			`Dhcp4/valid-lifetime: 2: duplicate key`, ErrDuplicate},
		{"reservation-mode with flags",
			v4cfg(`"reservation-mode": "all", "reservations-global": true`),
			`Dhcp4/reservation-mode: "all": invalid use of both 'reservation-mode' and one of`, ErrValue},
		{"reservation without identifier",
			v4cfg(`"reservations": [{"hostname": "x"}]`),
			`Dhcp4/reservations[0]: reservation needs one identifier`, ErrMissing},
		{"bad hw-address",
			v4cfg(`"reservations": [{"hw-address": "zz:11"}]`),
			`Dhcp4/reservations[0]/hw-address: "zz:11": hostmgr: invalid hw-address "zz:11": "zz" is not a hex number`, ErrValue},
		{"duplicate shared network name",
			v4cfg(`"shared-networks": [{"name": "a"}, {"name": "a"}]`),
			`Dhcp4/shared-networks[1]/name: "a": shared network name already used at Dhcp4/shared-networks[0]`, ErrDuplicate},
		{"duplicate client class",
			v4cfg(`"client-classes": [{"name": "a"}, {"name": "a"}]`),
			`Dhcp4/client-classes[1]/name: "a": client class already defined`, ErrDuplicate},
		{"bad interface spec",
			v4cfg(`"interfaces-config": {"interfaces": ["eth0/2001:db8::1"]}`),
			`Dhcp4/interfaces-config/interfaces[0]: "eth0/2001:db8::1": "2001:db8::1" is not a valid IPv4 address`, ErrValue},
		{"cql database",
			v4cfg(`"lease-database": {"type": "cql", "name": "k"}`),
			`Dhcp4/lease-database/type: "cql": Cassandra (cql) databases are not supported`, ErrUnsupported},
		{"ddns tcp",
			v4cfg(`"dhcp-ddns": {"enable-updates": true, "ncr-protocol": "TCP"}`),
			`Dhcp4/dhcp-ddns/ncr-protocol: "TCP": TCP is not yet supported`, ErrUnsupported},
		{"ddns sender family",
			v4cfg(`"dhcp-ddns": {"enable-updates": true, "sender-ip": "::1"}`),
			`Dhcp4/dhcp-ddns/sender-ip: "::1": must be of the same family as server-ip`, ErrValue},
		{"option-data without name or code",
			v4cfg(`"option-data": [{"data": "1"}]`),
			`Dhcp4/option-data[0]: {"data":"1"}: option: option-data: neither name nor code given`, ErrValue},
		{"option data does not match its definition",
			v4cfg(`"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "option-data": [{"name": "routers", "data": "192.0.2.x"}]}]`),
			`Dhcp4/subnet4[0]/option-data[0]: {"data":"192.0.2.x","name":"routers"}: option: routers:`, ErrValue},
		{"option code out of range (v4)",
			v4cfg(`"option-data": [{"code": 300, "data": "1"}]`),
			`Dhcp4/option-data[0]/code: 300: must be at most 254`, ErrRange},
		{"option-def bad type",
			v4cfg(`"option-def": [{"name": "x", "code": 200, "type": "uint7"}]`),
			`Dhcp4/option-def[0]/type: "uint7": option: "uint7": unknown option data type`, ErrValue},
		{"host identifier type",
			v6cfg(`"host-reservation-identifiers": ["circuit-id"]`),
			`Dhcp6/host-reservation-identifiers[0]: "circuit-id": not a DHCPv6 identifier type`, ErrValue},
		{"unknown top-level",
			[]byte(`{"Dhcp4": {}, "Dhcp5": {}}`),
			`Dhcp5: {}: unknown parameter`, ErrUnknownKey},
		{"syntax",
			[]byte("{\"Dhcp4\": {\n \"valid-lifetime\": 1,,\n}}"),
			`line 2, column 22: expected a quoted key`, ErrSyntax},
		{"pool family",
			v6cfg(`"subnet6": [{"id": 1, "subnet": "2001:db8::/64", "pools": [{"pool": "192.0.2.1-192.0.2.2"}]}]`),
			`Dhcp6/subnet6[0]/pools[0]/pool: "192.0.2.1-192.0.2.2": not an IPv6 address range`, ErrValue},
	}
	for _, tc := range cases {
		if tc.cfg == nil {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			cfg, _, err := Parse(tc.cfg)
			require.Error(t, err)
			require.Nil(t, cfg)
			var list ErrorList
			require.ErrorAs(t, err, &list)
			var found *Error
			for _, e := range list {
				if strings.Contains(e.Error(), tc.want) {
					found = e
				}
			}
			require.NotNil(t, found, "want %q in:\n%v", tc.want, err)
			require.ErrorIs(t, found, tc.kind)
			require.ErrorIs(t, err, tc.kind)
		})
	}
}

func TestStrictSubnetID(t *testing.T) {
	in := v4cfg(`"subnet4": [{"subnet": "192.0.2.0/24"}]`)
	_, _, err := ParseOptions{RequireSubnetID: true}.Parse(in)
	require.ErrorContains(t, err, `Dhcp4/subnet4[0]: missing "id" (required since Kea 2.6)`)
	require.ErrorIs(t, err, ErrMissing)
	cfg, _, err := Parse(in)
	require.NoError(t, err)
	require.Equal(t, SubnetID(1), cfg.Subnets4[0].ID)
}

// TestAutoSubnetID checks Kea 2.2's assignment: shared networks first,
// then subnet4, each missing id = highest id seen so far + 1.
func TestAutoSubnetID(t *testing.T) {
	cfg, _, err := Parse(v4cfg(`
		"subnet4": [
			{"subnet": "10.0.1.0/24", "reservations": [{"hw-address": "01:02:03:04:05:06", "ip-address": "10.0.1.5"}]},
			{"id": 100, "subnet": "10.0.2.0/24"},
			{"subnet": "10.0.3.0/24"}
		],
		"shared-networks": [{"name": "n", "subnet4": [{"id": 5, "subnet": "10.1.1.0/24"}, {"subnet": "10.1.2.0/24"}]}]`))
	require.NoError(t, err)
	got := map[string]SubnetID{}
	for _, s := range cfg.Subnets4 {
		got[s.Prefix.String()] = s.ID
	}
	require.Equal(t, map[string]SubnetID{
		"10.1.1.0/24": 5, "10.1.2.0/24": 6, "10.0.1.0/24": 7, "10.0.2.0/24": 100, "10.0.3.0/24": 101,
	}, got)
	require.Equal(t, SubnetID(7), cfg.Subnet4(7).Reservations[0].SubnetID4, "reservations follow the assigned id")
	// Sorted by id.
	for i := 1; i < len(cfg.Subnets4); i++ {
		require.Less(t, cfg.Subnets4[i-1].ID, cfg.Subnets4[i].ID)
	}
}

// TestAllErrorsCollected checks that Parse reports every problem, not the first.
func TestAllErrorsCollected(t *testing.T) {
	_, _, err := Parse(v4cfg(`"valid-lifetime": "x", "renew-timer": -1, "foo": 1,
		"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.9-192.0.2.1"}]}]`))
	var list ErrorList
	require.ErrorAs(t, err, &list)
	require.Len(t, list, 4, "%v", err)
	require.True(t, errors.Is(err, ErrUnknownKey))
}

func TestWarnings(t *testing.T) {
	cfg, warns, err := ParseOptions{Family: option.V4}.Parse([]byte(`{
		"Dhcp4": {
			"hooks-libraries": [{"library": "/usr/lib/libdhcp_lease_cmds.so"}],
			"loggers": [{"name": "kea-dhcp4"}],
			"reservation-mode": "out-of-pool",
			"hosts-database": {"type": "mysql", "name": "kea"},
			"dhcp-ddns": {"enable-updates": false, "qualifying-suffix": "example.org."}
		},
		"Logging": {}, "Control-agent": {}, "DhcpDdns": {}, "Dhcp6": {}
	}`))
	require.NoError(t, err)
	var ws []string
	for _, w := range warns {
		ws = append(ws, w.String())
	}
	all := strings.Join(ws, "\n")
	for _, want := range []string{
		"Dhcp4/hooks-libraries: ignored: hook libraries cannot be loaded by a Go program",
		"Dhcp4/loggers: ignored",
		"Dhcp4/reservation-mode: deprecated (Kea 2.2, removed in 2.6)",
		`Dhcp4/hosts-database: hosts database of type "mysql" is not supported`,
		`Dhcp4/dhcp-ddns/qualifying-suffix: deprecated (Kea 2.2): moved to global "ddns-qualifying-suffix"`,
		"Logging: ignored", "Control-agent: ignored", "DhcpDdns: ignored", "Dhcp6: ignored",
	} {
		require.Contains(t, all, want)
	}
	require.Contains(t, cfg.Unsupported, "hooks-libraries")
	require.Equal(t, "example.org.", cfg.GlobalScope().DDNSQualifyingSuffix())
	s := cfg.GlobalScope()
	require.True(t, s.ReservationsInSubnet())
	require.True(t, s.ReservationsOutOfPool())
	require.False(t, s.ReservationsGlobal())
	roundTrip(t, cfg)
}

// TestOverlappingSubnetsWarn checks that overlapping subnets, and pools of
// different subnets that overlap because their subnets do, load with a
// warning naming both paths: kea-dhcp4 -t and kea-dhcp6 -t accept them
// (selection takes the lowest subnet id), so a Kea config must load here too.
func TestOverlappingSubnetsWarn(t *testing.T) {
	cases := []struct {
		name string
		cfg  []byte
		want string
	}{
		{"overlapping subnets",
			v4cfg(`"subnet4": [{"id": 1, "subnet": "192.0.2.0/24"}, {"id": 2, "subnet": "192.0.2.128/25"}]`),
			`Dhcp4/subnet4[1]/subnet: 192.0.2.128/25: subnet overlaps Dhcp4/subnet4[0]/subnet`},
		{"pools of overlapping subnets (v6)",
			v6cfg(`"subnet6": [{"id": 1, "subnet": "2001:db8::/32", "pools": [{"pool": "2001:db8:1::/64"}]},
				{"id": 2, "subnet": "2001:db8:1::/48", "pools": [{"pool": "2001:db8:1::5-2001:db8:1::9"}]}]`),
			`pool overlaps Dhcp6/subnet6[`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, warns, err := Parse(tc.cfg)
			require.NoError(t, err)
			require.NotNil(t, cfg)
			var all []string
			for _, w := range warns {
				all = append(all, w.String())
			}
			require.Contains(t, strings.Join(all, "\n"), tc.want)
		})
	}
}

// TestAllocatorNames checks the allocator names cfgmgr accepts: Kea's three
// and the SDK's "hashed"; anything else is an error with its path.
func TestAllocatorNames(t *testing.T) {
	for _, name := range []string{"iterative", "random", "flq", "hashed"} {
		cfg, _, err := Parse(v6cfg(`"allocator": "` + name + `", "pd-allocator": "` + name + `",
			"subnet6": [{"id": 1, "subnet": "2001:db8::/64"}]`))
		require.NoError(t, err, name)
		require.Equal(t, name, cfg.Subnets6[0].Allocator())
		require.Equal(t, name, cfg.Subnets6[0].PDAllocator())
	}
	_, _, err := Parse(v4cfg(`"allocator": "roundrobin"`))
	require.ErrorContains(t, err, `Dhcp4/allocator: "roundrobin"`)
}
