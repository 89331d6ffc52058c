//go:build linux

package dhcp6srv_test

import (
	"context"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/dhcp6srv"
	"github.com/dhcpsrv/dhcpsrv/internal/netns"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
)

// Real DHCPv6 clients across a veth link between two namespaces:
//
//	server namespace: srv0 2001:db8:1::1/64, the server's socket on srv0
//	client namespace: cli0 (link-local only), the client under test
//
// The server runs in the test process: its socket is opened inside the
// server namespace (Transport.Listen through netns.NS.Do), then served.

type lab6 struct {
	t   *testing.T
	srv *dhcp6srv.Server
	cli *netns.NS
	dir string
}

func requireBinary(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed", name)
	}
	return p
}

// waitLinkLocal waits until the interface has a link-local address that
// is no longer tentative (duplicate address detection done).
func waitLinkLocal(t *testing.T, ns *netns.NS, ifname string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		out, err := ns.Run(context.Background(), "ip", "-6", "addr", "show", "dev", ifname)
		if err == nil && strings.Contains(out, "fe80::") && !strings.Contains(out, "tentative") {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: link-local address still tentative", ifname)
}

func newLab6(t *testing.T) *lab6 {
	t.Helper()
	netns.Require(t)
	sns := netns.New(t, "d6s")
	cns := netns.New(t, "d6c")
	netns.Veth(t, &netns.End{NS: sns, Name: "srv0", Addr: netip.MustParsePrefix("2001:db8:1::1/64")},
		&netns.End{NS: cns, Name: "cli0"})
	waitLinkLocal(t, sns, "srv0")
	waitLinkLocal(t, cns, "cli0")

	lm, err := memfile.Open(bg, memfile.Config{Universe: leasemgr.V6, InMemory: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = lm.Close() })
	cfg := parse(t, `{"Dhcp6": {"interfaces-config": {"interfaces": ["srv0"]},
	  "valid-lifetime": 600, "preferred-lifetime": 300,
	  "subnet6": [{"id": 1, "subnet": "2001:db8:1::/64", "interface": "srv0",
	    "pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::1ff"}],
	    "pd-pools": [{"prefix": "2001:db8:8000::", "prefix-len": 40, "delegated-len": 56}]}]}}`)
	srv, err := dhcp6srv.NewServer(cfg, lm)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(bg)
	require.NoError(t, sns.Do(func() error { return srv.Transport().Listen(ctx) }))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return &lab6{t: t, srv: srv, cli: cns, dir: t.TempDir()}
}

// dhclient runs ISC dhclient -6 in the client namespace with a script
// that only records what it got (nothing is configured on the host).
func (l *lab6) dhclient(args ...string) string {
	l.t.Helper()
	bin := requireBinary(l.t, "dhclient")
	script := filepath.Join(l.dir, "script.sh")
	out := filepath.Join(l.dir, "script.out")
	require.NoError(l.t, os.WriteFile(script, []byte("#!/bin/sh\nenv >> "+out+"\nexit 0\n"), 0o755))
	ctx, cancel := context.WithTimeout(bg, 60*time.Second)
	defer cancel()
	all := append([]string{"-6", "-v", "-lf", filepath.Join(l.dir, "leases"), "-pf", filepath.Join(l.dir, "pid"), "-sf", script}, args...)
	all = append(all, "cli0")
	res, err := l.cli.Run(ctx, bin, all...)
	require.NoError(l.t, err, "dhclient %v: %s", args, res)
	return res
}

func (l *lab6) leaseFile() string {
	b, err := os.ReadFile(filepath.Join(l.dir, "leases"))
	require.NoError(l.t, err)
	return string(b)
}

func TestDhclientNA(t *testing.T) {
	l := newLab6(t)
	l.dhclient("-1")
	m := regexp.MustCompile(`iaaddr (2001:db8:1::[0-9a-f]+) \{`).FindStringSubmatch(l.leaseFile())
	require.NotNil(t, m, "lease file:\n%s", l.leaseFile())
	a := netip.MustParseAddr(m[1])
	require.True(t, inPool(a, "2001:db8:1::100", "2001:db8:1::1ff"), a)
	lease, err := l.srv.Leases().Lease6(bg, leasemgr.TypeNA, a)
	require.NoError(t, err)
	require.Equal(t, leasemgr.StateDefault, lease.State)
	require.NotEmpty(t, lease.HWAddr.Addr, "hardware address from the link-local address or DUID")

	l.dhclient("-r")
	lease, err = l.srv.Leases().Lease6(bg, leasemgr.TypeNA, a)
	if err == nil {
		require.Zero(t, lease.ValidLifetime, "released")
	}
}

func TestDhclientPD(t *testing.T) {
	l := newLab6(t)
	l.dhclient("-P", "-1")
	m := regexp.MustCompile(`iaprefix (2001:db8:8[0-9a-f:]+/56) \{`).FindStringSubmatch(l.leaseFile())
	require.NotNil(t, m, "lease file:\n%s", l.leaseFile())
	p := netip.MustParsePrefix(m[1])
	lease, err := l.srv.Leases().Lease6(bg, leasemgr.TypePD, p.Addr())
	require.NoError(t, err)
	require.Equal(t, uint8(56), lease.PrefixLen)
	l.dhclient("-P", "-r")
}
