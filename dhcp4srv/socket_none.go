//go:build !unix && !windows

package dhcp4srv

import "syscall"

func controlFunc(ifname string) func(network, address string, c syscall.RawConn) error {
	return nil
}

func setBroadcast(c syscall.Conn) {}
