package dhcp4srv_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"github.com/dhcpsrv/dhcpsrv/dhcp4srv"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

// A trivial handler on an ephemeral loopback port, as a test fixture would
// run it: every DISCOVER gets an OFFER of 192.0.2.100, sent back to the
// source because broadcasts do not reach a client on loopback.
func ExampleTransport_ServeConn() {
	h := dhcp4srv.HandlerFunc(func(ctx context.Context, w dhcp4srv.ResponseWriter, req *dhcpv4.DHCPv4) {
		if req.MessageType() != dhcpv4.MessageTypeDiscover {
			return
		}
		reply, err := dhcpv4.NewReplyFromRequest(req,
			dhcpv4.WithMessageType(dhcpv4.MessageTypeOffer),
			dhcpv4.WithYourIP(net.IPv4(192, 0, 2, 100)),
			dhcpv4.WithOption(dhcpv4.OptServerIdentifier(net.IPv4(192, 0, 2, 1))))
		if err != nil {
			return
		}
		_ = w.Write(reply)
	})
	st := stats.New()
	tr := dhcp4srv.NewTransport(dhcp4srv.Config{SendToSource: true, Workers: 2}, h, dhcp4srv.WithStats(st))

	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	go tr.ServeConn(context.Background(), pc)

	// A client.
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	disc, _ := dhcpv4.NewDiscovery(net.HardwareAddr{0x02, 0, 0, 0, 0, 1})
	c.WriteTo(disc.ToBytes(), pc.LocalAddr())
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1500)
	n, _, err := c.ReadFrom(buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	offer, _ := dhcpv4.FromBytes(buf[:n])
	fmt.Println(offer.MessageType(), offer.YourIPAddr)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tr.Shutdown(ctx)
	fmt.Println("received:", st.Int(dhcp4srv.StatPkt4Received).Load(), "sent:", st.Int(dhcp4srv.StatPkt4Sent).Load())
	// Output:
	// OFFER 192.0.2.100
	// received: 1 sent: 1
}
