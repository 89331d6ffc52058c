package dhcptest_test

import (
	"context"
	"fmt"
	"net"
	"testing"

	"github.com/dhcpsrv/dhcpsrv/dhcptest"
)

// exampleT stands for the *testing.T of a real test.
var exampleT testing.TB = &testing.T{}

func ExampleNewServer4() {
	// In a test: func TestMyClient(t *testing.T) { s := dhcptest.NewServer4(t, ...) ... }
	t := exampleT
	s := dhcptest.NewServer4(t,
		dhcptest.WithSubnet("192.0.2.0/24", "192.0.2.100 - 192.0.2.199"),
		dhcptest.WithOption("routers", "192.0.2.1"),
		dhcptest.WithReservation("02:00:00:00:00:2a", "192.0.2.42", "printer"),
	)
	c := s.Client()
	ctx := context.Background()

	ack, err := c.DORA(ctx, net.HardwareAddr{2, 0, 0, 0, 0, 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ack.MessageType(), ack.YourIPAddr, "router", ack.Router()[0], "server", ack.ServerIdentifier())

	ack, _ = c.DORA(ctx, net.HardwareAddr{2, 0, 0, 0, 0, 0x2a})
	fmt.Println(ack.YourIPAddr, ack.HostName())
	// Output:
	// ACK 192.0.2.100 router 192.0.2.1 server 192.0.2.1
	// 192.0.2.42 printer
}
