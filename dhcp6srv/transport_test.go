package dhcp6srv_test

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv6"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/dhcp6srv"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
)

// loopback starts srv on [::1]:0 and returns its address.
func loopback(t *testing.T, srv *dhcp6srv.Server) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { done <- srv.ServeConn(ctx, pc) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return pc.LocalAddr().(*net.UDPAddr).AddrPort()
}

func exchange(t *testing.T, c *net.UDPConn, to netip.AddrPort, req dhcpv6.DHCPv6) dhcpv6.DHCPv6 {
	t.Helper()
	_, err := c.WriteToUDPAddrPort(req.ToBytes(), to)
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(3*time.Second)))
	buf := make([]byte, 4096)
	n, _, err := c.ReadFromUDPAddrPort(buf)
	require.NoError(t, err)
	out, err := dhcpv6.FromBytes(buf[:n])
	require.NoError(t, err)
	return out
}

func newLoopbackServer(t *testing.T, js string) (*dhcp6srv.Server, leasemgr.Manager) {
	t.Helper()
	lm, err := memfile.Open(bg, memfile.Config{Universe: leasemgr.V6, InMemory: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = lm.Close() })
	srv, err := dhcp6srv.NewServer(parse(t, js), lm, dhcp6srv.WithTransportConfig(func(c *dhcp6srv.Config) { c.SendToSource = true; c.Workers = 2 }))
	require.NoError(t, err)
	return srv, lm
}

const cfgLoopback = `{"Dhcp6": {"subnet6": [
  {"id": 1, "subnet": "2001:db8:1::/64", "interface": "lo",
   "pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::1ff"}],
   "pd-pools": [{"prefix": "2001:db8:8000::", "prefix-len": 40, "delegated-len": 56}]},
  {"id": 2, "subnet": "2001:db8:2::/64", "pools": [{"pool": "2001:db8:2::100 - 2001:db8:2::1ff"}]},
  {"id": 3, "subnet": "2001:db8:3::/64", "pools": [{"pool": "2001:db8:3::100 - 2001:db8:3::1ff"}]}]}}`

func TestLoopbackSARR(t *testing.T) {
	srv, _ := newLoopbackServer(t, cfgLoopback)
	addr := loopback(t, srv)
	c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	require.NoError(t, err)
	defer c.Close()
	d := duidEN(1)
	adv := exchange(t, c, addr, newMsg(t, dhcpv6.MessageTypeSolicit, d, withNA(1), withPD(2))).(*dhcpv6.Message)
	require.Equal(t, dhcpv6.MessageTypeAdvertise, adv.MessageType)
	rep := exchange(t, c, addr, newMsg(t, dhcpv6.MessageTypeRequest, d, withServerID(srv.ServerID()), copyIAs(adv))).(*dhcpv6.Message)
	require.Equal(t, dhcpv6.MessageTypeReply, rep.MessageType)
	require.Len(t, addrsOf(rep), 1)
	require.Len(t, prefixesOf(rep), 1)
	require.True(t, inPool(addrsOf(rep)[0], "2001:db8:1::100", "2001:db8:1::1ff"))
}

// relayChain wraps m in relays, innermost first: links[0] is the relay
// closest to the client.
func relayChain(t *testing.T, m dhcpv6.DHCPv6, links []string, ifaceIDs []string) dhcpv6.DHCPv6 {
	t.Helper()
	var d dhcpv6.DHCPv6 = m
	for i, l := range links {
		r, err := dhcpv6.EncapsulateRelay(d, dhcpv6.MessageTypeRelayForward, net.ParseIP(l), net.ParseIP("fe80::1"))
		require.NoError(t, err)
		r.HopCount = uint8(i)
		if i < len(ifaceIDs) && ifaceIDs[i] != "" {
			r.AddOption(dhcpv6.OptInterfaceID([]byte(ifaceIDs[i])))
		}
		d = r
	}
	return d
}

func TestRelayedTwoRelays(t *testing.T) {
	srv, _ := newLoopbackServer(t, cfgLoopback)
	addr := loopback(t, srv)
	c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	require.NoError(t, err)
	defer c.Close()
	// The inner relay (closest to the client) is on 2001:db8:2::/64; the
	// outer one's link address (subnet 3) must not decide.
	req := relayChain(t, newMsg(t, dhcpv6.MessageTypeSolicit, duidEN(2), withNA(1)),
		[]string{"2001:db8:2::1", "2001:db8:3::1"}, []string{"inner-if", "outer-if"})
	req.(*dhcpv6.RelayMessage).AddOption(&dhcpv6.OptRemoteID{EnterpriseNumber: 9, RemoteID: []byte("not echoed")})
	out := exchange(t, c, addr, req)
	outer, ok := out.(*dhcpv6.RelayMessage)
	require.True(t, ok, "%T", out)
	require.Equal(t, dhcpv6.MessageTypeRelayReply, outer.MessageType)
	require.Equal(t, []byte("outer-if"), outer.Options.InterfaceID())
	require.Equal(t, uint8(1), outer.HopCount)
	require.Equal(t, "2001:db8:3::1", outer.LinkAddr.String())
	require.Nil(t, outer.Options.RemoteID())
	inner, ok := outer.Options.RelayMessage().(*dhcpv6.RelayMessage)
	require.True(t, ok)
	require.Equal(t, dhcpv6.MessageTypeRelayReply, inner.MessageType)
	require.Equal(t, []byte("inner-if"), inner.Options.InterfaceID())
	require.Equal(t, "2001:db8:2::1", inner.LinkAddr.String())
	require.Equal(t, "fe80::1", inner.PeerAddr.String())
	m, ok := inner.Options.RelayMessage().(*dhcpv6.Message)
	require.True(t, ok)
	require.Equal(t, dhcpv6.MessageTypeAdvertise, m.MessageType)
	a := addrsOf(m)
	require.Len(t, a, 1)
	require.True(t, inPool(a[0], "2001:db8:2::100", "2001:db8:2::1ff"), a[0])
}

func TestHopCountLimit(t *testing.T) {
	f := newFixture(t, cfgBase)
	for _, n := range []int{dhcp6srv.HopCountLimit, dhcp6srv.HopCountLimit + 1} {
		links := make([]string, n)
		for i := range links {
			links[i] = "2001:db8:2::1"
		}
		req := relayChain(t, newMsg(t, dhcpv6.MessageTypeSolicit, duidEN(3), withNA(1)), links, nil)
		w := newWriter()
		w.remote = netip.MustParseAddrPort("[2001:db8:2::1]:547")
		out := f.serve(w, req)
		if n <= dhcp6srv.HopCountLimit {
			require.NotNil(t, out, "%d relays", n)
			m, err := out.(*dhcpv6.RelayMessage).GetInnerMessage()
			require.NoError(t, err)
			require.Equal(t, dhcpv6.MessageTypeAdvertise, m.MessageType)
		} else {
			require.Nil(t, out, "%d relays", n)
		}
	}
	// A relay claiming hop-count 32 is dropped too.
	req := relayChain(t, newMsg(t, dhcpv6.MessageTypeSolicit, duidEN(3), withNA(1)), []string{"2001:db8:2::1"}, nil)
	req.(*dhcpv6.RelayMessage).HopCount = dhcp6srv.HopCountLimit
	require.Nil(t, f.serve(newWriter(), req))
}

func TestRouteReply(t *testing.T) {
	src := netip.MustParseAddrPort("[2001:db8:2::1]:10547")
	ll := netip.MustParseAddrPort("[fe80::1%eth0]:546")
	for _, tc := range []struct {
		name string
		in   dhcp6srv.RouteInput
		p    dhcp6srv.RoutePolicy
		want netip.AddrPort
	}{
		{"relay", dhcp6srv.RouteInput{Src: src, Relayed: true}, dhcp6srv.RoutePolicy{}, netip.MustParseAddrPort("[2001:db8:2::1]:547")},
		{"relay-port", dhcp6srv.RouteInput{Src: src, Relayed: true, RelayPort: true}, dhcp6srv.RoutePolicy{}, src},
		{"direct", dhcp6srv.RouteInput{Src: ll}, dhcp6srv.RoutePolicy{}, ll},
		{"direct-client-port", dhcp6srv.RouteInput{Src: ll}, dhcp6srv.RoutePolicy{ClientPort: 10546}, netip.MustParseAddrPort("[fe80::1%eth0]:10546")},
		{"to-source", dhcp6srv.RouteInput{Src: src}, dhcp6srv.RoutePolicy{SendToSource: true}, src},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, dhcp6srv.RouteReply(tc.in, tc.p).Dst)
		})
	}
}

func TestRelaySourcePort(t *testing.T) {
	// Without SendToSource, a relay with the Relay Source Port option gets
	// its reply at its source port (not 547), with the option echoed.
	lm, err := memfile.Open(bg, memfile.Config{Universe: leasemgr.V6, InMemory: true})
	require.NoError(t, err)
	defer lm.Close()
	srv, err := dhcp6srv.NewServer(parse(t, cfgLoopback), lm, dhcp6srv.WithTransportConfig(nil))
	require.NoError(t, err)
	addr := loopback(t, srv)
	c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	require.NoError(t, err)
	defer c.Close()
	req := relayChain(t, newMsg(t, dhcpv6.MessageTypeSolicit, duidEN(4), withNA(1)), []string{"2001:db8:2::1"}, []string{"x"})
	req.(*dhcpv6.RelayMessage).AddOption(dhcpv6.OptRelayPort(0))
	out := exchange(t, c, addr, req).(*dhcpv6.RelayMessage)
	require.NotNil(t, out.Options.RelayPort())
	require.Equal(t, []byte("x"), out.Options.InterfaceID())
}

func TestReconfigureUnderLoad(t *testing.T) {
	srv, lm := newLoopbackServer(t, cfgLoopback)
	addr := loopback(t, srv)
	cfgs := []string{cfgLoopback, `{"Dhcp6": {"valid-lifetime": 5000, "subnet6": [
	  {"id": 1, "subnet": "2001:db8:1::/64", "interface": "lo",
	   "pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::1ff"}],
	   "pd-pools": [{"prefix": "2001:db8:8000::", "prefix-len": 40, "delegated-len": 56}]}]}}`}
	const clients = 8
	const rounds = 10
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			require.NoError(t, srv.Reconfigure(parse(t, cfgs[i%2])))
			time.Sleep(time.Millisecond)
		}
	}()
	var cw sync.WaitGroup
	for i := range clients {
		cw.Add(1)
		go func() {
			defer cw.Done()
			c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
			require.NoError(t, err)
			defer c.Close()
			for r := range rounds {
				d := duidEN(byte(i*rounds + r))
				adv := exchange(t, c, addr, newMsg(t, dhcpv6.MessageTypeSolicit, d, withNA(1))).(*dhcpv6.Message)
				require.Len(t, addrsOf(adv), 1)
				rep := exchange(t, c, addr, newMsg(t, dhcpv6.MessageTypeRequest, d, withServerID(srv.ServerID()), copyIAs(adv))).(*dhcpv6.Message)
				require.Len(t, addrsOf(rep), 1)
			}
		}()
	}
	cw.Wait()
	close(stop)
	wg.Wait()
	all, err := lm.AllLeases6(bg)
	require.NoError(t, err)
	require.Len(t, all, clients*rounds)
	seen := map[netip.Addr]bool{}
	for _, l := range all {
		require.False(t, seen[l.Addr], "address %s given twice", l.Addr)
		seen[l.Addr] = true
	}
}
