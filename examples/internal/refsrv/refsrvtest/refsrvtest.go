package refsrvtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/examples/internal/control"
)

// BuildMain builds the main package in dir (e.g. ".") into a temporary
// directory for the whole test binary and returns the executable's path and
// a function removing it. Call it from TestMain.
func BuildMain(dir, name string) (string, func(), error) {
	tmp, err := os.MkdirTemp("", "refsrvtest-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(tmp) }
	bin := filepath.Join(tmp, name)
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	cmd := exec.Command(goBin, "build", "-o", bin, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, cleanup, nil
}

// SyncBuffer is a bytes.Buffer safe for a process writing and a test
// reading.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Proc is a started server process.
type Proc struct {
	Cmd  *exec.Cmd
	Log  *SyncBuffer // stdout and stderr
	done chan struct{}
	err  error
}

// Start starts cmd with its output captured and kills it (SIGKILL) when the
// test ends if it is still running. The log is printed on failure.
func Start(t testing.TB, cmd *exec.Cmd) *Proc {
	t.Helper()
	p := &Proc{Cmd: cmd, Log: &SyncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.Log, p.Log
	require.NoError(t, cmd.Start())
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s log:\n%s", filepath.Base(cmd.Path), p.Log.String())
		}
	})
	return p
}

// Signal sends sig to the process.
func (p *Proc) Signal(t testing.TB, sig os.Signal) {
	t.Helper()
	require.NoError(t, p.Cmd.Process.Signal(sig))
}

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Wait waits up to timeout for the process to exit and returns its exit
// code (-1 if killed by a signal).
func (p *Proc) Wait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("process did not exit within %v; log:\n%s", timeout, p.Log.String())
	}
	if p.err == nil {
		return 0
	}
	if ee, ok := p.err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -1
		}
		return ee.ExitCode()
	}
	t.Fatalf("wait: %v", p.err)
	return 0
}

// Kill9 kills the process with SIGKILL and waits for it.
func (p *Proc) Kill9(t testing.TB) {
	t.Helper()
	require.NoError(t, p.Cmd.Process.Kill())
	<-p.done
}

// Eventually polls cond every 20 ms until it is true or timeout passes.
func Eventually(t testing.TB, timeout time.Duration, cond func() bool, msg string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v: "+msg, append([]any{timeout}, args...)...)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitSocket waits until the control socket answers list-commands.
func WaitSocket(t testing.TB, p *Proc, path string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		resp, err := control.Call(ctx, path, "list-commands", nil)
		cancel()
		if err == nil && resp.Result == control.ResultSuccess {
			return
		}
		select {
		case <-p.Done():
			t.Fatalf("server exited before its control socket answered; log:\n%s", p.Log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("control socket %s not answering after %v (%v); log:\n%s", path, timeout, err, p.Log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Call sends a command and requires an answer (any result).
func Call(t testing.TB, sock, command string, args any) control.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := control.Call(ctx, sock, command, args)
	require.NoError(t, err, "%s", command)
	return resp
}

// MustCall sends a command and requires result 0; it returns the arguments
// decoded into a generic value (nil if none).
func MustCall(t testing.TB, sock, command string, args any) any {
	t.Helper()
	resp := Call(t, sock, command, args)
	require.Equal(t, control.ResultSuccess, resp.Result, "%s: %s", command, resp.Text)
	if len(resp.Arguments) == 0 {
		return nil
	}
	var v any
	require.NoError(t, json.Unmarshal(resp.Arguments, &v))
	return v
}

// FreeUDPPort returns a UDP port free on 127.0.0.1 right now.
func FreeUDPPort(t testing.TB) int {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// FreeTCPAddr returns a 127.0.0.1 TCP address free right now.
func FreeTCPAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// WriteJSON writes v (a map or a JSON string) to path.
func WriteJSON(t testing.TB, path string, v any) {
	t.Helper()
	var data []byte
	switch x := v.(type) {
	case string:
		data = []byte(x)
	case []byte:
		data = x
	default:
		var err error
		data, err = json.MarshalIndent(v, "", "  ")
		require.NoError(t, err)
	}
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

// LogContains reports whether the process log contains all of the strings.
func (p *Proc) LogContains(s ...string) bool {
	l := p.Log.String()
	for _, x := range s {
		if !strings.Contains(l, x) {
			return false
		}
	}
	return true
}
