package memfile

import (
	"bufio"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// The crash tests run the test binary again as a child process (selected
// by environment variables), let it work on a lease directory, kill it
// with SIGKILL, and check what the parent finds when it opens the
// directory: every change the child acknowledged, nothing else.

const (
	envChild = "MEMFILE_CRASH_CHILD"
	envDir   = "MEMFILE_CRASH_DIR"
	envArg   = "MEMFILE_CRASH_ARG"
)

var bg = context.Background()

// TestCrashChild is the child process; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	mode := os.Getenv(envChild)
	if mode == "" {
		t.Skip("helper process for the crash tests")
	}
	dir, arg := os.Getenv(envDir), os.Getenv(envArg)
	fail := func(err error) {
		fmt.Printf("error %v\n", err)
		os.Exit(3)
	}
	switch mode {
	case "writer":
		cfg := Config{Universe: leasemgr.V4, Dir: dir}
		if strings.Contains(arg, "fsync") {
			cfg.Durability = SyncGroupCommit
		}
		m, err := Open(bg, cfg)
		if err != nil {
			fail(err)
		}
		if strings.Contains(arg, "lfc") {
			go func() {
				for {
					time.Sleep(5 * time.Millisecond)
					m.Compact(bg)
				}
			}()
		}
		for i := 0; ; i++ {
			op := writerOp(i)
			if err := op.apply(m); err != nil {
				fail(err)
			}
			fmt.Printf("ack %d\n", i) // one write(2) per acknowledgement
		}
	case "lfc":
		m, err := Open(bg, Config{Universe: leasemgr.V4, Dir: dir})
		if err != nil {
			fail(err)
		}
		for i := 0; i < 5; i++ {
			l := crashLease(1000 + i)
			if err := m.AddLease4(bg, l); err != nil {
				fail(err)
			}
			fmt.Printf("ack %d\n", 1000+i)
		}
		lfcHook = func(step string) {
			if step == arg {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
			}
		}
		if err := m.Compact(bg); err != nil {
			fail(err)
		}
		fmt.Printf("finished\n")
	case "load":
		m, err := Open(bg, Config{Universe: leasemgr.V4, Dir: dir})
		if err != nil {
			fail(err)
		}
		fmt.Printf("opened\n")
		m.Close()
	}
	os.Exit(0)
}

func crashLease(i int) *leasemgr.Lease4 {
	return &leasemgr.Lease4{
		Addr:          netipFrom(i),
		HWAddr:        leasemgr.HWAddr{Addr: []byte{0, 0x5e, 0, byte(i >> 16), byte(i >> 8), byte(i)}, Type: leasemgr.HTypeEthernet},
		ValidLifetime: 3600,
		CLTT:          1767225600 + int64(i),
		SubnetID:      uint32(i%4 + 1),
		Hostname:      fmt.Sprintf("h%d.example.com", i),
	}
}

// crashOp is one step of the writer child: add, update or delete lease n.
type crashOp struct {
	kind string
	n    int
}

// writerOp returns the i-th change the writer child makes: every lease is
// added; every third is then updated; every fifth deletes the one before.
func writerOp(i int) crashOp {
	n, k := i/3, i%3
	switch {
	case k == 0:
		return crashOp{"add", n}
	case k == 1 && n%3 == 0:
		return crashOp{"update", n}
	case k == 2 && n%5 == 0 && n > 0:
		return crashOp{"delete", n - 1}
	}
	return crashOp{"none", n}
}

func (op crashOp) apply(m *Manager) error {
	switch op.kind {
	case "add":
		return m.AddLease4(bg, crashLease(op.n))
	case "update":
		l := crashLease(op.n)
		l.CLTT += 1000
		l.Hostname = "updated," + l.Hostname
		return m.UpdateLease4(bg, l)
	case "delete":
		return m.DeleteLease4(bg, crashLease(op.n))
	}
	return nil
}

// model applies ops 0..last to a map of expected leases.
func model(upto int) map[int]*leasemgr.Lease4 {
	want := map[int]*leasemgr.Lease4{}
	for i := 0; i <= upto; i++ {
		op := writerOp(i)
		switch op.kind {
		case "add":
			want[op.n] = crashLease(op.n)
		case "update":
			l := crashLease(op.n)
			l.CLTT += 1000
			l.Hostname = "updated," + l.Hostname
			want[op.n] = l
		case "delete":
			delete(want, op.n)
		}
	}
	return want
}

// child starts a child process; acks receives the numbers it acknowledges.
func child(t *testing.T, mode, dir, arg string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), envChild+"="+mode, envDir+"="+dir, envArg+"="+arg)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return cmd, lines
}

func openAll(t *testing.T, dir string) map[string]*leasemgr.Lease4 {
	t.Helper()
	m, err := Open(bg, Config{Universe: leasemgr.V4, Dir: dir})
	require.NoError(t, err)
	defer m.Close()
	require.Empty(t, m.RowErrors())
	ls, err := m.AllLeases4(bg)
	require.NoError(t, err)
	out := map[string]*leasemgr.Lease4{}
	for _, l := range ls {
		out[l.Addr.String()] = l
	}
	return out
}

func TestKill9Writer(t *testing.T) {
	for _, arg := range []string{"flush", "fsync", "flush,lfc"} {
		t.Run(arg, func(t *testing.T) {
			dir := t.TempDir()
			killAfter := 3000
			if testing.Short() {
				killAfter = 600
			}
			for round := 0; round < 2; round++ {
				// Round 1 starts from round 0's crashed files and
				// carries on: the op sequence restarts, so adds fail
				// with ErrExists; use a fresh dir per round instead.
				if round == 1 {
					dir = t.TempDir()
					killAfter /= 3
				}
				cmd, lines := child(t, "writer", dir, arg)
				last := -1
				for line := range lines {
					if strings.HasPrefix(line, "error") {
						t.Fatalf("child: %s", line)
					}
					n, err := strconv.Atoi(strings.TrimPrefix(line, "ack "))
					require.NoError(t, err, line)
					require.Equal(t, last+1, n)
					last = n
					if n == killAfter {
						require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
					}
				}
				cmd.Wait()
				require.GreaterOrEqual(t, last, killAfter)
				got := openAll(t, dir)
				want := model(last)
				// The change after the last acknowledged one may or may
				// not have reached the file.
				next := writerOp(last + 1)
				maybe := model(last + 1)
				for n, l := range want {
					g := got[l.Addr.String()]
					if n == next.n && (maybe[n] == nil && g == nil || maybe[n] != nil && maybe[n].Equal(g)) {
						continue
					}
					require.NotNil(t, g, "acknowledged lease %d lost", n)
					require.True(t, l.Equal(g), "lease %d: want %v got %v", n, l, g)
				}
				for a, g := range got {
					n := int(g.HWAddr.Addr[3])<<16 | int(g.HWAddr.Addr[4])<<8 | int(g.HWAddr.Addr[5])
					if want[n] == nil {
						require.Equal(t, next.n, n, "lease %s present but deleted or never acknowledged", a)
					}
				}
			}
		})
	}
}

// prepare fills dir with a history: a cleaned-up .2, then more changes in
// the active file. It returns the expected leases.
func prepareLFCDir(t *testing.T, dir string) map[string]*leasemgr.Lease4 {
	m, err := Open(bg, Config{Universe: leasemgr.V4, Dir: dir})
	require.NoError(t, err)
	for i := 0; i < 40; i++ {
		require.NoError(t, m.AddLease4(bg, crashLease(i)))
	}
	require.NoError(t, m.Compact(bg))
	for i := 0; i < 40; i += 4 {
		l := crashLease(i)
		l.CLTT += 50
		require.NoError(t, m.UpdateLease4(bg, l))
		require.NoError(t, m.DeleteLease4(bg, crashLease(i+1)))
	}
	for i := 40; i < 60; i++ {
		require.NoError(t, m.AddLease4(bg, crashLease(i)))
	}
	ls, err := m.AllLeases4(bg)
	require.NoError(t, err)
	require.NoError(t, m.Close())
	want := map[string]*leasemgr.Lease4{}
	for _, l := range ls {
		want[l.Addr.String()] = l
	}
	return want
}

func requireSameLeases(t *testing.T, want, got map[string]*leasemgr.Lease4) {
	t.Helper()
	require.Equal(t, len(want), len(got))
	for a, l := range want {
		require.True(t, l.Equal(got[a]), "%s: want %v got %v", a, l, got[a])
	}
}

// TestKill9DuringLFC kills the process at every step of a cleanup and
// requires the next start to find every lease; then a cleanup by us or by
// Kea's kea-lfc completes the interrupted one.
func TestKill9DuringLFC(t *testing.T) {
	steps := []string{"rotate", "pid", "load", "output", "output-partial", "completed", "remove2", "remove1", "rename2", "done"}
	_, keaErr := exec.LookPath(keaLFC)
	for _, step := range steps {
		for _, finisher := range []string{"memfile", "kea-lfc"} {
			t.Run(step+"/"+finisher, func(t *testing.T) {
				if finisher == "kea-lfc" && keaErr != nil {
					t.Skip("kea-lfc not installed")
				}
				dir := t.TempDir()
				base := filepath.Join(dir, "kea-leases4.csv")
				want := prepareLFCDir(t, dir)
				cmd, lines := child(t, "lfc", dir, step)
				for line := range lines {
					require.True(t, strings.HasPrefix(line, "ack "), "child: %s", line)
					want[crashLease(mustAtoi(t, strings.TrimPrefix(line, "ack "))).Addr.String()] = crashLease(mustAtoi(t, strings.TrimPrefix(line, "ack ")))
				}
				err := cmd.Wait()
				require.Error(t, err, "the child must have been killed at %s", step)
				requireSameLeases(t, want, openAll(t, dir))

				switch finisher {
				case "memfile":
					m, err := Open(bg, Config{Universe: leasemgr.V4, Dir: dir})
					require.NoError(t, err)
					require.NoError(t, m.Compact(bg))
					require.NoError(t, m.Close())
				case "kea-lfc":
					// As Kea's server would, hand the files to kea-lfc
					// (only after rotating the active file, if no
					// cleanup input is pending).
					if !exists(base+".1") && !exists(base+".completed") {
						require.NoError(t, os.Rename(base, base+".1"))
					}
					runKeaLFC(t, "-4", base)
				}
				for _, suffix := range []string{".1", ".output", ".completed", ".pid"} {
					require.NoFileExists(t, base+suffix)
				}
				requireSameLeases(t, want, openAll(t, dir))
			})
		}
	}
}

func mustAtoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}

// TestKill9DuringLoad kills the process while it opens a large file in the
// other schema (so Open also rewrites it with a cleanup), several times in
// a row on the same files, then requires every lease.
func TestKill9DuringLoad(t *testing.T) {
	n := 60000
	if testing.Short() {
		n = 20000
	}
	dir := t.TempDir()
	base := filepath.Join(dir, "kea-leases4.csv")
	var sb strings.Builder
	sb.WriteString(strings.Join(columns4[:11], ",") + "\n")
	want := map[string]*leasemgr.Lease4{}
	for i := 0; i < n; i++ {
		l := crashLease(i)
		row, err := appendRow4(nil, l, Schema22, false)
		require.NoError(t, err)
		sb.Write(row)
		want[l.Addr.String()] = l
	}
	require.NoError(t, os.WriteFile(base, []byte(sb.String()), 0o644))
	killed := 0
	for _, d := range []time.Duration{5, 30, 80, 120, 150, 170, 190, 210, 240, 400, 1000} {
		cmd, lines := child(t, "load", dir, "")
		time.Sleep(d * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		opened := false
		for line := range lines {
			require.Equal(t, "opened", line)
			opened = true
		}
		cmd.Wait()
		if !opened {
			killed++
		}
		t.Logf("killed after %v: opened=%v, files: %v", d*time.Millisecond, opened, leaseFiles(dir))
	}
	require.NotZero(t, killed, "no child was killed while opening")
	requireSameLeases(t, want, openAll(t, dir))
}

func netipFrom(i int) (a netipAddr) {
	return netipAddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
}

type netipAddr = netip.Addr

var netipAddrFrom4 = netip.AddrFrom4

const keaLFC = "kea-lfc"

// runKeaLFC runs Kea's kea-lfc on the files of base, as a Kea server
// would, and fails the test on any row error it reports.
func runKeaLFC(t *testing.T, family, base string) string {
	t.Helper()
	dir := filepath.Dir(base)
	cfg := filepath.Join(dir, "kea-lfc.json")
	require.NoError(t, os.WriteFile(cfg, []byte("{}\n"), 0o644)) // kea-lfc 2.2 ignores it
	cmd := exec.Command(keaLFC, family, "-d", "-x", base+".2", "-i", base+".1", "-o", base+".output", "-f", base+".completed", "-p", base+".pid", "-c", cfg)
	cmd.Env = append(os.Environ(), "KEA_LOCKFILE_DIR=none", "KEA_PIDFILE_DIR="+dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.NotContains(t, string(out), "ROW_ERROR", "kea-lfc rejected rows:\n%s", out)
	require.Contains(t, string(out), "LFC_TERMINATE", "%s", out)
	os.Remove(cfg)
	return string(out)
}

func leaseFiles(dir string) []string {
	es, _ := os.ReadDir(dir)
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}
