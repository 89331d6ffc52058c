// Package dhcp6srv is the DHCPv6 server of dhcpsrv: Kea's Dhcpv6Srv. It has
// two layers that can be used apart:
//
//   - Transport: the sockets (golang.org/x/net/ipv6 control messages:
//     receiving interface, destination address, hop limit; the
//     All_DHCP_Relay_Agents_and_Servers group ff02::1:2 joined on each
//     configured interface), the bounded per-client pipeline of
//     internal/pipeline, relay decapsulation and the routing and RELAY-REPL
//     wrapping of replies. It calls a Handler.
//   - Server: the Handler that answers requests with the allocation engine
//     (package alloc), subnet selection (package subnetselect), host
//     reservations (package hostmgr) and the configuration (package cfgmgr).
//
// # Kea concept mapping
//
//	Kea                                        dhcp6srv
//	Dhcpv6Srv                                  Server (NewServer, ServeDHCP6)
//	IfaceMgr::openSockets6, interfaces-config  Config.Interfaces, ResolveInterfaces, ListenUDP
//	"eth0/2001:db8::1" unicast entries         Binding.Unicast, ResponseWriter.AcceptsUnicast
//	kea-dhcp6 -p / -P                          Config.ServerPort / Config.ClientPort
//	KEA_TEST_SEND_RESPONSES_TO_SOURCE          Config.SendToSource
//	multi-threading thread-pool-size           Config.Workers (0: GOMAXPROCS; 1: MT off)
//	multi-threading packet-queue-size          Config.QueueSize (drop oldest when full)
//	ClientHandler (one client at a time)       requests keyed by DUID go to one worker, in order
//	Pkt6::relay_info_                          Decapsulate (outermost relay first)
//	Pkt6::copyRelayInfo, Pkt6 relay packing    EncapsulateReply
//	Dhcpv6Srv::processPacketBufferSend port    RouteReply (a pure function)
//	Dhcpv6Srv::sanityCheck, testServerID       client/server identifier rules (below)
//	Dhcpv6Srv::testUnicast                     UseMulticast / drop (below)
//	selectSubnet                               subnetselect.Index6 (inner relay's link address)
//	processSolicit / processRequest            SOLICIT (rapid commit), REQUEST
//	processRenew / processRebind               RENEW, REBIND (Engine.Renew6/Rebind6)
//	processRelease / processDecline            RELEASE, DECLINE
//	processConfirm / processInfRequest         CONFIRM, INFORMATION-REQUEST
//	buildCfgOptionList, appendRequestedOptions option precedence and ORO (below)
//	setTeeTimes                                T1/T2 (renew-timer, rebind-timer, calculate-tee-times)
//	CfgDUID, DUIDFactory, kea-dhcp6-serverid   ServerDUID, ServerIDFile, WithServerID
//	Pkt6::getMAC, mac-sources                  hardware address from the DUID, the
//	                                           link-local address or relay option 79
//	processClientFqdn, NCR queueing            NameHandler, LeaseObserver (no-ops by default)
//	pkt6-received, pkt6-<type>-received,       counted by the transport in the
//	pkt6-sent, pkt6-advertise/reply-sent,      stats.Manager of WithStats
//	pkt6-parse-failed, pkt6-receive-drop
//
// # Requests
//
// A request is dropped (no reply, debug log) when it cannot be parsed, is
// nested in more than HopCountLimit (32) relays or its relay message chain
// is broken, has a message type the server does not serve, or breaks
// RFC 8415 §16's identifier rules: SOLICIT, REBIND and CONFIRM must carry a
// client identifier and no server identifier; REQUEST, RENEW, RELEASE and
// DECLINE both, the server identifier being ours; INFORMATION-REQUEST may
// carry either, but a server identifier must be ours. A SOLICIT, REBIND or
// CONFIRM sent directly to a unicast address of an interface not configured
// for unicast is dropped; a REQUEST, RENEW, RELEASE or DECLINE gets a REPLY
// with status UseMulticast.
//
// IA_NA, IA_TA and IA_PD are served in packet order with the client's
// hints (the engine matches PD prefix lengths equal, then shorter, then
// longer). An IA that gets nothing carries NoAddrsAvail or NoPrefixAvail (a
// renewal with nothing to extend: NoBinding); addresses the server takes
// back, and those a renewing client has that it does not know, are sent
// with zero lifetimes. RELEASE and DECLINE answer Success, with NoBinding
// IAs for what the client does not hold. CONFIRM answers NotOnLink when an
// address is outside the selected subnet (and its shared network), Success
// otherwise, and nothing when no subnet is selected or no address given.
//
// A SOLICIT with the rapid commit option is answered with a REPLY, the
// leases committed, when the selected subnet has rapid-commit.
//
// # Options
//
// The reply's options come from the lists of Kea's precedence: host
// reservation, the pool or pd-pool of each leased resource, subnet, shared
// network, client classes in the packet's class order, global. An option is
// sent when the client's option request option (6) asks for it or it is
// always-send, and never when it is never-send in any list. Classes are the
// built-in ALL, VENDOR_CLASS_<data of option 16>, the classes whose test
// (Kea's expression language, package classify) matches, KNOWN or UNKNOWN,
// the classes of the client's reservation, and the classes whose test
// depends on KNOWN/UNKNOWN; a packet in DROP is dropped (see classify.go).
//
// # Concurrency contract
//
// The Transport calls Handler.ServeDHCP6 from several goroutines at once,
// never concurrently for one client, in arrival order for one client; there
// is no goroutine per packet. The Server is safe for concurrent use:
// ServeDHCP6 holds a read lock for the request, Reconfigure a write lock
// while it swaps the engine configuration, the subnet index and the host
// source, so a request never sees half of a configuration. A NameHandler
// or LeaseObserver must not call Reconfigure.
//
// # Shutdown
//
// Shutdown(ctx) closes the sockets, lets the workers handle what is queued,
// and waits for them until ctx ends; then it cancels the handlers' context
// and drops the rest. Cancelling the context given to Serve or ServeConn
// does the same with Config.DrainTimeout. Lease reclamation is not started
// by the server: call Engine().ScheduleReclamation with a timermgr.Manager.
package dhcp6srv
