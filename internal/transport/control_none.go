//go:build !unix && !windows

package transport

import "syscall"

// Control returns nil: no socket options on this system.
func Control(ifname string, broadcast bool) func(network, address string, c syscall.RawConn) error {
	return nil
}

// SetBroadcast does nothing on this system.
func SetBroadcast(c syscall.Conn) {}
