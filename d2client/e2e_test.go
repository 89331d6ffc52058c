package d2client

import (
	"context"
	"encoding/base64"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/dhcpsrv/dhcpsrv/d2client/d2test"
	"github.com/dhcpsrv/dhcpsrv/stats"
	"github.com/miekg/dns"
	"github.com/stretchr/testify/require"
)

const (
	testKeyName   = d2test.KeyName
	testKeySecret = d2test.KeySecret
	revZone6      = d2test.ZoneReverse6
)

// startNamed starts BIND with example.org., 2.0.192.in-addr.arpa. and
// 8.b.d.0.1.0.0.2.ip6.arpa., updatable with the test key.
func startNamed(t *testing.T) netip.AddrPort {
	t.Helper()
	return d2test.StartNamed(t).Addr
}

type want struct {
	name  string
	typ   uint16
	rdata string // "" means: no records
}

func waitDNS(t *testing.T, server netip.AddrPort, ws ...want) {
	t.Helper()
	rs := make([]d2test.Record, len(ws))
	for i, w := range ws {
		rs[i] = d2test.Record{Name: w.name, Type: w.typ, Data: w.rdata}
	}
	d2test.WaitRecords(t, server, rs...)
}

func e2eNCR(t *testing.T, ct ChangeType, name string, addr string, mode ConflictResolutionMode, duid []byte) *NCR {
	d, err := DHCIDFromDUID(duid, name)
	require.NoError(t, err)
	return &NCR{
		ChangeType: ct, Forward: true, Reverse: true, FQDN: name,
		IPAddress: netip.MustParseAddr(addr), DHCID: d,
		LeaseExpiresOn: time.Now().Add(time.Hour), LeaseLength: 1200,
		ConflictResolution: mode,
	}
}

// End to end: our UDPSender → kea-dhcp-ddns (the Debian package) → BIND.
func TestE2EKeaDhcpDdns(t *testing.T) {
	ns := d2test.StartNamed(t)
	dnsAddr := ns.Addr
	d2 := d2test.StartD2(t, ns)
	out := d2.Log

	s, err := NewUDPSender(UDPConfig{
		Server: d2.Addr,
		Local:  netip.MustParseAddrPort("127.0.0.1:0"),
	})
	require.NoError(t, err)
	defer s.Close()
	ctx := context.Background()
	duid := []byte{0, 1, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8}

	// UDP to a D2 that is still binding may be lost: resend the add until
	// the records show up (adds are idempotent for the same DHCID).
	add := e2eNCR(t, ChangeAdd, "host.example.org.", "192.0.2.10", CheckWithDHCID, duid)
	dhcidB64 := add.DHCID.Base64()
	require.True(t, d2test.Eventually(20*time.Second, func() bool {
		require.NoError(t, s.Send(ctx, add))
		for i := 0; i < 20; i++ {
			rrs, _, err := d2test.Query(dnsAddr, "host.example.org.", dns.TypeA)
			if err == nil && len(rrs) == 1 {
				return true
			}
			time.Sleep(50 * time.Millisecond)
		}
		return false
	}), "no A record; kea-dhcp-ddns log:\n%s", out.String())
	waitDNS(t, dnsAddr,
		want{"host.example.org.", dns.TypeA, "192.0.2.10"},
		want{"host.example.org.", dns.TypeDHCID, dhcidB64},
		want{"10.2.0.192.in-addr.arpa.", dns.TypePTR, "host.example.org."},
		want{"10.2.0.192.in-addr.arpa.", dns.TypeDHCID, dhcidB64},
	)

	// v6 through D2 as well.
	add6 := e2eNCR(t, ChangeAdd, "host6.example.org.", "2001:db8::10", CheckWithDHCID, duid)
	require.NoError(t, s.Send(ctx, add6))
	waitDNS(t, dnsAddr,
		want{"host6.example.org.", dns.TypeAAAA, "2001:db8::10"},
		want{ReverseName(netip.MustParseAddr("2001:db8::10")), dns.TypePTR, "host6.example.org."},
	)

	require.NoError(t, s.Send(ctx, e2eNCR(t, ChangeRemove, "host.example.org.", "192.0.2.10", CheckWithDHCID, duid)))
	require.NoError(t, s.Send(ctx, e2eNCR(t, ChangeRemove, "host6.example.org.", "2001:db8::10", CheckWithDHCID, duid)))
	waitDNS(t, dnsAddr,
		want{"host.example.org.", dns.TypeA, ""},
		want{"host.example.org.", dns.TypeDHCID, ""},
		want{"10.2.0.192.in-addr.arpa.", dns.TypePTR, ""},
		want{"10.2.0.192.in-addr.arpa.", dns.TypeDHCID, ""},
		want{"host6.example.org.", dns.TypeAAAA, ""},
	)
	flush(t, s)
	// kea-dhcp-ddns itself reports the transactions.
	require.Contains(t, out.String(), "DHCP_DDNS_ADD_SUCCEEDED")
	require.Contains(t, out.String(), "DHCP_DDNS_REMOVE_SUCCEEDED")
}

type flusher interface{ Flush(context.Context) error }

func flush(t *testing.T, f flusher) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	require.NoError(t, f.Flush(ctx))
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func testDNSConfig(server netip.AddrPort) DNSConfig {
	dom := func(n string) Domain {
		return Domain{Name: n, KeyName: testKeyName, Servers: []DNSServer{{Addr: server}}}
	}
	return DNSConfig{
		Forward: []Domain{dom("example.org.")},
		Reverse: []Domain{dom("2.0.192.in-addr.arpa."), dom(revZone6)},
		Keys:    []TSIGKey{{Name: testKeyName, Algorithm: "HMAC-SHA256", Secret: testKeySecret}},
		Timeout: 2 * time.Second,
	}
}

// End to end: DNSUpdater straight to BIND with TSIG, no kea-dhcp-ddns.
func TestE2EDNSUpdaterBIND(t *testing.T) {
	dnsAddr := startNamed(t)
	testDNSUpdaterAgainst(t, dnsAddr)
}

// testDNSUpdaterAgainst runs the RFC 4703 scenarios against a server that
// hosts example.org. and the reverse zones with the test key.
func testDNSUpdaterAgainst(t *testing.T, dnsAddr netip.AddrPort) {
	cfg := testDNSConfig(dnsAddr)
	cfg.Queue.Logger = testLogger(t)
	u, err := NewDNSUpdater(cfg)
	require.NoError(t, err)
	defer u.Close()
	ctx := context.Background()
	duidA := []byte{0, 1, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8}
	duidB := []byte{0, 1, 0, 1, 9, 9, 9, 9, 9, 9, 9, 9}
	rev := "10.2.0.192.in-addr.arpa."

	add := e2eNCR(t, ChangeAdd, "host.example.org.", "192.0.2.10", CheckWithDHCID, duidA)
	require.NoError(t, u.Send(ctx, add))
	flush(t, u)
	waitDNS(t, dnsAddr,
		want{"host.example.org.", dns.TypeA, "192.0.2.10"},
		want{"host.example.org.", dns.TypeDHCID, add.DHCID.Base64()},
		want{rev, dns.TypePTR, "host.example.org."},
		want{rev, dns.TypeDHCID, add.DHCID.Base64()},
	)
	// Same client, new address: the DHCID matches, the A record is replaced.
	move := e2eNCR(t, ChangeAdd, "host.example.org.", "192.0.2.11", CheckWithDHCID, duidA)
	require.NoError(t, u.Send(ctx, move))
	flush(t, u)
	waitDNS(t, dnsAddr, want{"host.example.org.", dns.TypeA, "192.0.2.11"})

	// Another client claims the name: conflict, nothing changes.
	other := e2eNCR(t, ChangeAdd, "host.example.org.", "192.0.2.12", CheckWithDHCID, duidB)
	require.NoError(t, u.Send(ctx, other))
	flush(t, u)
	waitDNS(t, dnsAddr,
		want{"host.example.org.", dns.TypeA, "192.0.2.11"},
		want{"12.2.0.192.in-addr.arpa.", dns.TypePTR, ""},
	)
	// ... and cannot remove it either.
	require.NoError(t, u.Send(ctx, e2eNCR(t, ChangeRemove, "host.example.org.", "192.0.2.11", CheckWithDHCID, duidB)))
	flush(t, u)
	waitDNS(t, dnsAddr, want{"host.example.org.", dns.TypeA, "192.0.2.11"})
	// check-exists-with-dhcid lets it replace (any DHCID will do).
	require.NoError(t, u.Send(ctx, e2eNCR(t, ChangeAdd, "host.example.org.", "192.0.2.12", CheckExistsWithDHCID, duidB)))
	flush(t, u)
	waitDNS(t, dnsAddr, want{"host.example.org.", dns.TypeA, "192.0.2.12"})
	// no-check-with-dhcid overwrites and rewrites the DHCID.
	over := e2eNCR(t, ChangeAdd, "host.example.org.", "192.0.2.10", NoCheckWithDHCID, duidA)
	require.NoError(t, u.Send(ctx, over))
	flush(t, u)
	waitDNS(t, dnsAddr,
		want{"host.example.org.", dns.TypeA, "192.0.2.10"},
		want{"host.example.org.", dns.TypeDHCID, over.DHCID.Base64()},
	)

	// A dual-stack name: the AAAA (same DUID, so same DHCID) joins the A;
	// removing the A keeps the DHCID while the AAAA remains.
	add6 := e2eNCR(t, ChangeAdd, "host.example.org.", "2001:db8::10", CheckWithDHCID, duidA)
	require.NoError(t, u.Send(ctx, add6))
	flush(t, u)
	waitDNS(t, dnsAddr,
		want{"host.example.org.", dns.TypeAAAA, "2001:db8::10"},
		want{"host.example.org.", dns.TypeA, "192.0.2.10"},
		want{ReverseName(netip.MustParseAddr("2001:db8::10")), dns.TypePTR, "host.example.org."},
	)
	require.NoError(t, u.Send(ctx, e2eNCR(t, ChangeRemove, "host.example.org.", "192.0.2.10", CheckWithDHCID, duidA)))
	flush(t, u)
	waitDNS(t, dnsAddr,
		want{"host.example.org.", dns.TypeA, ""},
		want{"host.example.org.", dns.TypeDHCID, add.DHCID.Base64()},
		want{"10.2.0.192.in-addr.arpa.", dns.TypePTR, ""},
	)
	require.NoError(t, u.Send(ctx, e2eNCR(t, ChangeRemove, "host.example.org.", "2001:db8::10", CheckWithDHCID, duidA)))
	flush(t, u)
	waitDNS(t, dnsAddr,
		want{"host.example.org.", dns.TypeAAAA, ""},
		want{"host.example.org.", dns.TypeDHCID, ""},
		want{ReverseName(netip.MustParseAddr("2001:db8::10")), dns.TypePTR, ""},
	)

	// no-check-without-dhcid writes no DHCID at all.
	bare := e2eNCR(t, ChangeAdd, "bare.example.org.", "192.0.2.20", NoCheckWithoutDHCID, duidA)
	require.NoError(t, u.Send(ctx, bare))
	flush(t, u)
	waitDNS(t, dnsAddr,
		want{"bare.example.org.", dns.TypeA, "192.0.2.20"},
		want{"bare.example.org.", dns.TypeDHCID, ""},
		want{"20.2.0.192.in-addr.arpa.", dns.TypePTR, "bare.example.org."},
	)
	bare.ChangeType = ChangeRemove
	require.NoError(t, u.Send(ctx, bare))
	flush(t, u)
	waitDNS(t, dnsAddr,
		want{"bare.example.org.", dns.TypeA, ""},
		want{"20.2.0.192.in-addr.arpa.", dns.TypePTR, ""},
	)

	// A wrong key is refused (NOTAUTH/BADSIG): dropped, not retried.
	bad := cfg
	st := stats.New()
	bad.Queue.Stats = st
	bad.Keys = []TSIGKey{{Name: testKeyName, Secret: base64.StdEncoding.EncodeToString([]byte("wrong-secret-wrong-secret-wrong!"))}}
	bad.Queue.MinBackoff, bad.Queue.MaxBackoff = 10*time.Millisecond, 20*time.Millisecond
	ub, err := NewDNSUpdater(bad)
	require.NoError(t, err)
	defer ub.Close()
	require.NoError(t, ub.Send(ctx, e2eNCR(t, ChangeAdd, "evil.example.org.", "192.0.2.66", CheckWithDHCID, duidB)))
	flush(t, ub)
	waitDNS(t, dnsAddr, want{"evil.example.org.", dns.TypeA, ""})
	v, _ := st.Get(StatNCRError)
	require.Equal(t, int64(1), v.Int)
}
