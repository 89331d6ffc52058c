//go:build linux

package dhcp6srv

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// controlFunc sets SO_REUSEADDR, and SO_BINDTODEVICE when ifname is set, so
// that one socket per interface can be bound to [::]:547 and each receives
// only its interface's traffic.
func controlFunc(ifname string) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); serr != nil {
				return
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
