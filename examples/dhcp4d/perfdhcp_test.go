//go:build linux

package main

import (
	"bufio"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/examples/internal/refsrv/refsrvtest"
	"github.com/dhcpsrv/dhcpsrv/internal/netns"
)

// TestPerfdhcpDORA runs Kea's perfdhcp against the dhcp4d binary across a
// veth link between two network namespaces: perfdhcp plays a relay agent
// (giaddr 192.0.2.2) for 20,000 distinct clients doing DORA at 1,000
// exchanges per second (a load CI's two shared cores sustain; the rate the
// server reaches is measured by scripts/bench-dora, not here), with
// multi-threading on and the lease file persisted. perfdhcp waits up to 10 s
// for each answer and 5 s for the last ones. Every exchange must complete, perfdhcp must see no duplicate
// address, and the lease file must show each address given to one client
// only and each client holding one address.
func TestPerfdhcpDORA(t *testing.T) {
	netns.Require(t)
	perfdhcp, err := exec.LookPath("perfdhcp")
	if err != nil {
		t.Skip("perfdhcp (Debian package kea-admin) not installed")
	}
	const clients = 20000

	dir := t.TempDir()
	srv, cli := netns.New(t, "d4psrv"), netns.New(t, "d4pcli")
	netns.Veth(t, &netns.End{NS: srv, Name: "srv0", Addr: netip.MustParsePrefix("192.0.2.1/24")},
		&netns.End{NS: cli, Name: "cli0", Addr: netip.MustParsePrefix("192.0.2.2/24")})

	sock := filepath.Join(dir, "ctrl.sock")
	leaseFile := filepath.Join(dir, "leases4.csv")
	cfg := fmt.Sprintf(`{"Dhcp4": {
  "interfaces-config": {"interfaces": ["srv0"], "dhcp-socket-type": "udp"},
  "control-socket": {"socket-type": "unix", "socket-name": %q},
  "lease-database": {"type": "memfile", "persist": true, "name": %q, "lfc-interval": 0},
  "multi-threading": {"enable-multi-threading": true, "thread-pool-size": 2, "packet-queue-size": 256},
  "valid-lifetime": 4000,
  "subnet4": [{"id": 1, "subnet": "198.18.0.0/16", "relay": {"ip-addresses": ["192.0.2.2"]},
    "pools": [{"pool": "198.18.0.1 - 198.18.255.254"}]}]
}}`, sock, leaseFile)
	cfgFile := filepath.Join(dir, "kea-dhcp4.json")
	require.NoError(t, os.WriteFile(cfgFile, []byte(cfg), 0o644))
	proc := refsrvtest.Start(t, srv.Command(context.Background(), binary, "-c", cfgFile))
	refsrvtest.WaitSocket(t, proc, sock, 10*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := cli.Command(ctx, perfdhcp, "-4", "-r", "1000", "-d", "10", "-W", "5000000", "-R", strconv.Itoa(clients), "-n", strconv.Itoa(clients),
		"-l", "192.0.2.2", "192.0.2.1")
	out, err := cmd.CombinedOutput()
	t.Logf("perfdhcp:\n%s", out)
	// perfdhcp exits 3 when packets were dropped; the report says which.
	if err != nil {
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, "perfdhcp did not run")
	}
	report := refsrvtest.ParsePerfdhcp(t, string(out), "DISCOVER-OFFER", "REQUEST-ACK")
	for _, name := range []string{"pkt4-received", "pkt4-queue-full", "pkt4-receive-drop", "pkt4-parse-failed", "pkt4-ack-sent"} {
		t.Logf("%s = %v", name, refsrvtest.MustCall(t, sock, "statistic-get", map[string]any{"name": name}))
	}
	for _, ex := range []string{"DISCOVER-OFFER", "REQUEST-ACK"} {
		r := report[ex]
		require.Equal(t, clients, r["sent packets"], ex)
		require.Equal(t, clients, r["received packets"], "%s: every exchange answered", ex)
		require.Zero(t, r["drops"], ex)
		require.Zero(t, r["rejected leases"], ex)
		require.Zero(t, r["non unique addresses"], ex)
	}

	// Stop the server and read every row it wrote.
	proc.Signal(t, syscall.SIGTERM)
	require.Equal(t, 0, proc.Wait(t, 20*time.Second), proc.Log.String())
	byAddr, byHW := map[string]string{}, map[string]string{}
	f, err := os.Open(leaseFile)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	rows := 0
	for sc.Scan() {
		line := sc.Text()
		if rows == 0 {
			require.True(t, strings.HasPrefix(line, "address,hwaddr,client_id,valid_lifetime"), line)
			rows++
			continue
		}
		rows++
		col := strings.Split(line, ",")
		require.GreaterOrEqual(t, len(col), 11, line)
		addr, hw := col[0], col[1]
		require.NotEmpty(t, hw, line)
		require.True(t, netip.MustParseAddr(addr).Is4())
		if prev, ok := byAddr[addr]; ok {
			require.Equal(t, prev, hw, "address %s given to two clients", addr)
		}
		byAddr[addr] = hw
		if prev, ok := byHW[hw]; ok {
			require.Equal(t, prev, addr, "client %s holds two addresses", hw)
		}
		byHW[hw] = addr
	}
	require.NoError(t, sc.Err())
	require.Len(t, byAddr, clients, "one lease per client in the lease file")
	require.Len(t, byHW, clients)
}
