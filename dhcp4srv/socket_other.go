//go:build !linux && (unix || windows)

package dhcp4srv

import "syscall"

// controlFunc sets SO_REUSEADDR and SO_BROADCAST. Binding to a device is
// Linux-only; elsewhere every socket receives from all interfaces and the
// interface of each packet comes from its control message.
func controlFunc(ifname string) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = setsockoptBroadcastReuse(fd)
		})
		if err != nil {
			return err
		}
		return serr
	}
}

func setBroadcast(c syscall.Conn) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) { _ = setsockoptBroadcastReuse(fd) })
}
