// Package dhcptest runs a real DHCPv4 server in the process of a test, for
// people who test DHCP clients, relay agents and tooling, and a small
// client to run exchanges against it.
//
// NewServer4 starts a dhcp4srv.Server (the SDK's full message handling:
// the allocation engine, reservations, options, classes) with an
// in-memory lease store, serving a UDP socket on 127.0.0.1 with an
// ephemeral port, and stops it with t.Cleanup:
//
//	s := dhcptest.NewServer4(t, dhcptest.WithSubnet("192.0.2.0/24", "192.0.2.100 - 192.0.2.199"),
//		dhcptest.WithOption("routers", "192.0.2.1"))
//	ack, err := s.Client().DORA(ctx, mac)
//
// It is configured from a few options (WithSubnet, WithOption,
// WithReservation, WithLeaseTime) or from a whole Kea "Dhcp4" configuration
// (WithKeaConfig).
//
// # How the loopback server stands for a link
//
// On loopback there are no broadcasts to port 68 and the client has no
// address on the served subnet, so the server works in two ways Kea's
// tests also use:
//
//   - Replies go back to the request's source address and port
//     (dhcp4srv.Config.SendToSource, Kea's
//     KEA_TEST_SEND_RESPONSES_TO_SOURCE), whatever DHCP's routing rules
//     say: a client under test sends from 127.0.0.1 and any port and
//     reads its replies on that socket.
//   - The server behaves as if it were attached to the first subnet of its
//     configuration (lowest id) through an interface "dhcptest0" whose
//     address is Server4.ServerAddr (the subnet's first address unless
//     WithServerAddr says otherwise). A request that is not relayed, and
//     is not a unicast from a client that has an address (ciaddr set,
//     BROADCAST flag clear: RENEWING, RELEASE, INFORM), counts as received
//     by broadcast on that interface; the latter counts as sent to
//     ServerAddr. So subnet selection, the server identifier and the
//     RENEWING/REBINDING distinction work as on a real link. A request
//     with giaddr set is a relayed one, and selects its subnet by giaddr
//     as usual: a test can play a relay agent by setting giaddr (and
//     option 82) itself.
//
// # The client
//
// Server4.Client returns a Client with its own socket. Its methods build
// the requests with insomniacslk/dhcp (as a real client would), send them
// to the server and wait for the reply with the same transaction id.
// A Client is for one goroutine; take one per goroutine for parallel
// exchanges.
package dhcptest
