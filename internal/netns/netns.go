package netns

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Available reports why namespaces cannot be made here (not root, no ip
// command), or nil.
func Available() error {
	if os.Geteuid() != 0 {
		return errors.New("netns: needs root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return errors.New("netns: the ip command (iproute2) is not installed")
	}
	return nil
}

// Require skips t when namespaces cannot be made here, saying why.
func Require(t testing.TB) {
	t.Helper()
	if err := Available(); err != nil {
		t.Skip(err)
	}
}

// NS is a network namespace made by New.
type NS struct {
	Name string
}

// New makes a namespace named prefix-<random>, with its loopback up, and
// removes it when the test ends.
func New(t testing.TB, prefix string) *NS {
	t.Helper()
	Require(t)
	var b [4]byte
	_, _ = rand.Read(b[:])
	n := &NS{Name: prefix + "-" + hex.EncodeToString(b[:])}
	mustRun(t, "ip", "netns", "add", n.Name)
	t.Cleanup(func() {
		// The test's own cleanups (registered later, run earlier) stop
		// what it started; anything still running inside (a client's
		// forked helpers, a daemon that outlived its test) is killed so
		// that no process outlives the test in a namespace nobody sees.
		n.killAll()
		_ = exec.Command("ip", "netns", "del", n.Name).Run()
	})
	mustRun(t, "ip", "-n", n.Name, "link", "set", "lo", "up")
	return n
}

// killAll sends SIGKILL to every process in the namespace and waits
// (bounded) until none is left.
func (n *NS) killAll() {
	for i := 0; i < 50; i++ {
		out, err := exec.Command("ip", "netns", "pids", n.Name).Output()
		if err != nil {
			return
		}
		pids := strings.Fields(string(out))
		if len(pids) == 0 {
			return
		}
		for _, p := range pids {
			if pid, err := strconv.Atoi(p); err == nil && pid != os.Getpid() {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Command returns a command that runs name with args inside the namespace.
func (n *NS) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
}

// Run runs a command inside the namespace and returns its combined output.
func (n *NS) Run(ctx context.Context, name string, args ...string) (string, error) {
	out, err := n.Command(ctx, name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("netns %s: %s %s: %w: %s", n.Name, name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return string(out), nil
}

// Do runs fn on an OS thread switched into the namespace. Sockets fn opens
// belong to the namespace for their whole life, whichever goroutine uses
// them later; goroutines fn starts do not run in the namespace.
func (n *NS) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// The thread is not unlocked: if switching back fails it must die
		// with this goroutine rather than serve others in the wrong
		// namespace. Go ends a locked thread when its goroutine exits.
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			errc <- fmt.Errorf("netns: %w", err)
			return
		}
		defer orig.Close()
		target, err := os.Open("/run/netns/" + n.Name)
		if err != nil {
			errc <- fmt.Errorf("netns: %w", err)
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("netns: setns %s: %w", n.Name, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- errors.Join(ferr, fmt.Errorf("netns: restore: %w", err))
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// End is one end of a veth link.
type End struct {
	NS   *NS
	Name string       // interface name inside NS
	Addr netip.Prefix // zero: no address
	MAC  string       // set by Veth
}

// Veth links a and b with a veth pair, moves each end into its namespace,
// names it, gives it its address (if any) and brings it up. The link goes
// away with its namespaces.
func Veth(t testing.TB, a, b *End) {
	t.Helper()
	tmpA, tmpB := "vt"+randHex(4), "vt"+randHex(4)
	mustRun(t, "ip", "link", "add", tmpA, "type", "veth", "peer", "name", tmpB)
	for _, e := range []struct {
		end *End
		tmp string
	}{{a, tmpA}, {b, tmpB}} {
		mustRun(t, "ip", "link", "set", e.tmp, "netns", e.end.NS.Name)
		mustRun(t, "ip", "-n", e.end.NS.Name, "link", "set", e.tmp, "name", e.end.Name)
		if e.end.Addr.IsValid() {
			args := []string{"-n", e.end.NS.Name, "addr", "add", e.end.Addr.String(), "dev", e.end.Name}
			if e.end.Addr.Addr().Is6() {
				args = append(args, "nodad")
			}
			mustRun(t, "ip", args...)
		}
		mustRun(t, "ip", "-n", e.end.NS.Name, "link", "set", e.end.Name, "up")
		out := mustRun(t, "ip", "-n", e.end.NS.Name, "-br", "link", "show", e.end.Name)
		if f := strings.Fields(out); len(f) >= 3 {
			e.end.MAC = f[2]
		}
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

func mustRun(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return string(out)
}
