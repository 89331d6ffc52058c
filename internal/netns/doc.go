// Package netns creates Linux network namespaces and veth links for tests
// that need a real network between a DHCP server and real clients, without
// touching the host's interfaces. Everything a test creates is removed by
// t.Cleanup.
//
// Only the test ranges 192.0.2.0/24, 198.18.0.0/15 and 2001:db8::/32 belong
// on these links.
package netns
