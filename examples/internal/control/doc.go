// Package control is the control socket of the reference servers: Kea's
// command channel, so that Kea's tools and scripts (socat one-liners,
// kea-ctrl-agent, Stork, keactrl-style scripts) work against dhcp4d and
// dhcp6d.
//
// # Protocol
//
// A Server listens on the unix stream socket of the "control-socket" map
// ({"socket-type": "unix", "socket-name": "/path"}). Each connection carries
// one command,
//
//	{"command": "lease4-get", "arguments": {"ip-address": "192.0.2.1"}, "service": ["dhcp4"]}
//
// which may arrive in several writes: the server parses until one complete
// JSON value has arrived, within Options.MaxRequestSize bytes and
// Options.ReadTimeout. It answers
//
//	{"arguments": {...}, "result": 0, "text": "IPv4 lease found."}
//
// and closes the connection. Result codes are Kea's: ResultSuccess (0),
// ResultError (1), ResultUnsupported (2, unknown command), ResultEmpty (3,
// e.g. no such lease) and ResultConflict (4, Kea 2.4+). "service" is
// ignored. Malformed input, an oversized command or a timeout get a
// ResultError answer; a handler that panics gets a ResultError too, the
// server keeps running. Connections are served concurrently, at most
// Options.MaxConns at a time. A stale socket file is removed on start and
// the socket file is removed by Close.
//
// Call is a small client for the same protocol.
//
// # Commands
//
// A Registry maps command names to HandlerFuncs; list-commands is built in.
// The commands of this package are wired by the server with its own
// dependencies, nothing is global, so dhcp4d and dhcp6d (or two servers in
// one process) each build their own:
//
//	reg := control.NewRegistry(logger)
//	control.ServerCommands{
//		Version: keacli.Version, ExtendedVersion: ext,
//		Status:  srv.Status,          // pid, uptime, reload, multi-threading
//		Shutdown: func(int) { cancel() },
//		ReclaimLeases: engine.Reclaim, // leases-reclaim {"remove": bool}
//		StartLFC: memfileMgr.Compact,  // kea-lfc-start
//	}.Register(reg)
//	(&control.ConfigCommands{Manager: cfgs, Family: option.V4,
//		File: configFile, Apply: srv.Apply}).Register(reg)
//	ls := control.LeaseStats{Stats: st, Config: cfgs.Current}
//	(&control.LeaseCommands{Leases: leases, Config: cfgs.Current,
//		OnLease4Change: ls.Lease4Changed, OnLease6Change: ls.Lease6Changed}).Register4(reg)
//	control.RegisterStatistics(reg, st)
//	s, err := control.Listen(cfgs.Current().ControlSocket, reg, control.Options{Logger: logger})
//	go s.Serve(ctx)
//
// Implemented: version-get, status-get, shutdown, leases-reclaim,
// kea-lfc-start; config-get, config-hash-get, config-test, config-set,
// config-reload, config-write; the lease_cmds commands lease4-add, -get,
// -get-all, -get-page, -get-by-hw-address, -get-by-client-id,
// -get-by-hostname, -update, -del, -wipe and lease6-add, -get, -get-all,
// -get-page, -get-by-duid, -get-by-hostname, -update, -del, -wipe;
// statistic-get, -get-all, -reset, -reset-all, -remove, -remove-all.
// Arguments, answers and texts follow Kea (lease_cmds as of Kea 2.6/3.0,
// e.g. "IPv4 lease found.", "Lease not found." with result 3, "0 IPv4
// lease(s) found."); leases are rendered as Lease4JSON and Lease6JSON.
//
// Statistics follow the lease commands through LeaseCommands.OnLease4Change
// and OnLease6Change; LeaseStats implements Kea's rules for them.
package control
