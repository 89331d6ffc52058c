package d2client

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dhcpsrv/dhcpsrv/stats"
	"github.com/miekg/dns"
	"github.com/stretchr/testify/require"
)

const (
	namedPath = "/usr/sbin/named"
	keaD2Path = "/usr/sbin/kea-dhcp-ddns"
	// A test-only TSIG secret (32 octets, base64).
	testKeyName   = "ddns-key."
	testKeySecret = "c2VjcmV0LWZvci1kZG5zLXRlc3RzLW9ubHktMzJieXQ="
	revZone6      = "8.b.d.0.1.0.0.2.ip6.arpa."
)

// freePort finds a port free for both UDP and TCP on 127.0.0.1.
func freePort(t *testing.T) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		require.NoError(t, err)
		port := u.LocalAddr().(*net.UDPAddr).Port
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		u.Close()
		if err == nil {
			l.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

// startNamed writes a BIND config with the forward zone example.org., the
// reverse zones 2.0.192.in-addr.arpa. and 8.b.d.0.1.0.0.2.ip6.arpa., all
// updatable with the test TSIG key, and starts named on 127.0.0.1:port.
func startNamed(t *testing.T) netip.AddrPort {
	t.Helper()
	if _, err := os.Stat(namedPath); err != nil {
		t.Skip("named not installed")
	}
	dir := t.TempDir()
	port := freePort(t)
	soa := func(origin string) string {
		return fmt.Sprintf("$ORIGIN %s\n$TTL 300\n@ IN SOA ns.example.org. admin.example.org. 1 3600 600 86400 60\n@ IN NS ns.example.org.\n", origin)
	}
	zones := map[string]string{
		"example.org.":          soa("example.org.") + "ns IN A 127.0.0.1\n",
		"2.0.192.in-addr.arpa.": soa("2.0.192.in-addr.arpa."),
		revZone6:                soa(revZone6),
	}
	var conf strings.Builder
	fmt.Fprintf(&conf, `options {
	directory "%[1]s";
	pid-file "%[1]s/named.pid";
	session-keyfile "%[1]s/session.key";
	managed-keys-directory "%[1]s";
	listen-on port %[2]d { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	notify no;
};
controls { };
key "%[3]s" { algorithm hmac-sha256; secret "%[4]s"; };
`, dir, port, strings.TrimSuffix(testKeyName, "."), testKeySecret)
	i := 0
	for name, body := range zones {
		file := fmt.Sprintf("zone%d.db", i)
		i++
		require.NoError(t, os.WriteFile(filepath.Join(dir, file), []byte(body), 0o644))
		fmt.Fprintf(&conf, "zone %q { type primary; file %q; allow-update { key %q; }; };\n",
			name, filepath.Join(dir, file), strings.TrimSuffix(testKeyName, "."))
	}
	confPath := filepath.Join(dir, "named.conf")
	require.NoError(t, os.WriteFile(confPath, []byte(conf.String()), 0o644))
	var out syncBuffer
	cmd := exec.Command(namedPath, "-g", "-c", confPath, "-p", fmt.Sprint(port), "-4")
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("named output:\n%s", out.String())
		}
	})
	addr := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	// Wait until named answers for its zones (bounded, polling).
	require.Eventually(t, func() bool {
		_, rc, err := query(addr, "example.org.", dns.TypeSOA)
		return err == nil && rc == dns.RcodeSuccess
	}, 15*time.Second, 50*time.Millisecond, "named did not start")
	return addr
}

// syncBuffer is a bytes.Buffer safe for the exec copier and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func query(server netip.AddrPort, name string, t uint16) ([]dns.RR, int, error) {
	m := new(dns.Msg)
	m.SetQuestion(name, t)
	c := &dns.Client{Timeout: time.Second}
	r, _, err := c.Exchange(m, server.String())
	if err != nil {
		return nil, 0, err
	}
	return r.Answer, r.Rcode, nil
}

// rdata renders the answers' RDATA for comparison.
func rdata(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		s := rr.String()
		hdr := rr.Header().String()
		out = append(out, strings.TrimPrefix(s, hdr))
	}
	return out
}

type want struct {
	name  string
	typ   uint16
	rdata string // "" means: no records
}

func waitDNS(t *testing.T, server netip.AddrPort, ws ...want) {
	t.Helper()
	var last string
	ok := assertEventually(15*time.Second, func() bool {
		for _, w := range ws {
			rrs, _, err := query(server, w.name, w.typ)
			if err != nil {
				last = err.Error()
				return false
			}
			got := rdata(rrs)
			if w.rdata == "" {
				if len(got) != 0 {
					last = fmt.Sprintf("%s %s: %v, want none", w.name, dns.TypeToString[w.typ], got)
					return false
				}
				continue
			}
			if len(got) != 1 || got[0] != w.rdata {
				last = fmt.Sprintf("%s %s: %v, want %q", w.name, dns.TypeToString[w.typ], got, w.rdata)
				return false
			}
		}
		return true
	})
	require.True(t, ok, "DNS did not reach the expected state: %s", last)
}

func assertEventually(d time.Duration, f func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if f() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
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
	if _, err := os.Stat(keaD2Path); err != nil {
		t.Skip("kea-dhcp-ddns not installed")
	}
	dnsAddr := startNamed(t)
	dir := t.TempDir()
	d2Port := freePort(t)
	domains := func(names ...string) string {
		var parts []string
		for _, n := range names {
			parts = append(parts, fmt.Sprintf(`{"name": %q, "key-name": %q, "dns-servers": [{"ip-address": "127.0.0.1", "port": %d}]}`,
				n, testKeyName, dnsAddr.Port()))
		}
		return strings.Join(parts, ",")
	}
	conf := fmt.Sprintf(`{"DhcpDdns": {
  "ip-address": "127.0.0.1", "port": %d, "dns-server-timeout": 1000,
  "tsig-keys": [{"name": %q, "algorithm": "HMAC-SHA256", "secret": %q}],
  "forward-ddns": {"ddns-domains": [%s]},
  "reverse-ddns": {"ddns-domains": [%s]},
  "loggers": [{"name": "kea-dhcp-ddns", "output_options": [{"output": "stdout"}], "severity": "DEBUG", "debuglevel": 50}]
}}`, d2Port, testKeyName, testKeySecret, domains("example.org."), domains("2.0.192.in-addr.arpa.", revZone6))
	confPath := filepath.Join(dir, "d2.json")
	require.NoError(t, os.WriteFile(confPath, []byte(conf), 0o644))
	var out syncBuffer
	cmd := exec.Command(keaD2Path, "-c", confPath)
	cmd.Env = append(os.Environ(), "KEA_PIDFILE_DIR="+dir, "KEA_LOCKFILE_DIR="+dir, "KEA_LOGGER_DESTINATION=stdout")
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("kea-dhcp-ddns output:\n%s", out.String())
		}
	})
	// Wait until D2 listens (its UDP socket is bound): poll the log.
	require.True(t, assertEventually(15*time.Second, func() bool {
		return strings.Contains(out.String(), "DHCP_DDNS_STARTED") || strings.Contains(out.String(), "DCTL_STARTING")
	}), "kea-dhcp-ddns did not start:\n%s", out.String())

	s, err := NewUDPSender(UDPConfig{
		Server: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(d2Port)),
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
	require.True(t, assertEventually(20*time.Second, func() bool {
		require.NoError(t, s.Send(ctx, add))
		for i := 0; i < 20; i++ {
			rrs, _, err := query(dnsAddr, "host.example.org.", dns.TypeA)
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
