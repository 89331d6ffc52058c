// Package d2test runs the DNS side of DDNS tests on loopback: a BIND named
// with updatable zones (TSIG) and Kea's kea-dhcp-ddns in front of it, each
// in a temporary directory and stopped with t.Cleanup, plus helpers that poll
// the zones until records appear or go away.
//
//	ns := d2test.StartNamed(t)                   // example.org. and the test reverse zones
//	d2 := d2test.StartD2(t, ns)                  // kea-dhcp-ddns forwarding to ns
//	... point a d2client.UDPSender at d2.Addr ...
//	d2test.WaitRecords(t, ns.Addr, d2test.Record{Name: "host.example.org.", Type: dns.TypeA, Data: "192.0.2.10"})
//
// The tests skip when /usr/sbin/named or /usr/sbin/kea-dhcp-ddns is missing.
// Only 127.0.0.1 is used.
package d2test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Paths of the daemons (Debian's packages).
const (
	NamedPath = "/usr/sbin/named"
	KeaD2Path = "/usr/sbin/kea-dhcp-ddns"
)

// The TSIG key every zone accepts updates with (a test-only secret).
const (
	KeyName      = "ddns-key."
	KeyAlgorithm = "HMAC-SHA256"
	KeySecret    = "c2VjcmV0LWZvci1kZG5zLXRlc3RzLW9ubHktMzJieXQ="
)

// Zones of StartNamed without arguments: a forward zone, the IPv4 reverse
// zone of 192.0.2.0/24 and the IPv6 reverse zones of 2001:db8::/32 (which
// holds 2001:db8:1::/64).
const (
	ZoneForward  = "example.org."
	ZoneReverse4 = "2.0.192.in-addr.arpa."
	ZoneReverse6 = "8.b.d.0.1.0.0.2.ip6.arpa."
)

// DefaultZones are the zones StartNamed serves when given none.
var DefaultZones = []string{ZoneForward, ZoneReverse4, ZoneReverse6}

// FreePort returns a port free for both UDP and TCP on 127.0.0.1.
func FreePort(t testing.TB) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatalf("d2test: %v", err)
		}
		port := u.LocalAddr().(*net.UDPAddr).Port
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		u.Close()
		if err == nil {
			l.Close()
			return port
		}
	}
	t.Fatal("d2test: no free port")
	return 0
}

// SyncBuffer is a bytes.Buffer safe for a process's output copier and the
// test reading it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Named is a running BIND server.
type Named struct {
	Addr  netip.AddrPort // 127.0.0.1:port, UDP and TCP
	Zones []string
	Log   *SyncBuffer
}

// StartNamed starts named on 127.0.0.1 with the given zones (DefaultZones
// when none), each empty but for its SOA and NS and updatable with the test
// key, and waits until it answers. It skips the test when named is not
// installed.
func StartNamed(t testing.TB, zones ...string) *Named {
	t.Helper()
	if _, err := os.Stat(NamedPath); err != nil {
		t.Skip("named not installed")
	}
	if len(zones) == 0 {
		zones = DefaultZones
	}
	dir := t.TempDir()
	port := FreePort(t)
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
`, dir, port, strings.TrimSuffix(KeyName, "."), KeySecret)
	for i, name := range zones {
		name = dns.Fqdn(name)
		body := fmt.Sprintf("$ORIGIN %s\n$TTL 300\n@ IN SOA ns.example.org. admin.example.org. 1 3600 600 86400 60\n@ IN NS ns.example.org.\n", name)
		if name == "example.org." {
			body += "ns IN A 127.0.0.1\n"
		}
		file := filepath.Join(dir, fmt.Sprintf("zone%d.db", i))
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatalf("d2test: %v", err)
		}
		fmt.Fprintf(&conf, "zone %q { type primary; file %q; allow-update { key %q; }; };\n",
			name, file, strings.TrimSuffix(KeyName, "."))
	}
	confPath := filepath.Join(dir, "named.conf")
	if err := os.WriteFile(confPath, []byte(conf.String()), 0o644); err != nil {
		t.Fatalf("d2test: %v", err)
	}
	n := &Named{Addr: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)), Zones: zones, Log: &SyncBuffer{}}
	cmd := exec.Command(NamedPath, "-g", "-c", confPath, "-p", fmt.Sprint(port), "-4")
	cmd.Stdout, cmd.Stderr = n.Log, n.Log
	if err := cmd.Start(); err != nil {
		t.Fatalf("d2test: start named: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("named output:\n%s", n.Log.String())
		}
	})
	ok := Eventually(15*time.Second, func() bool {
		_, rc, err := Query(n.Addr, dns.Fqdn(zones[0]), dns.TypeSOA)
		return err == nil && rc == dns.RcodeSuccess
	})
	if !ok {
		t.Fatalf("d2test: named did not start:\n%s", n.Log.String())
	}
	return n
}

// D2 is a running kea-dhcp-ddns.
type D2 struct {
	Addr netip.AddrPort // where it receives NCRs (UDP)
	Log  *SyncBuffer
}

// DomainsJSON renders a "ddns-domains" list for names served by ns with
// the test key, in kea-dhcp-ddns's format.
func DomainsJSON(ns netip.AddrPort, names ...string) string {
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf(`{"name": %q, "key-name": %q, "dns-servers": [{"ip-address": %q, "port": %d}]}`,
			dns.Fqdn(n), KeyName, ns.Addr().String(), ns.Port()))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// TSIGKeysJSON renders the "tsig-keys" list with the test key.
func TSIGKeysJSON() string {
	b, _ := json.Marshal([]map[string]string{{"name": KeyName, "algorithm": KeyAlgorithm, "secret": KeySecret}})
	return string(b)
}

// StartD2 starts kea-dhcp-ddns on 127.0.0.1 sending the updates of all
// of ns's zones to ns (reverse zones are those ending in .arpa.), and waits
// until it has started. It skips the test when kea-dhcp-ddns is not
// installed. kea-dhcp-ddns may still be binding its socket when StartD2
// returns: a test resends its first request until it shows up in DNS.
func StartD2(t testing.TB, ns *Named) *D2 {
	t.Helper()
	if _, err := os.Stat(KeaD2Path); err != nil {
		t.Skip("kea-dhcp-ddns not installed")
	}
	var fwd, rev []string
	for _, z := range ns.Zones {
		if strings.HasSuffix(dns.Fqdn(z), ".arpa.") {
			rev = append(rev, z)
		} else {
			fwd = append(fwd, z)
		}
	}
	dir := t.TempDir()
	port := FreePort(t)
	conf := fmt.Sprintf(`{"DhcpDdns": {
  "ip-address": "127.0.0.1", "port": %d, "dns-server-timeout": 1000,
  "tsig-keys": %s,
  "forward-ddns": {"ddns-domains": %s},
  "reverse-ddns": {"ddns-domains": %s},
  "loggers": [{"name": "kea-dhcp-ddns", "output_options": [{"output": "stdout"}], "severity": "DEBUG", "debuglevel": 50}]
}}`, port, TSIGKeysJSON(), DomainsJSON(ns.Addr, fwd...), DomainsJSON(ns.Addr, rev...))
	confPath := filepath.Join(dir, "d2.json")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatalf("d2test: %v", err)
	}
	d := &D2{Addr: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)), Log: &SyncBuffer{}}
	cmd := exec.Command(KeaD2Path, "-c", confPath)
	cmd.Env = append(os.Environ(), "KEA_PIDFILE_DIR="+dir, "KEA_LOCKFILE_DIR="+dir, "KEA_LOGGER_DESTINATION=stdout")
	cmd.Stdout, cmd.Stderr = d.Log, d.Log
	if err := cmd.Start(); err != nil {
		t.Fatalf("d2test: start kea-dhcp-ddns: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("kea-dhcp-ddns output:\n%s", d.Log.String())
		}
	})
	ok := Eventually(15*time.Second, func() bool {
		out := d.Log.String()
		return strings.Contains(out, "DHCP_DDNS_STARTED") || strings.Contains(out, "DCTL_STARTING")
	})
	if !ok {
		t.Fatalf("d2test: kea-dhcp-ddns did not start:\n%s", d.Log.String())
	}
	return d
}

// Query asks server for name/type over UDP (1 s timeout).
func Query(server netip.AddrPort, name string, typ uint16) ([]dns.RR, int, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), typ)
	c := &dns.Client{Timeout: time.Second}
	r, _, err := c.Exchange(m, server.String())
	if err != nil {
		return nil, 0, err
	}
	return r.Answer, r.Rcode, nil
}

// RData renders the answers' RDATA ("192.0.2.10", "host.example.org.").
func RData(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		out = append(out, strings.TrimPrefix(rr.String(), rr.Header().String()))
	}
	return out
}

// Record is an expected state of one name and type: exactly one record
// with RDATA Data, or none when Data is "".
type Record struct {
	Name string
	Type uint16
	Data string
}

// CheckRecords reports whether the zones are in the expected state, and
// if not, what differs.
func CheckRecords(server netip.AddrPort, want ...Record) (bool, string) {
	for _, w := range want {
		rrs, _, err := Query(server, w.Name, w.Type)
		if err != nil {
			return false, err.Error()
		}
		got := RData(rrs)
		if w.Data == "" {
			if len(got) != 0 {
				return false, fmt.Sprintf("%s %s: %v, want none", w.Name, dns.TypeToString[w.Type], got)
			}
			continue
		}
		if len(got) != 1 || got[0] != w.Data {
			return false, fmt.Sprintf("%s %s: %v, want %q", w.Name, dns.TypeToString[w.Type], got, w.Data)
		}
	}
	return true, ""
}

// WaitRecords polls server (for at most 15 s) until every record is as
// wanted, and fails the test otherwise.
func WaitRecords(t testing.TB, server netip.AddrPort, want ...Record) {
	t.Helper()
	var last string
	ok := Eventually(15*time.Second, func() bool {
		var ok bool
		ok, last = CheckRecords(server, want...)
		return ok
	})
	if !ok {
		t.Fatalf("d2test: DNS did not reach the expected state: %s", last)
	}
}

// Eventually polls f every 50 ms until it returns true or d has passed.
func Eventually(d time.Duration, f func() bool) bool {
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
