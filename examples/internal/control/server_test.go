package control

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
)

// startServer serves reg on a socket under t.TempDir until the test ends.
func startServer(t *testing.T, reg *Registry, opts Options) *Server {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ctrl.sock")
	s, err := Listen(&cfgmgr.ControlSocket{SocketType: "unix", SocketName: path}, reg, opts)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background()) }()
	t.Cleanup(func() {
		require.NoError(t, s.Close())
		require.NoError(t, <-done)
		_, err := os.Lstat(path)
		require.True(t, errors.Is(err, os.ErrNotExist), "socket file removed on Close")
	})
	return s
}

func call(t *testing.T, s *Server, command string, args any) Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := Call(ctx, s.Path(), command, args)
	require.NoError(t, err)
	return resp
}

// rawCall sends data, half-closes if closeWrite, and returns the answer.
func rawCall(t *testing.T, path string, data string, closeWrite bool) Response {
	t.Helper()
	c, err := net.Dial("unix", path)
	require.NoError(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	go func() {
		c.Write([]byte(data)) // may fail once the server answered early
		if closeWrite {
			c.(*net.UnixConn).CloseWrite()
		}
	}()
	out, err := io.ReadAll(c)
	require.NoError(t, err, data)
	var r Response
	require.NoError(t, json.Unmarshal(out, &r), "answer %q", out)
	return r
}

func TestListCommandsAndUnknown(t *testing.T) {
	reg := NewRegistry(nil)
	reg.Register("ping", func(ctx context.Context, args json.RawMessage) Response { return Success("pong") })
	s := startServer(t, reg, Options{})

	r := call(t, s, "list-commands", nil)
	require.Equal(t, ResultSuccess, r.Result)
	var names []string
	require.NoError(t, r.Decode(&names))
	require.Equal(t, []string{"list-commands", "ping"}, names)

	r = call(t, s, "no-such-command", nil)
	require.Equal(t, ResultUnsupported, r.Result)
	require.Equal(t, "'no-such-command' command not supported.", r.Text)

	// "service" is accepted and ignored.
	r = rawCall(t, s.Path(), `{"command": "ping", "service": ["dhcp4"], "remote-address": "x"}`, false)
	require.Equal(t, Response{Result: 0, Text: "pong"}, r)
}

func TestSplitWrites(t *testing.T) {
	s := startServer(t, NewRegistry(nil), Options{})
	c, err := net.Dial("unix", s.Path())
	require.NoError(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	for _, part := range []string{"  {\"comm", "and\": \"list-", "commands\", \"argu", "ments\": {}}"} {
		_, err := c.Write([]byte(part))
		require.NoError(t, err)
		time.Sleep(20 * time.Millisecond)
	}
	// No CloseWrite: the server must answer once the JSON value is complete.
	out, err := io.ReadAll(c)
	require.NoError(t, err)
	var r Response
	require.NoError(t, json.Unmarshal(out, &r))
	require.Equal(t, ResultSuccess, r.Result)
	require.Contains(t, string(r.Arguments), "list-commands")
}

func TestMalformedCommands(t *testing.T) {
	reg := NewRegistry(nil)
	reg.Register("boom", func(ctx context.Context, args json.RawMessage) Response { panic("kaboom") })
	s := startServer(t, reg, Options{MaxRequestSize: 1024})
	for _, tc := range []struct {
		in, text string
	}{
		{`nonsense`, "invalid command: invalid character"},
		{`{"command": `, "invalid command: incomplete JSON"},
		{`[1, 2]`, "invalid command: expected a JSON map, got a list"},
		{`"list-commands"`, "invalid command: expected a JSON map, got a string"},
		{`null`, "invalid command: expected a JSON map, got null"},
		{`{"arguments": {}}`, "invalid command: missing mandatory 'command' parameter"},
		{`{"command": 5}`, "invalid command: 'command' must be a string"},
		{`{"command": ""}`, "invalid command: 'command' is empty"},
		{`{"command": "list-commands", "arguments": [1]}`, "invalid command: 'arguments' must be a map"},
		{`{"command": "list-commands", "service": "dhcp4"}`, "invalid command: 'service' must be a list of strings"},
		{`{"command": "boom"}`, "internal error while processing 'boom': kaboom"},
		{`{"command": "x", "arguments": {"a": "` + strings.Repeat("a", 4000) + `"}}`, "command too large: more than 1024 bytes"},
	} {
		r := rawCall(t, s.Path(), tc.in, true)
		require.Equal(t, ResultError, r.Result, tc.in)
		require.Contains(t, r.Text, tc.text, tc.in)
	}
	// The server still works.
	require.Equal(t, ResultSuccess, call(t, s, "list-commands", nil).Result)

	// A client that connects and leaves without a command gets nothing.
	c, err := net.Dial("unix", s.Path())
	require.NoError(t, err)
	c.(*net.UnixConn).CloseWrite()
	out, err := io.ReadAll(c)
	require.NoError(t, err)
	require.Empty(t, out)
	c.Close()
}

func TestReadTimeout(t *testing.T) {
	s := startServer(t, NewRegistry(nil), Options{ReadTimeout: 100 * time.Millisecond})
	r := rawCall(t, s.Path(), `{ "command": "foo" `, false)
	require.Equal(t, Response{Result: 1, Text: "Connection over control channel timed out, discarded partial command of 19 bytes"}, r)

	c, err := net.Dial("unix", s.Path())
	require.NoError(t, err)
	defer c.Close()
	out, err := io.ReadAll(c)
	require.NoError(t, err)
	require.JSONEq(t, `{"result": 1, "text": "Connection over control channel timed out"}`, string(out))
}

func TestConcurrencyBounded(t *testing.T) {
	reg := NewRegistry(nil)
	var running, peak atomic.Int32
	reg.Register("slow", func(ctx context.Context, args json.RawMessage) Response {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		running.Add(-1)
		return Success("done")
	})
	s := startServer(t, reg, Options{MaxConns: 3})
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			r, err := Call(ctx, s.Path(), "slow", map[string]any{"i": 1})
			if err == nil && r.Text != "done" {
				err = errors.New(r.Text)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.LessOrEqual(t, peak.Load(), int32(3))
	require.GreaterOrEqual(t, peak.Load(), int32(1))
}

func TestSocketFileLifecycle(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.sock")

	// A stale socket (its listener died without unlinking) is replaced.
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	require.NoError(t, err)
	ln.SetUnlinkOnClose(false)
	ln.Close()
	_, err = os.Lstat(path)
	require.NoError(t, err)
	s, err := ListenUnix(path, NewRegistry(nil), Options{})
	require.NoError(t, err)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	// A live socket is not stolen.
	_, err = ListenUnix(path, NewRegistry(nil), Options{})
	require.ErrorIs(t, err, ErrSocketInUse)

	// Serve returns when its context ends, and the file goes away.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	cancel()
	require.NoError(t, <-done)
	_, err = os.Lstat(path)
	require.ErrorIs(t, err, os.ErrNotExist)
	require.NoError(t, s.Close()) // idempotent

	// A regular file is not removed.
	require.NoError(t, os.WriteFile(path, []byte("x"), 0o644))
	_, err = ListenUnix(path, NewRegistry(nil), Options{})
	require.ErrorContains(t, err, "not a socket")

	_, err = Listen(&cfgmgr.ControlSocket{SocketType: "http", SocketName: "x"}, NewRegistry(nil), Options{})
	require.ErrorContains(t, err, "not supported")
	_, err = Listen(nil, NewRegistry(nil), Options{})
	require.Error(t, err)
	_, err = ListenUnix("", NewRegistry(nil), Options{})
	require.Error(t, err)
}

func TestCloseInterruptsIdleClients(t *testing.T) {
	reg := NewRegistry(nil)
	path := filepath.Join(t.TempDir(), "c.sock")
	s, err := ListenUnix(path, reg, Options{ReadTimeout: time.Minute})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background()) }()
	c, err := net.Dial("unix", path)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte(`{"command"`))
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	require.NoError(t, s.Close())
	require.Less(t, time.Since(start), 10*time.Second)
	require.NoError(t, <-done)
	out, _ := io.ReadAll(c)
	require.Contains(t, string(out), "shutting down")
}

func TestRegistryMisuse(t *testing.T) {
	reg := NewRegistry(nil)
	h := func(ctx context.Context, args json.RawMessage) Response { return Success("") }
	reg.Register("a", h)
	require.Panics(t, func() { reg.Register("a", h) })
	require.Panics(t, func() { reg.Register("list-commands", h) })
	require.Panics(t, func() { reg.Register("", h) })
	require.Panics(t, func() { reg.Register("b", nil) })
	reg.Deregister("a")
	require.Equal(t, []string{"list-commands"}, reg.Commands())
}

func TestCallErrors(t *testing.T) {
	_, err := Call(context.Background(), filepath.Join(t.TempDir(), "absent.sock"), "list-commands", nil)
	require.Error(t, err)
	_, err = Call(context.Background(), "/nonexistent/x.sock", "x", func() {})
	require.ErrorContains(t, err, "encode arguments")
}

// TestSocatInterop sends a command the way Kea's documentation does:
// echo '{...}' | socat UNIX:/path/to/socket -
func TestSocatInterop(t *testing.T) {
	socat, err := exec.LookPath("socat")
	if err != nil {
		t.Skip("socat not installed")
	}
	reg := NewRegistry(nil)
	reg.Register("version-get", ServerCommands{Version: "0.1.0"}.versionGet)
	s := startServer(t, reg, Options{})
	cmd := exec.Command(socat, "-t", "5", "UNIX-CONNECT:"+s.Path(), "-")
	cmd.Stdin = strings.NewReader(`{ "command": "version-get", "service": [ "dhcp4" ] }` + "\n")
	out, err := cmd.Output()
	require.NoError(t, err)
	require.JSONEq(t, `{"arguments": {"extended": "0.1.0"}, "result": 0, "text": "0.1.0"}`, string(out))
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
