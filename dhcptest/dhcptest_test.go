package dhcptest_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/dhcptest"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

func hw(i int) net.HardwareAddr { return net.HardwareAddr{2, 0, 0, 0, byte(i >> 8), byte(i)} }

func TestLifecycle(t *testing.T) {
	s := dhcptest.NewServer4(t, dhcptest.WithOption("routers", "192.0.2.1"), dhcptest.WithLeaseTime(time.Hour))
	c := s.Client()
	ctx := context.Background()

	ack, err := c.DORA(ctx, hw(1))
	require.NoError(t, err)
	require.Equal(t, "192.0.2.100", ack.YourIPAddr.String())
	require.Equal(t, s.ServerAddr().String(), ack.ServerIdentifier().String())
	require.Equal(t, time.Hour, ack.IPAddressLeaseTime(0))

	r, err := c.Renew(ctx, ack)
	require.NoError(t, err)
	require.Equal(t, dhcpv4.MessageTypeAck, r.MessageType())
	require.Equal(t, ack.YourIPAddr.String(), r.YourIPAddr.String())

	r, err = c.Rebind(ctx, ack)
	require.NoError(t, err)
	require.Equal(t, dhcpv4.MessageTypeAck, r.MessageType())

	r, err = c.InitReboot(ctx, hw(1), ack.YourIPAddr)
	require.NoError(t, err)
	require.Equal(t, dhcpv4.MessageTypeAck, r.MessageType())

	inf, err := c.Inform(ctx, hw(1), ack.YourIPAddr, dhcpv4.WithRequestedOptions(dhcpv4.OptionRouter))
	require.NoError(t, err)
	require.Equal(t, dhcpv4.MessageTypeAck, inf.MessageType())
	require.Equal(t, "192.0.2.1", inf.Router()[0].String())

	require.NoError(t, c.Release(ctx, ack))
	// The next exchange of the client is handled after the release.
	_, err = c.Inform(ctx, hw(1), ack.YourIPAddr)
	require.NoError(t, err)
	l, err := s.Leases().Lease4(ctx, netip.MustParseAddr("192.0.2.100"))
	require.NoError(t, err)
	require.Equal(t, leasemgr.StateReleased, l.State, "released, kept for lease affinity")

	ack, err = c.DORA(ctx, hw(2))
	require.NoError(t, err)
	require.NoError(t, c.Decline(ctx, ack))
	ack2, err := c.DORA(ctx, hw(2))
	require.NoError(t, err)
	require.NotEqual(t, ack.YourIPAddr.String(), ack2.YourIPAddr.String())

	require.Positive(t, s.Stats.Int("pkt4-ack-sent").Load())
}

func TestKeaConfigAndRelay(t *testing.T) {
	s := dhcptest.NewServer4(t, dhcptest.WithKeaConfig(`{"Dhcp4": {
		// comments are allowed
		"authoritative": true,
		"subnet4": [
			{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.10 - 192.0.2.10"}]},
			{"id": 2, "subnet": "198.18.0.0/24", "pools": [{"pool": "198.18.0.50 - 198.18.0.60"}]}
		]}}`))
	c := s.Client()
	c.Timeout = 300 * time.Millisecond
	ctx := context.Background()

	ack, err := c.DORA(ctx, hw(1))
	require.NoError(t, err)
	require.Equal(t, "192.0.2.10", ack.YourIPAddr.String())

	// Pool exhausted: no OFFER.
	_, err = c.DORA(ctx, hw(2))
	require.ErrorIs(t, err, dhcptest.ErrNoReply)

	// Authoritative: INIT-REBOOT for an unknown address gets a NAK.
	r, err := c.InitReboot(ctx, hw(3), net.IPv4(192, 0, 2, 77))
	require.NoError(t, err)
	require.Equal(t, dhcpv4.MessageTypeNak, r.MessageType())

	// Play a relay agent on 198.18.0.1: subnet 2.
	relay := []dhcpv4.Modifier{dhcpv4.WithGatewayIP(net.IPv4(198, 18, 0, 1)),
		dhcpv4.WithOption(dhcpv4.OptRelayAgentInfo(dhcpv4.OptGeneric(dhcpv4.GenericOptionCode(1), []byte("eth7"))))}
	ack, err = c.DORA(ctx, hw(4), relay...)
	require.NoError(t, err)
	require.Equal(t, "198.18.0.50", ack.YourIPAddr.String())
	require.NotNil(t, ack.RelayAgentInfo())
}

func TestReservation(t *testing.T) {
	s := dhcptest.NewServer4(t, dhcptest.WithSubnet("198.18.4.0/26", ""),
		dhcptest.WithReservation("02:00:00:00:00:09", "198.18.4.9", "nine"))
	ack, err := s.Client().DORA(context.Background(), hw(9))
	require.NoError(t, err)
	require.Equal(t, "198.18.4.9", ack.YourIPAddr.String())
	require.Equal(t, "nine", ack.HostName())
	require.Equal(t, "198.18.4.1", ack.ServerIdentifier().String())
}

func TestLeaseFile(t *testing.T) {
	s := dhcptest.NewServer4(t, dhcptest.WithLeaseFile(""))
	_, err := s.Client().DORA(context.Background(), hw(1))
	require.NoError(t, err)
}

func TestParallelClients(t *testing.T) {
	s := dhcptest.NewServer4(t, dhcptest.WithSubnet("198.18.0.0/16", "198.18.1.0 - 198.18.200.255"))
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]bool{}
	for g := 0; g < 8; g++ {
		c := s.Client()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				ack, err := c.DORA(context.Background(), hw(g*100+i))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[ack.YourIPAddr.String()] {
					t.Errorf("address %s given twice", ack.YourIPAddr)
				}
				seen[ack.YourIPAddr.String()] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Len(t, seen, 200)
}

// BenchmarkDORALoopback measures DORA exchanges per second over loopback,
// clients in parallel (one socket each).
func BenchmarkDORALoopback(b *testing.B) {
	s := dhcptest.NewServer4(b, dhcptest.WithSubnet("198.18.0.0/15", "198.18.0.1 - 198.19.255.254"))
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := s.Client()
		for pb.Next() {
			i := next.Add(1)
			m := net.HardwareAddr{2, 1, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
			if _, err := c.DORA(context.Background(), m); err != nil {
				b.Error(fmt.Errorf("DORA %d: %w", i, err))
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "DORA/s")
}
