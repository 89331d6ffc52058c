// Package dhcp4srv is the DHCPv4 server of dhcpsrv: Kea's Dhcpv4Srv. This
// part of it is the transport: sockets, the bounded packet pipeline and the
// routing of replies. The message handling (DISCOVER, REQUEST, ... with the
// allocation engine) plugs into it as a Handler.
//
// # Kea concept mapping
//
//	Kea                                       dhcp4srv
//	IfaceMgr::openSockets4, interfaces-config  Config.Interfaces, ResolveInterfaces, ListenUDP
//	dhcp-socket-type raw (PktFilterLPF)        SocketRaw: UDP receive, AF_PACKET send to chaddr
//	dhcp-socket-type udp (PktFilterInet)       SocketUDP: replies to unaddressed clients broadcast
//	outbound-interface use-routing             Config.UseRouting
//	kea-dhcp4 -p / -P                          Config.ServerPort / Config.ClientPort
//	KEA_TEST_SEND_RESPONSES_TO_SOURCE          Config.SendToSource
//	multi-threading thread-pool-size           Config.Workers (0: GOMAXPROCS; 1: MT off)
//	multi-threading packet-queue-size          Config.QueueSize (drop oldest when full)
//	ClientHandler (one client at a time)       requests keyed by chaddr go to one worker, in order
//	Dhcpv4Srv::adjustIfaceData/RemoteAddr      RouteReply (a pure function), ResponseWriter.Write
//	pkt4-received, pkt4-<type>-received,       counted by the transport in the stats.Manager of
//	pkt4-sent, pkt4-offer/ack/nak-sent,        WithStats
//	pkt4-parse-failed, pkt4-receive-drop,
//	pkt4-queue-full
//
// # Pipeline
//
// One goroutine per socket reads datagrams into pooled buffers and hands
// each to one of Config.Workers workers, chosen by a hash of the client's
// hardware address (or client identifier, when chaddr is empty), through
// that worker's bounded queue. The worker parses the request
// (dhcpv4.FromBytes; a failure counts pkt4-parse-failed and drops it) and
// calls the Handler. There is no goroutine per packet. When a worker's
// queue is full the oldest queued request is dropped (pkt4-queue-full,
// pkt4-receive-drop), as Kea's thread pool does.
//
// # Concurrency contract
//
// Handler.ServeDHCP4 is called from several goroutines at once, never
// concurrently for one client, and in arrival order for one client. The
// ResponseWriter and the request are valid only until it returns. A panic
// in the handler is recovered and logged; it never stops the server.
//
// # Shutdown
//
// Shutdown(ctx) closes the sockets, lets the workers handle what is
// queued, and waits for them until ctx ends; then it cancels the handlers'
// context and drops the rest. Cancelling the context given to Serve or
// ServeConn does the same with Config.DrainTimeout.
//
// # Reply routing
//
// ResponseWriter.Write sends a reply where RouteReply says, following Kea:
// relayed requests are answered to giaddr:67 (or the relay's source port
// with the RFC 8357 relay-port sub-option), renewals to ciaddr:68, a NAK
// by broadcast (or through the relay with the BROADCAST flag), a client
// that asked for broadcast by broadcast, and a client without an address
// by unicast to its chaddr at the link layer with raw sockets, or by
// broadcast with udp sockets. Replies leave from the interface and address
// the request arrived on.
package dhcp4srv
