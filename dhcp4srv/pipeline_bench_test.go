package dhcp4srv

import (
	"bytes"
	"context"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// BenchmarkLoopbackExchange measures receive → parse → handler → reply
// over UDP on 127.0.0.1: each op is one DISCOVER sent and its OFFER read
// back, by parallel clients (one socket each). Allocations include the
// transport's and the test handler's (dhcpv4 parse and reply build).
func BenchmarkLoopbackExchange(b *testing.B) {
	tr := NewTransport(Config{SendToSource: true}, &offerHandler{})
	pc := listenLoopback(b)
	srv := pc.LocalAddr().(*net.UDPAddr).AddrPort()
	done := make(chan error, 1)
	go func() { done <- tr.ServeConn(context.Background(), pc) }()
	defer func() {
		tr.Shutdown(context.Background())
		<-done
	}()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			b.Error(err)
			return
		}
		defer c.Close()
		mac := net.HardwareAddr{0x02, 0, 0, byte(c.LocalAddr().(*net.UDPAddr).Port >> 8), byte(c.LocalAddr().(*net.UDPAddr).Port), 1}
		d, err := dhcpv4.NewDiscovery(mac)
		if err != nil {
			b.Error(err)
			return
		}
		req := d.ToBytes()
		buf := make([]byte, 1500)
		for pb.Next() {
			if _, err := c.WriteToUDPAddrPort(req, srv); err != nil {
				b.Error(err)
				return
			}
			for {
				_ = c.SetReadDeadline(time.Now().Add(time.Second))
				n, _, err := c.ReadFromUDPAddrPort(buf)
				if err != nil { // lost under load: send again
					if _, err := c.WriteToUDPAddrPort(req, srv); err != nil {
						b.Error(err)
						return
					}
					continue
				}
				if n > 8 && bytes.Equal(buf[4:8], req[4:8]) {
					break
				}
			}
		}
	})
}

// BenchmarkTransportDispatch measures the in-process path without sockets:
// key a raw request, queue it, parse it on a worker and call a no-op
// handler. Each op is one request.
func BenchmarkTransportDispatch(b *testing.B) {
	var handled = make(chan struct{}, 1024)
	tr := NewTransport(Config{QueueSize: 4096, DropNewest: true}, HandlerFunc(func(context.Context, ResponseWriter, *dhcpv4.DHCPv4) {
		handled <- struct{}{}
	}))
	tr.start()
	l := &listener{t: tr}
	d, _ := dhcpv4.NewDiscovery(testMAC)
	raw := d.ToBytes()
	go func() {
		for range b.N {
			<-handled
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p := tr.pkts.Get()
		p.reset()
		p.l = l
		raw[31] = byte(i) // spread clients over the workers
		p.n = copy(p.buf[:], raw)
		for !tr.pipe.Submit(clientKey(p.buf[:p.n], p.src), p) {
			runtime.Gosched() // queue full: let the workers run
			p = tr.pkts.Get()
			p.reset()
			p.l = l
			p.n = copy(p.buf[:], raw)
		}
	}
	b.StopTimer()
	tr.Shutdown(context.Background())
}
