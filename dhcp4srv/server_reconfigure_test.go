package dhcp4srv_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/dhcp4srv"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

// TestReconfigureUnderLoad swaps between configurations whose subnet has
// another id and another pool while clients run DORA: every exchange must
// succeed, every address be unique and in a pool of one of the configs.
func TestReconfigureUnderLoad(t *testing.T) {
	cfgA := parseConfig(t, `{"Dhcp4": {"subnet4": [{"id": 1, "subnet": "192.0.2.0/24",
		"pools": [{"pool": "192.0.2.10 - 192.0.2.129"}]}]}}`)
	cfgB := parseConfig(t, `{"Dhcp4": {"valid-lifetime": 600, "subnet4": [{"id": 7, "subnet": "192.0.2.0/24",
		"pools": [{"pool": "192.0.2.130 - 192.0.2.250"}]}]}}`)
	st := stats.New()
	h := newHarness(t, `{"Dhcp4": {"subnet4": [{"id": 1, "subnet": "192.0.2.0/24",
		"pools": [{"pool": "192.0.2.10 - 192.0.2.129"}]}]}}`, dhcp4srv.WithServerStats(st))

	// 120 clients: each pool (120 and 121 addresses) can hold all of
	// them, so no DISCOVER meets an exhausted pool whichever configuration
	// the clients happen to allocate under.
	const workers, per = 6, 20
	var stop atomic.Bool
	var swaps atomic.Int64
	done := make(chan struct{})
	swapping := make(chan struct{}) // closed once reconfigurations are under way
	go func() {
		defer close(done)
		for i := 0; !stop.Load(); i++ {
			cfg := cfgA
			if i%2 == 1 {
				cfg = cfgB
			}
			if err := h.srv.Reconfigure(cfg); err != nil {
				t.Error(err)
				return
			}
			if swaps.Add(1) == 2 {
				close(swapping)
			}
			time.Sleep(200 * time.Microsecond)
		}
	}()
	<-swapping
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]bool{}
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				hw := mac(1000 + g*per + i)
				var ack *dhcpv4.DHCPv4
				for attempt := 0; attempt < 20 && ack == nil; attempt++ {
					// An OFFER made under one config may be refused
					// under the next one (a NAK, or silence for an
					// address that is no longer the server's, as in
					// Kea); the client starts over.
					w := broadcastWriter()
					d := discover(hw)
					w.req = d
					h.srv.ServeDHCP4(context.Background(), w, d)
					if len(w.replies) != 1 {
						t.Errorf("client %s: %d offers", hw, len(w.replies))
						return
					}
					w2 := broadcastWriter()
					r := requestFor(w.replies[0])
					w2.req = r
					h.srv.ServeDHCP4(context.Background(), w2, r)
					if len(w2.replies) == 1 && w2.replies[0].MessageType() == dhcpv4.MessageTypeAck {
						ack = w2.replies[0]
					}
				}
				if ack == nil {
					t.Errorf("client %s: no ACK", hw)
					return
				}
				a := netip.AddrFrom4([4]byte(ack.YourIPAddr.To4()))
				inA := a.Compare(netip.MustParseAddr("192.0.2.10")) >= 0 && a.Compare(netip.MustParseAddr("192.0.2.129")) <= 0
				inB := a.Compare(netip.MustParseAddr("192.0.2.130")) >= 0 && a.Compare(netip.MustParseAddr("192.0.2.250")) <= 0
				if !inA && !inB {
					t.Errorf("address %s outside the pools", a)
				}
				if lt := ack.IPAddressLeaseTime(0).Seconds(); inA && lt != 7200 || inB && lt != 600 {
					t.Errorf("address %s with lease time %v: not from the config of its pool", a, lt)
				}
				mu.Lock()
				if seen[a.String()] {
					t.Errorf("address %s given twice", a)
				}
				seen[a.String()] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	stop.Store(true)
	<-done
	require.Len(t, seen, workers*per)
	require.Positive(t, swaps.Load())
	t.Logf("%d reconfigurations, %d drops", swaps.Load(), st.Int(dhcp4srv.StatPkt4ReceiveDrop).Load())
}

// TestTwoServers runs two differently configured servers in one process.
func TestTwoServers(t *testing.T) {
	h1 := newHarness(t, baseConfig)
	h2 := newHarness(t, `{"Dhcp4": {"subnet4": [{"id": 1, "subnet": "192.0.2.0/24",
		"pools": [{"pool": "192.0.2.200 - 192.0.2.210"}]}]}}`)
	require.Equal(t, "192.0.2.100", h1.dora(mac(1)).YourIPAddr.String())
	require.Equal(t, "192.0.2.200", h2.dora(mac(1)).YourIPAddr.String())
}

// TestServeConn runs the server's own transport on a loopback socket with
// SendToSource, as a relayed client would reach it.
func TestServeConn(t *testing.T) {
	lm, err := memfile.Open(context.Background(), memfile.Config{Universe: leasemgr.V4, InMemory: true})
	require.NoError(t, err)
	defer lm.Close()
	srv, err := dhcp4srv.NewServer(parseConfig(t, relayConfig), lm,
		dhcp4srv.WithTransportConfig(func(c *dhcp4srv.Config) { c.SendToSource = true }))
	require.NoError(t, err)
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.ServeConn(context.Background(), pc) }()

	cl, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer cl.Close()
	d := discover(mac(1), relayed("198.18.0.1", "x")...)
	_, err = cl.WriteTo(d.ToBytes(), pc.LocalAddr())
	require.NoError(t, err)
	buf := make([]byte, 1500)
	n, _, err := cl.ReadFrom(buf)
	require.NoError(t, err)
	offer, err := dhcpv4.FromBytes(buf[:n])
	require.NoError(t, err)
	require.Equal(t, "198.18.0.100", offer.YourIPAddr.String())
	require.Equal(t, "127.0.0.1", offer.ServerIdentifier().String())

	require.NoError(t, srv.Shutdown(context.Background()))
	require.ErrorIs(t, <-done, dhcp4srv.ErrClosed)
}

func FuzzServeDHCP4(f *testing.F) {
	seeds := []*dhcpv4.DHCPv4{
		discover(mac(1), allPRL, dhcpv4.WithOption(dhcpv4.OptClassIdentifier("PXEClient"))),
		discover(mac(2), relayed("198.18.0.1", "port-7")...),
		msg(dhcpv4.MessageTypeRequest, mac(3), dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(ip("192.0.2.100")))),
		msg(dhcpv4.MessageTypeRequest, mac(3), dhcpv4.WithClientIP(ip("192.0.2.100"))),
		msg(dhcpv4.MessageTypeDecline, mac(3), dhcpv4.WithOption(dhcpv4.OptRequestedIPAddress(ip("192.0.2.100")))),
		msg(dhcpv4.MessageTypeRelease, mac(3), dhcpv4.WithClientIP(ip("192.0.2.100"))),
		msg(dhcpv4.MessageTypeInform, mac(4), dhcpv4.WithClientIP(ip("192.0.2.5"))),
		discover(net.HardwareAddr{2, 0x42, 0, 0, 0, 0x63}, dhcpv4.WithOption(dhcpv4.OptMaxMessageSize(300))),
	}
	for _, s := range seeds {
		f.Add(s.ToBytes())
	}
	bootp := discover(mac(5))
	bootp.Options = dhcpv4.Options{}
	f.Add(bootp.ToBytes())
	h := newHarness(f, precedenceConfig)
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := dhcpv4.FromBytes(b)
		if err != nil {
			return
		}
		for _, w := range []*fakeWriter{broadcastWriter(), relayWriter()} {
			w.req = req
			h.srv.ServeDHCP4(context.Background(), w, req)
		}
	})
}

func benchServer(b *testing.B, persist bool) *harness {
	js := `{"Dhcp4": {"option-data": [{"name": "domain-name-servers", "data": "192.0.2.53"}],
		"subnet4": [{"id": 1, "subnet": "198.18.0.0/15", "pools": [{"pool": "198.18.0.1 - 198.19.255.254"}],
		"option-data": [{"name": "routers", "data": "198.18.0.1"}]}]}}`
	if !persist {
		return newHarness(b, js)
	}
	lm, err := memfile.Open(context.Background(), memfile.Config{Universe: leasemgr.V4, Name: filepath.Join(b.TempDir(), "leases4.csv")})
	require.NoError(b, err)
	b.Cleanup(func() { lm.Close() })
	srv, err := dhcp4srv.NewServer(parseConfig(b, js), lm)
	require.NoError(b, err)
	return &harness{t: b, srv: srv, leases: lm}
}

var benchWriter = func() *fakeWriter {
	w := broadcastWriter()
	w.iface = &dhcp4srv.Interface{Index: 2, Name: "eth0", Addrs: []netip.Prefix{netip.MustParsePrefix("198.18.0.2/15")}}
	return w
}

// discardWriter counts replies without decoding them.
type discardWriter struct {
	*fakeWriter
	n int
}

func (w *discardWriter) Write(r *dhcpv4.DHCPv4) error { _ = r.ToBytes(); w.n++; return nil }

func BenchmarkServeDHCP4(b *testing.B) {
	for _, persist := range []bool{false, true} {
		b.Run(fmt.Sprintf("DISCOVER/persist=%v", persist), func(b *testing.B) {
			h := benchServer(b, persist)
			w := &discardWriter{fakeWriter: benchWriter()}
			reqs := make([]*dhcpv4.DHCPv4, 1024)
			for i := range reqs {
				reqs[i] = discover(mac(i))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r := reqs[i%len(reqs)]
				w.req = r
				h.srv.ServeDHCP4(context.Background(), w, r)
			}
			if w.n != b.N {
				b.Fatalf("%d offers for %d discovers", w.n, b.N)
			}
		})
		b.Run(fmt.Sprintf("REQUEST/persist=%v", persist), func(b *testing.B) {
			h := benchServer(b, persist)
			w := &discardWriter{fakeWriter: benchWriter()}
			const clients = 100000
			// A REQUEST with no hint from a new client: the engine
			// allocates and stores a lease (the chaddr changes in place).
			r := msg(dhcpv4.MessageTypeRequest, net.HardwareAddr{2, 7, 0, 0, 0, 0})
			w.req = r
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				n := i % clients
				r.ClientHWAddr[3], r.ClientHWAddr[4], r.ClientHWAddr[5] = byte(n>>16), byte(n>>8), byte(n)
				h.srv.ServeDHCP4(context.Background(), w, r)
			}
			if w.n != b.N {
				b.Fatalf("%d acks for %d requests", w.n, b.N)
			}
		})
	}
}
