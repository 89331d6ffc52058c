// Package metrics exports dhcpsrv statistics (package stats) to Prometheus,
// for the reference servers' optional /metrics endpoint.
//
// Kea's statistic names become metric families by scope, so that one family
// always has the same labels:
//
//	pkt4-received                       → dhcp_pkt4_received
//	subnet[1].assigned-addresses        → dhcp_subnet_assigned_addresses{subnet="1"}
//	subnet[1].pool[0].total-addresses   → dhcp_pool_total_addresses{subnet="1",pool="0"}
//	subnet[1].pd-pool[2].assigned-pds   → dhcp_pd_pool_assigned_pds{subnet="1",pool="2"}
//
// Values are read at scrape time through stats.Manager.Each, so the packet
// path pays nothing for the export. Statistics that only grow (packet
// counters, cumulative-*, reclaimed-*, allocation failures, reuses,
// conflicts) are counters; the others are gauges.
package metrics
