//go:build linux

package dhcp4srv

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// The network namespace test builds two namespaces joined by a veth pair:
//
//	server ns: veth "...s" 192.0.2.1/24      client ns: veth "...c", no address
//
// and re-executes this test binary inside each (ip netns exec): the server
// runs a Transport on its veth, the client sends a DHCPDISCOVER from
// 0.0.0.0 through an AF_PACKET socket and captures the reply at layer 2.
// The root namespace is not touched.

const netnsHelperEnv = "DHCPSRV_NETNS_HELPER"

// netnsResult is what the client helper reports.
type netnsResult struct {
	ClientMAC string `json:"client_mac"`
	EthDst    string `json:"eth_dst"`
	EthSrc    string `json:"eth_src"`
	IPSrc     string `json:"ip_src"`
	IPDst     string `json:"ip_dst"`
	UDPSrc    uint16 `json:"udp_src"`
	UDPDst    uint16 `json:"udp_dst"`
	Type      string `json:"type"`
	Yiaddr    string `json:"yiaddr"`
	Broadcast bool   `json:"broadcast"`
}

func TestNetnsReplyRouting(t *testing.T) {
	if os.Getenv(netnsHelperEnv) != "" {
		t.Skip("helper process")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for network namespaces")
	}
	ipCmd, err := exec.LookPath("ip")
	if err != nil {
		t.Skip("needs the ip command")
	}
	var rnd [3]byte
	_, _ = rand.Read(rnd[:])
	id := hex.EncodeToString(rnd[:])
	srvNS, cliNS := "dhcpsrv-test-"+id+"-s", "dhcpsrv-test-"+id+"-c"
	srvIf, cliIf := "dsv"+id+"s", "dsv"+id+"c" // at most 15 characters
	ip := func(args ...string) {
		t.Helper()
		out, err := exec.Command(ipCmd, args...).CombinedOutput()
		require.NoError(t, err, "ip %s: %s", strings.Join(args, " "), out)
	}
	ip("netns", "add", srvNS)
	t.Cleanup(func() { _ = exec.Command(ipCmd, "netns", "del", srvNS).Run() })
	ip("netns", "add", cliNS)
	t.Cleanup(func() { _ = exec.Command(ipCmd, "netns", "del", cliNS).Run() })
	ip("-n", srvNS, "link", "add", srvIf, "type", "veth", "peer", "name", cliIf, "netns", cliNS)
	ip("-n", srvNS, "addr", "add", "192.0.2.1/24", "dev", srvIf)
	ip("-n", srvNS, "link", "set", srvIf, "up")
	ip("-n", srvNS, "link", "set", "lo", "up")
	ip("-n", cliNS, "link", "set", cliIf, "up")

	for _, tc := range []struct {
		socket    SocketType
		broadcast bool // the client sets the BROADCAST flag
	}{
		{SocketRaw, false},
		{SocketUDP, false},
		{SocketRaw, true},
	} {
		t.Run(fmt.Sprintf("%s/broadcast=%v", tc.socket, tc.broadcast), func(t *testing.T) {
			res := runNetnsExchange(t, ipCmd, srvNS, srvIf, cliNS, cliIf, tc.socket, tc.broadcast)
			require.Equal(t, "OFFER", res.Type)
			require.Equal(t, "192.0.2.100", res.Yiaddr)
			require.Equal(t, "192.0.2.1", res.IPSrc)
			require.EqualValues(t, 67, res.UDPSrc)
			require.EqualValues(t, 68, res.UDPDst)
			if tc.socket == SocketRaw && !tc.broadcast {
				// Unicast at L2 to chaddr, to yiaddr at L3: Kea's direct
				// response to a client without an address.
				require.Equal(t, res.ClientMAC, res.EthDst)
				require.Equal(t, "192.0.2.100", res.IPDst)
			} else {
				require.Equal(t, "ff:ff:ff:ff:ff:ff", res.EthDst)
				require.Equal(t, "255.255.255.255", res.IPDst)
			}
		})
	}
}

func runNetnsExchange(t *testing.T, ipCmd, srvNS, srvIf, cliNS, cliIf string, st SocketType, bcast bool) netnsResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	self, err := os.Executable()
	require.NoError(t, err)
	helper := func(ns string, env ...string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, ipCmd, "netns", "exec", ns, self, "-test.run=^TestNetnsHelper$", "-test.v")
		cmd.Env = append(os.Environ(), env...)
		cmd.Stderr = os.Stderr
		return cmd
	}

	srv := helper(srvNS, netnsHelperEnv+"=server", "HELPER_IF="+srvIf, "HELPER_SOCKET="+string(st))
	stdin, err := srv.StdinPipe()
	require.NoError(t, err)
	stdout, err := srv.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	defer func() {
		stdin.Close() // tells the server to shut down
		_ = srv.Wait()
	}()
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "READY") {
				ready <- nil
				_, _ = io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- fmt.Errorf("server helper exited before READY: %v", sc.Err())
	}()
	select {
	case err := <-ready:
		require.NoError(t, err)
	case <-ctx.Done():
		t.Fatal("server helper not ready")
	}

	cli := helper(cliNS, netnsHelperEnv+"=client", "HELPER_IF="+cliIf, fmt.Sprintf("HELPER_BROADCAST=%v", bcast))
	out, err := cli.Output()
	require.NoError(t, err, "client helper: %s", out)
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "RESULT "); ok {
			var res netnsResult
			require.NoError(t, json.Unmarshal([]byte(rest), &res))
			return res
		}
	}
	t.Fatalf("no result from the client helper: %s", out)
	return netnsResult{}
}

// TestNetnsHelper is the body of the helper processes; it is skipped in a
// normal run.
func TestNetnsHelper(t *testing.T) {
	switch os.Getenv(netnsHelperEnv) {
	case "server":
		netnsServer(t)
	case "client":
		netnsClient(t)
	default:
		t.Skip("only run as a helper of TestNetnsReplyRouting")
	}
}

func netnsServer(t *testing.T) {
	tr := NewTransport(Config{
		Interfaces: []string{os.Getenv("HELPER_IF")},
		SocketType: SocketType(os.Getenv("HELPER_SOCKET")),
		Workers:    1,
	}, &offerHandler{})
	require.NoError(t, tr.Listen(context.Background()))
	done := make(chan error, 1)
	go func() { done <- tr.Serve(context.Background()) }()
	fmt.Println("READY")
	_, _ = io.Copy(io.Discard, os.Stdin)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, tr.Shutdown(ctx))
	require.ErrorIs(t, <-done, ErrClosed)
}

func netnsClient(t *testing.T) {
	ifc, err := net.InterfaceByName(os.Getenv("HELPER_IF"))
	require.NoError(t, err)
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_IP)))
	require.NoError(t, err)
	defer unix.Close(fd)
	require.NoError(t, unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_IP), Ifindex: ifc.Index}))
	require.NoError(t, unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Sec: 1}))

	disc, err := dhcpv4.NewDiscovery(ifc.HardwareAddr)
	require.NoError(t, err)
	if os.Getenv("HELPER_BROADCAST") == "true" {
		disc.SetBroadcast()
	} else {
		disc.SetUnicast()
	}
	bcastMAC := net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	frame := appendFrame(nil, bcastMAC, ifc.HardwareAddr,
		netip.MustParseAddrPort("0.0.0.0:68"), netip.MustParseAddrPort("255.255.255.255:67"), disc.ToBytes())
	sa := &unix.SockaddrLinklayer{Ifindex: ifc.Index, Protocol: htons(unix.ETH_P_IP), Halen: 6}
	copy(sa.Addr[:], bcastMAC)

	buf := make([]byte, 2048)
	deadline := time.Now().Add(10 * time.Second)
	for attempt := 0; time.Now().Before(deadline); attempt++ {
		if attempt%3 == 0 { // retransmit, as a client does
			require.NoError(t, unix.Sendto(fd, frame, 0, sa))
		}
		for {
			n, from, err := unix.Recvfrom(fd, buf, 0)
			if err != nil {
				break // timeout: retransmit
			}
			if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
				continue
			}
			res, ok := parseReplyFrame(buf[:n], disc.TransactionID)
			if !ok {
				continue
			}
			res.ClientMAC = ifc.HardwareAddr.String()
			b, _ := json.Marshal(res)
			fmt.Printf("RESULT %s\n", b)
			return
		}
	}
	t.Fatal("no reply captured")
}

// parseReplyFrame decodes an Ethernet/IPv4/UDP frame carrying a BOOTREPLY
// with the given transaction ID.
func parseReplyFrame(f []byte, xid dhcpv4.TransactionID) (netnsResult, bool) {
	var r netnsResult
	if len(f) < 14+20+8 || binary.BigEndian.Uint16(f[12:14]) != etherTypeIPv4 {
		return r, false
	}
	ip := f[14:]
	ihl := int(ip[0]&0x0f) * 4
	if ip[9] != 17 || len(ip) < ihl+8 {
		return r, false
	}
	u := ip[ihl:]
	if binary.BigEndian.Uint16(u[2:4]) != 68 {
		return r, false
	}
	m, err := dhcpv4.FromBytes(u[8:])
	if err != nil || m.OpCode != dhcpv4.OpcodeBootReply || m.TransactionID != xid {
		return r, false
	}
	r.EthDst = net.HardwareAddr(f[0:6]).String()
	r.EthSrc = net.HardwareAddr(f[6:12]).String()
	r.IPSrc = netip.AddrFrom4([4]byte(ip[12:16])).String()
	r.IPDst = netip.AddrFrom4([4]byte(ip[16:20])).String()
	r.UDPSrc = binary.BigEndian.Uint16(u[0:2])
	r.UDPDst = binary.BigEndian.Uint16(u[2:4])
	r.Type = m.MessageType().String()
	r.Yiaddr = m.YourIPAddr.String()
	r.Broadcast = m.IsBroadcast()
	return r, true
}
