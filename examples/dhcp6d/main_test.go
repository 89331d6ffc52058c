package main

import (
	"fmt"
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
)

// binary is dhcp6d built once for this test package.
var binary string

func TestMain(m *testing.M) {
	bin, cleanup, err := refsrvtest.BuildMain(".", "dhcp6d")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	code := m.Run()
	cleanup()
	os.Exit(code)
}

func loConfig(dir string, validLifetime int) string {
	return fmt.Sprintf(`{
  // dhcp6d test configuration
  "Dhcp6": {
    "interfaces-config": { "interfaces": [ "lo" ] },
    "control-socket": { "socket-type": "unix", "socket-name": %q },
    "lease-database": { "type": "memfile", "name": "leases6.csv", "lfc-interval": 0 },
    "data-directory": %q,
    "loggers": [ { "name": "kea-dhcp6", "severity": "INFO" } ],
    "preferred-lifetime": 3000,
    "valid-lifetime": %d,
    "subnet6": [ {
      "id": 1,
      "subnet": "2001:db8:1::/64",
      "pools": [ { "pool": "2001:db8:1::100 - 2001:db8:1::1ff" } ]
    } ]
  }
}`, filepath.Join(dir, "ctrl.sock"), dir, validLifetime)
}

type server struct {
	dir, cfg, sock string
	proc           *refsrvtest.Proc
}

func startServer(t *testing.T, dir string) *server {
	t.Helper()
	s := &server{dir: dir, cfg: filepath.Join(dir, "kea-dhcp6.json"), sock: filepath.Join(dir, "ctrl.sock")}
	if _, err := os.Stat(s.cfg); err != nil {
		refsrvtest.WriteJSON(t, s.cfg, loConfig(dir, 4000))
	}
	port := refsrvtest.FreeUDPPort(t)
	s.proc = refsrvtest.Start(t, exec.Command(binary, "-c", s.cfg, "-d", "-p", strconv.Itoa(port), "-P", strconv.Itoa(port+1)))
	refsrvtest.WaitSocket(t, s.proc, s.sock, 10*time.Second)
	return s
}

func validLifetime(t *testing.T, sock string) any {
	cfg := refsrvtest.MustCall(t, sock, "config-get", nil).(map[string]any)
	return cfg["Dhcp6"].(map[string]any)["valid-lifetime"]
}

func TestRunControlSocket(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	refsrvtest.Eventually(t, 5*time.Second, func() bool {
		return s.proc.LogContains("configuration warning", "Dhcp6/loggers")
	}, "the loggers warning was not logged")

	cmds := refsrvtest.MustCall(t, s.sock, "list-commands", nil).([]any)
	for _, want := range []string{"status-get", "config-get", "config-set", "config-reload", "lease6-add",
		"lease6-get", "lease6-get-by-duid", "leases-reclaim", "kea-lfc-start", "statistic-get-all", "shutdown"} {
		require.Contains(t, cmds, want)
	}
	require.NotContains(t, cmds, "lease4-add")
	st := refsrvtest.MustCall(t, s.sock, "status-get", nil).(map[string]any)
	require.EqualValues(t, s.proc.Cmd.Process.Pid, st["pid"])
	require.EqualValues(t, 4000, validLifetime(t, s.sock))

	refsrvtest.MustCall(t, s.sock, "lease6-add", map[string]any{
		"ip-address": "2001:db8:1::150", "duid": "01:02:03:04:05:06", "iaid": 7})
	lease := refsrvtest.MustCall(t, s.sock, "lease6-get", map[string]any{"ip-address": "2001:db8:1::150"}).(map[string]any)
	require.Equal(t, "01:02:03:04:05:06", lease["duid"])
	require.EqualValues(t, 1, lease["subnet-id"])
	one := refsrvtest.MustCall(t, s.sock, "statistic-get", map[string]any{"name": "subnet[1].assigned-nas"}).(map[string]any)
	require.EqualValues(t, 1, one["subnet[1].assigned-nas"].([]any)[0].([]any)[0])
	all := refsrvtest.MustCall(t, s.sock, "statistic-get-all", nil).(map[string]any)
	require.Contains(t, all, "subnet[1].total-nas")

	// SIGHUP: a changed file is applied, a broken one is not.
	refsrvtest.WriteJSON(t, s.cfg, loConfig(dir, 5000))
	s.proc.Signal(t, syscall.SIGHUP)
	refsrvtest.Eventually(t, 10*time.Second, func() bool { return validLifetime(t, s.sock) == 5000.0 },
		"SIGHUP did not apply the new valid-lifetime")
	broken := strings.Replace(loConfig(dir, 6000), `"2001:db8:1::/64"`, `"2001:db8:1::/129"`, 1)
	refsrvtest.WriteJSON(t, s.cfg, broken)
	s.proc.Signal(t, syscall.SIGHUP)
	refsrvtest.Eventually(t, 10*time.Second, func() bool {
		return s.proc.LogContains("Dhcp6/subnet6[0]/subnet", "keeping the current configuration")
	}, "broken config not reported")
	require.EqualValues(t, 5000, validLifetime(t, s.sock))

	// SIGTERM: exit 0, the lease is in the file.
	s.proc.Signal(t, syscall.SIGTERM)
	require.Equal(t, 0, s.proc.Wait(t, 15*time.Second))
	data, err := os.ReadFile(filepath.Join(dir, "leases6.csv"))
	require.NoError(t, err)
	require.Contains(t, string(data), "2001:db8:1::150,01:02:03:04:05:06,")
	// Kea keeps the server DUID in the data directory.
	_, err = os.Stat(filepath.Join(dir, "kea-dhcp6-serverid"))
	require.NoError(t, err)
}

func TestKill9KeepsAddedLease(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	refsrvtest.MustCall(t, s.sock, "lease6-add", map[string]any{
		"ip-address": "2001:db8:1::160", "duid": "01:02:03:04:05:07", "iaid": 8})
	s.proc.Kill9(t)

	s2 := startServer(t, dir)
	lease := refsrvtest.MustCall(t, s2.sock, "lease6-get", map[string]any{"ip-address": "2001:db8:1::160"}).(map[string]any)
	require.Equal(t, "01:02:03:04:05:07", lease["duid"])
	refsrvtest.MustCall(t, s2.sock, "shutdown", nil)
	require.Equal(t, 0, s2.proc.Wait(t, 15*time.Second))
}
