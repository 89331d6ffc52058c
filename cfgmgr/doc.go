// Package cfgmgr is the configuration layer of dhcpsrv: it turns a Kea
// configuration file (the "Dhcp4" or "Dhcp6" map) into typed, validated Go
// values, writes them back as Kea JSON, and swaps the running configuration
// atomically. It mirrors Kea's CfgMgr, SrvConfig, CfgGlobals, CfgOption,
// Subnet, Pool and SharedNetwork.
//
// # Parsing
//
// Parse and ParseFile accept Kea's dialect of JSON (comments "//", "#" and
// "/* */" outside strings; numbers like ".5"). Every problem is reported,
// not only the first, as an ErrorList of *Error, each naming the JSON path
// and the offending value:
//
//	Dhcp4/subnet4[2]/pools[0]/pool: "192.0.2.10 - 192.0.1.5": range end before start
//
// Checks of single elements run everywhere; the cross-element checks
// (overlaps, duplicate ids, prefixes, reservations) run once every element
// parsed. Each *Error wraps a sentinel (ErrUnknownKey, ErrOverlap, ErrDuplicate, ...)
// for errors.Is. Sections a Go program cannot honour (hooks-libraries,
// loggers, config-control, the maps of other Kea daemons, host databases
// of unsupported types) are not errors: Parse returns a Warning for each,
// and keeps the server-map ones in Config.Unsupported so that marshalling
// writes them back. Kea 2.2 forms are accepted and converted with a
// warning: "reservation-mode", the name-handling keys inside "dhcp-ddns",
// "relay": {"ip-address"}, and subnets without "id" (ids are assigned as
// Kea 2.2 does; ParseOptions.RequireSubnetID rejects them as Kea 2.6 does).
//
// # Model and inheritance
//
// A Config holds the globals, the sections (interfaces-config,
// lease-database, expired-leases-processing, dhcp-ddns, ...), shared
// networks, subnets (Subnets4/Subnets6, sorted by id, including those of
// shared networks), pools, pd-pools, client classes, option definitions,
// option data and reservations (as *hostmgr.Host). Addresses are
// netip.Addr and netip.Prefix.
//
// Inheritable parameters are stored per level exactly as configured, in
// Params (nil = not set). Their effective values come from the methods of
// Scope, embedded in Subnet4, Subnet6, SharedNetwork4 and SharedNetwork6:
// the subnet's value, else its shared network's, else the global one, else
// Kea's default — e.g. subnet.ValidLifetime(), subnet.MatchClientID(),
// subnet.Allocator(). Global-only parameters have methods on Config
// (cfg.DeclineProbationPeriod()). Defaults follow current Kea; where it
// changed a default since 2.2 (preferred-lifetime, cache-threshold,
// multi-threading), the constant's comment says so.
//
// # Marshalling
//
// Config.ToElement and Config.MarshalJSON write Kea JSON, like Kea's
// toElement, with the invariant parse(marshal(parse(C))) == parse(C).
//
// # Manager and concurrency
//
// A Manager holds the current configuration behind an atomic pointer, a
// staging configuration, and a bounded history (10 by default) for Revert.
// Stage, then Commit or Discard. Managers share nothing: a program may run
// two. A committed Config is immutable: any number of goroutines may read
// it without locks, and a request keeps the Config it loaded even when a
// newer one is committed meanwhile. A Config being built (before Stage) is
// owned by one goroutine; code that builds or edits one calls
// Config.Validate.
//
// # Option data
//
// option-def entries are added to an option.DefSet (Config.DefSet) holding
// the standard definitions of the family; option-data at every level is
// resolved and encoded by (*option.DefSet).ParseData, so option.Data
// carries its definition and wire bytes as well as the configured text.
package cfgmgr
