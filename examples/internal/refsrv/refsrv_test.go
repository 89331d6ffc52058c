package refsrv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/examples/internal/control"
	"github.com/dhcpsrv/dhcpsrv/examples/internal/keacli"
	"github.com/dhcpsrv/dhcpsrv/examples/internal/refsrv/refsrvtest"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// fakeServer records what Run does to its packet server.
type fakeServer struct {
	mu         sync.Mutex
	deps       Deps
	served     bool
	shutdown   bool
	reconfigs  []*cfgmgr.Config
	failReconf bool
	stop       chan struct{}
}

func (f *fakeServer) Serve(ctx context.Context) error {
	f.mu.Lock()
	f.served = true
	f.mu.Unlock()
	select {
	case <-ctx.Done():
	case <-f.stop:
	}
	return nil
}

func (f *fakeServer) Shutdown(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.shutdown {
		f.shutdown = true
		close(f.stop)
	}
	return nil
}

func (f *fakeServer) Reconfigure(cfg *cfgmgr.Config) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failReconf {
		return errors.New("fake: refused")
	}
	f.reconfigs = append(f.reconfigs, cfg)
	return nil
}

func testConfig(dir string, valid int) string {
	return fmt.Sprintf(`{"Dhcp4": {
  "control-socket": {"socket-type": "unix", "socket-name": %q},
  "lease-database": {"type": "memfile", "name": "l4.csv", "lfc-interval": 1},
  "data-directory": %q,
  "expired-leases-processing": {"reclaim-timer-wait-time": 1, "flush-reclaimed-timer-wait-time": 0},
  "valid-lifetime": %d,
  "subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.10-192.0.2.20"}]}]
}}`, filepath.Join(dir, "c.sock"), dir, valid)
}

type running struct {
	fake *fakeServer
	sock string
	done chan error
	stop context.CancelFunc
}

func startRun(t *testing.T, dir string, opts keacli.Options) *running {
	t.Helper()
	cfgFile := filepath.Join(dir, "kea.json")
	refsrvtest.WriteJSON(t, cfgFile, testConfig(dir, 4000))
	fake := &fakeServer{stop: make(chan struct{})}
	fam := Family{Name: "dhcp4d", Universe: option.V4, NewServer: func(_ context.Context, d Deps) (PacketServer, error) {
		fake.deps = d
		return fake, nil
	}}
	opts.ConfigFile = cfgFile
	opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{fake: fake, sock: filepath.Join(dir, "c.sock"), done: make(chan error, 1), stop: cancel}
	go func() { r.done <- Run(ctx, fam, opts) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(15 * time.Second):
			t.Error("Run did not return")
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, cc := context.WithTimeout(context.Background(), time.Second)
		_, err := control.Call(c, r.sock, "list-commands", nil)
		cc()
		if err == nil {
			break
		}
		require.True(t, time.Now().Before(deadline), "control socket not up: %v", err)
		time.Sleep(10 * time.Millisecond)
	}
	return r
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

func TestRunWiresPacketServer(t *testing.T) {
	dir := t.TempDir()
	r := startRun(t, dir, keacli.Options{ServerPort: 1067, ClientPort: 1068})

	// The ports and the collaborators reach the server.
	require.Equal(t, 1067, r.fake.deps.ServerPort)
	require.Equal(t, 1068, r.fake.deps.ClientPort)
	require.NotNil(t, r.fake.deps.Leases)
	require.NotNil(t, r.fake.deps.Stats)
	require.EqualValues(t, 4000, r.fake.deps.Config.Subnets4[0].ValidLifetime().Default)

	// config-set reconfigures the server.
	var args map[string]any
	require.NoError(t, jsonUnmarshal(testConfig(dir, 5000), &args))
	refsrvtest.MustCall(t, r.sock, "config-set", args)
	r.fake.mu.Lock()
	require.Len(t, r.fake.reconfigs, 1)
	require.EqualValues(t, 5000, r.fake.reconfigs[0].Subnets4[0].ValidLifetime().Default)
	r.fake.failReconf = true
	r.fake.mu.Unlock()

	// A configuration the server refuses is not kept.
	require.NoError(t, jsonUnmarshal(testConfig(dir, 6000), &args))
	resp := refsrvtest.Call(t, r.sock, "config-set", args)
	require.Equal(t, control.ResultError, resp.Result)
	require.Contains(t, resp.Text, "fake: refused")
	cfg := refsrvtest.MustCall(t, r.sock, "config-get", nil).(map[string]any)
	require.EqualValues(t, 5000, cfg["Dhcp4"].(map[string]any)["valid-lifetime"])

	// A cancelled context stops the server gracefully.
	r.stop()
	require.NoError(t, <-r.done)
	r.done <- nil // for the cleanup
	r.fake.mu.Lock()
	defer r.fake.mu.Unlock()
	require.True(t, r.fake.served)
	require.True(t, r.fake.shutdown)
}

func TestRunReclaimsOnTimer(t *testing.T) {
	dir := t.TempDir()
	r := startRun(t, dir, keacli.Options{})
	// An expired lease is reclaimed (and removed: flush wait time 0) by the
	// reclaim timer within a second or so.
	refsrvtest.MustCall(t, r.sock, "lease4-add", map[string]any{
		"ip-address": "192.0.2.11", "hw-address": "02:00:00:00:00:11",
		"valid-lft": 1, "expire": time.Now().Add(-time.Minute).Unix()})
	refsrvtest.Eventually(t, 10*time.Second, func() bool {
		return refsrvtest.Call(t, r.sock, "lease4-get", map[string]any{"ip-address": "192.0.2.11"}).Result == control.ResultEmpty
	}, "expired lease not reclaimed")
}

func TestShutdownCommandExitValue(t *testing.T) {
	dir := t.TempDir()
	r := startRun(t, dir, keacli.Options{})
	refsrvtest.MustCall(t, r.sock, "shutdown", map[string]any{"exit-value": 5})
	err := <-r.done
	r.done <- nil
	var exit *keacli.ExitError
	require.ErrorAs(t, err, &exit)
	require.Equal(t, 5, exit.Code)
	require.True(t, r.fake.shutdown)
}

func TestLeaseParams(t *testing.T) {
	t.Setenv(DataDirEnv, "")
	cfg, _, err := cfgmgr.Parse([]byte(`{"Dhcp4": {}}`))
	require.NoError(t, err)
	r := &runner{fam: Family{Universe: option.V4}}
	p := r.leaseParams(cfg)
	require.Equal(t, map[string]any{"type": "memfile", "lfc-interval": 0}, p.Database)
	require.Equal(t, DefaultDataDir, p.DataDir)
	require.Equal(t, time.Hour, lfcInterval(cfg))

	t.Setenv(DataDirEnv, "/srv/leases")
	require.Equal(t, "/srv/leases", r.leaseParams(cfg).DataDir)

	cfg, _, err = cfgmgr.Parse([]byte(`{"Dhcp4": {"data-directory": "/d",
	  "lease-database": {"type": "memfile", "name": "x.csv", "lfc-interval": 7, "persist": false}}}`))
	require.NoError(t, err)
	p = r.leaseParams(cfg)
	require.Equal(t, "/d", p.DataDir)
	require.Equal(t, "x.csv", p.Database["name"])
	require.EqualValues(t, 0, p.Database["lfc-interval"], "memfile's own cleanup loop must be off")
	require.Equal(t, time.Duration(0), lfcInterval(cfg), "no cleanup without persistence")
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func TestConfigSetMovesControlSocket(t *testing.T) {
	dir := t.TempDir()
	r := startRun(t, dir, keacli.Options{})
	var args map[string]any
	require.NoError(t, jsonUnmarshal(testConfig(dir, 4000), &args))
	moved := filepath.Join(dir, "moved.sock")
	args["Dhcp4"].(map[string]any)["control-socket"] = map[string]any{"socket-type": "unix", "socket-name": moved}
	refsrvtest.MustCall(t, r.sock, "config-set", args)
	refsrvtest.Eventually(t, 10*time.Second, func() bool {
		c, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		resp, err := control.Call(c, moved, "status-get", nil)
		return err == nil && resp.Result == control.ResultSuccess
	}, "the control socket did not move")
	refsrvtest.Eventually(t, 10*time.Second, func() bool {
		c, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := control.Call(c, r.sock, "status-get", nil)
		return err != nil
	}, "the old control socket still answers")

	// Same path again after a change of its user-context: reopened in place.
	args["Dhcp4"].(map[string]any)["control-socket"] = map[string]any{"socket-type": "unix", "socket-name": moved,
		"user-context": map[string]any{"note": "x"}}
	refsrvtest.MustCall(t, moved, "config-set", args)
	refsrvtest.Eventually(t, 10*time.Second, func() bool {
		c, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		resp, err := control.Call(c, moved, "config-get", nil)
		if err != nil || resp.Result != control.ResultSuccess {
			return false
		}
		var m map[string]any
		_ = resp.Decode(&m)
		cs, _ := m["Dhcp4"].(map[string]any)["control-socket"].(map[string]any)
		return cs["user-context"] != nil
	}, "the control socket was not reopened on the same path")
}
