// Package transport is the socket layer that dhcp4srv and dhcp6srv share:
// the packet loop that owns a server's listening sockets, their reader
// goroutines, the internal/pipeline of workers, and its shutdown and drain
// (Loop); the socket options and wildcard binding of a server socket
// (ListenUDP, Control); reading and writing a datagram with its control
// messages (Socket); and the resolution of Kea's interfaces-config
// "interfaces" into interfaces of one IP family (Family.Resolve,
// IfaceCache).
//
// It mirrors the family-independent half of Kea's IfaceMgr and of the
// Dhcpv4Srv/Dhcpv6Srv run loops. What differs between the families stays
// in their packages: the control messages (IP_PKTINFO, IPv6 ancillary
// data), the packet key of a client, parsing, relay handling, reply
// routing and dhcp4srv's AF_PACKET sender.
package transport
