package cfgmgr

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDefaults checks Kea's default of every inheritable and global
// parameter when nothing is configured.
func TestDefaults(t *testing.T) {
	cfg4, _, err := Parse(v4cfg(`"subnet4": [{"id": 1, "subnet": "192.0.2.0/24"}]`))
	require.NoError(t, err)
	s := cfg4.Subnet4(1)
	require.Equal(t, Triplet{7200, 7200, 7200}, s.ValidLifetime())
	_, ok := s.RenewTimer()
	require.False(t, ok)
	_, ok = s.RebindTimer()
	require.False(t, ok)
	require.False(t, s.CalculateTeeTimes())
	require.Equal(t, 0.5, s.T1Percent())
	require.Equal(t, 0.875, s.T2Percent())
	require.True(t, s.MatchClientID())
	require.False(t, s.Authoritative())
	require.Equal(t, netip.MustParseAddr("0.0.0.0"), s.NextServer())
	require.Equal(t, "", s.ServerHostname())
	require.Equal(t, "", s.BootFileName())
	require.False(t, s.ReservationsGlobal())
	require.True(t, s.ReservationsInSubnet())
	require.False(t, s.ReservationsOutOfPool())
	ct, on := s.CacheThreshold()
	require.Equal(t, 0.25, ct)
	require.True(t, on)
	_, ok = s.CacheMaxAge()
	require.False(t, ok)
	require.Equal(t, "iterative", s.Allocator())
	_, ok = s.OfferLifetime()
	require.False(t, ok)
	require.False(t, s.StoreExtendedInfo())
	require.True(t, s.DDNSSendUpdates())
	require.False(t, s.DDNSOverrideNoUpdate())
	require.False(t, s.DDNSOverrideClientUpdate())
	require.Equal(t, "never", s.DDNSReplaceClientName())
	require.Equal(t, "myhost", s.DDNSGeneratedPrefix())
	require.Equal(t, "", s.DDNSQualifyingSuffix())
	require.False(t, s.DDNSUpdateOnRenew())
	require.Equal(t, "check-with-dhcid", s.DDNSConflictResolutionMode())
	_, ok = s.DDNSTTLPercent()
	require.False(t, ok)
	require.Equal(t, "[^A-Za-z0-9.-]", s.HostnameCharSet())
	require.Equal(t, "", s.HostnameCharReplacement())
	require.Equal(t, "", s.Interface())
	require.Equal(t, "", s.ClientClass())
	require.Nil(t, s.RelayAddresses())

	require.Equal(t, uint32(86400), cfg4.DeclineProbationPeriod())
	require.True(t, cfg4.EchoClientID())
	require.True(t, cfg4.IPReservationsUnique())
	require.False(t, cfg4.ReservationsLookupFirst())
	require.False(t, cfg4.EarlyGlobalReservationsLookup())
	require.Equal(t, uint32(20), cfg4.StatisticDefaultSampleCount())
	require.Equal(t, uint32(0), cfg4.StatisticDefaultSampleAge())
	require.Equal(t, uint32(256), cfg4.ParkedPacketLimit())
	require.Equal(t, uint16(0), cfg4.DHCP4o6Port())
	require.Equal(t, []string{"hw-address", "duid", "circuit-id", "client-id"}, cfg4.HostReservationIdentifiers())

	require.Equal(t, ExpiredLeasesProcessing{10, 25, 3600, 100, 250, 5, nil}, cfg4.ExpiredLeases)
	require.Equal(t, MultiThreading{true, 0, 64}, cfg4.MultiThreading)
	require.Equal(t, QueueControl{false, "kea-ring4", 64, nil}, cfg4.QueueControl)
	require.Equal(t, "warn", cfg4.SanityChecks.LeaseChecks)
	require.Equal(t, DDNSConfig{ServerIP: netip.MustParseAddr("127.0.0.1"), ServerPort: 53001, MaxQueueSize: 1024,
		NCRProtocol: "UDP", NCRFormat: "JSON"}, cfg4.DHCPDDNS)
	require.Equal(t, "raw", cfg4.Interfaces.DHCPSocketType)
	require.Equal(t, "same-as-inbound", cfg4.Interfaces.OutboundInterface)
	require.True(t, cfg4.Interfaces.ReDetect)
	require.Equal(t, uint32(5000), cfg4.Interfaces.ServiceSocketsRetryWaitTime)
	require.Nil(t, cfg4.LeaseDatabase)

	cfg6, _, err := Parse(v6cfg(`"subnet6": [{"id": 1, "subnet": "2001:db8::/64"}],
		"lease-database": {"type": "memfile"}`))
	require.NoError(t, err)
	s6 := cfg6.Subnet6(1)
	require.True(t, s6.CalculateTeeTimes())
	require.Equal(t, 0.8, s6.T2Percent())
	require.Equal(t, Triplet{4500, 4500, 4500}, s6.PreferredLifetime(), "0.625 × valid")
	require.False(t, s6.RapidCommit())
	require.Equal(t, "iterative", s6.PDAllocator())
	require.Equal(t, []string{"hw-address", "duid"}, cfg6.HostReservationIdentifiers())
	require.Equal(t, "kea-ring6", cfg6.QueueControl.QueueType)
	require.Equal(t, ServerID{Type: "LLT", Persist: true}, cfg6.ServerID)
	require.Equal(t, &Database{Type: "memfile", Persist: true, LFCInterval: 3600, OnFail: "stop-retry-exit",
		Raw: map[string]any{"type": "memfile"}}, cfg6.LeaseDatabase)
}

// TestInheritance checks subnet → shared network → global → default at
// each level, for a scalar, a triplet and the net-only parameters.
func TestInheritance(t *testing.T) {
	cfg, _, err := Parse(v4cfg(`
		"valid-lifetime": 1000, "min-valid-lifetime": 500, "max-valid-lifetime": 2000,
		"match-client-id": false, "allocator": "random", "ddns-use-conflict-resolution": false,
		"next-server": "192.0.2.254",
		"shared-networks": [{
			"name": "net", "match-client-id": true, "interface": "eth1", "relay": {"ip-addresses": ["10.0.0.1"]},
			"valid-lifetime": 3000, "ddns-conflict-resolution-mode": "check-exists-with-dhcid",
			"subnet4": [
				{"id": 1, "subnet": "10.1.0.0/24"},
				{"id": 2, "subnet": "10.2.0.0/24", "valid-lifetime": 4000, "max-valid-lifetime": 5000,
				 "match-client-id": false, "interface": "eth2", "relay": {"ip-address": "10.0.0.2"},
				 "allocator": "flq"}
			]}],
		"subnet4": [{"id": 3, "subnet": "10.3.0.0/24"}, {"id": 4, "subnet": "10.4.0.0/24", "reservation-mode": "global"}]`))
	require.NoError(t, err)
	s1, s2, s3, s4 := cfg.Subnet4(1), cfg.Subnet4(2), cfg.Subnet4(3), cfg.Subnet4(4)

	// Triplet: the level that sets any part wins as a whole.
	require.Equal(t, Triplet{3000, 3000, 3000}, s1.ValidLifetime(), "from shared network")
	require.Equal(t, Triplet{4000, 4000, 5000}, s2.ValidLifetime(), "from subnet")
	require.Equal(t, Triplet{500, 1000, 2000}, s3.ValidLifetime(), "from global")

	require.True(t, s1.MatchClientID(), "network overrides global")
	require.False(t, s2.MatchClientID(), "subnet overrides network")
	require.False(t, s3.MatchClientID(), "global")

	require.Equal(t, "random", s1.Allocator())
	require.Equal(t, "flq", s2.Allocator())
	require.Equal(t, "random", s3.Allocator())

	require.Equal(t, "eth1", s1.Interface())
	require.Equal(t, "eth2", s2.Interface())
	require.Equal(t, "", s3.Interface(), "interface is not a global")
	require.Equal(t, []netip.Addr{netip.MustParseAddr("10.0.0.1")}, s1.RelayAddresses())
	require.Equal(t, []netip.Addr{netip.MustParseAddr("10.0.0.2")}, s2.RelayAddresses())

	require.Equal(t, netip.MustParseAddr("192.0.2.254"), s1.NextServer())
	require.Equal(t, "check-exists-with-dhcid", s1.DDNSConflictResolutionMode())
	require.Equal(t, "no-check-with-dhcid", s3.DDNSConflictResolutionMode(), "2.2 boolean false")

	require.True(t, s4.ReservationsGlobal())
	require.False(t, s4.ReservationsInSubnet())
	require.False(t, s3.ReservationsGlobal())

	require.Same(t, cfg.SharedNetwork4("net"), s1.Network)
	require.Nil(t, s3.Network)
	require.Equal(t, Triplet{3000, 3000, 3000}, cfg.SharedNetwork4("net").ValidLifetime())
	require.False(t, cfg.GlobalScope().MatchClientID())

	// Configured values are kept per level, unresolved.
	require.Nil(t, s1.Params.ValidLifetime)
	require.Equal(t, uint32(4000), *s2.Params.ValidLifetime)
	roundTrip(t, cfg)
}

func TestClientClassLifetimes(t *testing.T) {
	cfg, _, err := Parse(v6cfg(`"client-classes": [
		{"name": "a", "test": "member('ALL')", "valid-lifetime": 100, "max-valid-lifetime": 200, "preferred-lifetime": 50},
		{"name": "b", "only-if-required": true}]`))
	require.NoError(t, err)
	tr, ok := cfg.ClientClass("a").ValidLifetime()
	require.True(t, ok)
	require.Equal(t, Triplet{100, 100, 200}, tr)
	tr, ok = cfg.ClientClass("a").PreferredLifetime()
	require.True(t, ok)
	require.Equal(t, Triplet{50, 50, 50}, tr)
	_, ok = cfg.ClientClass("b").ValidLifetime()
	require.False(t, ok)
	require.True(t, cfg.ClientClass("b").OnlyIfRequired)
	require.Equal(t, "member('ALL')", cfg.ClientClass("a").Test)
}

func TestReservationsParsed(t *testing.T) {
	cfg, _, err := Parse(v4cfg(`
		"reservations": [{"flex-id": "'hello'", "hostname": "g", "client-classes": ["x"]}],
		"subnet4": [{"id": 9, "subnet": "192.0.2.0/24", "reservations": [
			{"hw-address": "1:2:3:4:5:6", "ip-address": "192.0.2.9", "next-server": "192.0.2.1",
			 "server-hostname": "s", "boot-file-name": "f", "option-data": [{"name": "routers", "data": "192.0.2.1"}],
			 "user-context": {"a": 1}, "comment": "c"}]}]`))
	require.NoError(t, err)
	g := cfg.Reservations[0]
	require.Equal(t, []byte("hello"), g.Identifier)
	require.Equal(t, SubnetID(0), g.SubnetID4)
	h := cfg.Subnet4(9).Reservations[0]
	require.Equal(t, "01:02:03:04:05:06", h.IdentifierText())
	require.Equal(t, SubnetID(9), h.SubnetID4)
	require.Equal(t, netip.MustParseAddr("192.0.2.9"), h.IPv4Address)
	require.Equal(t, "routers", h.Options4[0].Name)
	require.JSONEq(t, `{"a": 1, "comment": "c"}`, string(h.UserContext))
	require.Len(t, cfg.AllHosts(), 2)
	roundTrip(t, cfg)
}

func TestJSONComments(t *testing.T) {
	cfg, _, err := Parse([]byte(`
	# hash comment
	{ "Dhcp4": { // line comment
		/* block
		   comment */ "server-tag": "a // not # a /* comment */",
		"t1-percent": .25, "t2-percent": .5
	} }`))
	require.NoError(t, err)
	require.Equal(t, "a // not # a /* comment */", cfg.ServerTag())
	require.Equal(t, 0.25, cfg.GlobalScope().T1Percent())
	_, _, err = Parse([]byte(`{"Dhcp4": {} /* unterminated`))
	require.ErrorIs(t, err, ErrSyntax)
}
