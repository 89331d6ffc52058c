package dhcp6srv_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv6"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/dhcp6srv"
)

// Two configurations of the same link (eth0) with different subnet ids and
// disjoint pools.
const (
	cfgSwapA = `{"Dhcp6": {"valid-lifetime": 4000, "cache-threshold": 0,
  "subnet6": [{"id": 1, "subnet": "2001:db8:1::/64", "interface": "eth0",
  "pools": [{"pool": "2001:db8:1::1000 - 2001:db8:1::1fff"}]}]}}`
	cfgSwapB = `{"Dhcp6": {"valid-lifetime": 4000, "cache-threshold": 0,
  "subnet6": [{"id": 7, "subnet": "2001:db8:1::/64", "interface": "eth0",
  "pools": [{"pool": "2001:db8:1::a000 - 2001:db8:1::afff"}]}]}}`
)

func inSwapPools(a netip.Addr) bool {
	return inPool(a, "2001:db8:1::1000", "2001:db8:1::1fff") || inPool(a, "2001:db8:1::a000", "2001:db8:1::afff")
}

// gate is a NameHandler and Configurer whose calls can be made to wait.
type gate struct {
	configures atomic.Int64

	mu          sync.Mutex
	holdCfg     chan struct{} // Configure waits for it to be closed, when set
	inCfg       chan struct{} // closed when Configure starts waiting
	holdAdjust  chan struct{} // Adjust6 of holdDUID waits for it, once
	inAdjust    chan struct{} // closed when that Adjust6 starts waiting
	holdDUID    []byte
	adjustCalls atomic.Int64 // of holdDUID
	adjustAll   atomic.Int64
}

func (g *gate) Configure(*cfgmgr.Config) error {
	g.configures.Add(1)
	g.mu.Lock()
	hold, in := g.holdCfg, g.inCfg
	g.holdCfg, g.inCfg = nil, nil
	g.mu.Unlock()
	if hold != nil {
		close(in)
		<-hold
	}
	return nil
}

func (g *gate) Adjust6(_ context.Context, req, _ *dhcpv6.Message, info dhcp6srv.NameInfo) (bool, bool, string) {
	g.adjustAll.Add(1)
	var hold, in chan struct{}
	if cid := req.Options.ClientID(); cid != nil {
		g.mu.Lock()
		if g.holdDUID != nil && bytes.Equal(cid.ToBytes(), g.holdDUID) {
			g.adjustCalls.Add(1)
			hold, in = g.holdAdjust, g.inAdjust
			g.holdAdjust, g.inAdjust = nil, nil
		}
		g.mu.Unlock()
	}
	if hold != nil {
		close(in)
		<-hold
	}
	return false, false, info.Hostname
}

// within runs f and fails the test if it does not return in a (generous)
// while: a deadlock detector, not a speed assertion.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: still blocked", what)
	}
}

// A Reconfigure that takes long (here: a Configurer that waits) holds up
// no request: packets are answered with the old configuration meanwhile.
func TestReconfigureDoesNotBlockRequests(t *testing.T) {
	g := &gate{}
	f := newFixture(t, cfgSwapA, dhcp6srv.WithNameHandler(g))
	require.EqualValues(t, 1, g.configures.Load())

	hold, in := make(chan struct{}), make(chan struct{})
	g.mu.Lock()
	g.holdCfg, g.inCfg = hold, in
	g.mu.Unlock()
	errc := make(chan error, 1)
	go func() { errc <- f.srv.Reconfigure(parse(t, cfgSwapB)) }()
	<-in

	// Reconfigure is in progress; requests go on with configuration A.
	within(t, "SARR during Reconfigure", func() {
		for i := range 3 {
			_, reply := f.sarr(duidEN(byte(0x10+i)), withNA(1))
			a := addrsOf(reply)
			require.Len(t, a, 1)
			require.True(t, inPool(a[0], "2001:db8:1::1000", "2001:db8:1::1fff"), "%s", a[0])
		}
	})
	close(hold)
	require.NoError(t, <-errc)
	require.EqualValues(t, 2, g.configures.Load(), "the Configurer runs once per Reconfigure")

	_, reply := f.sarr(duidEN(0x20), withNA(1))
	a := addrsOf(reply)
	require.Len(t, a, 1)
	require.True(t, inPool(a[0], "2001:db8:1::a000", "2001:db8:1::afff"), "%s", a[0])
}

// A request that loaded configuration A and reaches the engine after the
// engine switched to B (whose subnet ids differ) is handled again with B,
// not answered NoAddrsAvail.
func TestReconfigureRetriesRequestWithNewConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		typ  dhcpv6.MessageType
	}{{"solicit", dhcpv6.MessageTypeSolicit}, {"request", dhcpv6.MessageTypeRequest}, {"renew", dhcpv6.MessageTypeRenew}} {
		t.Run(tc.name, func(t *testing.T) {
			g := &gate{}
			f := newFixture(t, cfgSwapA, dhcp6srv.WithNameHandler(g))
			d := duidEN(0x30)
			mods := []dhcpv6.Modifier{withNA(1)}
			if tc.typ != dhcpv6.MessageTypeSolicit {
				mods = append(mods, withServerID(f.srv.ServerID()))
			}
			if tc.typ == dhcpv6.MessageTypeRenew {
				_, reply := f.sarr(d, withNA(1))
				mods = []dhcpv6.Modifier{withServerID(f.srv.ServerID()), copyIAs(reply)}
			}

			hold, in := make(chan struct{}), make(chan struct{})
			g.mu.Lock()
			g.holdDUID, g.holdAdjust, g.inAdjust = d, hold, in
			g.mu.Unlock()
			g.adjustCalls.Store(0)

			var reply *dhcpv6.Message
			done := make(chan struct{})
			go func() {
				defer close(done)
				reply = f.direct(newMsg(t, tc.typ, d, mods...))
			}()
			<-in // the request holds configuration A and has not reached the engine
			within(t, "Reconfigure while a request is in flight", func() {
				require.NoError(t, f.srv.Reconfigure(parse(t, cfgSwapB)))
			})
			close(hold)
			<-done
			require.NotNil(t, reply)
			require.EqualValues(t, 2, g.adjustCalls.Load(), "handled again")
			a := addrsOf(reply)
			require.Len(t, a, 1, "reply %s", reply.Summary())
			require.True(t, inPool(a[0], "2001:db8:1::a000", "2001:db8:1::afff"), "%s", a[0])
		})
	}
}

// Packets keep flowing from several goroutines while Reconfigure
// alternates two configurations: no panic, no race, every address is from
// one of the two configurations' pools and none goes to two clients.
func TestReconfigureAlternatingSubnetsUnderLoad(t *testing.T) {
	g := &gate{}
	f := newFixture(t, cfgSwapA, dhcp6srv.WithNameHandler(g))
	cfgs := []*cfgmgr.Config{parse(t, cfgSwapA), parse(t, cfgSwapB)}
	const workers, clients = 4, 100

	var mu sync.Mutex
	owner := map[netip.Addr]string{}
	var problems []string
	var leased atomic.Int64
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	serve := func(w *fakeWriter, req *dhcpv6.Message) *dhcpv6.Message {
		parsed, err := dhcpv6.FromBytes(req.ToBytes())
		if err != nil {
			report("parse request: %v", err)
			return nil
		}
		w.mu.Lock()
		w.replies = nil
		w.mu.Unlock()
		f.srv.ServeDHCP6(bg, w, parsed)
		w.mu.Lock()
		defer w.mu.Unlock()
		if len(w.replies) != 1 {
			report("%d replies to %s", len(w.replies), req.MessageType)
			return nil
		}
		m, ok := w.replies[0].(*dhcpv6.Message)
		if !ok {
			report("reply %T", w.replies[0])
			return nil
		}
		return m
	}

	var wg sync.WaitGroup
	for wk := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newWriter()
			for c := range clients {
				d := make([]byte, 12)
				binary.BigEndian.PutUint32(d, 0x00020000)
				binary.BigEndian.PutUint64(d[4:], uint64(wk)<<32|uint64(c))
				key := fmt.Sprintf("%x", d)
				adv := serve(w, newMsg(t, dhcpv6.MessageTypeSolicit, d, withNA(1)))
				if adv == nil {
					continue
				}
				for _, a := range addrsOf(adv) {
					if !inSwapPools(a) {
						report("advertised %s outside both pools", a)
					}
				}
				rep := serve(w, newMsg(t, dhcpv6.MessageTypeRequest, d, withServerID(f.srv.ServerID()), copyIAs(adv)))
				if rep == nil {
					continue
				}
				addrs := addrsOf(rep)
				if len(addrs) > 0 {
					leased.Add(1)
				}
				mu.Lock()
				for _, a := range addrs {
					if !inSwapPools(a) {
						problems = append(problems, fmt.Sprintf("leased %s outside both pools", a))
					}
					if o, ok := owner[a]; ok && o != key {
						problems = append(problems, fmt.Sprintf("%s leased to %s and %s", a, o, key))
					}
					owner[a] = key
				}
				mu.Unlock()
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	reconfigs := 0
	for loop := true; loop; {
		select {
		case <-done:
			loop = false
		default:
			reconfigs++
			require.NoError(t, f.srv.Reconfigure(cfgs[reconfigs%2]))
		}
	}
	require.Empty(t, problems)
	require.Positive(t, leased.Load())
	require.EqualValues(t, 1+reconfigs, g.configures.Load(), "the Configurer runs once per Reconfigure")
	// Each SOLICIT and REQUEST reaches the name handler once per attempt.
	t.Logf("%d reconfigurations, %d of %d clients leased, %d attempts handled again",
		reconfigs, leased.Load(), workers*clients, g.adjustAll.Load()-2*workers*clients)
}

// concurrent Reconfigure calls are serialized and leave one of the
// configurations in place.
func TestReconfigureConcurrent(t *testing.T) {
	g := &gate{}
	f := newFixture(t, cfgSwapA, dhcp6srv.WithNameHandler(g))
	cfgs := []*cfgmgr.Config{parse(t, cfgSwapA), parse(t, cfgSwapB)}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			require.NoError(t, f.srv.Reconfigure(cfgs[i%2]))
		}()
	}
	wg.Wait()
	require.EqualValues(t, 9, g.configures.Load())
	cur := f.srv.Config()
	require.True(t, cur == cfgs[0] || cur == cfgs[1])
	_, reply := f.sarr(duidEN(0x40), withNA(1))
	a := addrsOf(reply)
	require.Len(t, a, 1)
	want := map[bool][2]string{true: {"2001:db8:1::1000", "2001:db8:1::1fff"}, false: {"2001:db8:1::a000", "2001:db8:1::afff"}}[cur == cfgs[0]]
	require.True(t, inPool(a[0], want[0], want[1]), "%s with subnet %d", a[0], cur.Subnets6[0].ID)
}

// discardWriter is a fakeWriter that counts replies instead of keeping
// them.
type discardWriter struct {
	*fakeWriter
	n atomic.Int64
}

func (w *discardWriter) Write(dhcpv6.DHCPv6) error { w.n.Add(1); return nil }
func (w *discardWriter) WriteRoute(r dhcpv6.DHCPv6, _ dhcp6srv.Route) error {
	return w.Write(r)
}

// BenchmarkServeDHCP6Parallel is BenchmarkServeDHCP6 (in memory) with
// requests handled from GOMAXPROCS goroutines at once; each goroutine
// cycles through 1024 clients of its own.
func BenchmarkServeDHCP6Parallel(b *testing.B) {
	for _, tc := range []struct {
		kind string
		typ  dhcpv6.MessageType
	}{{"solicit", dhcpv6.MessageTypeSolicit}, {"request", dhcpv6.MessageTypeRequest}} {
		b.Run(tc.kind, func(b *testing.B) {
			srv := benchServer(b, false)
			var seq atomic.Uint64
			var mu sync.Mutex
			var total atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				base := seq.Add(1) << 32
				mu.Lock() // newMsg's require is for the benchmark goroutine
				reqs := make([]dhcpv6.DHCPv6, 1024)
				for j := range reqs {
					d := make([]byte, 12)
					binary.BigEndian.PutUint32(d, 0x00020000)
					binary.BigEndian.PutUint64(d[4:], base|uint64(j))
					mods := []dhcpv6.Modifier{withNA(1), dhcpv6.WithRequestedOptions(dhcpv6.OptionDNSRecursiveNameServer)}
					if tc.typ == dhcpv6.MessageTypeRequest {
						mods = append(mods, withServerID(srv.ServerID()))
					}
					p, err := dhcpv6.FromBytes(newMsg(b, tc.typ, d, mods...).ToBytes())
					if err != nil {
						panic(err)
					}
					reqs[j] = p
				}
				mu.Unlock()
				w := &discardWriter{fakeWriter: newWriter()}
				for i := 0; pb.Next(); i++ {
					srv.ServeDHCP6(bg, w, reqs[i%1024])
				}
				total.Add(w.n.Load())
			})
			if total.Load() == 0 {
				b.Fatal("no reply")
			}
		})
	}
}
