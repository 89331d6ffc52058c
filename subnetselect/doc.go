// Package subnetselect picks the subnet a DHCP packet belongs to, with the
// rules of ISC Kea's libdhcpsrv: SubnetSelector and
// CfgSubnets4/CfgSubnets6::selectSubnet.
//
// # Kea concept mapping
//
//	Kea                                        subnetselect
//	SubnetSelector                             Selector (filled by the server per packet)
//	  ciaddr_, giaddr_, option_select_           CIAddr, GIAddr, OptionSelect
//	  interface_id_, first_relay_linkaddr_       InterfaceID, FirstRelayLinkAddr
//	  local_address_, remote_address_            LocalAddr, RemoteAddr
//	  client_classes_, iface_name_, dhcp4o6_     ClientClasses, IfaceName, DHCP4o6
//	  IfaceMgr::getIface(name)->getAddress4      IfaceAddr4
//	Dhcpv4Srv::selectSubnet (RAI / option 118)   OptionSelect, LinkSelection, SubnetSelection
//	Dhcpv6Srv::selectSubnet (relay scan)         RelayLinkAddr
//	CfgSubnets4::selectSubnet                    Index4.Select
//	CfgSubnets4::selectSubnet4o6                 Index4.Select4o6 (or Select with DHCP4o6)
//	CfgSubnets6::selectSubnet                    Index6.Select
//	Subnet::clientSupported                      the subnet's and its shared network's
//	                                             "client-class" must both accept the packet
//
// # Rules
//
// Every rule is "first match in ascending subnet id": among the subnets a
// rule matches, those whose class guard rejects the packet's classes are
// skipped and the one with the lowest id wins. The v4 rules are listed at
// Index4.Select, the 4o6 rules at Index4.Select4o6 and the v6 rules at
// Index6.Select. Where Kea versions differ, the default is Kea 2.2 (the
// version Debian ships) and Options6 selects the newer behaviour; the 4o6
// class check follows current Kea.
//
// The keys a subnet is selected by are inherited from its shared network as
// in Kea: "relay" addresses, "interface" and (v6) "interface-id" are the
// subnet's own when it sets them, else its shared network's; a subnet never
// inherits them from the global level.
//
// # Speed
//
// Kea scans the subnet list per packet. An Index4 or Index6 is built once
// per configuration (New4, New6) and answers without a scan: relay
// addresses, interface names and interface-ids are looked up in maps whose
// values are the matching subnets in id order, and prefixes in one map per
// prefix length present, so a lookup costs one map probe per distinct prefix
// length. Select does not allocate. An index is immutable and safe for
// concurrent use by any number of goroutines.
//
// # Filling a Selector
//
// The server fills a Selector from the packet: the address fields, the
// receiving interface, the classes assigned so far and, for DHCPv4, the
// selection address from the relay agent information option (82) or the
// subnet-selection option (118) through OptionSelect, which honours the
// "ignore-rai-link-selection" compatibility flag. For a relayed DHCPv6
// packet, RelayLinkAddr picks the link address Kea uses from the relay
// chain, and InterfaceID is the data of the interface-id option of the
// relays. A malformed option is reported by an error wrapping
// ErrMalformedOption; no input makes the helpers panic.
package subnetselect
