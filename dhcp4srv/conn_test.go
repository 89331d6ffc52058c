package dhcp4srv

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/ipv4"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/internal/pipeline"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

// noLeak fails the test if goroutines started during it still run at its
// end (after its other cleanups, which run first).
func noLeak(t testing.TB) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				t.Fatalf("goroutine leak: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

var testMAC = net.HardwareAddr{0x02, 0x00, 0x5e, 0x00, 0x00, 0x01}

// offerHandler answers DISCOVER with an OFFER of 192.0.2.100 and REQUEST
// with an ACK of the requested address (or ciaddr).
type offerHandler struct {
	mu   sync.Mutex
	seen []seenReq
}

type seenReq struct {
	local, remote netip.AddrPort
	ifname        string
	relayed       bool
}

func (h *offerHandler) ServeDHCP4(ctx context.Context, w ResponseWriter, req *dhcpv4.DHCPv4) {
	h.mu.Lock()
	h.seen = append(h.seen, seenReq{w.LocalAddr(), w.RemoteAddr(), w.Interface().Name, w.Relayed()})
	h.mu.Unlock()
	var mods []dhcpv4.Modifier
	switch req.MessageType() {
	case dhcpv4.MessageTypeDiscover:
		mods = append(mods, dhcpv4.WithMessageType(dhcpv4.MessageTypeOffer), dhcpv4.WithYourIP(net.IPv4(192, 0, 2, 100)))
	case dhcpv4.MessageTypeRequest:
		ip := req.ClientIPAddr
		if ip.IsUnspecified() {
			ip = req.RequestedIPAddress()
		}
		mods = append(mods, dhcpv4.WithMessageType(dhcpv4.MessageTypeAck), dhcpv4.WithYourIP(ip))
	case dhcpv4.MessageTypeInform:
		mods = append(mods, dhcpv4.WithMessageType(dhcpv4.MessageTypeAck))
	default:
		return
	}
	mods = append(mods, dhcpv4.WithServerIP(net.IPv4(192, 0, 2, 1)),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(net.IPv4(192, 0, 2, 1))))
	reply, err := dhcpv4.NewReplyFromRequest(req, mods...)
	if err != nil {
		return
	}
	_ = w.Write(reply)
}

// listenLoopback opens a UDP socket on an ephemeral 127.0.0.1 port, with
// control messages on before any packet can arrive.
func listenLoopback(t testing.TB) *net.UDPConn {
	t.Helper()
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	require.NoError(t, ipv4.NewPacketConn(pc).SetControlMessage(ipv4.FlagDst|ipv4.FlagInterface, true))
	return pc
}

// startLoopback serves t on an ephemeral 127.0.0.1 port.
func startLoopback(t *testing.T, tr *Transport) netip.AddrPort {
	t.Helper()
	pc := listenLoopback(t)
	done := make(chan error, 1)
	go func() { done <- tr.ServeConn(context.Background(), pc) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		require.NoError(t, tr.Shutdown(ctx))
		require.ErrorIs(t, <-done, ErrClosed)
	})
	return pc.LocalAddr().(*net.UDPAddr).AddrPort()
}

func newClient(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func roundTrip(t *testing.T, c *net.UDPConn, srv netip.AddrPort, req *dhcpv4.DHCPv4) *dhcpv4.DHCPv4 {
	t.Helper()
	_, err := c.WriteToUDPAddrPort(req.ToBytes(), srv)
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	buf := make([]byte, 1500)
	n, _, err := c.ReadFromUDPAddrPort(buf)
	require.NoError(t, err)
	reply, err := dhcpv4.FromBytes(buf[:n])
	require.NoError(t, err)
	require.Equal(t, req.TransactionID, reply.TransactionID)
	return reply
}

func discover(t *testing.T, mods ...dhcpv4.Modifier) *dhcpv4.DHCPv4 {
	t.Helper()
	d, err := dhcpv4.NewDiscovery(testMAC, mods...)
	require.NoError(t, err)
	return d
}

func TestLoopbackRelayed(t *testing.T) {
	noLeak(t)
	st := stats.New()
	h := &offerHandler{}
	tr := NewTransport(Config{Workers: 2}, h, WithStats(st))
	srv := startLoopback(t, tr)
	c := newClient(t)
	cport := c.LocalAddr().(*net.UDPAddr).AddrPort()

	// A relay on 127.0.0.1 with the RFC 8357 relay-port sub-option: the
	// reply goes back to giaddr at the relay's source port.
	req := discover(t, dhcpv4.WithGatewayIP(net.IPv4(127, 0, 0, 1)),
		dhcpv4.WithOption(dhcpv4.OptRelayAgentInfo(dhcpv4.OptGeneric(dhcpv4.RelaySourcePortSubOption, nil))))
	req.HopCount = 1
	reply := roundTrip(t, c, srv, req)
	require.Equal(t, dhcpv4.MessageTypeOffer, reply.MessageType())
	require.Equal(t, "192.0.2.100", reply.YourIPAddr.String())
	require.Equal(t, testMAC, reply.ClientHWAddr)

	h.mu.Lock()
	require.Len(t, h.seen, 1)
	s := h.seen[0]
	h.mu.Unlock()
	require.Equal(t, srv, s.local)
	require.Equal(t, cport, s.remote)
	require.True(t, s.relayed)
	require.Equal(t, loopbackName(t), s.ifname)

	require.EqualValues(t, 1, st.Int(StatPkt4Received).Load())
	require.EqualValues(t, 1, st.Int("pkt4-discover-received").Load())
	require.Eventually(t, func() bool { return st.Int(StatPkt4Sent).Load() == 1 }, time.Second, time.Millisecond)
	require.EqualValues(t, 1, st.Int("pkt4-offer-sent").Load())
}

func TestLoopbackRenewClientPort(t *testing.T) {
	noLeak(t)
	c := newClient(t)
	cport := c.LocalAddr().(*net.UDPAddr).AddrPort()
	// ciaddr set: unicast to ciaddr, at the -P client port.
	tr := NewTransport(Config{Workers: 1, ClientPort: cport.Port()}, &offerHandler{})
	srv := startLoopback(t, tr)
	req, err := dhcpv4.New(dhcpv4.WithHwAddr(testMAC), dhcpv4.WithMessageType(dhcpv4.MessageTypeRequest),
		dhcpv4.WithClientIP(net.IPv4(127, 0, 0, 1)))
	require.NoError(t, err)
	reply := roundTrip(t, c, srv, req)
	require.Equal(t, dhcpv4.MessageTypeAck, reply.MessageType())
	require.Equal(t, "127.0.0.1", reply.YourIPAddr.String())
}

func TestLoopbackSendToSource(t *testing.T) {
	noLeak(t)
	tr := NewTransport(Config{SendToSource: true}, &offerHandler{})
	srv := startLoopback(t, tr)
	c := newClient(t)
	for range 3 {
		reply := roundTrip(t, c, srv, discover(t))
		require.Equal(t, dhcpv4.MessageTypeOffer, reply.MessageType())
		require.Zero(t, reply.Flags&flagBroadcast)
	}
}

func TestBadPacketsAndPanics(t *testing.T) {
	noLeak(t)
	st := stats.New()
	h := HandlerFunc(func(ctx context.Context, w ResponseWriter, req *dhcpv4.DHCPv4) {
		if req.HostName() == "panic" {
			panic("handler bug")
		}
		(&offerHandler{}).ServeDHCP4(ctx, w, req)
	})
	tr := NewTransport(Config{SendToSource: true, Workers: 1}, h, WithStats(st))
	srv := startLoopback(t, tr)
	c := newClient(t)
	for _, junk := range [][]byte{{}, {1}, make([]byte, 300), append(discover(t).ToBytes()[:240], 53, 5)} {
		_, err := c.WriteToUDPAddrPort(junk, srv)
		require.NoError(t, err)
	}
	_, err := c.WriteToUDPAddrPort(discover(t, dhcpv4.WithOption(dhcpv4.OptHostName("panic"))).ToBytes(), srv)
	require.NoError(t, err)
	// Still serving, in order after the bad ones (one worker).
	reply := roundTrip(t, c, srv, discover(t))
	require.Equal(t, dhcpv4.MessageTypeOffer, reply.MessageType())
	require.EqualValues(t, 6, st.Int(StatPkt4Received).Load())
	require.EqualValues(t, 4, st.Int(StatPkt4ParseFailed).Load())
	require.EqualValues(t, 4, st.Int(StatPkt4ReceiveDrop).Load())
	require.EqualValues(t, 1, tr.Panics())
}

func TestShutdownDrainsQueued(t *testing.T) {
	noLeak(t)
	st := stats.New()
	release := make(chan struct{})
	var handled sync.WaitGroup
	var mu sync.Mutex
	n := 0
	h := HandlerFunc(func(ctx context.Context, w ResponseWriter, req *dhcpv4.DHCPv4) {
		<-release
		mu.Lock()
		n++
		mu.Unlock()
		handled.Done()
	})
	tr := NewTransport(Config{Workers: 1, QueueSize: 100}, h, WithStats(st))
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- tr.ServeConn(context.Background(), pc) }()
	c := newClient(t)
	const total = 20
	handled.Add(total)
	for range total {
		_, err := c.WriteToUDPAddrPort(discover(t).ToBytes(), pc.LocalAddr().(*net.UDPAddr).AddrPort())
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return st.Int(StatPkt4Received).Load() == total }, 5*time.Second, time.Millisecond)
	sd := make(chan error, 1)
	go func() { sd <- tr.Shutdown(context.Background()) }()
	require.ErrorIs(t, <-done, ErrClosed)
	close(release)
	require.NoError(t, <-sd)
	require.Equal(t, total, n)
	require.Zero(t, st.Int(StatPkt4ReceiveDrop).Load())
	// Serving again is refused.
	pc2, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	require.ErrorIs(t, tr.ServeConn(context.Background(), pc2), ErrClosed)
}

func TestShutdownDeadlineDrops(t *testing.T) {
	noLeak(t)
	st := stats.New()
	h := HandlerFunc(func(ctx context.Context, w ResponseWriter, req *dhcpv4.DHCPv4) {
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	})
	tr := NewTransport(Config{Workers: 1, QueueSize: 100}, h, WithStats(st))
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- tr.ServeConn(context.Background(), pc) }()
	c := newClient(t)
	for range 20 {
		_, err := c.WriteToUDPAddrPort(discover(t).ToBytes(), pc.LocalAddr().(*net.UDPAddr).AddrPort())
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return st.Int(StatPkt4Received).Load() == 20 }, 5*time.Second, time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, tr.Shutdown(ctx), context.DeadlineExceeded)
	require.ErrorIs(t, <-done, ErrClosed)
	<-tr.pipe.Done()
	require.Positive(t, st.Int(StatPkt4ReceiveDrop).Load())
}

func TestServeContextCancel(t *testing.T) {
	noLeak(t)
	tr := NewTransport(Config{SendToSource: true}, &offerHandler{})
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tr.ServeConn(ctx, pc) }()
	c := newClient(t)
	roundTrip(t, c, pc.LocalAddr().(*net.UDPAddr).AddrPort(), discover(t))
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	<-tr.pipe.Done()
}

func TestQueueFullCounted(t *testing.T) {
	noLeak(t)
	st := stats.New()
	block := make(chan struct{})
	entered := make(chan struct{}, 10)
	h := HandlerFunc(func(ctx context.Context, w ResponseWriter, req *dhcpv4.DHCPv4) {
		entered <- struct{}{}
		<-block
	})
	tr := NewTransport(Config{Workers: 1, QueueSize: 4}, h, WithStats(st))
	srv := startLoopback(t, tr)
	c := newClient(t)
	send := func() {
		_, err := c.WriteToUDPAddrPort(discover(t).ToBytes(), srv)
		require.NoError(t, err)
	}
	send()
	<-entered
	for range 9 {
		send()
	}
	require.Eventually(t, func() bool { return st.Int(StatPkt4Received).Load() == 10 }, 5*time.Second, time.Millisecond)
	close(block)
	// One in the handler, four queued, five dropped (oldest first).
	require.EqualValues(t, 5, st.Int(StatPkt4QueueFull).Load())
	require.EqualValues(t, 5, st.Int(StatPkt4ReceiveDrop).Load())
}

func TestClientKey(t *testing.T) {
	src := netip.MustParseAddrPort("192.0.2.7:68")
	a := discover(t).ToBytes()
	b := discover(t, dhcpv4.WithOption(dhcpv4.OptHostName("x"))).ToBytes()
	require.Equal(t, clientKey(a, src), clientKey(b, netip.MustParseAddrPort("192.0.2.8:68")))
	other, err := dhcpv4.NewDiscovery(net.HardwareAddr{0x02, 0, 0, 0, 0, 2})
	require.NoError(t, err)
	require.NotEqual(t, clientKey(a, src), clientKey(other.ToBytes(), src))

	// No chaddr: client identifier.
	noHW := func(id string) []byte {
		m, err := dhcpv4.New(dhcpv4.WithMessageType(dhcpv4.MessageTypeDiscover),
			dhcpv4.WithOption(dhcpv4.OptClientIdentifier([]byte(id))))
		require.NoError(t, err)
		m.ClientHWAddr = nil
		return m.ToBytes()
	}
	require.Equal(t, clientKey(noHW("a"), src), clientKey(noHW("a"), netip.MustParseAddrPort("192.0.2.9:68")))
	require.NotEqual(t, clientKey(noHW("a"), src), clientKey(noHW("b"), src))
	// Garbage never panics; short packets key by source.
	require.Equal(t, clientKey(nil, src), clientKey([]byte{1, 2, 3}, src))
	require.Zero(t, testing.AllocsPerRun(100, func() { clientKey(a, src) }))
}

func TestFindOption(t *testing.T) {
	m := discover(t, dhcpv4.WithOption(dhcpv4.OptClientIdentifier([]byte{1, 2, 3})))
	b := m.ToBytes()
	require.Equal(t, []byte{1, 2, 3}, findOption(b, 61))
	require.Nil(t, findOption(b, 62))
	require.Nil(t, findOption(b[:241], 61))
	bad := append([]byte(nil), b...)
	bad[237] = 0
	require.Nil(t, findOption(bad, 61))
}

func TestResolveInterfaces(t *testing.T) {
	all := []net.Interface{
		{Index: 1, Name: "lo", Flags: net.FlagUp | net.FlagLoopback},
	}
	_, err := resolveInterfaces([]string{"nope0"}, all)
	require.ErrorIs(t, err, ErrNoInterface)
	_, err = resolveInterfaces([]string{"lo/192.0.2.1"}, all)
	require.Error(t, err)
	_, err = resolveInterfaces([]string{"lo/bad"}, all)
	require.Error(t, err)
	bs, err := resolveInterfaces([]string{"*"}, all)
	require.NoError(t, err)
	require.Empty(t, bs, "loopback is not part of *")

	// The real loopback interface, by name and with its address.
	lo := loopbackName(t)
	bs, err = ResolveInterfaces([]string{lo, lo + "/127.0.0.1"})
	require.NoError(t, err)
	require.Len(t, bs, 1)
	require.Equal(t, netip.MustParseAddr("127.0.0.1"), bs[0].Addr)
	require.True(t, bs[0].Interface.Loopback)
}

func loopbackName(t *testing.T) string {
	t.Helper()
	ifs, err := net.Interfaces()
	require.NoError(t, err)
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback != 0 {
			return i.Name
		}
	}
	t.Skip("no loopback interface")
	return ""
}

func TestConfigFromKea(t *testing.T) {
	ic := cfgmgr.InterfacesConfig{Interfaces: []string{"eth0", "eth1/192.0.2.1"}, DHCPSocketType: "udp", OutboundInterface: "use-routing"}
	c := ConfigFromKea(ic, cfgmgr.MultiThreading{EnableMultiThreading: true, ThreadPoolSize: 4, PacketQueueSize: 16})
	require.Equal(t, Config{Interfaces: ic.Interfaces, SocketType: SocketUDP, UseRouting: true, Workers: 4, QueueSize: 16}, c)
	c = ConfigFromKea(cfgmgr.InterfacesConfig{DHCPSocketType: "raw"}, cfgmgr.MultiThreading{ThreadPoolSize: 4})
	require.Equal(t, 1, c.Workers, "multi-threading off: one worker")
	require.Equal(t, pipeline.DefaultQueueSize, c.QueueSize, "packet-queue-size 0: unlimited")
	require.Equal(t, SocketRaw, c.SocketType)
}

func TestWriteErrors(t *testing.T) {
	var p packet
	tr := NewTransport(Config{}, nil)
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer pc.Close()
	p.l = tr.newListener(pc)
	p.req = discover(t)
	require.Error(t, p.Write(nil))
	reply, err := dhcpv4.NewReplyFromRequest(p.req, dhcpv4.WithMessageType(dhcpv4.MessageTypeOffer), dhcpv4.WithYourIP(net.IPv4(192, 0, 2, 100)))
	require.NoError(t, err)
	// An L2 route without a raw socket is refused, never sent elsewhere.
	r := p.Route(reply)
	r.L2 = true
	require.True(t, errors.Is(p.WriteRoute(reply, r), ErrNoRoute))
}
