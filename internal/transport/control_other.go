//go:build !linux && (unix || windows)

package transport

import "syscall"

// Control returns the net.ListenConfig Control function of a server
// socket. Binding to a device is Linux-only; elsewhere every socket
// receives from all interfaces and the interface of each packet comes from
// its control message. A broadcast (DHCPv4) socket gets SO_REUSEADDR and
// SO_BROADCAST; any other gets no option (nil).
func Control(ifname string, broadcast bool) func(network, address string, c syscall.RawConn) error {
	if !broadcast {
		return nil
	}
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

// SetBroadcast sets SO_BROADCAST (and SO_REUSEADDR) on a socket that the
// caller opened. Errors are ignored: a socket that cannot broadcast fails
// the write, which is reported there.
func SetBroadcast(c syscall.Conn) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) { _ = setsockoptBroadcastReuse(fd) })
}
