// Package gen writes large, valid Kea Dhcp4 configurations for benchmarks
// of cfgmgr and of kea-dhcp4 -t.
package gen
