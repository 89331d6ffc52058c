package dhcp6srv_test

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv6"
	"github.com/insomniacslk/dhcp/iana"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/dhcp6srv"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

func inPool(a netip.Addr, first, last string) bool {
	return a.Compare(netip.MustParseAddr(first)) >= 0 && a.Compare(netip.MustParseAddr(last)) <= 0
}

func TestSARRNA(t *testing.T) {
	f := newFixture(t, cfgBase)
	d := duidEN(1)
	adv, reply := f.sarr(d, withNA(1))
	require.Len(t, addrsOf(adv), 1)
	a := addrsOf(reply)
	require.Len(t, a, 1)
	require.Equal(t, addrsOf(adv)[0], a[0])
	require.True(t, inPool(a[0], "2001:db8:1::100", "2001:db8:1::1ff"), a[0])
	// Identifiers echoed, lifetimes and T1/T2 (calculated: 0.5/0.8 of preferred).
	require.Equal(t, d, reply.Options.ClientID().ToBytes())
	require.Equal(t, f.srv.ServerID(), reply.Options.ServerID().ToBytes())
	ia := reply.Options.OneIANA()
	require.Equal(t, 1500*time.Second, ia.T1)
	require.Equal(t, 2400*time.Second, ia.T2)
	addr := ia.Options.OneAddress()
	require.Equal(t, 3000*time.Second, addr.PreferredLifetime)
	require.Equal(t, 4000*time.Second, addr.ValidLifetime)

	l, err := f.leases.Lease6(bg, leasemgr.TypeNA, a[0])
	require.NoError(t, err)
	require.Equal(t, d, l.DUID)
	require.Equal(t, uint32(1), l.IAID)
	require.Equal(t, int64(1), f.stat(stats.SubnetName(1, stats.AssignedNAs)))
	// ADVERTISE wrote nothing: one lease only.
	all, err := f.leases.AllLeases6(bg)
	require.NoError(t, err)
	require.Len(t, all, 1)
}

func TestSARRPD(t *testing.T) {
	f := newFixture(t, cfgBase)
	_, reply := f.sarr(duidEN(2), withPD(7))
	p := prefixesOf(reply)
	require.Len(t, p, 1)
	require.Equal(t, 56, p[0].Bits())
	require.True(t, netip.MustParsePrefix("2001:db8:8000::/40").Contains(p[0].Addr()))
	l, err := f.leases.Lease6(bg, leasemgr.TypePD, p[0].Addr())
	require.NoError(t, err)
	require.Equal(t, uint8(56), l.PrefixLen)
	require.Equal(t, uint32(7), l.IAID)
}

func TestSARRNAAndPDTogether(t *testing.T) {
	f := newFixture(t, cfgBase)
	adv, reply := f.sarr(duidEN(3), withNA(1), withPD(2), withNA(3))
	require.Len(t, addrsOf(reply), 2)
	require.Len(t, prefixesOf(reply), 1)
	// IAs in packet order.
	var kinds []dhcpv6.OptionCode
	for _, o := range adv.Options.Options {
		if o.Code() == dhcpv6.OptionIANA || o.Code() == dhcpv6.OptionIAPD {
			kinds = append(kinds, o.Code())
		}
	}
	require.Equal(t, []dhcpv6.OptionCode{dhcpv6.OptionIANA, dhcpv6.OptionIAPD, dhcpv6.OptionIANA}, kinds)
}

func TestPDHintLength(t *testing.T) {
	f := newFixture(t, `{"Dhcp6": {"subnet6": [{"id": 1, "subnet": "2001:db8:1::/64", "interface": "eth0",
	  "pd-pools": [{"prefix": "2001:db8:8000::", "prefix-len": 40, "delegated-len": 56},
	               {"prefix": "2001:db8:9000::", "prefix-len": 40, "delegated-len": 60}]}]}}`)
	_, reply := f.sarr(duidEN(4), withPD(1, "::/60"))
	p := prefixesOf(reply)
	require.Len(t, p, 1)
	require.Equal(t, 60, p[0].Bits())
}

func TestRapidCommit(t *testing.T) {
	for _, allowed := range []bool{false, true} {
		t.Run(map[bool]string{false: "off", true: "on"}[allowed], func(t *testing.T) {
			js := `{"Dhcp6": {
			  "subnet6": [{"id": 1, "subnet": "2001:db8:1::/64", "interface": "eth0", "rapid-commit": ` + map[bool]string{false: "false", true: "true"}[allowed] + `,
			  "pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::1ff"}]}]}}`
			f := newFixture(t, js)
			r := f.direct(newMsg(t, dhcpv6.MessageTypeSolicit, duidEN(5), withNA(1), dhcpv6.WithRapidCommit))
			require.NotNil(t, r)
			all, err := f.leases.AllLeases6(bg)
			require.NoError(t, err)
			if allowed {
				require.Equal(t, dhcpv6.MessageTypeReply, r.MessageType)
				require.NotNil(t, r.GetOneOption(dhcpv6.OptionRapidCommit))
				require.Len(t, all, 1)
				require.Equal(t, addrsOf(r)[0], all[0].Addr)
			} else {
				require.Equal(t, dhcpv6.MessageTypeAdvertise, r.MessageType)
				require.Nil(t, r.GetOneOption(dhcpv6.OptionRapidCommit))
				require.Empty(t, all)
			}
		})
	}
}

func TestRenewRebind(t *testing.T) {
	f := newFixture(t, cfgBase)
	d := duidEN(6)
	_, reply := f.sarr(d, withNA(1), withPD(2))
	a, p := addrsOf(reply), prefixesOf(reply)
	before, err := f.leases.Lease6(bg, leasemgr.TypeNA, a[0])
	require.NoError(t, err)

	renew := f.direct(newMsg(t, dhcpv6.MessageTypeRenew, d, withServerID(f.srv.ServerID()), copyIAs(reply)))
	require.NotNil(t, renew)
	require.Equal(t, a, addrsOf(renew))
	require.Equal(t, p, prefixesOf(renew))
	require.NotZero(t, renew.Options.OneIANA().T1)

	rebind := f.direct(newMsg(t, dhcpv6.MessageTypeRebind, d, copyIAs(reply)))
	require.NotNil(t, rebind)
	require.Equal(t, a, addrsOf(rebind))
	after, err := f.leases.Lease6(bg, leasemgr.TypeNA, a[0])
	require.NoError(t, err)
	require.GreaterOrEqual(t, after.CLTT, before.CLTT)

	// The pool moves: the old address is sent with zero lifetimes and a
	// new one is given.
	require.NoError(t, f.srv.Reconfigure(parse(t, `{"Dhcp6": {"valid-lifetime": 4000, "cache-threshold": 0,
	  "subnet6": [{"id": 1, "subnet": "2001:db8:1::/64", "interface": "eth0",
	  "pools": [{"pool": "2001:db8:1::1000 - 2001:db8:1::10ff"}],
	  "pd-pools": [{"prefix": "2001:db8:8000::", "prefix-len": 40, "delegated-len": 56}]}]}}`)))
	renew = f.direct(newMsg(t, dhcpv6.MessageTypeRenew, d, withServerID(f.srv.ServerID()), copyIAs(reply)))
	require.NotNil(t, renew)
	ia := renew.Options.OneIANA()
	var zero, live []netip.Addr
	for _, x := range ia.Options.Addresses() {
		ip, _ := netip.AddrFromSlice(x.IPv6Addr)
		if x.ValidLifetime == 0 {
			require.Zero(t, x.PreferredLifetime)
			zero = append(zero, ip)
		} else {
			live = append(live, ip)
		}
	}
	require.Equal(t, a, zero)
	require.Len(t, live, 1)
	require.True(t, inPool(live[0], "2001:db8:1::1000", "2001:db8:1::10ff"))
}

func TestRenewUnknownAddressZeroLifetimes(t *testing.T) {
	f := newFixture(t, cfgBase)
	d := duidEN(7)
	r := f.direct(newMsg(t, dhcpv6.MessageTypeRenew, d, withServerID(f.srv.ServerID()), withNA(1, "2001:db8:1::9999")))
	require.NotNil(t, r)
	var zero []string
	for _, x := range r.Options.OneIANA().Options.Addresses() {
		if x.ValidLifetime == 0 {
			zero = append(zero, x.IPv6Addr.String())
		}
	}
	require.Equal(t, []string{"2001:db8:1::9999"}, zero)
	require.Len(t, addrsOf(r), 1, "a new lease for the IA")
}

func TestReleaseDecline(t *testing.T) {
	f := newFixture(t, cfgBase)
	d := duidEN(8)
	_, reply := f.sarr(d, withNA(1))
	a := addrsOf(reply)[0]

	rel := f.direct(newMsg(t, dhcpv6.MessageTypeRelease, d, withServerID(f.srv.ServerID()), copyIAs(reply)))
	require.NotNil(t, rel)
	require.Equal(t, iana.StatusSuccess, topStatus(rel))
	require.Empty(t, rel.Options.IANA(), "released IAs need no IA option")
	l, err := f.leases.Lease6(bg, leasemgr.TypeNA, a)
	if err == nil {
		require.Zero(t, l.ValidLifetime) // lease affinity
	}

	// Unknown binding.
	rel = f.direct(newMsg(t, dhcpv6.MessageTypeRelease, d, withServerID(f.srv.ServerID()), withNA(9, "2001:db8:1::1fe")))
	require.NotNil(t, rel)
	require.Len(t, rel.Options.IANA(), 1)
	require.Equal(t, iana.StatusNoBinding, iaStatus(t, rel.Options.IANA()[0]))

	// Decline.
	d2 := duidEN(9)
	_, reply = f.sarr(d2, withNA(1))
	a = addrsOf(reply)[0]
	dec := f.direct(newMsg(t, dhcpv6.MessageTypeDecline, d2, withServerID(f.srv.ServerID()), copyIAs(reply)))
	require.NotNil(t, dec)
	require.Equal(t, iana.StatusSuccess, topStatus(dec))
	l, err = f.leases.Lease6(bg, leasemgr.TypeNA, a)
	require.NoError(t, err)
	require.Equal(t, leasemgr.StateDeclined, l.State)
	require.Equal(t, leasemgr.DeclinedDUID, l.DUID)
	require.Equal(t, int64(1), f.stat(stats.SubnetName(1, stats.DeclinedAddresses)))

	dec = f.direct(newMsg(t, dhcpv6.MessageTypeDecline, d2, withServerID(f.srv.ServerID()), withNA(1, "2001:db8:1::1fd")))
	require.Equal(t, iana.StatusNoBinding, iaStatus(t, dec.Options.IANA()[0]))
}

func TestConfirm(t *testing.T) {
	f := newFixture(t, cfgBase)
	d := duidEN(10)
	r := f.direct(newMsg(t, dhcpv6.MessageTypeConfirm, d, withNA(1, "2001:db8:1::abc")))
	require.NotNil(t, r)
	require.Equal(t, dhcpv6.MessageTypeReply, r.MessageType)
	require.Equal(t, iana.StatusSuccess, topStatus(r))

	r = f.direct(newMsg(t, dhcpv6.MessageTypeConfirm, d, withNA(1, "2001:db8:1::abc"), withNA(2, "2001:db8:99::1")))
	require.NotNil(t, r)
	require.Equal(t, iana.StatusNotOnLink, topStatus(r))

	// No addresses: no answer.
	require.Nil(t, f.direct(newMsg(t, dhcpv6.MessageTypeConfirm, d, withNA(1))))
	// Server identifier forbidden.
	require.Nil(t, f.direct(newMsg(t, dhcpv6.MessageTypeConfirm, d, withServerID(f.srv.ServerID()), withNA(1, "2001:db8:1::abc"))))
}

func TestInformationRequest(t *testing.T) {
	f := newFixture(t, cfgBase)
	r := f.direct(newMsg(t, dhcpv6.MessageTypeInformationRequest, nil,
		dhcpv6.WithRequestedOptions(dhcpv6.OptionDNSRecursiveNameServer, dhcpv6.OptionDomainSearchList)))
	require.NotNil(t, r)
	require.Equal(t, dhcpv6.MessageTypeReply, r.MessageType)
	require.Equal(t, []net.IP{net.ParseIP("2001:db8::53")}, r.Options.DNS())
	require.Equal(t, []string{"global.example"}, r.Options.DomainSearchList().Labels)
	require.Nil(t, r.Options.ClientID())
	// Without ORO: nothing configured is sent.
	r = f.direct(newMsg(t, dhcpv6.MessageTypeInformationRequest, duidEN(1)))
	require.Nil(t, r.Options.DNS())
	require.NotNil(t, r.Options.ClientID())
}

func TestServerIDRules(t *testing.T) {
	f := newFixture(t, cfgBase)
	other := []byte{0, 2, 0, 0, 0, 1, 1, 2, 3}
	d := duidEN(11)
	for _, tc := range []struct {
		name string
		msg  *dhcpv6.Message
	}{
		{"request-foreign", newMsg(t, dhcpv6.MessageTypeRequest, d, withServerID(other), withNA(1))},
		{"request-none", newMsg(t, dhcpv6.MessageTypeRequest, d, withNA(1))},
		{"renew-foreign", newMsg(t, dhcpv6.MessageTypeRenew, d, withServerID(other), withNA(1))},
		{"release-foreign", newMsg(t, dhcpv6.MessageTypeRelease, d, withServerID(other), withNA(1))},
		{"decline-none", newMsg(t, dhcpv6.MessageTypeDecline, d, withNA(1))},
		{"solicit-with-sid", newMsg(t, dhcpv6.MessageTypeSolicit, d, withServerID(f.srv.ServerID()), withNA(1))},
		{"rebind-with-sid", newMsg(t, dhcpv6.MessageTypeRebind, d, withServerID(f.srv.ServerID()), withNA(1))},
		{"inform-foreign", newMsg(t, dhcpv6.MessageTypeInformationRequest, d, withServerID(other))},
		{"solicit-no-cid", newMsg(t, dhcpv6.MessageTypeSolicit, nil, withNA(1))},
		{"request-no-cid", newMsg(t, dhcpv6.MessageTypeRequest, nil, withServerID(f.srv.ServerID()), withNA(1))},
		{"advertise", newMsg(t, dhcpv6.MessageTypeAdvertise, d)},
		{"reply", newMsg(t, dhcpv6.MessageTypeReply, d)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Nil(t, f.direct(tc.msg))
		})
	}
}

func TestUnicast(t *testing.T) {
	f := newFixture(t, cfgBase)
	d := duidEN(12)
	w := newWriter()
	w.local = netip.MustParseAddrPort("[2001:db8:1::1]:547")
	// SOLICIT unicast without a unicast-enabled interface: dropped.
	require.Nil(t, f.serve(w, newMsg(t, dhcpv6.MessageTypeSolicit, d, withNA(1))))
	// REQUEST: UseMulticast.
	r := f.serve(w, newMsg(t, dhcpv6.MessageTypeRequest, d, withServerID(f.srv.ServerID()), withNA(1)))
	require.NotNil(t, r)
	require.Equal(t, iana.StatusUseMulticast, topStatus(r.(*dhcpv6.Message)))
	// With unicast configured, it is served.
	w.unicast = true
	r = f.serve(w, newMsg(t, dhcpv6.MessageTypeRequest, d, withServerID(f.srv.ServerID()), withNA(1)))
	require.Len(t, addrsOf(r.(*dhcpv6.Message)), 1)
}

func TestReservations(t *testing.T) {
	f := newFixture(t, cfgBase)
	// By DUID.
	adv, reply := f.sarr(duidLL(1), withNA(1), dhcpv6.WithRequestedOptions(dhcpv6.OptionDNSRecursiveNameServer))
	require.Equal(t, []netip.Addr{netip.MustParseAddr("2001:db8:1::5")}, addrsOf(reply))
	// Host options come first.
	require.Equal(t, []net.IP{net.ParseIP("2001:db8::5353")}, adv.Options.DNS())
	l, err := f.leases.Lease6(bg, leasemgr.TypeNA, netip.MustParseAddr("2001:db8:1::5"))
	require.NoError(t, err)
	require.Equal(t, "res-duid", l.Hostname)

	// By hardware address, from the DUID-LLT's link-layer part.
	llt := []byte{0, 1, 0, 1, 0x11, 0x22, 0x33, 0x44, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x02}
	_, reply = f.sarr(llt, withNA(1))
	require.Equal(t, []netip.Addr{netip.MustParseAddr("2001:db8:1::6")}, addrsOf(reply))
}

func TestReservationByClientLinkLayerOption(t *testing.T) {
	f := newFixture(t, `{"Dhcp6": {"subnet6": [{"id": 2, "subnet": "2001:db8:2::/64",
	  "pools": [{"pool": "2001:db8:2::100 - 2001:db8:2::1ff"}],
	  "reservations": [{"hw-address": "0a:0b:0c:0d:0e:33", "ip-addresses": ["2001:db8:2::33"]}]}]}}`)
	sol := newMsg(t, dhcpv6.MessageTypeSolicit, duidEN(13), withNA(1))
	relay, err := dhcpv6.EncapsulateRelay(sol, dhcpv6.MessageTypeRelayForward, net.ParseIP("2001:db8:2::1"), net.ParseIP("fe80::1"))
	require.NoError(t, err)
	relay.AddOption(dhcpv6.OptClientLinkLayerAddress(iana.HWTypeEthernet, net.HardwareAddr{0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x33}))
	w := newWriter()
	w.remote = netip.MustParseAddrPort("[2001:db8:2::1]:547")
	out := f.serve(w, relay)
	require.NotNil(t, out)
	m, err := out.(*dhcpv6.RelayMessage).GetInnerMessage()
	require.NoError(t, err)
	require.Equal(t, []netip.Addr{netip.MustParseAddr("2001:db8:2::33")}, addrsOf(m))
}

func TestOptionPrecedenceAndORO(t *testing.T) {
	js := `{"Dhcp6": {
	  "option-data": [{"name": "dns-servers", "data": "2001:db8::1"},
	                  {"name": "domain-search", "data": "global.example."},
	                  {"name": "sntp-servers", "data": "2001:db8::123", "always-send": true},
	                  {"name": "nis-servers", "data": "2001:db8::99", "never-send": true},
	                  {"name": "preference", "data": "7"}],
	  "client-classes": [{"name": "gold", "option-data": [{"name": "domain-search", "data": "gold.example."},
	                                                     {"name": "nis-servers", "data": "2001:db8::98"}]}],
	  "shared-networks": [{"name": "net", "interface": "eth0",
	    "option-data": [{"name": "dns-servers", "data": "2001:db8::3"}, {"name": "nisp-servers", "data": "2001:db8::7"}],
	    "subnet6": [{"id": 1, "subnet": "2001:db8:1::/64",
	      "option-data": [{"name": "dns-servers", "data": "2001:db8::4"}],
	      "pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::1ff",
	                 "option-data": [{"name": "dns-servers", "data": "2001:db8::5"}]}],
	      "reservations": [{"duid": "00:02:00:00:09:bf:aa:77", "client-classes": ["gold"]}]}]}]}}`
	f := newFixture(t, js)
	oro := dhcpv6.WithRequestedOptions(dhcpv6.OptionDNSRecursiveNameServer, dhcpv6.OptionDomainSearchList,
		dhcpv6.OptionNISServers, dhcpv6.OptionNISPServers)

	// Pool beats subnet, network, global; class gives domain-search over
	// global; always-send arrives unasked; never-send never.
	reply, _ := f.sarr(duidEN(0x77), withNA(1), oro) // the ADVERTISE
	require.Equal(t, []net.IP{net.ParseIP("2001:db8::5")}, reply.Options.DNS())
	require.Equal(t, []string{"gold.example"}, reply.Options.DomainSearchList().Labels)
	require.Equal(t, []net.IP{net.ParseIP("2001:db8::123")}, reply.Options.SNTP())
	require.Nil(t, reply.GetOneOption(dhcpv6.OptionNISServers))
	require.NotNil(t, reply.GetOneOption(dhcpv6.OptionNISPServers)) // from the shared network
	require.Nil(t, reply.GetOneOption(dhcpv6.OptionPreference), "not requested")

	// Information-request: no pool; subnet beats network and global.
	r := f.direct(newMsg(t, dhcpv6.MessageTypeInformationRequest, duidEN(1), oro))
	require.Equal(t, []net.IP{net.ParseIP("2001:db8::4")}, r.Options.DNS())
	require.Equal(t, []string{"global.example"}, r.Options.DomainSearchList().Labels)
}

func TestExhaustion(t *testing.T) {
	f := newFixture(t, `{"Dhcp6": {"subnet6": [{"id": 1, "subnet": "2001:db8:1::/64", "interface": "eth0",
	  "pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::101"}],
	  "pd-pools": [{"prefix": "2001:db8:8000::", "prefix-len": 63, "delegated-len": 64}]}]}}`)
	for i := byte(0); i < 2; i++ {
		_, reply := f.sarr(duidEN(20+i), withNA(1), withPD(2))
		require.Len(t, addrsOf(reply), 1)
		require.Len(t, prefixesOf(reply), 1)
	}
	adv := f.direct(newMsg(t, dhcpv6.MessageTypeSolicit, duidEN(30), withNA(1), withPD(2)))
	require.NotNil(t, adv)
	require.Equal(t, iana.StatusNoAddrsAvail, iaStatus(t, adv.Options.IANA()[0]))
	require.Equal(t, iana.StatusNoPrefixAvail, iaStatus(t, adv.Options.IAPD()[0]))
	rep := f.direct(newMsg(t, dhcpv6.MessageTypeRequest, duidEN(30), withServerID(f.srv.ServerID()), withNA(1), withPD(2)))
	require.Equal(t, iana.StatusNoAddrsAvail, iaStatus(t, rep.Options.IANA()[0]))
	require.Equal(t, iana.StatusNoPrefixAvail, iaStatus(t, rep.Options.IAPD()[0]))
	require.Zero(t, rep.Options.IANA()[0].T1)
}

func TestNoSubnet(t *testing.T) {
	f := newFixture(t, cfgBase)
	w := newWriter()
	w.ifc.Name = "eth9"
	r := f.serve(w, newMsg(t, dhcpv6.MessageTypeSolicit, duidEN(40), withNA(1)))
	require.NotNil(t, r)
	require.Equal(t, iana.StatusNoAddrsAvail, iaStatus(t, r.(*dhcpv6.Message).Options.IANA()[0]))
	// CONFIRM and REBIND cannot be judged without a subnet: no answer.
	require.Nil(t, f.serve(w, newMsg(t, dhcpv6.MessageTypeConfirm, duidEN(40), withNA(1, "2001:db8:1::abc"))))
	require.Nil(t, f.serve(w, newMsg(t, dhcpv6.MessageTypeRebind, duidEN(40), withNA(1, "2001:db8:1::abc"))))
}

func TestTeeTimesConfigured(t *testing.T) {
	f := newFixture(t, `{"Dhcp6": {"renew-timer": 100, "rebind-timer": 200, "valid-lifetime": 1000,
	  "subnet6": [{"id": 1, "subnet": "2001:db8:1::/64", "interface": "eth0",
	  "pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::1ff"}]}]}}`)
	_, reply := f.sarr(duidEN(41), withNA(1))
	ia := reply.Options.OneIANA()
	require.Equal(t, 100*time.Second, ia.T1)
	require.Equal(t, 200*time.Second, ia.T2)
}

func TestLeaseObserver(t *testing.T) {
	obs := &recorder{}
	f := newFixture(t, cfgBase, dhcp6srv.WithLeaseObserver(obs))
	d := duidEN(50)
	_, reply := f.sarr(d, withNA(1))
	f.direct(newMsg(t, dhcpv6.MessageTypeRenew, d, withServerID(f.srv.ServerID()), copyIAs(reply)))
	f.direct(newMsg(t, dhcpv6.MessageTypeRelease, d, withServerID(f.srv.ServerID()), copyIAs(reply)))
	require.Equal(t, []dhcp6srv.LeaseEventKind{dhcp6srv.LeaseAdd, dhcp6srv.LeaseRenew, dhcp6srv.LeaseRelease}, obs.kinds())
}
