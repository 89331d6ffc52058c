//go:build !linux

package dhcp6srv

import "syscall"

// controlFunc is nil outside Linux: binding to a device is Linux-only, so
// every socket receives from all interfaces and the interface of each
// packet comes from its control message.
func controlFunc(ifname string) func(network, address string, c syscall.RawConn) error {
	return nil
}
