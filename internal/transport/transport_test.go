package transport

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/internal/pipeline"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

var (
	errClosed  = errors.New("test: closed")
	errNoIface = errors.New("test: no such interface")
	v4         = Family{Name: "test4", ErrClosed: errClosed, ErrNoInterface: errNoIface}
	v6         = Family{Name: "test6", IPv6: true, ErrClosed: errClosed, ErrNoInterface: errNoIface}
)

func TestResolve(t *testing.T) {
	all := []net.Interface{{Index: 1, Name: "lo", Flags: net.FlagUp | net.FlagLoopback}}
	for _, f := range []Family{v4, v6} {
		_, err := f.Resolve([]string{"nope0"}, all)
		require.ErrorIs(t, err, errNoIface)
		_, err = f.Resolve([]string{"lo/bad"}, all)
		require.ErrorContains(t, err, f.Name+": interface")
		bs, err := f.Resolve([]string{"*"}, all)
		require.NoError(t, err)
		require.Nil(t, bs, "loopback is not part of *")
	}
	_, err := v6.Resolve([]string{"lo/192.0.2.1"}, all)
	require.ErrorContains(t, err, "bad IPv6 address")
	_, err = v4.Resolve([]string{"lo/2001:db8::1"}, all)
	require.ErrorContains(t, err, "bad IPv4 address")
}

func TestResolveLoopback(t *testing.T) {
	lo, err := loopback()
	if err != nil {
		t.Skip(err)
	}
	bs, err := v4.ResolveSystem([]string{lo, lo + "/127.0.0.1", lo + "/127.0.0.1"})
	require.NoError(t, err)
	require.Len(t, bs, 1, "bound once")
	require.Equal(t, []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.1")}, bs[0].Addrs)
	require.True(t, bs[0].Interface.Loopback)
	for _, p := range bs[0].Interface.Addrs {
		require.True(t, p.Addr().Is4())
	}

	var c IfaceCache
	c.Family = v4
	ifc := c.Get(bs[0].Interface.Index)
	require.NotNil(t, ifc)
	require.Same(t, ifc, c.Get(ifc.Index), "cached")
	require.Nil(t, c.Get(0))
}

func loopback() (string, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return "", err
	}
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback != 0 {
			return i.Name, nil
		}
	}
	return "", errors.New("no loopback interface")
}

type testPacket struct {
	data byte
}

// testConn yields the bytes of its channel, one packet each.
type testConn struct {
	in   chan byte
	done chan struct{}
	sent bool
}

func (c *testConn) Read(p *testPacket) error {
	select {
	case b := <-c.in:
		p.data = b
		return nil
	case <-c.done:
		return net.ErrClosed
	}
}

func (c *testConn) Close() {
	select {
	case <-c.done:
	default:
		close(c.done)
	}
}

func (c *testConn) CloseSend() { c.sent = true }

func TestLoop(t *testing.T) {
	m := stats.New()
	cnt := NewCounters(m, "pkt9")
	handled := make(chan byte, 10)
	loop := NewLoop[testPacket, *testConn](Config[testPacket]{
		Family:   v4,
		Pipeline: pipeline.Config{Workers: 2, QueueSize: 8},
		Log:      discard(),
		Counters: &cnt,
		Packets:  pipeline.NewPool(func() *testPacket { return new(testPacket) }),
		Key:      func(p *testPacket) uint64 { return uint64(p.data) },
		Source:   func(*testPacket) netip.AddrPort { return netip.AddrPort{} },
		Handle: func(ctx context.Context, p *testPacket) {
			if p.data == 0 {
				panic("zero")
			}
			handled <- p.data
		},
		Release: func(*testPacket) {},
	})
	require.Zero(t, loop.Workers())
	c := &testConn{in: make(chan byte), done: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- loop.ServeConn(context.Background(), c) }()
	c.in <- 0
	c.in <- 7
	require.Equal(t, byte(7), <-handled)
	require.NoError(t, loop.Shutdown(context.Background()))
	require.ErrorIs(t, <-done, errClosed)
	<-loop.Done()
	require.EqualValues(t, 1, loop.Panics())
	require.EqualValues(t, 2, m.Int("pkt9-received").Load())
	require.True(t, c.sent, "send sockets closed after the drain")
	require.ErrorIs(t, loop.ServeConn(context.Background(), &testConn{done: make(chan struct{})}), errClosed)
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
