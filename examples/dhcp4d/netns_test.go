//go:build linux

package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/examples/internal/control"
	"github.com/dhcpsrv/dhcpsrv/examples/internal/refsrv/refsrvtest"
	"github.com/dhcpsrv/dhcpsrv/internal/netns"
)

// Real DHCP clients (ISC dhclient, busybox udhcpc, dhcpcd) against the dhcp4d
// binary, across a veth link between two network namespaces:
//
//	server namespace: srv0 192.0.2.1/24, dhcp4d on srv0
//	client namespace: cli0 (no address), the client under test
//
// Clients run with scripts that only print what they got, or configure the
// address inside the client namespace, never resolv.conf or routes of the host.

const (
	srvIf = "srv0"
	cliIf = "cli0"
)

// labOptions shape the server configuration of a lab.
type labOptions struct {
	socketType    string // "raw" or "udp"
	pool          string // default 192.0.2.100 - 192.0.2.199
	validLifetime int    // default 600
	renewTimer    int    // 0: unset
	rebindTimer   int    // 0: unset
	reservations  string // JSON list, default none
	extraSubnets  string // JSON objects appended to subnet4 (with a leading comma)
	// relayed puts a relay namespace between server and client:
	// srv0 192.0.2.1/24 -- rs0 192.0.2.2/24 [relay] rc0 198.18.0.1/24 -- cli0
	relayed bool
}

type lab struct {
	t      *testing.T
	srv    *netns.NS
	cli    *netns.NS
	relay  *netns.NS // with labOptions.relayed
	dir    string
	sock   string
	proc   *refsrvtest.Proc
	script string // udhcpc/dhclient script printing what the client got
	out    string // where the script writes
}

func requireClient(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed", name)
	}
	return p
}

func newLab(t *testing.T, o labOptions) *lab {
	t.Helper()
	netns.Require(t)
	if o.pool == "" {
		o.pool = "192.0.2.100 - 192.0.2.199"
	}
	if o.validLifetime == 0 {
		o.validLifetime = 600
	}
	if o.reservations == "" {
		o.reservations = "[]"
	}
	l := &lab{t: t, dir: t.TempDir()}
	l.sock = filepath.Join(l.dir, "ctrl.sock")
	l.srv = netns.New(t, "d4srv")
	l.cli = netns.New(t, "d4cli")
	if o.relayed {
		l.relay = netns.New(t, "d4rly")
		netns.Veth(t, &netns.End{NS: l.srv, Name: srvIf, Addr: netip.MustParsePrefix("192.0.2.1/24")},
			&netns.End{NS: l.relay, Name: "rs0", Addr: netip.MustParsePrefix("192.0.2.2/24")})
		netns.Veth(t, &netns.End{NS: l.relay, Name: "rc0", Addr: netip.MustParsePrefix("198.18.0.1/24")},
			&netns.End{NS: l.cli, Name: cliIf})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := l.srv.Run(ctx, "ip", "route", "add", "198.18.0.0/24", "via", "192.0.2.2")
		cancel()
		require.NoError(t, err)
	} else {
		netns.Veth(t, &netns.End{NS: l.srv, Name: srvIf, Addr: netip.MustParsePrefix("192.0.2.1/24")},
			&netns.End{NS: l.cli, Name: cliIf})
	}

	timers := ""
	if o.renewTimer > 0 {
		timers += fmt.Sprintf(`"renew-timer": %d,`, o.renewTimer)
	}
	if o.rebindTimer > 0 {
		timers += fmt.Sprintf(`"rebind-timer": %d,`, o.rebindTimer)
	}
	cfg := fmt.Sprintf(`{"Dhcp4": {
  "interfaces-config": {"interfaces": [%q], "dhcp-socket-type": %q},
  "control-socket": {"socket-type": "unix", "socket-name": %q},
  "lease-database": {"type": "memfile", "name": "leases4.csv", "lfc-interval": 0},
  "data-directory": %q,
  "expired-leases-processing": {"reclaim-timer-wait-time": 1, "flush-reclaimed-timer-wait-time": 0},
  "valid-lifetime": %d, %s
  "option-data": [
    {"name": "domain-name-servers", "data": "192.0.2.53"},
    {"name": "domain-name", "data": "example.org"}
  ],
  "subnet4": [{
    "id": 1,
    "subnet": "192.0.2.0/24",
    "pools": [{"pool": %q}],
    "option-data": [{"name": "routers", "data": "192.0.2.1"}],
    "reservations": %s
  }%s]
}}`, srvIf, o.socketType, l.sock, l.dir, o.validLifetime, timers, o.pool, o.reservations, o.extraSubnets)
	cfgFile := filepath.Join(l.dir, "kea-dhcp4.json")
	refsrvtest.WriteJSON(t, cfgFile, cfg)

	// The server is killed (by Start's cleanup) before the namespaces go:
	// cleanups run in reverse order.
	l.proc = refsrvtest.Start(t, l.srv.Command(context.Background(), binary, "-c", cfgFile, "-d"))
	refsrvtest.WaitSocket(t, l.proc, l.sock, 10*time.Second)

	l.out = filepath.Join(l.dir, "client.out")
	l.script = filepath.Join(l.dir, "client.sh")
	// One script for udhcpc ($1, $ip, $router, $dns, $subnet) and dhclient
	// ($reason, $new_*): it records what the client got and configures the
	// address on the client's interface (inside the client namespace), so
	// that unicast renewals and releases can leave.
	script := `#!/bin/sh
out=` + l.out + `
if [ -n "$reason" ]; then
  echo "dhclient reason=$reason ip=$new_ip_address router=$new_routers dns=$new_domain_name_servers" >> $out
  case "$reason" in
    BOUND|RENEW|REBIND|REBOOT) ip addr replace "$new_ip_address/24" dev "$interface" ;;
    EXPIRE|FAIL|RELEASE|STOP) ip addr flush dev "$interface" ;;
  esac
else
  echo "udhcpc event=$1 ip=$ip router=$router dns=$dns subnet=$subnet" >> $out
  case "$1" in
    bound|renew) ip addr replace "$ip/24" dev "$interface" ;;
    deconfig) ip addr flush dev "$interface" ;;
  esac
fi
exit 0
`
	require.NoError(t, os.WriteFile(l.script, []byte(script), 0o755))
	return l
}

// setMAC gives the client interface a hardware address.
func (l *lab) setMAC(mac string) {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := l.cli.Run(ctx, "ip", "link", "set", "dev", cliIf, "address", mac)
	require.NoError(l.t, err)
	_, _ = l.cli.Run(ctx, "ip", "addr", "flush", "dev", cliIf)
}

// client runs a client command in the client namespace, bounded by timeout.
func (l *lab) client(timeout time.Duration, name string, args ...string) (string, error) {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := l.cli.Command(ctx, name, args...)
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (l *lab) lease(addr string) (map[string]any, int) {
	l.t.Helper()
	resp := refsrvtest.Call(l.t, l.sock, "lease4-get", map[string]any{"ip-address": addr})
	if resp.Result != control.ResultSuccess {
		return nil, resp.Result
	}
	var m map[string]any
	require.NoError(l.t, resp.Decode(&m))
	return m, resp.Result
}

func (l *lab) stat(name string) int64 {
	l.t.Helper()
	m := refsrvtest.MustCall(l.t, l.sock, "statistic-get", map[string]any{"name": name}).(map[string]any)
	samples, ok := m[name].([]any)
	if !ok || len(samples) == 0 {
		return 0
	}
	return int64(samples[0].([]any)[0].(float64))
}

func (l *lab) readOut() string {
	data, _ := os.ReadFile(l.out)
	return string(data)
}

func inPool(t *testing.T, addr string) {
	t.Helper()
	a, err := netip.ParseAddr(addr)
	require.NoError(t, err, "address %q", addr)
	require.True(t, netip.MustParseAddr("192.0.2.100").Compare(a) <= 0 && a.Compare(netip.MustParseAddr("192.0.2.199")) <= 0,
		"%s is not in the pool", a)
}

var (
	reFixed   = regexp.MustCompile(`fixed-address (\S+);`)
	reRouters = regexp.MustCompile(`option routers (\S+);`)
	reDNS     = regexp.MustCompile(`option domain-name-servers (\S+);`)
	reUdhcpc  = regexp.MustCompile(`udhcpc event=bound ip=(\S+) router=(\S*) dns=(\S*)`)
)

// dhclientConf bounds dhclient's attempts.
func (l *lab) dhclientConf() string {
	p := filepath.Join(l.dir, "dhclient.conf")
	conf := "timeout 15;\nretry 1;\ninitial-interval 1;\nrequest subnet-mask, broadcast-address, routers, domain-name, domain-name-servers;\n"
	require.NoError(l.t, os.WriteFile(p, []byte(conf), 0o644))
	return p
}

func TestRealClients(t *testing.T) {
	for _, st := range []string{"raw", "udp"} {
		t.Run(st, func(t *testing.T) {
			l := newLab(t, labOptions{socketType: st})
			t.Run("dhclient", func(t *testing.T) { l.dhclient(t) })
			t.Run("udhcpc", func(t *testing.T) { l.udhcpc(t) })
			t.Run("dhcpcd", func(t *testing.T) { l.dhcpcd(t) })
		})
	}
}

// dhclient obtains a lease (script /bin/true: nothing configured), then
// releases it with dhclient -r.
func (l *lab) dhclient(t *testing.T) {
	bin := requireClient(t, "dhclient")
	l.setMAC("02:00:00:00:01:01")
	leases := filepath.Join(l.dir, "dhclient.leases")
	pid := filepath.Join(l.dir, "dhclient.pid")
	conf := l.dhclientConf()
	out, err := l.client(30*time.Second, bin, "-4", "-1", "-v", "-cf", conf, "-lf", leases, "-pf", pid, "-sf", "/bin/true", cliIf)
	require.NoError(t, err, out)
	data, err := os.ReadFile(leases)
	require.NoError(t, err, out)
	m := reFixed.FindStringSubmatch(string(data))
	require.NotNil(t, m, "no fixed-address in %s", data)
	addr := m[1]
	inPool(t, addr)
	require.Equal(t, "192.0.2.1", reRouters.FindStringSubmatch(string(data))[1])
	require.Equal(t, "192.0.2.53", reDNS.FindStringSubmatch(string(data))[1])
	lease, res := l.lease(addr)
	require.Equal(t, control.ResultSuccess, res)
	require.Equal(t, "02:00:00:00:01:01", lease["hw-address"])

	// Release: dhclient -r stops the daemon and sends a DHCPRELEASE by
	// unicast, which needs the address on the interface (the script was
	// /bin/true, so configure it here, in the client namespace).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = l.cli.Run(ctx, "ip", "addr", "add", addr+"/24", "dev", cliIf)
	require.NoError(t, err)
	out, err = l.client(20*time.Second, bin, "-4", "-r", "-v", "-cf", conf, "-lf", leases, "-pf", pid, "-sf", "/bin/true", cliIf)
	require.NoError(t, err, out)
	refsrvtest.Eventually(t, 10*time.Second, func() bool {
		lease, res := l.lease(addr)
		return res == control.ResultEmpty || (lease != nil && lease["state"] != 0.0)
	}, "lease %s not released after dhclient -r", addr)
	require.GreaterOrEqual(t, l.stat("pkt4-release-received"), int64(1))
}

// udhcpc obtains a lease and releases it on exit (-R).
func (l *lab) udhcpc(t *testing.T) {
	bin := requireClient(t, "udhcpc")
	l.setMAC("02:00:00:00:01:02")
	_ = os.Remove(l.out)
	out, err := l.client(30*time.Second, bin, "-i", cliIf, "-n", "-q", "-f", "-t", "5", "-T", "2", "-s", l.script)
	require.NoError(t, err, out)
	m := reUdhcpc.FindStringSubmatch(l.readOut())
	require.NotNil(t, m, "udhcpc script saw no bound event: %s\n%s", l.readOut(), out)
	addr := m[1]
	inPool(t, addr)
	require.Equal(t, "192.0.2.1", m[2])
	require.Equal(t, "192.0.2.53", m[3])
	lease, res := l.lease(addr)
	require.Equal(t, control.ResultSuccess, res)
	require.Equal(t, "02:00:00:00:01:02", lease["hw-address"])

	// Release: udhcpc -R releases on exit, but busybox 1.35 sends nothing
	// when it exits because of -q, so run it in the foreground until it
	// is bound and stop it with SIGTERM.
	releases := l.stat("pkt4-release-received")
	_ = os.Remove(l.out)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := l.cli.Command(ctx, bin, "-i", cliIf, "-n", "-f", "-R", "-t", "5", "-T", "2", "-s", l.script)
	cmd.WaitDelay = 2 * time.Second
	p := refsrvtest.Start(t, cmd)
	refsrvtest.Eventually(t, 20*time.Second, func() bool { return reUdhcpc.MatchString(l.readOut()) },
		"udhcpc -R not bound:\n%s", p.Log.String())
	require.Equal(t, addr, reUdhcpc.FindStringSubmatch(l.readOut())[1], "a second run got another address")
	p.Signal(t, syscall.SIGTERM)
	require.Equal(t, 0, p.Wait(t, 10*time.Second), p.Log.String())
	refsrvtest.Eventually(t, 10*time.Second, func() bool {
		lease, res := l.lease(addr)
		return res == control.ResultEmpty || (lease != nil && lease["state"] != 0.0)
	}, "lease %s not released after udhcpc -R:\n%s", addr, p.Log.String())
	require.Greater(t, l.stat("pkt4-release-received"), releases)
}

// dhcpcd in test mode prints the offer as environment variables.
func (l *lab) dhcpcd(t *testing.T) {
	bin := requireClient(t, "dhcpcd")
	l.setMAC("02:00:00:00:01:03")
	out, err := l.client(30*time.Second, bin, "-4", "-1", "-T", "-t", "20", "-f", "/dev/null", "-o", "domain_name_servers", cliIf)
	if err != nil {
		// dhcpcd 9.4.1 may crash on its way out of test mode, after
		// printing the offer; what it printed is what we check.
		require.Contains(t, out, "reason='TEST'", "dhcpcd failed: %v\n%s", err, out)
		t.Logf("dhcpcd exited with %v after printing the offer", err)
	}
	vars := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
			vars[k] = strings.Trim(v, `'"`)
		}
	}
	inPool(t, vars["new_ip_address"])
	require.Equal(t, "192.0.2.1", vars["new_routers"], out)
	require.Equal(t, "192.0.2.53", vars["new_domain_name_servers"], out)
}

// TestRenew keeps dhclient running with a short lease and checks that the
// server sees a renewal (a second REQUEST, the lease's cltt advances).
func TestRenew(t *testing.T) {
	bin := requireClient(t, "dhclient")
	l := newLab(t, labOptions{socketType: "raw", validLifetime: 20, renewTimer: 3, rebindTimer: 15})
	l.setMAC("02:00:00:00:02:01")
	leases := filepath.Join(l.dir, "dhclient.leases")
	pid := filepath.Join(l.dir, "dhclient.pid")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	cmd := l.cli.Command(ctx, bin, "-4", "-d", "-v", "-cf", l.dhclientConf(), "-lf", leases, "-pf", pid, "-sf", l.script, cliIf)
	cmd.WaitDelay = 2 * time.Second
	p := refsrvtest.Start(t, cmd)

	var addr string
	refsrvtest.Eventually(t, 20*time.Second, func() bool {
		m := regexp.MustCompile(`dhclient reason=BOUND ip=(\S+)`).FindStringSubmatch(l.readOut())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	}, "dhclient did not bind:\n%s", p.Log.String())
	inPool(t, addr)
	first, _ := l.lease(addr)
	require.NotNil(t, first)

	refsrvtest.Eventually(t, 20*time.Second, func() bool {
		cur, _ := l.lease(addr)
		return cur != nil && cur["cltt"].(float64) > first["cltt"].(float64) && l.stat("pkt4-request-received") >= 2
	}, "no renewal seen by the server:\n%s\n%s", l.readOut(), p.Log.String())
	require.Contains(t, l.readOut(), "reason=RENEW")
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
}

// TestReservedClient: a client whose MAC is reserved gets its address.
func TestReservedClient(t *testing.T) {
	bin := requireClient(t, "udhcpc")
	l := newLab(t, labOptions{socketType: "raw",
		reservations: `[{"hw-address": "02:00:00:00:0a:01", "ip-address": "192.0.2.10", "hostname": "reserved-1"}]`})
	l.setMAC("02:00:00:00:0a:01")
	out, err := l.client(30*time.Second, bin, "-i", cliIf, "-n", "-q", "-f", "-t", "5", "-T", "2", "-s", l.script)
	require.NoError(t, err, out)
	m := reUdhcpc.FindStringSubmatch(l.readOut())
	require.NotNil(t, m, "%s\n%s", l.readOut(), out)
	require.Equal(t, "192.0.2.10", m[1])
	lease, res := l.lease("192.0.2.10")
	require.Equal(t, control.ResultSuccess, res)
	require.Equal(t, "02:00:00:00:0a:01", lease["hw-address"])
}

// TestExhaustedPool: with a pool of one address, a second client gets no
// answer until the first lease expires and is reclaimed.
func TestExhaustedPool(t *testing.T) {
	bin := requireClient(t, "udhcpc")
	l := newLab(t, labOptions{socketType: "udp", pool: "192.0.2.100 - 192.0.2.100", validLifetime: 4})
	udhcpc := func() (string, error) {
		_ = os.Remove(l.out)
		return l.client(20*time.Second, bin, "-i", cliIf, "-n", "-q", "-f", "-t", "2", "-T", "1", "-s", l.script)
	}

	l.setMAC("02:00:00:00:03:01")
	out, err := udhcpc()
	require.NoError(t, err, out)
	require.Contains(t, l.readOut(), "ip=192.0.2.100 ")

	l.setMAC("02:00:00:00:03:02")
	out, err = udhcpc()
	require.Error(t, err, "the second client got a lease from a full pool:\n%s\n%s", out, l.readOut())
	require.NotContains(t, l.readOut(), "event=bound")
	require.GreaterOrEqual(t, l.stat("v4-allocation-fail"), int64(1))

	// The first lease expires after 4 s and the reclaim timer (1 s,
	// flush 0: removed) frees it.
	refsrvtest.Eventually(t, 15*time.Second, func() bool {
		_, res := l.lease("192.0.2.100")
		return res == control.ResultEmpty
	}, "the expired lease was not reclaimed")
	out, err = udhcpc()
	require.NoError(t, err, out)
	require.Contains(t, l.readOut(), "ip=192.0.2.100 ")
	lease, _ := l.lease("192.0.2.100")
	require.Equal(t, "02:00:00:00:03:02", lease["hw-address"])
}

// startRelay runs a minimal DHCPv4 relay agent in the relay namespace:
// requests heard on port 67 get giaddr 198.18.0.1 and go to the server at
// 192.0.2.1:67; replies (which the server sends to giaddr:67) are broadcast
// on the client link (198.18.0.255:68).
func (l *lab) startRelay(t *testing.T) {
	t.Helper()
	var pc net.PacketConn
	require.NoError(t, l.relay.Do(func() error {
		var err error
		pc, err = net.ListenPacket("udp4", "0.0.0.0:67")
		return err
	}))
	done := make(chan struct{})
	t.Cleanup(func() { pc.Close(); <-done })
	go func() {
		defer close(done)
		server := &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 67}
		clients := &net.UDPAddr{IP: net.IPv4(198, 18, 0, 255), Port: 68}
		buf := make([]byte, 1500)
		for {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			msg, err := dhcpv4.FromBytes(buf[:n])
			if err != nil {
				continue
			}
			switch msg.OpCode {
			case dhcpv4.OpcodeBootRequest:
				if msg.GatewayIPAddr == nil || msg.GatewayIPAddr.IsUnspecified() {
					msg.GatewayIPAddr = net.IPv4(198, 18, 0, 1)
				}
				msg.HopCount++
				_, _ = pc.WriteTo(msg.ToBytes(), server)
			case dhcpv4.OpcodeBootReply:
				_, _ = pc.WriteTo(msg.ToBytes(), clients)
			}
		}
	}()
}

// TestRelayedClient: a client behind a relay (giaddr 198.18.0.1) gets an
// address of the relay's subnet, not of the server's own.
func TestRelayedClient(t *testing.T) {
	bin := requireClient(t, "udhcpc")
	l := newLab(t, labOptions{socketType: "udp", relayed: true, extraSubnets: `, {
    "id": 2,
    "subnet": "198.18.0.0/24",
    "pools": [{"pool": "198.18.0.100 - 198.18.0.150"}],
    "option-data": [{"name": "routers", "data": "198.18.0.1"}]
  }`})
	l.startRelay(t)
	l.setMAC("02:00:00:00:04:01")
	out, err := l.client(30*time.Second, bin, "-i", cliIf, "-n", "-q", "-f", "-t", "5", "-T", "2", "-s", l.script)
	require.NoError(t, err, out)
	m := reUdhcpc.FindStringSubmatch(l.readOut())
	require.NotNil(t, m, "%s\n%s", l.readOut(), out)
	addr := netip.MustParseAddr(m[1])
	require.True(t, netip.MustParsePrefix("198.18.0.0/24").Contains(addr), "relayed client got %s", addr)
	require.Equal(t, "198.18.0.1", m[2])
	lease, res := l.lease(addr.String())
	require.Equal(t, control.ResultSuccess, res)
	require.EqualValues(t, 2, lease["subnet-id"])
}
