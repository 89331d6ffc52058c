package dhcp6srv_test

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv6"
	"github.com/insomniacslk/dhcp/iana"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/dhcp6srv"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

var bg = context.Background()

// cfgBase serves 2001:db8:1::/64 on eth0 (direct clients) with an address
// pool and a PD pool, and 2001:db8:2::/64 behind relays.
const cfgBase = `{"Dhcp6": {
  "valid-lifetime": 4000, "preferred-lifetime": 3000, "cache-threshold": 0,
  "option-data": [{"name": "dns-servers", "data": "2001:db8::53"},
                  {"name": "domain-search", "data": "global.example."}],
  "subnet6": [
    {"id": 1, "subnet": "2001:db8:1::/64", "interface": "eth0",
     "pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::1ff"}],
     "pd-pools": [{"prefix": "2001:db8:8000::", "prefix-len": 40, "delegated-len": 56}],
     "reservations": [
       {"duid": "00:03:00:01:0a:0b:0c:0d:0e:01", "ip-addresses": ["2001:db8:1::5"], "hostname": "res-duid",
        "option-data": [{"name": "dns-servers", "data": "2001:db8::5353"}]},
       {"hw-address": "0a:0b:0c:0d:0e:02", "ip-addresses": ["2001:db8:1::6"]}
     ]},
    {"id": 2, "subnet": "2001:db8:2::/64",
     "pools": [{"pool": "2001:db8:2::100 - 2001:db8:2::1ff"}],
     "option-data": [{"name": "domain-search", "data": "relayed.example."}]}
  ]}}`

func parse(t testing.TB, js string) *cfgmgr.Config {
	t.Helper()
	cfg, _, err := cfgmgr.Parse([]byte(js))
	require.NoError(t, err)
	return cfg
}

type fixture struct {
	t      testing.TB
	srv    *dhcp6srv.Server
	leases *memfile.Manager
	stats  *stats.Manager
}

func newFixture(t testing.TB, js string, opts ...dhcp6srv.ServerOption) *fixture {
	t.Helper()
	lm, err := memfile.Open(bg, memfile.Config{Universe: leasemgr.V6, InMemory: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = lm.Close() })
	st := stats.New()
	all := append([]dhcp6srv.ServerOption{dhcp6srv.WithServerStats(st), dhcp6srv.WithServerID([]byte{0, 1, 0, 1, 1, 2, 3, 4, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff})}, opts...)
	srv, err := dhcp6srv.NewServer(parse(t, js), lm, all...)
	require.NoError(t, err)
	return &fixture{t: t, srv: srv, leases: lm, stats: st}
}

// fakeWriter is a ResponseWriter that records replies.
type fakeWriter struct {
	mu      sync.Mutex
	local   netip.AddrPort
	remote  netip.AddrPort
	ifc     dhcp6srv.Interface
	unicast bool
	replies []dhcpv6.DHCPv6
}

func newWriter() *fakeWriter {
	return &fakeWriter{
		local:  netip.AddrPortFrom(dhcp6srv.AllDHCPRelayAgentsAndServers, 547),
		remote: netip.MustParseAddrPort("[fe80::80b:cff:fe0d:e01]:546"),
		ifc:    dhcp6srv.Interface{Index: 2, Name: "eth0"},
	}
}

func (w *fakeWriter) Write(r dhcpv6.DHCPv6) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.replies = append(w.replies, r)
	return nil
}
func (w *fakeWriter) Route() dhcp6srv.Route { return dhcp6srv.Route{Dst: w.remote} }
func (w *fakeWriter) WriteRoute(r dhcpv6.DHCPv6, _ dhcp6srv.Route) error {
	return w.Write(r)
}
func (w *fakeWriter) Interface() *dhcp6srv.Interface { return &w.ifc }
func (w *fakeWriter) LocalAddr() netip.AddrPort      { return w.local }
func (w *fakeWriter) RemoteAddr() netip.AddrPort     { return w.remote }
func (w *fakeWriter) HopLimit() int                  { return 255 }
func (w *fakeWriter) AcceptsUnicast() bool           { return w.unicast }
func (w *fakeWriter) Received() time.Time            { return time.Now() }
func (w *fakeWriter) Raw() []byte                    { return nil }

// serve runs req through ServeDHCP6 (after a wire round trip) and returns
// the one reply, or nil.
func (f *fixture) serve(w *fakeWriter, req dhcpv6.DHCPv6) dhcpv6.DHCPv6 {
	f.t.Helper()
	parsed, err := dhcpv6.FromBytes(req.ToBytes())
	require.NoError(f.t, err)
	w.replies = nil
	f.srv.ServeDHCP6(bg, w, parsed)
	require.LessOrEqual(f.t, len(w.replies), 1)
	if len(w.replies) == 0 {
		return nil
	}
	out, err := dhcpv6.FromBytes(w.replies[0].ToBytes())
	require.NoError(f.t, err)
	return out
}

func (f *fixture) direct(req *dhcpv6.Message) *dhcpv6.Message {
	f.t.Helper()
	r := f.serve(newWriter(), req)
	if r == nil {
		return nil
	}
	m, ok := r.(*dhcpv6.Message)
	require.True(f.t, ok, "reply %T", r)
	return m
}

// duidLL returns a DUID-LL with the MAC 0a:0b:0c:0d:0e:<b>.
func duidLL(b byte) []byte { return []byte{0, 3, 0, 1, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, b} }

// duidEN returns a DUID-EN (no hardware address in it).
func duidEN(b byte) []byte { return []byte{0, 2, 0, 0, 0x09, 0xbf, 0xaa, b} }

func mustDUID(t testing.TB, b []byte) dhcpv6.DUID {
	d, err := dhcpv6.DUIDFromBytes(b)
	require.NoError(t, err)
	return d
}

func newMsg(t testing.TB, mt dhcpv6.MessageType, duid []byte, mods ...dhcpv6.Modifier) *dhcpv6.Message {
	t.Helper()
	m := &dhcpv6.Message{MessageType: mt, TransactionID: dhcpv6.TransactionID{1, 2, byte(mt)}}
	if duid != nil {
		m.AddOption(dhcpv6.OptClientID(mustDUID(t, duid)))
	}
	m.AddOption(dhcpv6.OptElapsedTime(0))
	for _, mod := range mods {
		mod(m)
	}
	return m
}

func withNA(iaid uint32, addrs ...string) dhcpv6.Modifier {
	return func(d dhcpv6.DHCPv6) {
		ia := &dhcpv6.OptIANA{IaId: [4]byte{0, 0, 0, byte(iaid)}}
		for _, a := range addrs {
			ia.Options.Add(&dhcpv6.OptIAAddress{IPv6Addr: net.ParseIP(a)})
		}
		d.AddOption(ia)
	}
}

func withPD(iaid uint32, prefixes ...string) dhcpv6.Modifier {
	return func(d dhcpv6.DHCPv6) {
		ia := &dhcpv6.OptIAPD{IaId: [4]byte{0, 0, 0, byte(iaid)}}
		for _, p := range prefixes {
			_, n, err := net.ParseCIDR(p)
			if err != nil {
				panic(err)
			}
			ia.Options.Add(&dhcpv6.OptIAPrefix{Prefix: n})
		}
		d.AddOption(ia)
	}
}

func withServerID(b []byte) dhcpv6.Modifier {
	return func(d dhcpv6.DHCPv6) {
		dd, err := dhcpv6.DUIDFromBytes(b)
		if err != nil {
			panic(err)
		}
		d.AddOption(dhcpv6.OptServerID(dd))
	}
}

// copyIAs copies the IAs (with their addresses and prefixes) of a reply
// into a new message.
func copyIAs(from *dhcpv6.Message) dhcpv6.Modifier {
	return func(d dhcpv6.DHCPv6) {
		for _, ia := range from.Options.IANA() {
			n := &dhcpv6.OptIANA{IaId: ia.IaId}
			for _, a := range ia.Options.Addresses() {
				n.Options.Add(&dhcpv6.OptIAAddress{IPv6Addr: a.IPv6Addr})
			}
			d.AddOption(n)
		}
		for _, ia := range from.Options.IAPD() {
			n := &dhcpv6.OptIAPD{IaId: ia.IaId}
			for _, p := range ia.Options.Prefixes() {
				n.Options.Add(&dhcpv6.OptIAPrefix{Prefix: p.Prefix})
			}
			d.AddOption(n)
		}
	}
}

func addrsOf(m *dhcpv6.Message) []netip.Addr {
	var out []netip.Addr
	for _, ia := range m.Options.IANA() {
		for _, a := range ia.Options.Addresses() {
			if a.ValidLifetime > 0 {
				ip, _ := netip.AddrFromSlice(a.IPv6Addr)
				out = append(out, ip)
			}
		}
	}
	return out
}

func prefixesOf(m *dhcpv6.Message) []netip.Prefix {
	var out []netip.Prefix
	for _, ia := range m.Options.IAPD() {
		for _, p := range ia.Options.Prefixes() {
			if p.ValidLifetime > 0 && p.Prefix != nil {
				ip, _ := netip.AddrFromSlice(p.Prefix.IP)
				ones, _ := p.Prefix.Mask.Size()
				out = append(out, netip.PrefixFrom(ip, ones))
			}
		}
	}
	return out
}

func iaStatus(t testing.TB, o dhcpv6.Option) iana.StatusCode {
	t.Helper()
	switch ia := o.(type) {
	case *dhcpv6.OptIANA:
		if s := ia.Options.Status(); s != nil {
			return s.StatusCode
		}
	case *dhcpv6.OptIAPD:
		if s := ia.Options.Status(); s != nil {
			return s.StatusCode
		}
	}
	return iana.StatusSuccess
}

func topStatus(m *dhcpv6.Message) iana.StatusCode {
	if s := m.Options.Status(); s != nil {
		return s.StatusCode
	}
	return iana.StatusSuccess
}

func (f *fixture) stat(name string) int64 {
	v, ok := f.stats.Get(name)
	if !ok {
		return 0
	}
	return v.Int
}

// sarr runs SOLICIT/ADVERTISE/REQUEST/REPLY with the given IAs.
func (f *fixture) sarr(duid []byte, ias ...dhcpv6.Modifier) (adv, reply *dhcpv6.Message) {
	f.t.Helper()
	adv = f.direct(newMsg(f.t, dhcpv6.MessageTypeSolicit, duid, ias...))
	require.NotNil(f.t, adv)
	require.Equal(f.t, dhcpv6.MessageTypeAdvertise, adv.MessageType)
	reply = f.direct(newMsg(f.t, dhcpv6.MessageTypeRequest, duid, withServerID(f.srv.ServerID()), copyIAs(adv)))
	require.NotNil(f.t, reply)
	require.Equal(f.t, dhcpv6.MessageTypeReply, reply.MessageType)
	return adv, reply
}

// recorder is a LeaseObserver that records events.
type recorder struct {
	mu  sync.Mutex
	evs []dhcp6srv.LeaseEvent
}

func (r *recorder) OnLease6(_ context.Context, ev dhcp6srv.LeaseEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, ev)
}

func (r *recorder) kinds() []dhcp6srv.LeaseEventKind {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []dhcp6srv.LeaseEventKind
	for _, e := range r.evs {
		out = append(out, e.Kind)
	}
	return out
}
