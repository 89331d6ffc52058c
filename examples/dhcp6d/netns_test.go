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
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv6"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/ipv6"

	"github.com/dhcpsrv/dhcpsrv/examples/internal/control"
	"github.com/dhcpsrv/dhcpsrv/examples/internal/refsrv/refsrvtest"
	"github.com/dhcpsrv/dhcpsrv/internal/netns"
)

// Real DHCPv6 clients (ISC dhclient -6, dhcpcd -6) against the dhcp6d
// binary, across a veth link between two network namespaces:
//
//	server namespace: srv0 2001:db8:1::1/64, dhcp6d on srv0
//	client namespace: cli0 (link-local only, unless a test adds an address)
//
// Subnet 1 (2001:db8:1::/64, on srv0) has an address pool and a pd-pool;
// subnet 2 (2001:db8:2::/64) is reached through relays only. Clients run
// with scripts that only record what they got; whatever they configure
// stays inside the client namespace.

const (
	srvIf = "srv0"
	cliIf = "cli0"
)

// lab6Options shape the server configuration of a lab.
type lab6Options struct {
	preferredLifetime int // default 300
	validLifetime     int // default 600
	renewTimer        int // 0: unset
	rebindTimer       int // 0: unset
	// relayed puts a relay namespace between server and client:
	// srv0 2001:db8:1::1/64 -- rs0 2001:db8:1::2/64 [relays] rc0 2001:db8:2::1/64 -- cli0
	relayed bool
}

type lab6 struct {
	t     *testing.T
	srv   *netns.NS
	cli   *netns.NS
	relay *netns.NS // with lab6Options.relayed
	dir   string
	sock  string
	proc  *refsrvtest.Proc
}

func requireClient(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed", name)
	}
	return p
}

// waitLinkLocal waits until ifname has a link-local address that is no
// longer tentative (duplicate address detection done): the server and
// the clients bind their link-local addresses.
func waitLinkLocal(t *testing.T, ns *netns.NS, ifname string) {
	t.Helper()
	refsrvtest.Eventually(t, 10*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		out, err := ns.Run(ctx, "ip", "-6", "addr", "show", "dev", ifname)
		return err == nil && strings.Contains(out, "fe80::") && !strings.Contains(out, "tentative")
	}, "%s in %s: link-local address still tentative", ifname, ns.Name)
}

// killAll kills (SIGKILL) the processes still running in ns when the test
// ends (daemons the clients left behind, dhcpcd's privilege separation
// helpers), before the namespace goes: register it after netns.New.
func killAll(t *testing.T, ns *netns.NS) {
	t.Cleanup(func() {
		out, err := exec.Command("ip", "netns", "pids", ns.Name).Output()
		if err != nil {
			return
		}
		for _, f := range strings.Fields(string(out)) {
			if pid, err := strconv.Atoi(f); err == nil && pid > 1 {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
}

// lab6Config is the server configuration of a lab (and, with other
// lifetimes, of the perfdhcp test).
func lab6Config(dir, sock string, o lab6Options) string {
	if o.preferredLifetime == 0 {
		o.preferredLifetime = 300
	}
	if o.validLifetime == 0 {
		o.validLifetime = 600
	}
	timers := ""
	if o.renewTimer > 0 {
		timers += fmt.Sprintf(`"renew-timer": %d, `, o.renewTimer)
	}
	if o.rebindTimer > 0 {
		timers += fmt.Sprintf(`"rebind-timer": %d, `, o.rebindTimer)
	}
	return fmt.Sprintf(`{"Dhcp6": {
  "interfaces-config": {"interfaces": [%q]},
  "control-socket": {"socket-type": "unix", "socket-name": %q},
  "lease-database": {"type": "memfile", "name": "leases6.csv", "lfc-interval": 0},
  "data-directory": %q,
  "preferred-lifetime": %d, "valid-lifetime": %d, %s
  "option-data": [{"name": "dns-servers", "data": "2001:db8:1::53"}],
  "subnet6": [{
    "id": 1,
    "subnet": "2001:db8:1::/64",
    "interface": %q,
    "pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::1ff"}],
    "pd-pools": [{"prefix": "2001:db8:8000::", "prefix-len": 40, "delegated-len": 56}]
  }, {
    "id": 2,
    "subnet": "2001:db8:2::/64",
    "pools": [{"pool": "2001:db8:2::100 - 2001:db8:2::1ff"}]
  }]
}}`, srvIf, sock, dir, o.preferredLifetime, o.validLifetime, timers, srvIf)
}

func newLab6(t *testing.T, o lab6Options) *lab6 {
	t.Helper()
	netns.Require(t)
	l := &lab6{t: t, dir: t.TempDir()}
	l.sock = filepath.Join(l.dir, "ctrl.sock")
	l.srv = netns.New(t, "d6srv")
	l.cli = netns.New(t, "d6cli")
	killAll(t, l.cli)
	if o.relayed {
		l.relay = netns.New(t, "d6rly")
		netns.Veth(t, &netns.End{NS: l.srv, Name: srvIf, Addr: netip.MustParsePrefix("2001:db8:1::1/64")},
			&netns.End{NS: l.relay, Name: "rs0", Addr: netip.MustParsePrefix("2001:db8:1::2/64")})
		netns.Veth(t, &netns.End{NS: l.relay, Name: "rc0", Addr: netip.MustParsePrefix("2001:db8:2::1/64")},
			&netns.End{NS: l.cli, Name: cliIf})
		waitLinkLocal(t, l.relay, "rs0")
		waitLinkLocal(t, l.relay, "rc0")
	} else {
		netns.Veth(t, &netns.End{NS: l.srv, Name: srvIf, Addr: netip.MustParsePrefix("2001:db8:1::1/64")},
			&netns.End{NS: l.cli, Name: cliIf})
	}
	waitLinkLocal(t, l.srv, srvIf)
	waitLinkLocal(t, l.cli, cliIf)

	cfgFile := filepath.Join(l.dir, "kea-dhcp6.json")
	refsrvtest.WriteJSON(t, cfgFile, lab6Config(l.dir, l.sock, o))
	// The server is killed (by Start's cleanup) before the namespaces go:
	// cleanups run in reverse order.
	l.proc = refsrvtest.Start(t, l.srv.Command(context.Background(), binary, "-c", cfgFile, "-d"))
	refsrvtest.WaitSocket(t, l.proc, l.sock, 10*time.Second)
	return l
}

// client runs a client command in the client namespace, bounded by timeout.
func (l *lab6) client(timeout time.Duration, name string, args ...string) (string, error) {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := l.cli.Command(ctx, name, args...)
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// lease6 asks the server for the lease of addr (typ "IA_NA" or "IA_PD").
func (l *lab6) lease6(typ string, addr netip.Addr) (map[string]any, int) {
	l.t.Helper()
	resp := refsrvtest.Call(l.t, l.sock, "lease6-get", map[string]any{"ip-address": addr.String(), "type": typ})
	if resp.Result != control.ResultSuccess {
		return nil, resp.Result
	}
	var m map[string]any
	require.NoError(l.t, resp.Decode(&m))
	return m, resp.Result
}

func (l *lab6) stat(name string) int64 {
	l.t.Helper()
	m := refsrvtest.MustCall(l.t, l.sock, "statistic-get", map[string]any{"name": name}).(map[string]any)
	samples, ok := m[name].([]any)
	if !ok || len(samples) == 0 {
		return 0
	}
	return int64(samples[0].([]any)[0].(float64))
}

// released reports whether the lease of addr is gone or no longer valid.
func (l *lab6) released(typ string, addr netip.Addr) bool {
	lease, res := l.lease6(typ, addr)
	return res == control.ResultEmpty || (lease != nil && (lease["valid-lft"] == 0.0 || lease["state"] != 0.0))
}

func inRange(a netip.Addr, first, last string) bool {
	return netip.MustParseAddr(first).Compare(a) <= 0 && a.Compare(netip.MustParseAddr(last)) <= 0
}

var (
	reIAAddr   = regexp.MustCompile(`iaaddr (2001:db8:[0-9a-f:]+) \{`)
	reIAPrefix = regexp.MustCompile(`iaprefix (2001:db8:[0-9a-f:]+/[0-9]+) \{`)
)

// dhclient6 holds the files of one ISC dhclient -6 instance.
type dhclient6 struct {
	bin, leases, pid, script, out string
}

func (l *lab6) newDhclient6() *dhclient6 {
	d := &dhclient6{
		bin:    requireClient(l.t, "dhclient"),
		leases: filepath.Join(l.dir, "dhclient6.leases"),
		pid:    filepath.Join(l.dir, "dhclient6.pid"),
		script: filepath.Join(l.dir, "dhclient6.sh"),
		out:    filepath.Join(l.dir, "dhclient6.out"),
	}
	// The script records the reason and what the client got; it configures
	// nothing (DHCPv6 renewals and releases go by multicast from the
	// link-local address).
	script := "#!/bin/sh\necho \"reason=$reason ip6=$new_ip6_address prefix=$new_ip6_prefix dns=$new_dhcp6_name_servers\" >> " + d.out + "\nexit 0\n"
	require.NoError(l.t, os.WriteFile(d.script, []byte(script), 0o755))
	return d
}

// args are dhclient's common arguments, then extra, then the interface.
func (d *dhclient6) args(extra ...string) []string {
	a := append([]string{"-6", "-v", "-lf", d.leases, "-pf", d.pid, "-sf", d.script}, extra...)
	return append(a, cliIf)
}

func (d *dhclient6) leaseFile(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(d.leases)
	require.NoError(t, err)
	return string(b)
}

func (d *dhclient6) scriptOut() string {
	b, _ := os.ReadFile(d.out)
	return string(b)
}

// TestDhclient6 runs ISC dhclient -6 against the binary: an address from
// subnet 1's pool (the lease file and the server agree), then a release
// (dhclient -r).
func TestDhclient6(t *testing.T) {
	l := newLab6(t, lab6Options{})
	d := l.newDhclient6()
	out, err := l.client(40*time.Second, d.bin, d.args("-1")...)
	require.NoError(t, err, out)
	m := reIAAddr.FindStringSubmatch(d.leaseFile(t))
	require.NotNil(t, m, "no iaaddr in the lease file:\n%s\n%s", d.leaseFile(t), out)
	a := netip.MustParseAddr(m[1])
	require.True(t, inRange(a, "2001:db8:1::100", "2001:db8:1::1ff"), "%s is not in the pool", a)
	require.Contains(t, d.scriptOut(), "reason=BOUND6 ip6="+a.String())
	require.Contains(t, d.scriptOut(), "dns=2001:db8:1::53")

	lease, res := l.lease6("IA_NA", a)
	require.Equal(t, control.ResultSuccess, res)
	require.EqualValues(t, 1, lease["subnet-id"])
	require.Equal(t, "IA_NA", lease["type"])
	require.EqualValues(t, 600, lease["valid-lft"])
	require.NotEmpty(t, lease["duid"])
	byDUID := refsrvtest.MustCall(t, l.sock, "lease6-get-by-duid", map[string]any{"duid": lease["duid"]}).(map[string]any)
	require.Len(t, byDUID["leases"], 1, "one lease for the client")

	// Release: dhclient -r stops the daemon dhclient -1 left running and
	// sends a RELEASE for the lease in its file.
	out, err = l.client(30*time.Second, d.bin, d.args("-r")...)
	require.NoError(t, err, out)
	refsrvtest.Eventually(t, 10*time.Second, func() bool { return l.released("IA_NA", a) },
		"lease %s not released after dhclient -r:\n%s", a, out)
	require.GreaterOrEqual(t, l.stat("pkt6-release-received"), int64(1))
}

// TestDhclient6PD: dhclient -6 -P gets a /56 from the pd-pool, then
// releases it.
func TestDhclient6PD(t *testing.T) {
	l := newLab6(t, lab6Options{})
	d := l.newDhclient6()
	out, err := l.client(40*time.Second, d.bin, d.args("-P", "-1")...)
	require.NoError(t, err, out)
	m := reIAPrefix.FindStringSubmatch(d.leaseFile(t))
	require.NotNil(t, m, "no iaprefix in the lease file:\n%s\n%s", d.leaseFile(t), out)
	p := netip.MustParsePrefix(m[1])
	require.Equal(t, 56, p.Bits())
	require.True(t, netip.MustParsePrefix("2001:db8:8000::/40").Contains(p.Addr()), "%s is not in the pd-pool", p)
	require.NotRegexp(t, `iaaddr `, d.leaseFile(t), "-P alone asks for no address")

	lease, res := l.lease6("IA_PD", p.Addr())
	require.Equal(t, control.ResultSuccess, res)
	require.Equal(t, "IA_PD", lease["type"])
	require.EqualValues(t, 56, lease["prefix-len"])
	require.EqualValues(t, 1, lease["subnet-id"])

	out, err = l.client(30*time.Second, d.bin, d.args("-P", "-r")...)
	require.NoError(t, err, out)
	refsrvtest.Eventually(t, 10*time.Second, func() bool { return l.released("IA_PD", p.Addr()) },
		"prefix %s not released after dhclient -P -r:\n%s", p, out)
}

// TestDhclient6Renew keeps dhclient -6 running in the foreground with a
// renew timer of 2 s and checks that the server sees RENEWs: the
// statistic counts them and the lease's cltt advances.
func TestDhclient6Renew(t *testing.T) {
	l := newLab6(t, lab6Options{preferredLifetime: 20, validLifetime: 30, renewTimer: 2, rebindTimer: 10})
	d := l.newDhclient6()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := l.cli.Command(ctx, d.bin, d.args("-d")...)
	cmd.WaitDelay = 2 * time.Second
	p := refsrvtest.Start(t, cmd)

	reBound := regexp.MustCompile(`reason=BOUND6 ip6=(\S+)`)
	var a netip.Addr
	refsrvtest.Eventually(t, 30*time.Second, func() bool {
		m := reBound.FindStringSubmatch(d.scriptOut())
		if m != nil {
			a = netip.MustParseAddr(m[1])
		}
		return m != nil
	}, "dhclient did not bind:\n%s", p.Log.String())
	require.True(t, inRange(a, "2001:db8:1::100", "2001:db8:1::1ff"), a)
	first, _ := l.lease6("IA_NA", a)
	require.NotNil(t, first)

	refsrvtest.Eventually(t, 20*time.Second, func() bool {
		cur, _ := l.lease6("IA_NA", a)
		return cur != nil && cur["cltt"].(float64) > first["cltt"].(float64) && l.stat("pkt6-renew-received") >= 1
	}, "no renewal seen by the server:\n%s\n%s", d.scriptOut(), p.Log.String())
	refsrvtest.Eventually(t, 10*time.Second, func() bool {
		return strings.Contains(d.scriptOut(), "reason=RENEW6 ip6="+a.String())
	}, "dhclient did not report the renewal:\n%s\n%s", d.scriptOut(), p.Log.String())
	require.Zero(t, l.stat("pkt6-rebind-received"), "renewed, not rebound")
	p.Signal(t, syscall.SIGTERM)
	p.Wait(t, 10*time.Second)
}

// TestDhcpcd6 runs dhcpcd -6 (9.x) against the binary. dhcpcd normally
// waits for a Router Advertisement with the M flag before it starts
// DHCPv6; "noipv6rs" with an "ia_na" in its configuration makes it solicit
// at once. Its database (/var/lib/dhcpcd: the DUID, the lease) and run
// directory (/run/dhcpcd) are mounted over, inside the mount namespace
// that ip netns exec gives it, by the test's directories, so nothing
// outside them is written.
func TestDhcpcd6(t *testing.T) {
	bin := requireClient(t, "dhcpcd")
	l := newLab6(t, lab6Options{})
	db, run := filepath.Join(l.dir, "dhcpcd-db"), filepath.Join(l.dir, "dhcpcd-run")
	require.NoError(t, os.Mkdir(db, 0o755))
	require.NoError(t, os.Mkdir(run, 0o755))
	out := filepath.Join(l.dir, "dhcpcd.out")
	script := filepath.Join(l.dir, "dhcpcd.sh")
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\n{ env | grep -E '^(reason|interface|new_)' | sort; echo ---; } >> "+out+"\nexit 0\n"), 0o755))
	conf := filepath.Join(l.dir, "dhcpcd.conf")
	require.NoError(t, os.WriteFile(conf, []byte(`# only DHCPv6, at once, without waiting for a Router Advertisement
ipv6only
noipv6rs
ia_na 1
option dhcp6_name_servers
script `+script+`
`), 0o644))
	wrap := filepath.Join(l.dir, "dhcpcd-wrap.sh")
	require.NoError(t, os.WriteFile(wrap, []byte(`#!/bin/sh
set -e
db=$1 run=$2; shift 2
# Where a directory is missing, a tmpfs over its parent (in this mount
# namespace only) holds the mount point.
[ -d /var/lib/dhcpcd ] || { mount -t tmpfs tmpfs /var/lib; mkdir /var/lib/dhcpcd; }
mount --bind "$db" /var/lib/dhcpcd
[ -d /run/dhcpcd ] || { mount -t tmpfs tmpfs /run; mkdir /run/dhcpcd; }
mount --bind "$run" /run/dhcpcd
exec "$@"
`), 0o755))

	res, err := l.client(40*time.Second, wrap, db, run, bin, "-6", "-1", "-t", "20",
		"-f", conf, "-j", filepath.Join(l.dir, "dhcpcd.log"), cliIf)
	require.NoError(t, err, res)
	data, _ := os.ReadFile(out)
	m := regexp.MustCompile(`(?m)^new_dhcp6_ia_na1_ia_addr1=(\S+)$`).FindStringSubmatch(string(data))
	require.NotNil(t, m, "dhcpcd script saw no address:\n%s\n%s", data, res)
	require.Contains(t, string(data), "reason=BOUND6")
	a := netip.MustParseAddr(m[1])
	require.True(t, inRange(a, "2001:db8:1::100", "2001:db8:1::1ff"), "%s is not in the pool", a)
	require.Contains(t, string(data), "new_dhcp6_name_servers=2001:db8:1::53")

	// dhcpcd configured the address (in the client namespace) and wrote
	// its lease and DUID to the test's directory.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addrs, err := l.cli.Run(ctx, "ip", "-6", "addr", "show", "dev", cliIf)
	require.NoError(t, err)
	require.Contains(t, addrs, a.String()+"/128")
	_, err = os.Stat(filepath.Join(db, cliIf+".lease6"))
	require.NoError(t, err, "dhcpcd's lease file")
	duid, err := os.ReadFile(filepath.Join(db, "duid"))
	require.NoError(t, err, "dhcpcd's DUID file")

	lease, code := l.lease6("IA_NA", a)
	require.Equal(t, control.ResultSuccess, code)
	require.EqualValues(t, 1, lease["subnet-id"])
	require.Equal(t, strings.TrimSpace(string(duid)), lease["duid"], "the lease is dhcpcd's")
	require.EqualValues(t, 1, lease["iaid"])
}

// relayHop is one relay agent of a chain: the link it serves and the
// interface-id it adds.
type relayHop struct {
	linkAddr    netip.Addr
	peerAddr    netip.Addr
	interfaceID string
}

// relayChain plays a client behind two relay agents, inside the client
// namespace: the client's message is wrapped in a RELAY-FORW by the relay
// closest to it (hops[0]), that one in a RELAY-FORW by the next (hops[1]),
// which sends it to the server from [2001:db8:1::2]:547; the RELAY-REPL
// that comes back is unwrapped the same way, checking that each relay's
// interface-id was echoed.
type relayChain struct {
	t    *testing.T
	pc   net.PacketConn
	hops []relayHop
}

func (c *relayChain) exchange(msg *dhcpv6.Message) *dhcpv6.Message {
	c.t.Helper()
	var d dhcpv6.DHCPv6 = msg
	for _, h := range c.hops {
		r, err := dhcpv6.EncapsulateRelay(d, dhcpv6.MessageTypeRelayForward, h.linkAddr.AsSlice(), h.peerAddr.AsSlice())
		require.NoError(c.t, err)
		r.Options.Add(dhcpv6.OptInterfaceID([]byte(h.interfaceID)))
		d = r
	}
	require.EqualValues(c.t, 1, d.(*dhcpv6.RelayMessage).HopCount)
	server := &net.UDPAddr{IP: net.ParseIP("2001:db8:1::1"), Port: dhcpv6.DefaultServerPort}
	_, err := c.pc.WriteTo(d.ToBytes(), server)
	require.NoError(c.t, err)

	buf := make([]byte, 4096)
	require.NoError(c.t, c.pc.SetReadDeadline(time.Now().Add(10*time.Second)))
	for {
		n, from, err := c.pc.ReadFrom(buf)
		require.NoError(c.t, err, "no RELAY-REPL from the server")
		require.Equal(c.t, "2001:db8:1::1", from.(*net.UDPAddr).IP.String())
		reply, err := dhcpv6.FromBytes(buf[:n])
		require.NoError(c.t, err)
		// Unwrap from the outermost relay (the last hop) inwards.
		for i := len(c.hops) - 1; i >= 0; i-- {
			r, ok := reply.(*dhcpv6.RelayMessage)
			require.True(c.t, ok, "hop %d: %s is not a relay message", i, reply.Type())
			require.Equal(c.t, dhcpv6.MessageTypeRelayReply, r.MessageType)
			h := c.hops[i]
			require.Equal(c.t, h.linkAddr.String(), r.LinkAddr.String(), "hop %d: link-address", i)
			require.Equal(c.t, h.peerAddr.String(), r.PeerAddr.String(), "hop %d: peer-address", i)
			require.Equal(c.t, []byte(h.interfaceID), r.Options.InterfaceID(), "hop %d: interface-id echoed", i)
			reply = r.Options.RelayMessage()
			require.NotNil(c.t, reply, "hop %d: no relay message option", i)
		}
		m, ok := reply.(*dhcpv6.Message)
		require.True(c.t, ok)
		if m.TransactionID == msg.TransactionID {
			return m
		}
	}
}

// TestRelayedTwoHops: a SOLICIT nested in the RELAY-FORWs of two relay
// agents (the one near the client on 2001:db8:2::/64, the next on the
// server's link) is answered through both: RELAY-REPL(RELAY-REPL(ADVERTISE))
// with both interface-ids echoed, an address of subnet 2 (selected by the
// inner relay's link-address), and the REQUEST that follows the same way
// leaves a lease in subnet 2.
func TestRelayedTwoHops(t *testing.T) {
	l := newLab6(t, lab6Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := l.cli.Run(ctx, "ip", "addr", "add", "2001:db8:1::2/64", "dev", cliIf, "nodad")
	require.NoError(t, err)

	var pc net.PacketConn
	require.NoError(t, l.cli.Do(func() (err error) {
		pc, err = net.ListenPacket("udp6", "[2001:db8:1::2]:547")
		return err
	}))
	t.Cleanup(func() { pc.Close() })
	chain := &relayChain{t: t, pc: pc, hops: []relayHop{
		// Near the client: a link in 2001:db8:2::/64, the client's
		// link-local address as peer.
		{linkAddr: netip.MustParseAddr("2001:db8:2::1"), peerAddr: netip.MustParseAddr("fe80::ff:fe00:601"), interfaceID: "inner-eth1"},
		// On the server's link: the first relay's address as peer.
		{linkAddr: netip.MustParseAddr("2001:db8:1::2"), peerAddr: netip.MustParseAddr("2001:db8:2::1"), interfaceID: "outer-eth7"},
	}}

	mac := net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x06, 0x01}
	sol, err := dhcpv6.NewSolicit(mac)
	require.NoError(t, err)
	adv := chain.exchange(sol)
	require.Equal(t, dhcpv6.MessageTypeAdvertise, adv.MessageType, adv.Summary())
	ia := adv.Options.OneIANA()
	require.NotNil(t, ia, adv.Summary())
	require.NotEmpty(t, ia.Options.Addresses(), adv.Summary())
	a, _ := netip.AddrFromSlice(ia.Options.OneAddress().IPv6Addr)
	require.True(t, inRange(a, "2001:db8:2::100", "2001:db8:2::1ff"), "relayed client got %s", a)

	req, err := dhcpv6.NewRequestFromAdvertise(adv)
	require.NoError(t, err)
	reply := chain.exchange(req)
	require.Equal(t, dhcpv6.MessageTypeReply, reply.MessageType, reply.Summary())
	got := reply.Options.OneIANA()
	require.NotNil(t, got, reply.Summary())
	require.NotNil(t, got.Options.OneAddress(), reply.Summary())
	require.Equal(t, a.String(), got.Options.OneAddress().IPv6Addr.String())

	lease, res := l.lease6("IA_NA", a)
	require.Equal(t, control.ResultSuccess, res)
	require.EqualValues(t, 2, lease["subnet-id"])
	require.Equal(t, "02:00:00:00:06:01", lease["hw-address"], "from the DUID-LLT")
	require.GreaterOrEqual(t, l.stat("pkt6-solicit-received"), int64(1))
}

// startTwoHopRelay runs two relay agents in one program inside ns: the
// first on the client link (rc0, 2001:db8:2::1/64) hears the clients'
// multicasts to ff02::1:2 and wraps them in a RELAY-FORW (link-address
// 2001:db8:2::1, interface-id "rc0"); the second wraps that in another
// (link-address ::, as RFC 8415 allows for a message from a relay,
// interface-id "relay1") and sends it to the server at 2001:db8:1::1 from
// rs0 (2001:db8:1::2). RELAY-REPLs are unwrapped twice, each interface-id
// checked, and the client's message sent to the inner peer-address on
// rc0, port 546. It returns counters of messages relayed each way.
func startTwoHopRelay(t *testing.T, ns *netns.NS) (up, down *atomic.Int64) {
	t.Helper()
	var pc net.PacketConn
	require.NoError(t, ns.Do(func() error {
		var err error
		pc, err = net.ListenPacket("udp6", "[::]:547")
		if err != nil {
			return err
		}
		ifi, err := net.InterfaceByName("rc0")
		if err != nil {
			return err
		}
		return ipv6.NewPacketConn(pc).JoinGroup(ifi, &net.UDPAddr{IP: net.ParseIP("ff02::1:2")})
	}))
	up, down = new(atomic.Int64), new(atomic.Int64)
	done := make(chan struct{})
	t.Cleanup(func() { pc.Close(); <-done })
	go func() {
		defer close(done)
		server := &net.UDPAddr{IP: net.ParseIP("2001:db8:1::1"), Port: dhcpv6.DefaultServerPort}
		buf := make([]byte, 65536)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			msg, err := dhcpv6.FromBytes(buf[:n])
			if err != nil {
				continue
			}
			src := from.(*net.UDPAddr)
			if !msg.IsRelay() { // from a client on rc0
				if !src.IP.IsLinkLocalUnicast() {
					continue
				}
				inner, err := dhcpv6.EncapsulateRelay(msg, dhcpv6.MessageTypeRelayForward, net.ParseIP("2001:db8:2::1"), src.IP)
				if err != nil {
					continue
				}
				inner.Options.Add(dhcpv6.OptInterfaceID([]byte("rc0")))
				outer, err := dhcpv6.EncapsulateRelay(inner, dhcpv6.MessageTypeRelayForward, net.IPv6unspecified, net.ParseIP("2001:db8:2::1"))
				if err != nil {
					continue
				}
				outer.Options.Add(dhcpv6.OptInterfaceID([]byte("relay1")))
				if _, err := pc.WriteTo(outer.ToBytes(), server); err == nil {
					up.Add(1)
				}
				continue
			}
			outer := msg.(*dhcpv6.RelayMessage)
			if outer.MessageType != dhcpv6.MessageTypeRelayReply || string(outer.Options.InterfaceID()) != "relay1" {
				continue
			}
			inner, ok := outer.Options.RelayMessage().(*dhcpv6.RelayMessage)
			if !ok || inner.MessageType != dhcpv6.MessageTypeRelayReply || string(inner.Options.InterfaceID()) != "rc0" {
				continue
			}
			reply := inner.Options.RelayMessage()
			if reply == nil || reply.IsRelay() {
				continue
			}
			to := &net.UDPAddr{IP: inner.PeerAddr, Port: dhcpv6.DefaultClientPort, Zone: "rc0"}
			if _, err := pc.WriteTo(reply.ToBytes(), to); err == nil {
				down.Add(1)
			}
		}
	}()
	return up, down
}

// TestRelayedDhclient6: ISC dhclient -6 behind the two relay agents of
// startTwoHopRelay (in a namespace between the server's and the client's)
// gets an address of subnet 2, selected by the inner relay's link-address,
// and releases it.
func TestRelayedDhclient6(t *testing.T) {
	requireClient(t, "dhclient")
	l := newLab6(t, lab6Options{relayed: true})
	up, down := startTwoHopRelay(t, l.relay)
	d := l.newDhclient6()
	out, err := l.client(40*time.Second, d.bin, d.args("-1")...)
	require.NoError(t, err, out)
	m := reIAAddr.FindStringSubmatch(d.leaseFile(t))
	require.NotNil(t, m, "no iaaddr in the lease file:\n%s\n%s", d.leaseFile(t), out)
	a := netip.MustParseAddr(m[1])
	require.True(t, inRange(a, "2001:db8:2::100", "2001:db8:2::1ff"), "relayed client got %s", a)
	lease, res := l.lease6("IA_NA", a)
	require.Equal(t, control.ResultSuccess, res)
	require.EqualValues(t, 2, lease["subnet-id"])
	require.GreaterOrEqual(t, up.Load(), int64(2), "SOLICIT and REQUEST relayed")
	require.GreaterOrEqual(t, down.Load(), int64(2), "ADVERTISE and REPLY relayed back")

	out, err = l.client(30*time.Second, d.bin, d.args("-r")...)
	require.NoError(t, err, out)
	refsrvtest.Eventually(t, 10*time.Second, func() bool { return l.released("IA_NA", a) },
		"lease %s not released after dhclient -r:\n%s", a, out)
}
