//go:build linux

package transport

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Control returns the net.ListenConfig Control function of a server
// socket: SO_REUSEADDR, SO_BROADCAST when broadcast is set (DHCPv4), and
// SO_BINDTODEVICE when ifname is set, so that one socket per interface can
// be bound to the wildcard address and server port and each receives only
// its interface's traffic.
func Control(ifname string, broadcast bool) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); serr != nil {
				return
			}
			if broadcast {
				if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_BROADCAST, 1); serr != nil {
					return
				}
			}
			if ifname != "" {
				serr = unix.BindToDevice(int(fd), ifname)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}
}

// SetBroadcast sets SO_BROADCAST on a socket that the caller opened, so
// broadcast replies can be sent on it. Errors are ignored: a socket that
// cannot broadcast fails the write, which is reported there.
func SetBroadcast(c syscall.Conn) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_BROADCAST, 1)
	})
}
