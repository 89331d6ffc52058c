// Package refsrvtest helps tests start the reference server binaries (dhcp4d,
// dhcp6d) as real processes: build once per test package, start with a
// captured log, talk to the control socket, signal, wait for the exit.
package refsrvtest
