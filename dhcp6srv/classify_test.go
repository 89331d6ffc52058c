package dhcp6srv_test

import (
	"net"
	"net/netip"
	"testing"

	"github.com/insomniacslk/dhcp/dhcpv6"
	"github.com/stretchr/testify/require"
)

func withVendorClass(ent uint32, data string) dhcpv6.Modifier {
	return dhcpv6.WithOption(&dhcpv6.OptVendorClass{EnterpriseNumber: ent, Data: [][]byte{[]byte(data)}})
}

// A class with a real Kea test (vendor-class data) guards a pool and gives
// its option-data; DROP drops; a KNOWN-dependent test runs after the host
// lookup.
func TestClassTestSelectsPool(t *testing.T) {
	f := newFixture(t, `{"Dhcp6": {
	  "client-classes": [
	    {"name": "modem", "test": "vendor-class[4491].data == 'docsis3.0'",
	     "option-data": [{"name": "domain-search", "data": "modem.example."}]},
	    {"name": "DROP", "test": "option[vendor-class].exists and substring(vendor-class[*].data, 0, 4) == 'evil'"},
	    {"name": "known-modem", "test": "member('modem') and known",
	     "option-data": [{"name": "dns-servers", "data": "2001:db8::53"}]},
	    {"name": "any-vendor", "test": "option[16].exists and not member('modem')",
	     "option-data": [{"name": "domain-search", "data": "other.example."}]}],
	  "subnet6": [{"id": 1, "subnet": "2001:db8:1::/64", "interface": "eth0",
	    "pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::1ff", "client-class": "modem"},
	              {"pool": "2001:db8:1::200 - 2001:db8:1::2ff"}],
	    "reservations": [{"duid": "00:02:00:00:09:bf:aa:09"}]}]}}`)
	oro := dhcpv6.WithRequestedOptions(dhcpv6.OptionDNSRecursiveNameServer, dhcpv6.OptionDomainSearchList)
	sarr := func(duid []byte, mods ...dhcpv6.Modifier) *dhcpv6.Message {
		adv := f.direct(newMsg(t, dhcpv6.MessageTypeSolicit, duid, append([]dhcpv6.Modifier{withNA(1), oro}, mods...)...))
		require.NotNil(t, adv)
		reply := f.direct(newMsg(t, dhcpv6.MessageTypeRequest, duid,
			append([]dhcpv6.Modifier{withServerID(f.srv.ServerID()), copyIAs(adv), oro}, mods...)...))
		require.NotNil(t, reply)
		return reply
	}

	r := sarr(duidEN(1), withVendorClass(4491, "docsis3.0"))
	require.Equal(t, []netip.Addr{netip.MustParseAddr("2001:db8:1::100")}, addrsOf(r))
	require.Equal(t, []string{"modem.example"}, r.Options.DomainSearchList().Labels)
	require.Nil(t, r.GetOneOption(dhcpv6.OptionDNSRecursiveNameServer))

	r = sarr(duidEN(2), withVendorClass(9, "other"))
	require.Equal(t, []netip.Addr{netip.MustParseAddr("2001:db8:1::200")}, addrsOf(r))
	require.Equal(t, []string{"other.example"}, r.Options.DomainSearchList().Labels)

	r = sarr(duidEN(9), withVendorClass(4491, "docsis3.0"))
	require.Equal(t, []string{"modem.example"}, r.Options.DomainSearchList().Labels)
	require.Equal(t, []net.IP{net.ParseIP("2001:db8::53")}, r.Options.DNS())

	require.Nil(t, f.direct(newMsg(t, dhcpv6.MessageTypeSolicit, duidEN(3), withNA(1), withVendorClass(1, "evil-box"))))
}

// A test relying on the relay: relay6[0].linkaddr picks the pool.
func TestClassTestRelay6(t *testing.T) {
	f := newFixture(t, `{"Dhcp6": {
	  "client-classes": [{"name": "via-r1", "test": "relay6[0].linkaddr == 2001:db8:2::1 and relay6[-1].peeraddr == fe80::1"}],
	  "subnet6": [{"id": 2, "subnet": "2001:db8:2::/64",
	    "pools": [{"pool": "2001:db8:2::100 - 2001:db8:2::1ff", "client-class": "via-r1"}]}]}}`)
	sol := newMsg(t, dhcpv6.MessageTypeSolicit, duidEN(5), withNA(1))
	relay, err := dhcpv6.EncapsulateRelay(sol, dhcpv6.MessageTypeRelayForward, net.ParseIP("2001:db8:2::1"), net.ParseIP("fe80::1"))
	require.NoError(t, err)
	w := newWriter()
	out := f.serve(w, relay)
	require.NotNil(t, out)
	m, err := out.(*dhcpv6.RelayMessage).GetInnerMessage()
	require.NoError(t, err)
	require.Equal(t, []netip.Addr{netip.MustParseAddr("2001:db8:2::100")}, addrsOf(m))
}
