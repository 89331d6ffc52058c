// Package dhcptest runs a real DHCPv4 or DHCPv6 server in the process of a
// test, for people who test DHCP clients, relay agents and tooling, and a
// small client to run exchanges against it.
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
// NewServer6 is its DHCPv6 counterpart: a dhcp6srv.Server with an
// in-memory lease store (WithLeaseFile6 persists it to a Kea CSV file),
// serving a UDP socket on [::1] with an ephemeral port, configured by
// DefaultConfig6 (subnet 2001:db8:1::/64 with an address pool and a
// pd-pool of /56 prefixes) or by a whole Kea "Dhcp6" configuration
// (WithKeaConfig6). Server6.Client returns a Client6, whose methods run
// the DHCPv6 exchanges (Solicit and SolicitPD, Request, SARR and SARRPD,
// Renew, Rebind, Release, Decline, Confirm, InformationRequest; WithNA
// and WithPD add identity associations) and return the server's reply;
// Addrs and Prefixes read what it assigned:
//
//	s := dhcptest.NewServer6(t)
//	reply, err := s.Client().SARR(ctx, duid, dhcptest.WithPD(2))
//	fmt.Println(dhcptest.Addrs(reply), dhcptest.Prefixes(reply)) // [2001:db8:1::100] [2001:db8:8000::/56]
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
// The DHCPv6 server works the same way: replies go to the request's
// source (dhcp6srv.Config.SendToSource), and a request that is not relayed
// counts as received on the link of the first subnet (through an interface
// LinkInterface6, or the one the subnet names). A relayed request selects
// its subnet by its relays' link-addresses and interface-ids: setting
// Client6.LinkAddr (and InterfaceID) makes the client wrap its requests in
// a RELAY-FORW and unwrap the RELAY-REPL, as a relay agent on that link
// would.
//
// # The client
//
// Server4.Client returns a Client, Server6.Client a Client6, each with its
// own socket. Their methods build the requests with insomniacslk/dhcp (as a
// real client would), send them to the server and wait for the reply with
// the same transaction id. A client is for one goroutine; take one per
// goroutine for parallel exchanges. NewClient and NewClient6 make clients
// of any server that replies to the source address.
package dhcptest
