// Package d2client is the DDNS side of a DHCP server: the Go counterpart of
// Kea's D2ClientMgr, D2ClientConfig, DdnsParams and the NameChangeRequest of
// libdhcp_ddns, plus an RFC 2136 updater that makes kea-dhcp-ddns optional.
//
// # Kea concept mapping
//
//	Kea                                         d2client
//	Option4ClientFqdn (option 81)               FQDN4 (MarshalBinary/UnmarshalBinary)
//	Option6ClientFqdn (option 39)               FQDN6
//	DdnsParams (SrvConfig::getDdnsParams)       Params, ParamsFromScope(scope, dhcp-ddns)
//	D2ClientMgr::analyzeFqdn                    AnalyzeFQDN
//	adjustFqdnFlags + adjustDomainName          AdjustFQDN4, AdjustFQDN6
//	Dhcpv4Srv::processHostnameOption            AdjustHostname4
//	D2ClientMgr::generateFqdn / qualifyName     GenerateName, QualifyName, FQDN4.SetGeneratedName
//	StringSanitizer (hostname-char-set)         Sanitizer
//	calculateDdnsTtl                            TTLParams.Compute (TTLKea22: Kea 2.2's rule)
//	D2Dhcid                                     DHCID, DHCIDFromHWAddr/ClientID/DUID
//	NameChangeRequest (toJSON/fromJSON)         NCR, NCR.MarshalJSON, ParseNCR
//	NameChangeUDPSender (length-prefixed JSON)  UDPSender, NCR.AppendWire, ParseWire
//	queueNCR (ncr_generator.cc)                 NCRForLease4, NCRForLease6, RenewActions
//	D2ClientErrorHandler → suspendUpdates       QueueConfig.Policy = PolicySuspend
//	kea-dhcp-ddns forward-ddns/reverse-ddns     DNSConfig, DNSUpdater
//	D2's NameAdd/NameRemoveTransaction          DNSUpdater (RFC 4703 with DHCID)
//	ddns-conflict-resolution-mode               ConflictResolutionMode
//
// # How a DHCP server uses it
//
// At each configuration commit, build the Params of every subnet with
// ParamsFromScope and one Sender (a UDPSender from UDPConfigFromKea, or a
// DNSUpdater). Per packet:
//
//  1. option 81 (or 39) present: reply, err := AdjustFQDN4(params, client);
//     an error (N and S both set) means Kea drops the query. Without option
//     81, AdjustHostname4 handles option 12 (ok=false: no option 12 in the
//     reply, no update).
//  2. After allocation, if reply.NeedsName(): reply.SetGeneratedName(params,
//     addr) (HostnameReply.Generate: GenerateName(params, addr, false)).
//  3. Store reply.FQDN() and reply.Forward()/Reverse() in the lease
//     (Hostname, FQDNFwd, FQDNRev) and send reply in the response.
//  4. On commit: ncr, err := NCRForLease4(lease, params, ChangeAdd); if ncr
//     != nil, sender.Send(ctx, ncr). On renewal RenewActions tells whether
//     to remove the old entries and add the new ones; on release, expiry
//     or decline send ChangeRemove for the old lease.
//
// Send never blocks on the network: one goroutine per Sender delivers a
// bounded queue. Where Kea suspends all DDNS after one send error or a full
// queue (PolicySuspend here), the default PolicyRetry retries with backoff
// and drops the oldest queued request when the queue is full; both count
// in the stats (StatNCRSent, StatNCRError, StatNCRDropped,
// StatNCRQueueFull, StatNCRConflict).
//
// # Compatibility notes
//
//   - NCR JSON carries the superset every kea-dhcp-ddns from 2.2 to today
//     accepts: "lease-expires-on" (required by 2.2–3.1.5, dropped in 3.1.6)
//     and both "use-conflict-resolution" (≤2.4) and
//     "conflict-resolution-mode" (2.6+). The end-to-end test runs Debian's
//     kea-dhcp-ddns 2.2 against BIND 9.
//   - The DHCID is Kea's: type 0 over htype ‖ chaddr, type 1 over the whole
//     client-id, type 2 over a DUID (DHCPv6, or the DUID embedded in an
//     RFC 4361 client-id that starts with 255), SHA-256 over the identifier
//     and the lowercase wire-format FQDN.
//   - TTL: Kea 2.6+'s rule (ddns-ttl, else round(percent × lifetime) with
//     percent 0.33333, at least ddns-ttl-min or 600, at most ddns-ttl-max).
//     Kea 2.2 used lifetime/3 with a 600 s floor (TTLKea22); both agree for
//     the default configuration up to rounding.
//   - Sanitizing is label by label (as Kea ≥2.x): an escaped dot inside a
//     label separates labels, and a name with a label that sanitizes to
//     nothing is dropped (CVE-2025-11232): option 81/39 then gets a
//     generated name, option 12 is ignored.
//   - hostname-char-set is a Go (RE2) regular expression; Kea uses
//     std::regex. Character classes, the usual content, behave the same.
//   - qualifyName compares an existing suffix case-insensitively.
//   - Option 81 replies carry RCODE1/RCODE2 = 255 (RFC 4702 §2.2).
//
// Params, FQDN4/FQDN6, NCR and DHCID are values without hidden state. The
// Senders are safe for concurrent use.
package d2client
