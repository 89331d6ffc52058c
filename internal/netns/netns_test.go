package netns

import (
	"context"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestVethAndDo links two namespaces, opens a UDP socket inside one with Do
// and reaches it with a datagram sent from a socket
// opened in the other namespace.
func TestVethAndDo(t *testing.T) {
	srv, cli := New(t, "dhcpsrv-nt"), New(t, "dhcpsrv-nt")
	a := &End{NS: srv, Name: "srv0", Addr: netip.MustParsePrefix("192.0.2.1/24")}
	b := &End{NS: cli, Name: "cli0", Addr: netip.MustParsePrefix("192.0.2.2/24")}
	Veth(t, a, b)
	require.NotEmpty(t, a.MAC)
	require.NotEqual(t, a.MAC, b.MAC)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := cli.Run(ctx, "ip", "-br", "addr", "show", "cli0")
	require.NoError(t, err)
	require.Contains(t, out, "192.0.2.2/24")
	_, err = cli.Run(ctx, "false")
	require.Error(t, err)

	var pc net.PacketConn
	require.NoError(t, srv.Do(func() (err error) {
		pc, err = net.ListenPacket("udp4", "192.0.2.1:0")
		return err
	}))
	defer pc.Close()
	var sender net.PacketConn
	require.NoError(t, cli.Do(func() (err error) {
		sender, err = net.ListenPacket("udp4", "192.0.2.2:0")
		return err
	}))
	defer sender.Close()
	_, err = sender.WriteTo([]byte("hello"), pc.LocalAddr())
	require.NoError(t, err)
	require.NoError(t, pc.SetReadDeadline(time.Now().Add(10*time.Second)))
	buf := make([]byte, 16)
	n, from, err := pc.ReadFrom(buf)
	require.NoError(t, err)
	require.Equal(t, "hello", string(buf[:n]))
	require.Equal(t, "192.0.2.2", from.(*net.UDPAddr).IP.String())

	// The host namespace has no such address: the socket really lives in srv.
	_, err = net.ListenPacket("udp4", "192.0.2.1:0")
	require.Error(t, err)
}

// TestCleanupKillsLeftovers checks that a process left running inside a
// namespace (a daemonized client, say) does not outlive the test.
func TestCleanupKillsLeftovers(t *testing.T) {
	Require(t)
	var pid int
	t.Run("leave a process behind", func(t *testing.T) {
		ns := New(t, "dhcpsrv-nt")
		cmd := ns.Command(context.Background(), "sleep", "300")
		require.NoError(t, cmd.Start())
		pid = cmd.Process.Pid
		go func() { _ = cmd.Wait() }() // reap it once killed
	})
	require.NotZero(t, pid)
	require.Eventually(t, func() bool {
		return syscall.Kill(pid, 0) != nil
	}, 10*time.Second, 20*time.Millisecond, "process %d still alive", pid)
}
