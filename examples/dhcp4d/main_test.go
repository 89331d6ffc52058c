package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/examples/internal/control"
	"github.com/dhcpsrv/dhcpsrv/examples/internal/refsrv/refsrvtest"
)

// binary is dhcp4d built once for this test package.
var binary string

func TestMain(m *testing.M) {
	bin, cleanup, err := refsrvtest.BuildMain(".", "dhcp4d")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// loConfig is a Dhcp4 map for a server on lo with udp sockets, its control
// socket and lease file in dir.
func loConfig(dir string, validLifetime int) string {
	return fmt.Sprintf(`{
  // dhcp4d test configuration
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "lo" ], "dhcp-socket-type": "udp" },
    "control-socket": { "socket-type": "unix", "socket-name": %q },
    "lease-database": { "type": "memfile", "name": "leases4.csv", "lfc-interval": 0 },
    "data-directory": %q,
    "hooks-libraries": [ { "library": "/usr/lib/kea/hooks/libdhcp_lease_cmds.so" } ],
    "valid-lifetime": %d,
    "subnet4": [ {
      "id": 1,
      "subnet": "192.0.2.0/24",
      "pools": [ { "pool": "192.0.2.100 - 192.0.2.199" } ],
      "option-data": [ { "name": "routers", "data": "192.0.2.1" } ]
    } ]
  }
}`, filepath.Join(dir, "ctrl.sock"), dir, validLifetime)
}

type server struct {
	dir, cfg, sock string
	proc           *refsrvtest.Proc
}

func startServer(t *testing.T, dir string, extra ...string) *server {
	t.Helper()
	s := &server{dir: dir, cfg: filepath.Join(dir, "kea-dhcp4.json"), sock: filepath.Join(dir, "ctrl.sock")}
	if _, err := os.Stat(s.cfg); err != nil {
		refsrvtest.WriteJSON(t, s.cfg, loConfig(dir, 4000))
	}
	port := refsrvtest.FreeUDPPort(t)
	args := append([]string{"-c", s.cfg, "-d", "-p", strconv.Itoa(port), "-P", strconv.Itoa(port + 1)}, extra...)
	s.proc = refsrvtest.Start(t, exec.Command(binary, args...))
	refsrvtest.WaitSocket(t, s.proc, s.sock, 10*time.Second)
	return s
}

func TestRunControlSocket(t *testing.T) {
	dir := t.TempDir()
	metricsAddr := refsrvtest.FreeTCPAddr(t)
	s := startServer(t, dir, "-metrics", metricsAddr)

	// Warnings are logged once, at start.
	refsrvtest.Eventually(t, 5*time.Second, func() bool {
		return s.proc.LogContains("configuration warning", "Dhcp4/hooks-libraries")
	}, "the hooks-libraries warning was not logged")

	cmds := refsrvtest.MustCall(t, s.sock, "list-commands", nil).([]any)
	for _, want := range []string{"list-commands", "version-get", "status-get", "config-get", "config-test",
		"config-set", "config-reload", "config-write", "lease4-add", "lease4-get", "lease4-del",
		"leases-reclaim", "kea-lfc-start", "statistic-get", "statistic-get-all", "shutdown"} {
		require.Contains(t, cmds, want)
	}

	st := refsrvtest.MustCall(t, s.sock, "status-get", nil).(map[string]any)
	require.EqualValues(t, s.proc.Cmd.Process.Pid, st["pid"])

	v := refsrvtest.Call(t, s.sock, "version-get", nil)
	require.Equal(t, control.ResultSuccess, v.Result)
	require.NotEmpty(t, v.Text)

	cfg := refsrvtest.MustCall(t, s.sock, "config-get", nil).(map[string]any)
	require.EqualValues(t, 4000, cfg["Dhcp4"].(map[string]any)["valid-lifetime"])

	refsrvtest.MustCall(t, s.sock, "lease4-add", map[string]any{
		"ip-address": "192.0.2.150", "hw-address": "02:00:00:00:00:05", "hostname": "added.example.org"})
	lease := refsrvtest.MustCall(t, s.sock, "lease4-get", map[string]any{"ip-address": "192.0.2.150"}).(map[string]any)
	require.Equal(t, "02:00:00:00:00:05", lease["hw-address"])
	require.EqualValues(t, 1, lease["subnet-id"])
	require.EqualValues(t, 4000, lease["valid-lft"])

	all := refsrvtest.MustCall(t, s.sock, "statistic-get-all", nil).(map[string]any)
	require.Contains(t, all, "subnet[1].assigned-addresses")
	one := refsrvtest.MustCall(t, s.sock, "statistic-get", map[string]any{"name": "subnet[1].assigned-addresses"}).(map[string]any)
	require.EqualValues(t, 1, one["subnet[1].assigned-addresses"].([]any)[0].([]any)[0])

	// The Prometheus endpoint exports the same statistics.
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), `dhcp_subnet_assigned_addresses{subnet="1"} 1`)

	// leases-reclaim and kea-lfc-start run.
	refsrvtest.MustCall(t, s.sock, "leases-reclaim", map[string]any{"remove": true})
	refsrvtest.MustCall(t, s.sock, "kea-lfc-start", nil)

	// SIGHUP with a changed file: picked up.
	refsrvtest.WriteJSON(t, s.cfg, loConfig(dir, 5000))
	s.proc.Signal(t, syscall.SIGHUP)
	refsrvtest.Eventually(t, 10*time.Second, func() bool {
		cfg := refsrvtest.MustCall(t, s.sock, "config-get", nil).(map[string]any)
		return cfg["Dhcp4"].(map[string]any)["valid-lifetime"] == 5000.0
	}, "SIGHUP did not apply the new valid-lifetime")

	// SIGHUP with a broken file: the old configuration stays, the error is
	// logged with its path.
	broken := strings.Replace(loConfig(dir, 6000), `"192.0.2.100 - 192.0.2.199"`, `"192.0.2.100 - 192.0.1.5"`, 1)
	refsrvtest.WriteJSON(t, s.cfg, broken)
	s.proc.Signal(t, syscall.SIGHUP)
	refsrvtest.Eventually(t, 10*time.Second, func() bool {
		return s.proc.LogContains("Dhcp4/subnet4[0]/pools[0]/pool", "keeping the current configuration")
	}, "broken config not reported")
	cfg = refsrvtest.MustCall(t, s.sock, "config-get", nil).(map[string]any)
	require.EqualValues(t, 5000, cfg["Dhcp4"].(map[string]any)["valid-lifetime"])
	require.Equal(t, control.ResultSuccess, refsrvtest.Call(t, s.sock, "status-get", nil).Result)

	// SIGTERM: exit 0, socket removed, the lease is in the lease file.
	s.proc.Signal(t, syscall.SIGTERM)
	require.Equal(t, 0, s.proc.Wait(t, 15*time.Second), s.proc.Log.String())
	_, err = os.Stat(s.sock)
	require.True(t, os.IsNotExist(err), "control socket file left behind")
	// kea-lfc-start moved it to leases4.csv.2.
	require.Contains(t, leaseFiles(t, filepath.Join(dir, "leases4.csv")), "192.0.2.150,02:00:00:00:00:05,")
}

// leaseFiles returns the rows of a memfile lease file and of its cleanup
// generations (.2, .1), in Kea's load order.
func leaseFiles(t *testing.T, path string) string {
	t.Helper()
	var all strings.Builder
	for _, p := range []string{path + ".2", path + ".1", path} {
		data, err := os.ReadFile(p)
		if err == nil {
			all.Write(data)
		}
	}
	return all.String()
}

func TestConfigSetAndShutdownCommand(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)

	// config-set with a new lifetime and a new lease file name: applied,
	// with a warning that the lease database needs a restart.
	newCfg := strings.Replace(loConfig(dir, 3000), `"leases4.csv"`, `"other.csv"`, 1)
	var m map[string]any
	require.NoError(t, jsonUnmarshalKea(newCfg, &m))
	refsrvtest.MustCall(t, s.sock, "config-set", m)
	cfg := refsrvtest.MustCall(t, s.sock, "config-get", nil).(map[string]any)
	require.EqualValues(t, 3000, cfg["Dhcp4"].(map[string]any)["valid-lifetime"])
	refsrvtest.Eventually(t, 5*time.Second, func() bool { return s.proc.LogContains("restart it to use the new one") },
		"no restart warning for a lease-database change")

	// config-test with a bad configuration fails without changing anything.
	bad := map[string]any{"Dhcp4": map[string]any{"valid-lifetime": "x"}}
	require.Equal(t, control.ResultError, refsrvtest.Call(t, s.sock, "config-test", bad).Result)

	// config-write writes the running configuration next to the file.
	out := refsrvtest.MustCall(t, s.sock, "config-write", map[string]any{"filename": "written.json"}).(map[string]any)
	require.Equal(t, filepath.Join(dir, "written.json"), out["filename"])

	// shutdown with an exit value: the process exits with it.
	refsrvtest.MustCall(t, s.sock, "shutdown", map[string]any{"exit-value": 3})
	require.Equal(t, 3, s.proc.Wait(t, 15*time.Second))
}

func TestKill9KeepsAddedLease(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	refsrvtest.MustCall(t, s.sock, "lease4-add", map[string]any{"ip-address": "192.0.2.160", "hw-address": "02:00:00:00:00:06"})
	s.proc.Kill9(t)

	s2 := startServer(t, dir)
	lease := refsrvtest.MustCall(t, s2.sock, "lease4-get", map[string]any{"ip-address": "192.0.2.160"}).(map[string]any)
	require.Equal(t, "02:00:00:00:00:06", lease["hw-address"])
	// Statistics are recounted from the lease file at start.
	one := refsrvtest.MustCall(t, s2.sock, "statistic-get", map[string]any{"name": "subnet[1].assigned-addresses"}).(map[string]any)
	require.EqualValues(t, 1, one["subnet[1].assigned-addresses"].([]any)[0].([]any)[0])
	s2.proc.Signal(t, syscall.SIGINT)
	require.Equal(t, 0, s2.proc.Wait(t, 15*time.Second))
}

func TestBadConfigExits1WithPaths(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kea-dhcp4.json")
	refsrvtest.WriteJSON(t, cfg, strings.Replace(loConfig(dir, 4000), `"192.0.2.100 - 192.0.2.199"`, `"192.0.2.100 - 192.0.1.5"`, 1))
	p := refsrvtest.Start(t, exec.Command(binary, "-c", cfg))
	require.Equal(t, 1, p.Wait(t, 10*time.Second))
	require.True(t, p.LogContains("Dhcp4/subnet4[0]/pools[0]/pool"), p.Log.String())
}

func TestDefaultDataDirFromEnv(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kea-dhcp4.json")
	sock := filepath.Join(dir, "ctrl.sock")
	// No lease-database and no data-directory: memfile, Kea's file name,
	// in $KEA_DHCP_DATA_DIR.
	refsrvtest.WriteJSON(t, cfg, fmt.Sprintf(`{"Dhcp4": {
	  "interfaces-config": {"interfaces": ["lo"], "dhcp-socket-type": "udp"},
	  "control-socket": {"socket-type": "unix", "socket-name": %q},
	  "subnet4": [{"id": 1, "subnet": "192.0.2.0/24"}]}}`, sock))
	cmd := exec.Command(binary, "-c", cfg, "-p", strconv.Itoa(refsrvtest.FreeUDPPort(t)))
	cmd.Env = append(os.Environ(), "KEA_DHCP_DATA_DIR="+dir)
	p := refsrvtest.Start(t, cmd)
	refsrvtest.WaitSocket(t, p, sock, 10*time.Second)
	refsrvtest.MustCall(t, sock, "lease4-add", map[string]any{"ip-address": "192.0.2.7", "hw-address": "02:00:00:00:00:07"})
	p.Signal(t, syscall.SIGTERM)
	require.Equal(t, 0, p.Wait(t, 15*time.Second))
	data, err := os.ReadFile(filepath.Join(dir, "kea-leases4.csv"))
	require.NoError(t, err)
	require.Contains(t, string(data), "192.0.2.7,")
}

// jsonUnmarshalKea decodes a configuration written by loConfig, dropping its
// "//" comment lines (the control socket takes plain JSON).
func jsonUnmarshalKea(s string, v any) error {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "//") {
			b.WriteString(line + "\n")
		}
	}
	return json.Unmarshal([]byte(b.String()), v)
}

// exchange sends req to the server at addr and returns the first reply with
// the same transaction id.
func exchange(t *testing.T, conn *net.UDPConn, addr *net.UDPAddr, req *dhcpv4.DHCPv4) *dhcpv4.DHCPv4 {
	t.Helper()
	_, err := conn.WriteToUDP(req.ToBytes(), addr)
	require.NoError(t, err)
	buf := make([]byte, 1500)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	for {
		n, _, err := conn.ReadFromUDP(buf)
		require.NoError(t, err, "no reply to %s", req.MessageType())
		reply, err := dhcpv4.FromBytes(buf[:n])
		if err == nil && reply.TransactionID == req.TransactionID {
			return reply
		}
	}
}

// TestDORAOverLoopback runs a relayed DISCOVER/OFFER/REQUEST/ACK against the
// binary on lo (replies to the source, as KEA_TEST_SEND_RESPONSES_TO_SOURCE
// makes kea-dhcp4 do), and finds the lease through the control socket.
func TestDORAOverLoopback(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kea-dhcp4.json")
	sock := filepath.Join(dir, "ctrl.sock")
	refsrvtest.WriteJSON(t, cfg, loConfig(dir, 4000))
	port := refsrvtest.FreeUDPPort(t)
	cmd := exec.Command(binary, "-c", cfg, "-d", "-p", strconv.Itoa(port))
	cmd.Env = append(os.Environ(), "KEA_TEST_SEND_RESPONSES_TO_SOURCE=ENABLED")
	p := refsrvtest.Start(t, cmd)
	refsrvtest.WaitSocket(t, p, sock, 10*time.Second)

	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer conn.Close()
	srvAddr := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	mac := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x42}

	// The socket may need a moment after the control socket is up.
	var offer *dhcpv4.DHCPv4
	refsrvtest.Eventually(t, 10*time.Second, func() bool {
		disc, err := dhcpv4.NewDiscovery(mac, dhcpv4.WithGatewayIP(net.IPv4(192, 0, 2, 1)),
			dhcpv4.WithRequestedOptions(dhcpv4.OptionRouter))
		require.NoError(t, err)
		disc.HopCount = 1
		if _, err := conn.WriteToUDP(disc.ToBytes(), srvAddr); err != nil {
			return false
		}
		buf := make([]byte, 1500)
		_ = conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		n, _, err := conn.ReadFromUDP(buf)
		if err != nil {
			return false
		}
		offer, err = dhcpv4.FromBytes(buf[:n])
		return err == nil && offer.TransactionID == disc.TransactionID
	}, "no OFFER")
	require.Equal(t, dhcpv4.MessageTypeOffer, offer.MessageType())
	yiaddr := offer.YourIPAddr.To4()
	require.True(t, yiaddr[0] == 192 && yiaddr[1] == 0 && yiaddr[2] == 2 && yiaddr[3] >= 100 && yiaddr[3] <= 199, "offered %s", yiaddr)
	require.Equal(t, "192.0.2.1", dhcpv4.GetIP(dhcpv4.OptionRouter, offer.Options).String())

	req, err := dhcpv4.NewRequestFromOffer(offer)
	require.NoError(t, err)
	req.GatewayIPAddr = net.IPv4(192, 0, 2, 1)
	req.HopCount = 1
	ack := exchange(t, conn, srvAddr, req)
	require.Equal(t, dhcpv4.MessageTypeAck, ack.MessageType(), "%s", ack.Summary())
	require.Equal(t, yiaddr.String(), ack.YourIPAddr.String())

	lease := refsrvtest.MustCall(t, sock, "lease4-get", map[string]any{"ip-address": yiaddr.String()}).(map[string]any)
	require.Equal(t, mac.String(), lease["hw-address"])
	st := refsrvtest.MustCall(t, sock, "statistic-get", map[string]any{"name": "pkt4-ack-sent"}).(map[string]any)
	require.EqualValues(t, 1, st["pkt4-ack-sent"].([]any)[0].([]any)[0])

	p.Signal(t, syscall.SIGTERM)
	require.Equal(t, 0, p.Wait(t, 15*time.Second))
	require.Contains(t, leaseFiles(t, filepath.Join(dir, "leases4.csv")), yiaddr.String()+","+mac.String()+",")
}
