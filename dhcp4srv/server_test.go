package dhcp4srv_test

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

func TestDORA(t *testing.T) {
	h := newHarness(t, baseConfig)
	ack := h.dora(mac(1), dhcpv4.WithRequestedOptions(dhcpv4.OptionRouter, dhcpv4.OptionDomainNameServer))
	require.Equal(t, "192.0.2.100", ack.YourIPAddr.String())
	require.Equal(t, "192.0.2.1", ack.ServerIdentifier().String())
	require.Equal(t, 4000*time.Second, ack.IPAddressLeaseTime(0))
	require.Equal(t, 1000*time.Second, ack.IPAddressRenewalTime(0))
	require.Equal(t, 2000*time.Second, ack.IPAddressRebindingTime(0))
	require.Equal(t, "ffffff00", ack.SubnetMask().String())
	require.Equal(t, []net.IP{ip("192.0.2.1")}, ack.Router())
	require.Equal(t, []net.IP{ip("192.0.2.53")}, ack.DNS())

	l, err := h.leases.Lease4(context.Background(), netip.MustParseAddr("192.0.2.100"))
	require.NoError(t, err)
	require.Equal(t, []byte(mac(1)), l.HWAddr.Addr)
	require.EqualValues(t, 4000, l.ValidLifetime)

	// A second client gets another address.
	ack2 := h.dora(mac(2))
	require.Equal(t, "192.0.2.101", ack2.YourIPAddr.String())
}

func TestOfferWritesNothing(t *testing.T) {
	h := newHarness(t, baseConfig)
	offer := h.do(discover(mac(1)), nil)
	require.NotNil(t, offer)
	all, err := h.leases.AllLeases4(context.Background())
	require.NoError(t, err)
	require.Empty(t, all)
}

func TestRenewRebind(t *testing.T) {
	h := newHarness(t, baseConfig)
	ack := h.dora(mac(1))
	addr := ack.YourIPAddr
	h.advance(1000 * time.Second)

	// RENEWING: unicast to the server, ciaddr set.
	renew, err := dhcpv4.NewRenewFromAck(ack)
	require.NoError(t, err)
	w := broadcastWriter()
	w.local = netip.MustParseAddrPort("192.0.2.1:67")
	w.remote = netip.AddrPortFrom(netip.AddrFrom4([4]byte(addr.To4())), 68)
	r := h.do(renew, w)
	require.NotNil(t, r)
	require.Equal(t, dhcpv4.MessageTypeAck, r.MessageType())
	require.Equal(t, addr.String(), r.YourIPAddr.String())
	require.Equal(t, addr.String(), r.ClientIPAddr.String())
	require.Equal(t, addr.String()+":68", w.Route(r).Dst.String())

	// REBINDING: broadcast, ciaddr set, no server id.
	rebind := msg(dhcpv4.MessageTypeRequest, mac(1), dhcpv4.WithClientIP(addr), dhcpv4.WithBroadcast(true))
	r = h.do(rebind, nil)
	require.NotNil(t, r)
	require.Equal(t, dhcpv4.MessageTypeAck, r.MessageType())
	require.Equal(t, addr.String(), r.YourIPAddr.String())

	// Rebinding with an address of the pool leased to another client: NAK.
	h.dora(mac(2))
	bad := msg(dhcpv4.MessageTypeRequest, mac(3), dhcpv4.WithClientIP(ip("192.0.2.101")), dhcpv4.WithBroadcast(true))
	r = h.do(bad, nil)
	require.NotNil(t, r)
	require.Equal(t, dhcpv4.MessageTypeNak, r.MessageType())
	require.True(t, r.YourIPAddr.IsUnspecified())

	// Renewing with an address that is not ours at all: silence.
	r = h.do(msg(dhcpv4.MessageTypeRequest, mac(3), dhcpv4.WithClientIP(ip("198.18.0.5"))), nil)
	require.Nil(t, r)
}

func TestInitReboot(t *testing.T) {
	const authoritative = `{"Dhcp4": {"authoritative": true, "subnet4": [{"id": 1, "subnet": "192.0.2.0/24",
		"pools": [{"pool": "192.0.2.100 - 192.0.2.199"}]}]}}`
	for _, auth := range []bool{false, true} {
		js := baseConfig
		if auth {
			js = authoritative
		}
		h := newHarness(t, js)
		ack := h.dora(mac(1))

		// INIT-REBOOT with the right address: ACK.
		r := h.do(msg(dhcpv4.MessageTypeRequest, mac(1), dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(ack.YourIPAddr))), nil)
		require.NotNil(t, r)
		require.Equal(t, dhcpv4.MessageTypeAck, r.MessageType())

		// INIT-REBOOT of a known client with a wrong address: NAK.
		r = h.do(msg(dhcpv4.MessageTypeRequest, mac(1), dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(ip("192.0.2.150")))), nil)
		require.NotNil(t, r)
		require.Equal(t, dhcpv4.MessageTypeNak, r.MessageType())

		// INIT-REBOOT of an unknown client: NAK if authoritative, else silence.
		r = h.do(msg(dhcpv4.MessageTypeRequest, mac(9), dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(ip("192.0.2.150")))), nil)
		if auth {
			require.NotNil(t, r)
			require.Equal(t, dhcpv4.MessageTypeNak, r.MessageType())
		} else {
			require.Nil(t, r)
		}
	}
}

func TestSelectingOtherServer(t *testing.T) {
	h := newHarness(t, baseConfig)
	offer := h.do(discover(mac(1)), nil)
	require.NotNil(t, offer)
	req := requestFor(offer)
	req.UpdateOption(dhcpv4.OptServerIdentifier(ip("192.0.2.254")))
	require.Nil(t, h.do(req, nil))
	all, err := h.leases.AllLeases4(context.Background())
	require.NoError(t, err)
	require.Empty(t, all)

	// With ignore-dhcp-server-identifier the request is served.
	h = newHarness(t, `{"Dhcp4": {"compatibility": {"ignore-dhcp-server-identifier": true},
		"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.199"}]}]}}`)
	offer = h.do(discover(mac(1)), nil)
	req = requestFor(offer)
	req.UpdateOption(dhcpv4.OptServerIdentifier(ip("192.0.2.254")))
	r := h.do(req, nil)
	require.NotNil(t, r)
	require.Equal(t, dhcpv4.MessageTypeAck, r.MessageType())
}

func TestDeclineThenOtherAddress(t *testing.T) {
	h := newHarness(t, baseConfig)
	ack := h.dora(mac(1))
	decl := msg(dhcpv4.MessageTypeDecline, mac(1),
		dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(ack.YourIPAddr)),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(ack.ServerIdentifier())))
	require.Nil(t, h.do(decl, nil))
	l, err := h.leases.Lease4(context.Background(), netip.AddrFrom4([4]byte(ack.YourIPAddr.To4())))
	require.NoError(t, err)
	require.Equal(t, leasemgr.StateDeclined, l.State)

	ack2 := h.dora(mac(1))
	require.NotEqual(t, ack.YourIPAddr.String(), ack2.YourIPAddr.String())

	// A DECLINE without option 50 is dropped; of someone else's lease, too.
	require.Nil(t, h.do(msg(dhcpv4.MessageTypeDecline, mac(1)), nil))
	require.Nil(t, h.do(msg(dhcpv4.MessageTypeDecline, mac(7), dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(ack2.YourIPAddr))), nil))
	l, err = h.leases.Lease4(context.Background(), netip.AddrFrom4([4]byte(ack2.YourIPAddr.To4())))
	require.NoError(t, err)
	require.Equal(t, leasemgr.StateDefault, l.State)
}

func TestRelease(t *testing.T) {
	h := newHarness(t, `{"Dhcp4": {"expired-leases-processing": {"flush-reclaimed-timer-wait-time": 0},
		"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.100"}]}]}}`)
	ack := h.dora(mac(1))
	// The pool (one address) is full.
	require.Nil(t, h.do(discover(mac(2)), nil))
	// Someone else's RELEASE does nothing.
	require.Nil(t, h.do(msg(dhcpv4.MessageTypeRelease, mac(2), dhcpv4.WithClientIP(ack.YourIPAddr)), nil))
	require.Nil(t, h.do(discover(mac(2)), nil))
	rel, err := dhcpv4.NewReleaseFromACK(ack)
	require.NoError(t, err)
	require.Nil(t, h.do(rel, nil))
	_, err = h.leases.Lease4(context.Background(), netip.MustParseAddr("192.0.2.100"))
	require.ErrorIs(t, err, leasemgr.ErrNotFound)
	ack2 := h.dora(mac(2))
	require.Equal(t, "192.0.2.100", ack2.YourIPAddr.String())
}

func TestInform(t *testing.T) {
	h := newHarness(t, baseConfig)
	inf := msg(dhcpv4.MessageTypeInform, mac(1), dhcpv4.WithClientIP(ip("192.0.2.50")),
		dhcpv4.WithRequestedOptions(dhcpv4.OptionRouter, dhcpv4.OptionDomainNameServer, dhcpv4.OptionSubnetMask))
	w := broadcastWriter()
	w.local = netip.MustParseAddrPort("192.0.2.1:67")
	w.remote = netip.MustParseAddrPort("192.0.2.50:68")
	r := h.do(inf, w)
	require.NotNil(t, r)
	require.Equal(t, dhcpv4.MessageTypeAck, r.MessageType())
	require.True(t, r.YourIPAddr.IsUnspecified())
	require.Equal(t, "192.0.2.50", r.ClientIPAddr.String())
	require.Equal(t, []net.IP{ip("192.0.2.1")}, r.Router())
	require.False(t, r.Options.Has(dhcpv4.OptionIPAddressLeaseTime))
	require.Equal(t, "192.0.2.50:68", w.Route(r).Dst.String())
	all, err := h.leases.AllLeases4(context.Background())
	require.NoError(t, err)
	require.Empty(t, all)
}

func TestBOOTP(t *testing.T) {
	h := newHarness(t, baseConfig)
	b := discover(mac(1))
	b.Options = dhcpv4.Options{}
	r := h.do(b, nil)
	require.NotNil(t, r)
	require.Equal(t, dhcpv4.OpcodeBootReply, r.OpCode)
	require.Equal(t, dhcpv4.MessageTypeNone, r.MessageType())
	require.Equal(t, "192.0.2.100", r.YourIPAddr.String())
	require.False(t, r.Options.Has(dhcpv4.OptionIPAddressLeaseTime))
	require.Equal(t, "ffffff00", r.SubnetMask().String())
	l, err := h.leases.Lease4(context.Background(), netip.MustParseAddr("192.0.2.100"))
	require.NoError(t, err)
	require.Equal(t, leasemgr.InfiniteLifetime, l.ValidLifetime)
}

func TestExhaustedPool(t *testing.T) {
	h := newHarness(t, `{"Dhcp4": {"authoritative": true, "subnet4": [{"id": 1, "subnet": "192.0.2.0/24",
		"pools": [{"pool": "192.0.2.100 - 192.0.2.101"}]}]}}`)
	h.dora(mac(1))
	h.dora(mac(2))
	require.Nil(t, h.do(discover(mac(3)), nil))
	// A REQUEST (INIT-REBOOT) for an address we did not give: NAK.
	r := h.do(msg(dhcpv4.MessageTypeRequest, mac(3), dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(ip("192.0.2.150")))), nil)
	require.NotNil(t, r)
	require.Equal(t, dhcpv4.MessageTypeNak, r.MessageType())
	// SELECTING for a taken address: NAK.
	r = h.do(msg(dhcpv4.MessageTypeRequest, mac(3),
		dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(ip("192.0.2.100"))),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(ip("192.0.2.1")))), nil)
	require.NotNil(t, r)
	require.Equal(t, dhcpv4.MessageTypeNak, r.MessageType())
}

func TestReclamationFreesPool(t *testing.T) {
	h := newHarness(t, `{"Dhcp4": {"valid-lifetime": 60, "expired-leases-processing": {"flush-reclaimed-timer-wait-time": 0},
		"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.100"}]}]}}`)
	h.dora(mac(1))
	require.Nil(t, h.do(discover(mac(2)), nil))
	h.advance(2 * time.Minute)
	res, err := h.srv.Engine().ReclaimExpired4(context.Background(), 0, 0, true)
	require.NoError(t, err)
	_ = res
	ack := h.dora(mac(2))
	require.Equal(t, "192.0.2.100", ack.YourIPAddr.String())
}

func TestMalformedDropped(t *testing.T) {
	h := newHarness(t, baseConfig)
	// BOOTREPLY, unknown type, OFFER from a client, no chaddr no client-id.
	rep := discover(mac(1))
	rep.OpCode = dhcpv4.OpcodeBootReply
	require.Nil(t, h.do(rep, nil))
	require.Nil(t, h.do(msg(dhcpv4.MessageTypeOffer, mac(1)), nil))
	noid := discover(net.HardwareAddr{0, 0, 0, 0, 0, 0})
	require.Nil(t, h.do(noid, nil))
	// Server id of the wrong length.
	bad := discover(mac(1))
	bad.Options[54] = []byte{1, 2}
	require.Nil(t, h.do(bad, nil))
}
