package d2client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/stats"
	"github.com/stretchr/testify/require"
)

func ncrFor(t testing.TB, i int) *NCR {
	n := &NCR{
		ChangeType: ChangeAdd, Forward: true, Reverse: true,
		FQDN:        fmt.Sprintf("host%d.example.org.", i),
		IPAddress:   netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}),
		DHCID:       DHCID{0, 0, 1, byte(i)},
		LeaseLength: 600,
	}
	require.NoError(t, n.Validate())
	return n
}

func TestUDPSenderDatagrams(t *testing.T) {
	ln, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer ln.Close()
	st := stats.New()
	s, err := NewUDPSender(UDPConfig{
		Server: ln.LocalAddr().(*net.UDPAddr).AddrPort(),
		Local:  netip.MustParseAddrPort("127.0.0.1:0"),
		Queue:  QueueConfig{Stats: st},
	})
	require.NoError(t, err)
	defer s.Close()
	ctx := context.Background()
	for i := 1; i <= 5; i++ {
		require.NoError(t, s.Send(ctx, ncrFor(t, i)))
	}
	buf := make([]byte, 4096)
	for i := 1; i <= 5; i++ {
		require.NoError(t, ln.SetReadDeadline(time.Now().Add(5*time.Second)))
		n, from, err := ln.ReadFromUDPAddrPort(buf)
		require.NoError(t, err)
		require.Equal(t, s.LocalAddr(), from)
		got, err := ParseWire(buf[:n])
		require.NoError(t, err)
		require.Equal(t, ncrFor(t, i).FQDN, got.FQDN, "in order")
	}
	require.NoError(t, s.Flush(ctx))
	v, _ := st.Get(StatNCRSent)
	require.Equal(t, int64(5), v.Int)

	// Invalid requests are refused at Send.
	bad := ncrFor(t, 1)
	bad.Forward, bad.Reverse = false, false
	require.ErrorIs(t, s.Send(ctx, bad), ErrInvalidNCR)
	require.ErrorIs(t, s.Send(ctx, nil), ErrInvalidNCR)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	require.ErrorIs(t, s.Send(cctx, ncrFor(t, 1)), context.Canceled)
	require.NoError(t, s.Close())
	require.ErrorIs(t, s.Send(ctx, ncrFor(t, 1)), ErrClosed)
	require.NoError(t, s.Close())
}

func TestUDPConfigFromKea(t *testing.T) {
	c, err := UDPConfigFromKea(&cfgmgr.DDNSConfig{EnableUpdates: true, MaxQueueSize: 7, NCRProtocol: "UDP", NCRFormat: "JSON"})
	require.NoError(t, err)
	require.Equal(t, DefaultD2Server, c.Server)
	require.Equal(t, netip.MustParseAddrPort("0.0.0.0:0"), c.Local)
	require.Equal(t, 7, c.Queue.MaxQueueSize)
	c, err = UDPConfigFromKea(&cfgmgr.DDNSConfig{ServerIP: netip.MustParseAddr("::1"), ServerPort: 5301})
	require.NoError(t, err)
	require.Equal(t, netip.MustParseAddrPort("[::]:0"), c.Local)
	for _, bad := range []cfgmgr.DDNSConfig{
		{NCRProtocol: "TCP"},
		{NCRFormat: "XML"},
		{ServerIP: netip.MustParseAddr("::1"), SenderIP: netip.MustParseAddr("127.0.0.1")},
		{ServerIP: netip.MustParseAddr("127.0.0.1"), ServerPort: 53001, SenderIP: netip.MustParseAddr("127.0.0.1"), SenderPort: 53001},
	} {
		_, err := UDPConfigFromKea(&bad)
		require.Error(t, err, "%+v", bad)
	}
	_, err = UDPConfigFromKea(nil)
	require.Error(t, err)
}

// fakeDeliver fails while failing is set and records what it delivers.
type fakeDeliver struct {
	mu      sync.Mutex
	got     []string
	failing atomic.Bool
	gate    chan struct{} // if not nil, deliver waits on it
	calls   atomic.Int64
}

func (f *fakeDeliver) deliver(ctx context.Context, n *NCR) error {
	f.calls.Add(1)
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if f.failing.Load() {
		return errors.New("network is down")
	}
	f.mu.Lock()
	f.got = append(f.got, n.FQDN)
	f.mu.Unlock()
	return nil
}

func (f *fakeDeliver) names() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.got...)
}

func statInt(st *stats.Manager, name string) int64 {
	v, _ := st.Get(name)
	return v.Int
}

func TestQueueRetryDropOldest(t *testing.T) {
	st := stats.New()
	f := &fakeDeliver{gate: make(chan struct{})}
	q := newQueue(QueueConfig{MaxQueueSize: 3, Stats: st, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}, f.deliver)
	defer q.Close()
	ctx := context.Background()
	// The worker takes host1 and blocks; 2,3,4 fill the queue; 5 and 6 push
	// out 2 and 3.
	require.NoError(t, q.Send(ctx, ncrFor(t, 1)))
	require.Eventually(t, func() bool { return f.calls.Load() == 1 }, 5*time.Second, time.Millisecond)
	for i := 2; i <= 6; i++ {
		require.NoError(t, q.Send(ctx, ncrFor(t, i)))
	}
	require.Equal(t, 3, q.QueueLen())
	require.Equal(t, int64(2), statInt(st, StatNCRQueueFull))
	require.Equal(t, int64(2), statInt(st, StatNCRDropped))
	// Failures are retried with backoff, without blocking Send.
	f.failing.Store(true)
	close(f.gate)
	require.Eventually(t, func() bool { return statInt(st, StatNCRError) >= 3 }, 5*time.Second, time.Millisecond)
	require.NoError(t, q.Send(ctx, ncrFor(t, 7))) // drops host4
	f.failing.Store(false)
	require.NoError(t, q.Flush(ctx))
	require.Equal(t, []string{"host1.example.org.", "host5.example.org.", "host6.example.org.", "host7.example.org."}, f.names())
	require.Equal(t, int64(4), statInt(st, StatNCRSent))
	require.Equal(t, int64(3), statInt(st, StatNCRDropped))
	require.False(t, q.Suspended())
}

func TestQueueRetryDropNewest(t *testing.T) {
	st := stats.New()
	f := &fakeDeliver{gate: make(chan struct{})}
	q := newQueue(QueueConfig{MaxQueueSize: 2, Overflow: DropNewest, Stats: st}, f.deliver)
	defer q.Close()
	ctx := context.Background()
	require.NoError(t, q.Send(ctx, ncrFor(t, 1)))
	require.Eventually(t, func() bool { return f.calls.Load() == 1 }, 5*time.Second, time.Millisecond)
	require.NoError(t, q.Send(ctx, ncrFor(t, 2)))
	require.NoError(t, q.Send(ctx, ncrFor(t, 3)))
	require.ErrorIs(t, q.Send(ctx, ncrFor(t, 4)), ErrQueueFull)
	close(f.gate)
	require.NoError(t, q.Flush(ctx))
	require.Equal(t, []string{"host1.example.org.", "host2.example.org.", "host3.example.org."}, f.names())
	require.Equal(t, int64(1), statInt(st, StatNCRQueueFull))
	require.Equal(t, int64(1), statInt(st, StatNCRDropped))
}

func TestQueueSuspendOnError(t *testing.T) {
	st := stats.New()
	f := &fakeDeliver{gate: make(chan struct{})}
	f.failing.Store(true)
	q := newQueue(QueueConfig{Policy: PolicySuspend, Stats: st}, f.deliver)
	defer q.Close()
	ctx := context.Background()
	require.NoError(t, q.Send(ctx, ncrFor(t, 1)))
	require.Eventually(t, func() bool { return f.calls.Load() == 1 }, 5*time.Second, time.Millisecond)
	require.NoError(t, q.Send(ctx, ncrFor(t, 2)))
	close(f.gate)
	require.Eventually(t, q.Suspended, 5*time.Second, time.Millisecond)
	require.NoError(t, q.Flush(ctx))
	require.ErrorIs(t, q.Send(ctx, ncrFor(t, 3)), ErrSuspended)
	require.Equal(t, int64(1), f.calls.Load(), "no retry, queue discarded")
	require.Equal(t, int64(3), statInt(st, StatNCRDropped))
	q.Resume()
	f.failing.Store(false)
	require.NoError(t, q.Send(ctx, ncrFor(t, 4)))
	require.NoError(t, q.Flush(ctx))
	require.Equal(t, []string{"host4.example.org."}, f.names())
}

func TestQueueSuspendOnFull(t *testing.T) {
	f := &fakeDeliver{gate: make(chan struct{})}
	q := newQueue(QueueConfig{Policy: PolicySuspend, MaxQueueSize: 1}, f.deliver)
	defer q.Close()
	ctx := context.Background()
	require.NoError(t, q.Send(ctx, ncrFor(t, 1)))
	require.Eventually(t, func() bool { return f.calls.Load() == 1 }, 5*time.Second, time.Millisecond)
	require.NoError(t, q.Send(ctx, ncrFor(t, 2)))
	require.ErrorIs(t, q.Send(ctx, ncrFor(t, 3)), ErrQueueFull)
	require.True(t, q.Suspended())
	require.Equal(t, 0, q.QueueLen())
	close(f.gate)
}

func TestQueuePermanentErrorAndClose(t *testing.T) {
	st := stats.New()
	var calls atomic.Int64
	q := newQueue(QueueConfig{Stats: st, DrainTimeout: 50 * time.Millisecond}, func(ctx context.Context, n *NCR) error {
		calls.Add(1)
		if n.FQDN == "host1.example.org." {
			return permanent(fmt.Errorf("update: %w", ErrConflict))
		}
		<-ctx.Done() // hangs until Close's drain time is over
		return ctx.Err()
	})
	ctx := context.Background()
	require.NoError(t, q.Send(ctx, ncrFor(t, 1)))
	require.Eventually(t, func() bool { return statInt(st, StatNCRConflict) == 1 }, 5*time.Second, time.Millisecond)
	require.Equal(t, int64(1), calls.Load(), "no retry of a permanent failure")
	require.NoError(t, q.Send(ctx, ncrFor(t, 2)))
	require.NoError(t, q.Send(ctx, ncrFor(t, 3)))
	start := time.Now()
	require.NoError(t, q.Close())
	require.Less(t, time.Since(start), 5*time.Second)
	require.Equal(t, int64(3), statInt(st, StatNCRDropped))
}
