// Package hostmgr holds host reservations: the Host type, the DataSource
// interface that every reservation store implements (Kea's
// BaseHostDataSource), the configuration source built from the config file
// (Kea's CfgHosts) and the Manager that consults the primary source and any
// alternate sources in order (Kea's HostMgr).
//
// # Kea concepts
//
//	Kea (libdhcpsrv)                     hostmgr
//	Host                                 Host (NewHost4, NewHost6)
//	Host::IdentifierType, IDENT_*        IdentifierType, IdentHWAddr … IdentFlexID
//	Host::setIdentifier(text, name)      ParseIdentifierType, ParseIdentifier
//	SUBNET_ID_GLOBAL / SUBNET_ID_UNUSED  SubnetIDGlobal / SubnetIDUnused
//	BaseHostDataSource (getters)         DataSource
//	BaseHostDataSource add/del/update    Writer (optional, by type assertion)
//	setIPReservationsUnique              IPReservationsUniqueSetter (optional)
//	CfgHosts                             CfgHosts (NewCfgHosts, NewConfigSource)
//	HostMgr                              Manager (not a singleton)
//	HostMgrOperationTarget               Target: PrimarySource, AlternateSources, AllSources
//	HostMgr::get4Any / get6Any           Manager.Get4Any / Get6Any over host-reservation-identifiers
//	getPage4(…, source_index, lower_id)  Manager.GetPage4 with a Cursor
//	host-cache negative caching          ManagerOptions.NegativeCacheTTL
//	HostDataSourceFactory                Register, Open, Types
//	DuplicateHost / ReservedAddress      ErrDuplicate / ErrReservedAddress (*ConflictError)
//	generic_host_data_source tests       package hosttest
//
// Each DataSource method's comment names the Kea operation it mirrors. Kea
// overloads get4/getAll4 by argument type; the Go names say what the key is
// (Get4ByAddress, GetAll4ByAddressInSubnet, Get6ByPrefix).
//
// # Reservations and subnets
//
// A Host has a v4 part (SubnetID4) and a v6 part (SubnetID6); a part is
// absent when its subnet ID is SubnetIDUnused and global when it is
// SubnetIDGlobal (0). The zero Host is global in both families, so build
// DHCPv4 reservations with NewHost4 and DHCPv6 ones with NewHost6, as Kea's
// parsers set the other family's subnet to SUBNET_ID_UNUSED.
//
// Adding a host enforces Kea's rules: one host per (identifier, v4 subnet)
// and per (identifier, v6 subnet); with ip-reservations-unique (the
// default), one host per (v4 subnet, address) and per (v6 subnet, address
// or prefix). A violation is a *ConflictError naming both hosts.
//
// Hostnames are compared without regard to case, as Kea lower-cases them
// for lookups; the host keeps the hostname as configured.
//
// # Lookups
//
// Single-result lookups return ErrNotFound when there is no host (the
// common case: most clients have no reservation) and ErrMultipleHosts when
// a lookup by address matches several hosts, which only happens with
// ip-reservations-unique false. Collections are never nil-with-error for
// "nothing": they are empty with a nil error.
//
// # Concurrency and ownership
//
// Every DataSource, CfgHosts and Manager is safe for concurrent use.
// CfgHosts guards its indexes with a sync.RWMutex: lookups run in parallel
// and do not allocate, writes are serialized. A Manager's sources can be
// swapped (SetPrimary after a configuration commit, AddSource,
// RemoveSources) while lookups run; each lookup uses the sources it saw
// when it started.
//
// Sources store a copy of a host on Add and never modify a stored host
// afterwards: Update installs a new value. The *Host values that lookups
// return are shared between callers and must be treated as read-only; call
// Host.Clone to get a copy to modify. This keeps the lookup on the
// packet path free of copies with a million reservations.
//
// # Backends
//
// A hosts database backend lives in its own package (hostmgr/pgsql …),
// implements DataSource (and Writer if it can write), passes the hosttest
// suite, and registers a Factory under its hosts-database type from its
// init function; the server then calls Open with the hosts-database map of
// the configuration and adds the result to the Manager with AddSource.
package hostmgr
