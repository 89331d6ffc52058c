package dhcp6srv_test

import (
	"net"
	"testing"

	"github.com/insomniacslk/dhcp/dhcpv6"

	"github.com/dhcpsrv/dhcpsrv/dhcp6srv"
)

// FuzzServeDHCP6 feeds raw bytes to the server as the transport would:
// parse, then ServeDHCP6 with a fake writer. It must never panic.
func FuzzServeDHCP6(f *testing.F) {
	fx := newFixture(f, cfgBase)
	sol := newMsg(f, dhcpv6.MessageTypeSolicit, duidEN(1), withNA(1), withPD(2), dhcpv6.WithRapidCommit,
		dhcpv6.WithRequestedOptions(dhcpv6.OptionDNSRecursiveNameServer))
	f.Add(sol.ToBytes())
	f.Add(newMsg(f, dhcpv6.MessageTypeRequest, duidEN(1), withServerID(fx.srv.ServerID()), withNA(1, "2001:db8:1::100")).ToBytes())
	f.Add(newMsg(f, dhcpv6.MessageTypeRenew, duidLL(1), withServerID(fx.srv.ServerID()), withNA(1, "2001:db8:1::5"), withPD(2, "2001:db8:8000::/56")).ToBytes())
	f.Add(newMsg(f, dhcpv6.MessageTypeConfirm, duidEN(1), withNA(1, "2001:db8:1::5")).ToBytes())
	f.Add(newMsg(f, dhcpv6.MessageTypeRelease, duidEN(1), withServerID(fx.srv.ServerID()), withNA(1, "2001:db8:1::5")).ToBytes())
	f.Add(newMsg(f, dhcpv6.MessageTypeDecline, duidEN(1), withServerID(fx.srv.ServerID()), withNA(1, "2001:db8:1::5")).ToBytes())
	f.Add(newMsg(f, dhcpv6.MessageTypeInformationRequest, nil).ToBytes())
	r, _ := dhcpv6.EncapsulateRelay(sol, dhcpv6.MessageTypeRelayForward, net.ParseIP("2001:db8:2::1"), net.ParseIP("fe80::1"))
	r.AddOption(dhcpv6.OptInterfaceID([]byte("eth0")))
	r2, _ := dhcpv6.EncapsulateRelay(r, dhcpv6.MessageTypeRelayForward, net.ParseIP("2001:db8:3::1"), net.ParseIP("fe80::2"))
	f.Add(r2.ToBytes())
	f.Add([]byte{12, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := dhcpv6.FromBytes(b)
		if err != nil {
			return
		}
		w := newWriter()
		fx.srv.ServeDHCP6(bg, w, req)
		for _, rep := range w.replies {
			_ = rep.ToBytes()
		}
		_, _, _ = dhcp6srv.Decapsulate(req)
	})
}
