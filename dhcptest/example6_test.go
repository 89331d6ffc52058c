package dhcptest_test

import (
	"context"
	"fmt"

	"github.com/dhcpsrv/dhcpsrv/dhcptest"
)

// A SOLICIT/ADVERTISE/REQUEST/REPLY exchange for an address and a
// delegated prefix against an in-process DHCPv6 server.
func ExampleNewServer6() {
	// In a test: s := dhcptest.NewServer6(t)
	t := exampleT
	s := dhcptest.NewServer6(t)
	reply, err := s.Client().SARR(context.Background(), []byte{0, 3, 0, 1, 2, 0, 0, 0, 0, 1}, dhcptest.WithPD(2))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(dhcptest.Addrs(reply), dhcptest.Prefixes(reply))
	// Output: [2001:db8:1::100] [2001:db8:8000::/56]
}
