package transport

// Family describes the server package (dhcp4srv or dhcp6srv) the shared
// code works for.
type Family struct {
	// Name is the package's name, which prefixes its errors and log
	// messages: "dhcp4srv".
	Name string
	// IPv6 is set for DHCPv6: interfaces' IPv6 addresses, udp6 sockets
	// bound to [::], no SO_BROADCAST. Otherwise IPv4: udp4 sockets bound
	// to 0.0.0.0 with SO_BROADCAST.
	IPv6 bool
	// ErrClosed is the package's error for a transport after Shutdown.
	ErrClosed error
	// ErrNoInterface is the package's error for an interface (or an
	// address of an interface) that does not exist.
	ErrNoInterface error
}

func (f Family) ipName() string {
	if f.IPv6 {
		return "IPv6"
	}
	return "IPv4"
}
