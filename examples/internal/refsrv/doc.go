// Package refsrv is the run mode of the reference servers dhcp4d and dhcp6d
// ("dhcp4d -c kea-dhcp4.json"): it composes the SDK's packages into a process
// that can stand in for kea-dhcp4 or kea-dhcp6 on the same configuration file,
// lease files and control socket. The family-specific part (which packet
// server to build) is a Family; everything else is shared.
//
// # Wiring
//
// Run does, in this order:
//
//  1. cfgmgr.Manager: StageFile(-c FILE) then Commit. Warnings (sections we
//     cannot honour, deprecated forms) are logged once, here; errors are logged
//     one per JSON path and the process exits 1.
//  2. The lease database: leasemgr.Open with the "lease-database" map
//     (memfile when absent, as in Kea). Relative lease file names live in the
//     data directory (see below). Memfile's own cleanup loop is turned off:
//     the server runs lease file cleanup on its timer manager instead.
//  3. A stats.Manager, then the packet server from Family.NewServer with the
//     configuration, the lease database, the statistics, the logger and the
//     -p/-P port overrides. If it has an allocation engine (Engine()), that
//     engine is used for reclamation; otherwise (a Family without a packet
//     server) refsrv builds an alloc.Engine of its own for it.
//  4. A timermgr.Manager with Kea's timers: "reclaim-expired-leases" and
//     "flush-reclaimed-leases" (alloc.Engine.ScheduleReclamation, one-shot,
//     from expired-leases-processing) and "memfile-lfc" (repeating every
//     lfc-interval seconds, 0 = off, calling leasemgr.Compactor.Compact) when
//     the backend persists to a file.
//  5. The control socket ("control-socket", unix) with every command of
//     package control: list-commands, version-get, status-get, shutdown,
//     leases-reclaim, kea-lfc-start, config-get, config-hash-get, config-test,
//     config-set, config-reload, config-write, the lease4-* (dhcp4d) or
//     lease6-* (dhcp6d) commands and statistic-*.
//  6. The optional Prometheus endpoint (examples/internal/metrics) on
//     http://ADDR/metrics, where ADDR comes from the -metrics flag or the
//     DHCPSRV_METRICS_ADDR environment variable. Kea has no such setting, so
//     it is not part of the configuration file; it is fixed for the life of
//     the process.
//
// # Reconfiguration
//
// config-set, config-reload and SIGHUP (which runs config-reload, as Kea does)
// go through one path: stage, commit, Reconfigure the packet server (and
// Configure refsrv's own engine, if any), then re-schedule the timers with the
// new expired-leases-processing and lfc-interval, and move the control socket
// if "control-socket" changed. If the packet server refuses the
// configuration, the previous one is restored and stays current. A file that
// does not parse on SIGHUP is logged, one line per JSON path, and the running
// configuration is kept.
//
// The packet server keeps its sockets: a change of "interfaces-config" (or
// of "multi-threading") is committed but needs a restart, and a warning says
// so for interfaces-config. The lease database is opened once: a change of "lease-database" or of the
// data directory is committed (config-get shows it) but takes effect only at
// the next start; a warning says so. Reopening it would mean swapping the
// lease store under the packet server and the lease commands while requests
// are in flight, for a change that is rare in practice.
//
// # Data directory
//
// Lease files with a relative (or no) "name" are in the data directory: the
// global "data-directory" if set, else $KEA_DHCP_DATA_DIR if set, else
// /var/lib/kea, Kea's default. The default file names are Kea's,
// kea-leases4.csv and kea-leases6.csv.
//
// # Stopping
//
// If the packet server fails (an interface of interfaces-config does not
// exist, a socket cannot be bound), the process stops with exit code 1 and
// the error; kea-dhcp4 would log it and keep running without that socket
// unless service-sockets-require-all is set.
//
// SIGTERM, SIGINT and the shutdown command stop the server gracefully: the
// packet server's Shutdown (with a 10 s deadline) lets queued requests
// finish, then the timers, the control socket and the metrics endpoint are
// closed, and the lease database last, so every acknowledged lease is on
// disk. (It is there anyway: memfile appends before the server answers, so a
// kill -9 loses nothing that was acknowledged.) The shutdown command's
// "exit-value" becomes the exit code.
package refsrv
