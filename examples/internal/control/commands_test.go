package control

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
	"github.com/dhcpsrv/dhcpsrv/option"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

type configFixture struct {
	s       *Server
	cfgs    *cfgmgr.Manager
	file    string
	applied []*cfgmgr.Config
	mu      sync.Mutex // the test sets fail and commit, the server reads them
	fail    error      // Apply fails with it (after committing when commit)
	commit  bool
}

func (f *configFixture) failWith(err error, commit bool) {
	f.mu.Lock()
	f.fail, f.commit = err, commit
	f.mu.Unlock()
}

func newConfigFixture(t *testing.T) *configFixture {
	t.Helper()
	dir := t.TempDir()
	f := &configFixture{cfgs: cfgmgr.NewManager(), file: filepath.Join(dir, "kea-dhcp4.json")}
	require.NoError(t, os.WriteFile(f.file, []byte(config4), 0o640))
	_, err := f.cfgs.StageFile(f.file, cfgmgr.ParseOptions{Family: option.V4})
	require.NoError(t, err)
	_, err = f.cfgs.Commit()
	require.NoError(t, err)
	reg := NewRegistry(nil)
	(&ConfigCommands{
		Manager: f.cfgs, Family: option.V4, File: f.file,
		Apply: func(ctx context.Context, cfg *cfgmgr.Config) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.fail != nil && !f.commit {
				return f.fail
			}
			if _, err := f.cfgs.Commit(); err != nil {
				return err
			}
			if f.fail != nil {
				return f.fail // committed, then failed: the command reverts
			}
			f.applied = append(f.applied, cfg)
			return nil
		},
	}).Register(reg)
	f.s = startServer(t, reg, Options{})
	return f
}

func validLifetime(cfg *cfgmgr.Config) uint32 { return cfg.GlobalScope().ValidLifetime().Default }

func TestConfigGetAndHash(t *testing.T) {
	f := newConfigFixture(t)
	r := call(t, f.s, "config-get", nil)
	require.Equal(t, ResultSuccess, r.Result)
	var got map[string]json.RawMessage
	require.NoError(t, r.Decode(&got))
	require.Contains(t, got, "Dhcp4")
	var hash string
	require.NoError(t, json.Unmarshal(got["hash"], &hash))
	require.Len(t, hash, 64)

	// What config-get returns parses back to the same configuration.
	cfg, _, err := cfgmgr.ParseOptions{Family: option.V4}.Parse([]byte(`{"Dhcp4": ` + string(got["Dhcp4"]) + `}`))
	require.NoError(t, err)
	require.Equal(t, uint32(4000), validLifetime(cfg))
	require.Len(t, cfg.Subnets4, 2)

	r = call(t, f.s, "config-hash-get", nil)
	require.Equal(t, ResultSuccess, r.Result)
	require.JSONEq(t, `{"hash": "`+hash+`"}`, string(r.Arguments))

	// config-get's answer can be fed to config-set as is (the hash is ignored).
	r = call(t, f.s, "config-set", got)
	requireResult(t, r, ResultSuccess, "Configuration successful.")
	require.JSONEq(t, `{"hash": "`+hash+`"}`, string(r.Arguments))
}

func TestConfigTestAndSet(t *testing.T) {
	f := newConfigFixture(t)
	good := map[string]any{"Dhcp4": map[string]any{"valid-lifetime": 900,
		"subnet4": []any{map[string]any{"id": 5, "subnet": "192.0.2.0/24"}}}}
	bad := map[string]any{"Dhcp4": map[string]any{"subnet4": []any{map[string]any{"id": 5, "subnet": "192.0.2.0/24", "bogus": 1}}}}

	requireResult(t, call(t, f.s, "config-test", good), ResultSuccess,
		"Configuration seems sane. Control-socket, hook-libraries, and D2 configuration were sanity checked, but not applied.")
	require.Equal(t, uint32(4000), validLifetime(f.cfgs.Current()), "config-test applies nothing")
	r := call(t, f.s, "config-test", bad)
	require.Equal(t, ResultError, r.Result)
	require.Contains(t, r.Text, "Dhcp4/subnet4[0]/bogus")

	for _, cmd := range []string{"config-test", "config-set"} {
		requireResult(t, call(t, f.s, cmd, nil), ResultError, "Missing mandatory 'arguments' parameter.")
		requireResult(t, call(t, f.s, cmd, map[string]any{"Dhcp6": map[string]any{}}), ResultError, "Missing mandatory 'Dhcp4' parameter.")
		requireResult(t, call(t, f.s, cmd, map[string]any{"Dhcp4": []int{1}}), ResultError, "'Dhcp4' parameter expected to be a map.")
	}

	// A bad config changes nothing.
	seq := f.cfgs.Current().Sequence
	r = call(t, f.s, "config-set", bad)
	require.Equal(t, ResultError, r.Result)
	require.Contains(t, r.Text, "unknown parameter")
	require.Equal(t, seq, f.cfgs.Current().Sequence)
	require.Nil(t, f.cfgs.Staging())

	// Apply failing before or after committing changes nothing either.
	for _, commit := range []bool{false, true} {
		f.failWith(errors.New("cannot open sockets"), commit)
		r = call(t, f.s, "config-set", good)
		require.Equal(t, ResultError, r.Result)
		require.Contains(t, r.Text, "cannot open sockets")
		require.Equal(t, uint32(4000), validLifetime(f.cfgs.Current()))
		require.Nil(t, f.cfgs.Staging())
	}
	f.failWith(nil, false)

	r = call(t, f.s, "config-set", good)
	requireResult(t, r, ResultSuccess, "Configuration successful.")
	require.Contains(t, string(r.Arguments), `"hash"`)
	require.Equal(t, uint32(900), validLifetime(f.cfgs.Current()))
	f.mu.Lock()
	require.Len(t, f.applied, 1)
	require.Same(t, f.applied[0], f.cfgs.Current())
	f.mu.Unlock()
}

func TestConfigReloadAndWrite(t *testing.T) {
	f := newConfigFixture(t)
	require.NoError(t, os.WriteFile(f.file, []byte(`{"Dhcp4": {"valid-lifetime": 1234}}`), 0o640))
	requireResult(t, call(t, f.s, "config-reload", nil), ResultSuccess, "Configuration successful.")
	require.Equal(t, uint32(1234), validLifetime(f.cfgs.Current()))

	require.NoError(t, os.WriteFile(f.file, []byte(`{"Dhcp4": {"valid-lifetime": "x"}}`), 0o640))
	r := call(t, f.s, "config-reload", nil)
	require.Equal(t, ResultError, r.Result)
	require.Contains(t, r.Text, "Config reload failed: ")
	require.Equal(t, uint32(1234), validLifetime(f.cfgs.Current()))

	// config-write with no argument rewrites the original file.
	r = call(t, f.s, "config-write", nil)
	requireResult(t, r, ResultSuccess, "Configuration written to "+f.file+" successful")
	var w struct {
		Filename string `json:"filename"`
		Size     int    `json:"size"`
	}
	require.NoError(t, r.Decode(&w))
	require.Equal(t, f.file, w.Filename)
	fi, err := os.Stat(f.file)
	require.NoError(t, err)
	require.EqualValues(t, fi.Size(), w.Size)
	require.Equal(t, os.FileMode(0o640), fi.Mode().Perm(), "the file keeps its permissions")
	cfg, _, err := cfgmgr.ParseFile(f.file)
	require.NoError(t, err)
	require.Equal(t, uint32(1234), validLifetime(cfg))

	// A relative name goes next to the original file.
	r = call(t, f.s, "config-write", map[string]any{"filename": "copy.json"})
	require.Equal(t, ResultSuccess, r.Result, r.Text)
	_, err = os.Stat(filepath.Join(filepath.Dir(f.file), "copy.json"))
	require.NoError(t, err)

	// Anywhere else is refused.
	for _, name := range []string{filepath.Join(t.TempDir(), "x.json"), "../x.json", "sub/x.json"} {
		r = call(t, f.s, "config-write", map[string]any{"filename": name})
		require.Equal(t, ResultError, r.Result, name)
		require.Contains(t, r.Text, "not allowed to write config into", name)
	}
	requireResult(t, call(t, f.s, "config-write", map[string]any{"filename": 1}), ResultError, "'filename' parameter expected to be a string.")
}

func TestConfigCommandsWithoutFile(t *testing.T) {
	cfgs := cfgmgr.NewManager()
	reg := NewRegistry(nil)
	(&ConfigCommands{Manager: cfgs, Family: option.V6}).Register(reg)
	s := startServer(t, reg, Options{})
	require.Equal(t, ResultError, call(t, s, "config-get", nil).Result)
	requireResult(t, call(t, s, "config-reload", nil), ResultError, "Config reload failed: the server was not started with a configuration file")
	requireResult(t, call(t, s, "config-write", nil), ResultError, "Unable to determine filename. Please specify filename explicitly.")
	r := call(t, s, "config-set", map[string]any{"Dhcp6": map[string]any{}})
	requireResult(t, r, ResultSuccess, "Configuration successful.")
	require.NotNil(t, cfgs.Current())
	out := filepath.Join(t.TempDir(), "w.json")
	r = call(t, s, "config-write", map[string]any{"filename": out})
	require.Equal(t, ResultSuccess, r.Result, r.Text)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Contains(t, string(data), `"Dhcp6"`)
	require.Panics(t, func() { (&ConfigCommands{}).Register(NewRegistry(nil)) })
}

func TestStatisticCommands(t *testing.T) {
	st := stats.New()
	st.Int("pkt4-received").Add(5)
	st.Int(stats.SubnetName(1, stats.AssignedAddresses)).Add(2)
	reg := NewRegistry(nil)
	RegisterStatistics(reg, st)
	s := startServer(t, reg, Options{})

	r := call(t, s, "statistic-get", map[string]any{"name": "pkt4-received"})
	require.Equal(t, ResultSuccess, r.Result)
	var got map[string][][]any
	require.NoError(t, r.Decode(&got))
	require.Len(t, got["pkt4-received"], 1)
	require.EqualValues(t, 5, got["pkt4-received"][0][0])
	require.IsType(t, "", got["pkt4-received"][0][1])

	r = call(t, s, "statistic-get", map[string]any{"name": "nope"})
	require.Equal(t, ResultSuccess, r.Result)
	require.JSONEq(t, `{}`, string(r.Arguments))
	requireResult(t, call(t, s, "statistic-get", nil), ResultError, "Missing mandatory 'name' parameter.")
	requireResult(t, call(t, s, "statistic-get", map[string]any{}), ResultError, "Missing mandatory 'name' parameter.")
	requireResult(t, call(t, s, "statistic-get", map[string]any{"name": 1}), ResultError, "'name' parameter expected to be a string.")

	r = call(t, s, "statistic-get-all", nil)
	got = nil
	require.NoError(t, r.Decode(&got))
	require.Len(t, got, 2)

	requireResult(t, call(t, s, "statistic-reset", map[string]any{"name": "pkt4-received"}), ResultSuccess, "Statistic 'pkt4-received' reset.")
	v, _ := st.Get("pkt4-received")
	require.EqualValues(t, 0, v.Int)
	requireResult(t, call(t, s, "statistic-reset", map[string]any{"name": "nope"}), ResultError, "No 'nope' statistic found")
	requireResult(t, call(t, s, "statistic-remove", map[string]any{"name": "pkt4-received"}), ResultSuccess, "Statistic 'pkt4-received' removed.")
	requireResult(t, call(t, s, "statistic-remove", map[string]any{"name": "pkt4-received"}), ResultError, "No 'pkt4-received' statistic found")
	requireResult(t, call(t, s, "statistic-reset-all", nil), ResultSuccess, "All statistics reset to neutral values.")
	v, _ = st.Get(stats.SubnetName(1, stats.AssignedAddresses))
	require.EqualValues(t, 0, v.Int)
	requireResult(t, call(t, s, "statistic-remove-all", nil), ResultSuccess, "All statistics removed.")
	require.Zero(t, st.Len())
	r = call(t, s, "statistic-get-all", nil)
	require.Equal(t, ResultSuccess, r.Result)
	require.JSONEq(t, `{}`, string(r.Arguments))
}

func TestServerCommands(t *testing.T) {
	shut := make(chan int, 1)
	var mu sync.Mutex // guards reclaimed, lfcErr and mt, shared with the handlers
	var reclaimed []bool
	lfcErr := error(nil)
	lm, err := memfile.Open(context.Background(), memfile.Config{InMemory: true})
	require.NoError(t, err)
	defer lm.Close()
	mt := true
	reg := NewRegistry(nil)
	ServerCommands{
		Version: "0.1.0", ExtendedVersion: "0.1.0\ngo1.26",
		Status: func() Status {
			mu.Lock()
			defer mu.Unlock()
			return Status{PID: 42, Uptime: 90 * time.Second, Reload: 30500 * time.Millisecond,
				MultiThreadingEnabled: mt, ThreadPoolSize: 4, PacketQueueSize: 64,
				Extra: map[string]any{"sockets": map[string]any{"status": "ready"}, "pid": "ignored"}}
		},
		Shutdown: func(exit int) { shut <- exit },
		ReclaimLeases: func(ctx context.Context, remove bool) error {
			mu.Lock()
			defer mu.Unlock()
			reclaimed = append(reclaimed, remove)
			if len(reclaimed) == 3 {
				return errors.New("lease database unavailable")
			}
			return nil
		},
		StartLFC: func(ctx context.Context) error {
			mu.Lock()
			err := lfcErr
			mu.Unlock()
			if err != nil {
				return err
			}
			return lm.Compact(ctx)
		},
	}.Register(reg)
	s := startServer(t, reg, Options{})

	r := call(t, s, "version-get", nil)
	require.Equal(t, Response{Result: 0, Text: "0.1.0", Arguments: json.RawMessage(`{"extended":"0.1.0\ngo1.26"}`)}, r)

	r = call(t, s, "status-get", nil)
	require.Equal(t, ResultSuccess, r.Result)
	require.Empty(t, r.Text)
	require.JSONEq(t, `{"pid": 42, "uptime": 90, "reload": 30, "multi-threading-enabled": true,
		"thread-pool-size": 4, "packet-queue-size": 64, "sockets": {"status": "ready"}}`, string(r.Arguments))
	mu.Lock()
	mt = false
	mu.Unlock()
	r = call(t, s, "status-get", nil)
	require.JSONEq(t, `{"pid": 42, "uptime": 90, "reload": 30, "multi-threading-enabled": false,
		"sockets": {"status": "ready"}}`, string(r.Arguments))

	requireResult(t, call(t, s, "leases-reclaim", nil), ResultError, "Missing mandatory 'remove' parameter.")
	requireResult(t, call(t, s, "leases-reclaim", map[string]any{}), ResultError, "Missing mandatory 'remove' parameter.")
	requireResult(t, call(t, s, "leases-reclaim", map[string]any{"remove": "yes"}), ResultError, "'remove' parameter expected to be a boolean.")
	requireResult(t, call(t, s, "leases-reclaim", map[string]any{"remove": true}), ResultSuccess, "Reclamation of expired leases is complete.")
	requireResult(t, call(t, s, "leases-reclaim", map[string]any{"remove": false}), ResultSuccess, "Reclamation of expired leases is complete.")
	mu.Lock()
	require.Equal(t, []bool{true, false}, reclaimed)
	mu.Unlock()
	requireResult(t, call(t, s, "leases-reclaim", map[string]any{"remove": false}), ResultError, "Reclamation of expired leases failed: lease database unavailable")

	requireResult(t, call(t, s, "kea-lfc-start", nil), ResultSuccess, "kea-lfc-start command successful")
	mu.Lock()
	lfcErr = errors.New("lease file cleanup in progress")
	mu.Unlock()
	requireResult(t, call(t, s, "kea-lfc-start", nil), ResultError, "kea-lfc-start failed: lease file cleanup in progress")

	requireResult(t, call(t, s, "shutdown", map[string]any{"exit-value": "x"}), ResultError, "parameter 'exit-value' is not an integer")
	requireResult(t, call(t, s, "shutdown", map[string]any{"exit-value": 3}), ResultSuccess, "Shutting down.")
	require.Equal(t, 3, <-shut)
	requireResult(t, call(t, s, "shutdown", nil), ResultSuccess, "Shutting down.")
	require.Equal(t, 0, <-shut)

	// Only what has a dependency is registered.
	reg2 := NewRegistry(nil)
	ServerCommands{}.Register(reg2)
	require.Equal(t, []string{"list-commands"}, reg2.Commands())
}

// A shutdown function may close the server it was called from.
func TestShutdownClosesServer(t *testing.T) {
	reg := NewRegistry(nil)
	path := filepath.Join(t.TempDir(), "s.sock")
	var s *Server
	closed := make(chan error, 1)
	ServerCommands{Shutdown: func(int) { closed <- s.Close() }}.Register(reg)
	s, err := ListenUnix(path, reg, Options{})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background()) }()
	r, err := Call(context.Background(), path, "shutdown", nil)
	require.NoError(t, err)
	require.Equal(t, "Shutting down.", r.Text)
	require.NoError(t, <-closed)
	require.NoError(t, <-done)
}
