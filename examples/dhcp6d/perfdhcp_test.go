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

// TestPerfdhcpSARR runs Kea's perfdhcp -6 against the dhcp6d binary across
// a veth link between two network namespaces: 10,000 distinct clients
// (DUIDs) doing SOLICIT-ADVERTISE-REQUEST-REPLY by multicast from cli0's
// link-local address at 500 exchanges per second (a load CI's two shared
// cores sustain; the rate the server reaches is measured by
// scripts/bench-dora -6, not here), with multi-threading on and the lease
// file persisted; once for addresses (IA_NA), once for delegated prefixes
// (IA_PD, -e prefix-only), once for both (-e address-and-prefix, 5,000
// clients), each against a fresh server. perfdhcp waits up to 10 s for each answer and 5 s
// for the last ones. Every exchange must complete, perfdhcp must see no
// duplicate address, and the lease file must show each address or prefix
// held by one (DUID, IAID) only and each (DUID, IAID, type) holding one.
func TestPerfdhcpSARR(t *testing.T) {
	netns.Require(t)
	perfdhcp, err := exec.LookPath("perfdhcp")
	if err != nil {
		t.Skip("perfdhcp (Debian package kea-admin) not installed")
	}

	srv, cli := netns.New(t, "d6psrv"), netns.New(t, "d6pcli")
	killAll(t, cli)
	netns.Veth(t, &netns.End{NS: srv, Name: srvIf, Addr: netip.MustParsePrefix("2001:db8:1::1/64")},
		&netns.End{NS: cli, Name: cliIf, Addr: netip.MustParsePrefix("2001:db8:1::2/64")})
	waitLinkLocal(t, srv, srvIf)
	waitLinkLocal(t, cli, cliIf)

	for _, tc := range []struct {
		mode    string // perfdhcp -e
		clients int
		types   []int // lease types each client must hold: 0 IA_NA, 2 IA_PD
	}{
		{"address-only", 10000, []int{0}},
		{"prefix-only", 10000, []int{2}},
		{"address-and-prefix", 5000, []int{0, 2}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			clients := tc.clients
			dir := t.TempDir()
			sock := filepath.Join(dir, "ctrl.sock")
			leaseFile := filepath.Join(dir, "leases6.csv")
			cfg := fmt.Sprintf(`{"Dhcp6": {
  "interfaces-config": {"interfaces": [%q]},
  "control-socket": {"socket-type": "unix", "socket-name": %q},
  "lease-database": {"type": "memfile", "persist": true, "name": %q, "lfc-interval": 0},
  "data-directory": %q,
  "multi-threading": {"enable-multi-threading": true, "thread-pool-size": 2, "packet-queue-size": 256},
  "preferred-lifetime": 3000, "valid-lifetime": 4000,
  "subnet6": [{"id": 1, "subnet": "2001:db8:1::/64", "interface": %q,
    "pools": [{"pool": "2001:db8:1::/80"}],
    "pd-pools": [{"prefix": "2001:db8:8000::", "prefix-len": 34, "delegated-len": 56}]}]
}}`, srvIf, sock, leaseFile, dir, srvIf)
			cfgFile := filepath.Join(dir, "kea-dhcp6.json")
			require.NoError(t, os.WriteFile(cfgFile, []byte(cfg), 0o644))
			proc := refsrvtest.Start(t, srv.Command(context.Background(), binary, "-c", cfgFile))
			refsrvtest.WaitSocket(t, proc, sock, 10*time.Second)

			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := cli.Command(ctx, perfdhcp, "-6", "-e", tc.mode, "-r", "500", "-d", "10", "-W", "5000000",
				"-R", strconv.Itoa(clients), "-n", strconv.Itoa(clients), "-l", cliIf, "all")
			cmd.WaitDelay = 5 * time.Second
			start := time.Now()
			out, err := cmd.CombinedOutput()
			t.Logf("perfdhcp -e %s (%v):\n%s", tc.mode, time.Since(start).Round(time.Millisecond), out)
			// perfdhcp exits 3 when packets were dropped; the report says
			// which.
			if err != nil {
				var ee *exec.ExitError
				require.ErrorAs(t, err, &ee, "perfdhcp did not run")
			}
			report := refsrvtest.ParsePerfdhcp(t, string(out), "SOLICIT-ADVERTISE", "REQUEST-REPLY")
			for _, name := range []string{"pkt6-received", "pkt6-queue-full", "pkt6-receive-drop", "pkt6-parse-failed", "pkt6-reply-sent"} {
				t.Logf("%s = %v", name, refsrvtest.MustCall(t, sock, "statistic-get", map[string]any{"name": name}))
			}
			for _, ex := range []string{"SOLICIT-ADVERTISE", "REQUEST-REPLY"} {
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
			checkLeaseFile6(t, leaseFile, clients, tc.types)
		})
	}
}

// checkLeaseFile6 reads a Kea memfile v6 lease file (address, duid,
// valid_lifetime, expire, subnet_id, pref_lifetime, lease_type, iaid,
// prefix_len, ...) and requires that each address or prefix is held by one
// (duid, iaid) only, each (duid, iaid, type) holds one, and every one of
// clients DUIDs holds one lease of each of types.
func checkLeaseFile6(t *testing.T, path string, clients int, types []int) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	holder := map[string]string{} // "addr/len" -> "duid iaid type"
	held := map[string]string{}   // "duid iaid type" -> "addr/len"
	perType := map[int]map[string]bool{}
	sc := bufio.NewScanner(f)
	rows := 0
	for sc.Scan() {
		line := sc.Text()
		rows++
		if rows == 1 {
			require.True(t, strings.HasPrefix(line, "address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid,prefix_len"), line)
			continue
		}
		col := strings.Split(line, ",")
		require.GreaterOrEqual(t, len(col), 9, line)
		addr, duid, typ, iaid, plen := col[0], col[1], col[6], col[7], col[8]
		require.NotEmpty(t, duid, line)
		require.NotZero(t, col[2], "valid lifetime: %s", line)
		a := netip.MustParseAddr(addr)
		n, err := strconv.Atoi(plen)
		require.NoError(t, err, line)
		ty, err := strconv.Atoi(typ)
		require.NoError(t, err, line)
		switch ty {
		case 0:
			require.Equal(t, 128, n, line)
			require.True(t, netip.MustParsePrefix("2001:db8:1::/80").Contains(a), line)
		case 2:
			require.Equal(t, 56, n, line)
			require.True(t, netip.MustParsePrefix("2001:db8:8000::/34").Contains(a), line)
		default:
			t.Fatalf("unexpected lease type: %s", line)
		}
		res := netip.PrefixFrom(a, n).String()
		client := duid + " " + iaid + " " + typ
		if prev, ok := holder[res]; ok {
			require.Equal(t, prev, client, "%s given to two clients", res)
		}
		holder[res] = client
		if prev, ok := held[client]; ok {
			require.Equal(t, prev, res, "client %s holds two leases", client)
		}
		held[client] = res
		if perType[ty] == nil {
			perType[ty] = map[string]bool{}
		}
		perType[ty][duid] = true
	}
	require.NoError(t, sc.Err())
	t.Logf("lease file: %d rows, %d leases", rows-1, len(holder))
	require.Len(t, holder, clients*len(types), "one lease per client and type in the lease file")
	require.Len(t, held, clients*len(types))
	for _, ty := range types {
		require.Len(t, perType[ty], clients, "DUIDs holding a lease of type %d", ty)
	}
}
