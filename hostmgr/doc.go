// Package hostmgr holds host reservations: the Host type, the DataSource
// interface that every reservation store implements (Kea's
// BaseHostDataSource), the configuration source built from the config file
// (Kea's CfgHosts) and the Manager that consults the primary source and any
// alternate sources in order (Kea's HostMgr).
package hostmgr
