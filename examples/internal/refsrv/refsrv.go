package refsrv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/d2client"
	"github.com/dhcpsrv/dhcpsrv/examples/internal/control"
	"github.com/dhcpsrv/dhcpsrv/examples/internal/keacli"
	"github.com/dhcpsrv/dhcpsrv/examples/internal/metrics"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/option"
	"github.com/dhcpsrv/dhcpsrv/stats"
	"github.com/dhcpsrv/dhcpsrv/timermgr"

	_ "github.com/dhcpsrv/dhcpsrv/leasemgr/memfile" // the default lease database
)

// DefaultDataDir is Kea's data directory, where lease files with a relative
// name are kept unless "data-directory" or $KEA_DHCP_DATA_DIR says otherwise.
const DefaultDataDir = "/var/lib/kea"

// DataDirEnv is the environment variable overriding DefaultDataDir.
const DataDirEnv = "KEA_DHCP_DATA_DIR"

// TimerLFC is the name of the lease file cleanup timer (Kea's).
const TimerLFC = "memfile-lfc"

// ShutdownTimeout bounds the graceful stop of the packet server.
const ShutdownTimeout = 10 * time.Second

// PacketServer is the DHCP packet server a Family builds
// (*dhcp4srv.Server, *dhcp6srv.Server).
type PacketServer interface {
	// Serve receives and answers packets until ctx is done or Shutdown
	// is called.
	Serve(ctx context.Context) error
	// Shutdown stops serving and waits, until ctx ends, for the requests
	// in progress.
	Shutdown(ctx context.Context) error
	// Reconfigure switches to a newly committed configuration. On error
	// the server keeps its previous configuration.
	Reconfigure(cfg *cfgmgr.Config) error
}

// EngineProvider is implemented by packet servers that own an allocation
// engine; refsrv uses it for reclamation (timers and leases-reclaim).
type EngineProvider interface {
	Engine() *alloc.Engine
}

// Deps is what a Family's NewServer gets.
type Deps struct {
	// Config is the committed configuration to start with.
	Config *cfgmgr.Config
	// Leases is the open lease database; the server must not close it.
	Leases leasemgr.Manager
	// Stats receives the server's statistics (pkt4-*, subnet[...]...).
	Stats *stats.Manager
	// Logger is the process logger.
	Logger *slog.Logger
	// ServerPort and ClientPort are the -p and -P overrides (0: standard).
	ServerPort int
	ClientPort int
	// DataDir is the data directory (where dhcp6d keeps its server DUID
	// file, kea-dhcp6-serverid, as Kea does).
	DataDir string
	// DDNS is the DNS update sender built from "dhcp-ddns" (NewDDNSSender),
	// nil when enable-updates is false. The server wires it with
	// dhcp4srv.WithDDNS / dhcp6srv.WithDDNS; refsrv closes it after the
	// server has stopped.
	DDNS d2client.Sender
}

// Family is what differs between dhcp4d and dhcp6d.
type Family struct {
	// Name is the program name ("dhcp4d").
	Name string
	// Universe is option.V4 or option.V6.
	Universe option.Universe
	// NewServer builds the packet server. Nil runs the server without
	// packet processing (configuration, lease database, timers, control
	// socket and metrics only), which is useful only for tests and tools.
	NewServer func(ctx context.Context, d Deps) (PacketServer, error)
}

// Program returns the keacli.Program of the family, whose Run is Run.
func (f Family) Program() keacli.Program {
	return keacli.Program{
		Name:   f.Name,
		Family: f.Universe,
		Run: func(ctx context.Context, opts keacli.Options) error {
			return Run(ctx, f, opts)
		},
	}
}

// runner is one running server.
type runner struct {
	fam     Family
	opts    keacli.Options
	log     *slog.Logger
	start   time.Time
	cfgs    *cfgmgr.Manager
	parse   cfgmgr.ParseOptions
	leases  leasemgr.Manager
	dataDir string
	st      *stats.Manager
	srv     PacketServer
	engine  *alloc.Engine
	ownEng  bool // engine built by refsrv, configured on each apply
	tm      *timermgr.Manager
	reg     *control.Registry

	applyMu sync.Mutex // serializes apply (config-set, config-reload, SIGHUP)

	ctrlMu     sync.Mutex
	ctrl       *control.Server
	ctrlClosed bool           // closeControl ran: open no more sockets
	ctrlWG     sync.WaitGroup // control socket goroutines

	stopOnce sync.Once
	stopCh   chan struct{}
	exitCode int // from the shutdown command; guarded by stopOnce
}

// Run runs a server from opts.ConfigFile until ctx is done (SIGTERM, SIGINT),
// the shutdown command arrives or the packet server fails. SIGHUP reloads the
// configuration file. See the package documentation for the wiring.
func Run(ctx context.Context, f Family, opts keacli.Options) (err error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r := &runner{
		fam:    f,
		opts:   opts,
		log:    log,
		start:  time.Now(),
		cfgs:   cfgmgr.NewManager(),
		parse:  cfgmgr.ParseOptions{Family: f.Universe},
		st:     stats.New(),
		stopCh: make(chan struct{}),
	}

	// 1. Configuration.
	cfg, err := r.loadInitial()
	if err != nil {
		return err
	}
	log.Info("configuration loaded", "file", opts.ConfigFile, "summary", keacli.Summary(cfg))

	// 2. Lease database.
	r.dataDir = dataDir(cfg)
	params := r.leaseParams(cfg)
	r.leases, err = leasemgr.Open(ctx, params)
	if err != nil {
		return fmt.Errorf("lease database: %w", err)
	}
	log.Info("lease database open", "type", params.Database["type"], "data-directory", r.dataDir, "name", params.Database["name"])
	defer func() {
		// Closed last: every acknowledged lease is flushed.
		if c, ok := r.leases.(io.Closer); ok {
			if cerr := c.Close(); cerr != nil {
				log.Error("closing the lease database", "error", cerr)
				if err == nil {
					err = fmt.Errorf("closing the lease database: %w", cerr)
				}
			} else {
				log.Info("lease database closed")
			}
		}
	}()

	// 3. Packet server (with its DDNS sender) and allocation engine.
	if f.NewServer != nil {
		ddns, err := NewDDNSSender(cfg, log, r.st)
		if err != nil {
			return err
		}
		if ddns != nil {
			defer func() {
				// After the packet server's Shutdown (below): queued
				// requests get DrainTimeout to go out.
				if cerr := ddns.Close(); cerr != nil {
					log.Warn("DDNS sender close", "error", cerr)
				}
			}()
		}
		r.srv, err = f.NewServer(ctx, Deps{
			Config: cfg, Leases: r.leases, Stats: r.st, Logger: log,
			ServerPort: opts.ServerPort, ClientPort: opts.ClientPort, DataDir: r.dataDir,
			DDNS: ddns,
		})
		if err != nil {
			return fmt.Errorf("packet server: %w", err)
		}
		if ep, ok := r.srv.(EngineProvider); ok {
			r.engine = ep.Engine()
		}
	} else {
		log.Warn("this build has no packet server: serving the control socket and timers only")
	}
	if r.engine == nil {
		r.engine, err = alloc.NewEngine(r.leases, nil, alloc.WithStats(r.st), alloc.WithLogger(log))
		if err != nil {
			return fmt.Errorf("allocation engine: %w", err)
		}
		if err := r.engine.Configure(cfg); err != nil {
			return fmt.Errorf("allocation engine: %w", err)
		}
		r.ownEng = true
	}

	// 4. Timers.
	r.tm = timermgr.New(timermgr.WithLogger(log))
	defer r.tm.Close()
	if err := r.schedule(cfg); err != nil {
		return err
	}

	// 5. Control socket.
	r.reg = control.NewRegistry(log)
	r.registerCommands()
	if cfg.ControlSocket != nil {
		if err := r.listenControl(cfg.ControlSocket); err != nil {
			return fmt.Errorf("control socket: %w", err)
		}
	}
	defer r.closeControl()

	// 6. Metrics.
	if opts.MetricsAddr != "" {
		stop, err := r.serveMetrics(opts.MetricsAddr)
		if err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		defer stop()
	}

	// Serve.
	serveCtx, cancelServe := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelServe()
	serveErr := make(chan error, 1)
	if r.srv != nil {
		go func() { serveErr <- r.srv.Serve(serveCtx) }()
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	log.Info("server started", "pid", os.Getpid(), "version", keacli.Version)

	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			log.Info("stopping on signal")
			break loop
		case <-r.stopCh:
			log.Info("stopping on the shutdown command", "exit-value", r.exitCode)
			break loop
		case err := <-serveErr:
			serveErr = nil
			if err != nil {
				runErr = fmt.Errorf("packet server: %w", err)
				log.Error("packet server failed", "error", err)
			} else {
				log.Info("packet server stopped")
			}
			break loop
		case <-hup:
			r.reloadOnSignal(ctx)
		}
	}

	// Graceful stop: the packet server first, the lease database last
	// (deferred above), the timers and the control socket in between.
	if r.srv != nil {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
		if err := r.srv.Shutdown(sctx); err != nil {
			log.Warn("packet server shutdown", "error", err)
		}
		cancelServe()
		if serveErr != nil {
			select {
			case err := <-serveErr:
				// After Shutdown, Serve's error (the transport is
				// closed) is how it says it stopped.
				if err != nil {
					log.Debug("packet server stopped", "serve", err)
				}
			case <-sctx.Done():
				log.Warn("packet server did not stop in time")
			}
		}
		cancel()
	}
	if err := r.tm.Close(); err != nil {
		log.Warn("timers", "error", err)
	}
	r.closeControl()
	log.Info("server stopped")
	if runErr != nil {
		return runErr
	}
	if r.exitCode != 0 {
		return &keacli.ExitError{Code: r.exitCode}
	}
	return nil
}

// loadInitial stages and commits the configuration file, logging warnings and
// errors (one per JSON path).
func (r *runner) loadInitial() (*cfgmgr.Config, error) {
	file := r.opts.ConfigFile
	warnings, err := r.cfgs.StageFile(file, r.parse)
	for _, w := range warnings {
		r.log.Warn("configuration warning", "file", file, "path", w.Path, "warning", w.Message)
	}
	if err != nil {
		errs := keacli.Flatten(err)
		for _, e := range errs {
			r.log.Error("configuration error", "file", file, "error", e)
		}
		return nil, fmt.Errorf("%s: configuration failed (%d error(s)), first: %w", file, len(errs), errs[0])
	}
	staged := r.cfgs.Staging()
	if staged == nil || staged.Family != r.fam.Universe {
		r.cfgs.Discard()
		return nil, fmt.Errorf("%s: no %s map", file, mapName(r.fam.Universe))
	}
	cfg, err := r.cfgs.Commit()
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

func mapName(u option.Universe) string {
	if u == option.V6 {
		return "Dhcp6"
	}
	return "Dhcp4"
}

// dataDir returns the directory of relative lease file names.
func dataDir(cfg *cfgmgr.Config) string {
	if d := cfg.Globals.DataDirectory; d != nil && *d != "" {
		return *d
	}
	if d := os.Getenv(DataDirEnv); d != "" {
		return d
	}
	return DefaultDataDir
}

// leaseParams turns "lease-database" into leasemgr.Params. Memfile's own
// cleanup loop is switched off: the server's memfile-lfc timer does it.
func (r *runner) leaseParams(cfg *cfgmgr.Config) leasemgr.Params {
	db := map[string]any{"type": "memfile"}
	if d := cfg.LeaseDatabase; d != nil {
		if d.Raw != nil {
			db = maps.Clone(d.Raw)
		} else {
			db = map[string]any{"type": d.Type, "name": d.Name, "persist": d.Persist,
				"lfc-interval": d.LFCInterval, "max-row-errors": d.MaxRowErrors}
		}
		if _, ok := db["type"]; !ok {
			db["type"] = "memfile"
		}
	}
	if db["type"] == "memfile" {
		db["lfc-interval"] = 0
	}
	return leasemgr.Params{
		Universe: leasemgr.Universe(r.fam.Universe),
		Database: db,
		DataDir:  dataDir(cfg),
		Logger:   r.log,
	}
}

// lfcInterval returns the configured cleanup interval, 0 when off or when the
// backend keeps no file.
func lfcInterval(cfg *cfgmgr.Config) time.Duration {
	d := cfg.LeaseDatabase
	if d == nil {
		return 3600 * time.Second // Kea's default for the default memfile
	}
	if (d.Type != "" && d.Type != "memfile") || !d.Persist {
		return 0
	}
	return time.Duration(d.LFCInterval) * time.Second
}

// schedule (re)registers the reclamation and lease file cleanup timers with
// cfg's parameters.
func (r *runner) schedule(cfg *cfgmgr.Config) error {
	if err := r.engine.ScheduleReclamation(r.tm, leasemgr.Universe(r.fam.Universe), cfg.ExpiredLeases); err != nil {
		return fmt.Errorf("reclamation timers: %w", err)
	}
	if r.tm.IsRegistered(TimerLFC) {
		_ = r.tm.Unregister(TimerLFC)
	}
	comp, ok := r.leases.(leasemgr.Compactor)
	iv := lfcInterval(cfg)
	if !ok || iv == 0 {
		return nil
	}
	err := r.tm.Register(TimerLFC, iv, timermgr.Repeating, func(ctx context.Context) {
		t0 := time.Now()
		if err := comp.Compact(ctx); err != nil {
			r.log.Error("lease file cleanup failed", "error", err)
			return
		}
		r.log.Info("lease file cleanup done", "duration", time.Since(t0))
	})
	if err != nil {
		return fmt.Errorf("lfc timer: %w", err)
	}
	if err := r.tm.Setup(TimerLFC); err != nil {
		return fmt.Errorf("lfc timer: %w", err)
	}
	r.log.Debug("lease file cleanup scheduled", "interval", iv)
	return nil
}

// stop ends Run with an exit code (the shutdown command).
func (r *runner) stop(code int) {
	r.stopOnce.Do(func() {
		r.exitCode = code
		close(r.stopCh)
	})
}

func (r *runner) registerCommands() {
	st := r.st
	control.ServerCommands{
		Version:         keacli.Version,
		ExtendedVersion: runtime.Version(),
		Status:          r.status,
		Shutdown:        r.stop,
		ReclaimLeases:   r.reclaim,
		StartLFC:        r.startLFC(),
	}.Register(r.reg)
	(&control.ConfigCommands{
		Manager:      r.cfgs,
		Family:       r.fam.Universe,
		ParseOptions: r.parse,
		File:         r.opts.ConfigFile,
		Apply:        r.apply,
	}).Register(r.reg)
	ls := control.LeaseStats{Stats: st, Config: r.cfgs.Current}
	lc := &control.LeaseCommands{
		Leases:         r.leases,
		Config:         r.cfgs.Current,
		OnLease4Change: ls.Lease4Changed,
		OnLease6Change: ls.Lease6Changed,
	}
	if r.fam.Universe == option.V6 {
		lc.Register6(r.reg)
	} else {
		lc.Register4(r.reg)
	}
	control.RegisterStatistics(r.reg, st)
}

func (r *runner) status() control.Status {
	cfg := r.cfgs.Current()
	s := control.Status{
		PID:    os.Getpid(),
		Uptime: time.Since(r.start),
		Reload: time.Since(cfg.CommitTime),
	}
	mt := cfg.MultiThreading
	s.MultiThreadingEnabled = mt.EnableMultiThreading
	if mt.EnableMultiThreading {
		s.ThreadPoolSize = int(mt.ThreadPoolSize)
		if s.ThreadPoolSize == 0 {
			s.ThreadPoolSize = runtime.GOMAXPROCS(0)
		}
		s.PacketQueueSize = int(mt.PacketQueueSize)
	}
	if r.srv != nil {
		s.Extra = map[string]any{"sockets": map[string]any{"status": "ready"}}
	}
	return s
}

func (r *runner) reclaim(ctx context.Context, remove bool) error {
	var (
		res alloc.ReclaimResult
		err error
	)
	if r.fam.Universe == option.V6 {
		res, err = r.engine.ReclaimExpired6(ctx, 0, 0, remove)
	} else {
		res, err = r.engine.ReclaimExpired4(ctx, 0, 0, remove)
	}
	if err != nil {
		return err
	}
	r.log.Info("leases reclaimed", "reclaimed", res.Reclaimed, "skipped", res.Skipped, "remove", remove)
	return nil
}

func (r *runner) startLFC() func(ctx context.Context) error {
	comp, ok := r.leases.(leasemgr.Compactor)
	if !ok {
		return nil
	}
	return func(ctx context.Context) error {
		if lfcInterval(r.cfgs.Current()) > 0 && r.tm.IsRegistered(TimerLFC) {
			// Kea reschedules the timer, so the next run is a full
			// interval after this one.
			_ = r.tm.Cancel(TimerLFC)
			defer r.tm.Setup(TimerLFC)
		}
		return comp.Compact(ctx)
	}
}

// apply is ConfigCommands.Apply: commit the staged cfg, reconfigure the
// server, re-schedule the timers, move the control socket if needed.
func (r *runner) apply(ctx context.Context, cfg *cfgmgr.Config) error {
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	if cfg.Family != r.fam.Universe {
		return fmt.Errorf("not a %s configuration", mapName(r.fam.Universe))
	}
	old := r.cfgs.Current()
	committed, err := r.cfgs.Commit()
	if err != nil {
		return err
	}
	if r.srv != nil {
		if err := r.srv.Reconfigure(committed); err != nil {
			return fmt.Errorf("reconfigure: %w", err)
		}
	}
	if r.ownEng {
		if err := r.engine.Configure(committed); err != nil {
			if r.srv != nil {
				_ = r.srv.Reconfigure(old)
			}
			return fmt.Errorf("allocation engine: %w", err)
		}
	}
	if err := r.schedule(committed); err != nil {
		// The new configuration is in use; timers keep the old
		// parameters where they could not be changed.
		r.log.Error("re-scheduling timers", "error", err)
	}
	if !reflect.DeepEqual(r.leaseParams(old), r.leaseParams(committed)) {
		r.log.Warn("lease-database (or data-directory) changed: the server keeps the lease database it was started with; restart it to use the new one",
			"old", r.leaseParams(old).Database, "new", r.leaseParams(committed).Database)
	}
	if !reflect.DeepEqual(old.Interfaces, committed.Interfaces) {
		r.log.Warn("interfaces-config changed: the server keeps its sockets; restart it to use the new interfaces",
			"old", old.Interfaces.Interfaces, "new", committed.Interfaces.Interfaces)
	}
	r.warnDDNSChange(old, committed)
	r.moveControl(old.ControlSocket, committed.ControlSocket)
	r.log.Info("configuration applied", "sequence", committed.Sequence, "summary", keacli.Summary(committed))
	return nil
}

// reloadOnSignal is SIGHUP: parse the file (logging each error with its
// path), then config-reload through the registry, so it is serialized with
// the control socket's configuration commands.
func (r *runner) reloadOnSignal(ctx context.Context) {
	file := r.opts.ConfigFile
	r.log.Info("SIGHUP: reloading the configuration", "file", file)
	if _, _, err := r.parse.ParseFile(file); err != nil {
		for _, e := range keacli.Flatten(err) {
			r.log.Error("configuration error", "file", file, "error", e)
		}
		r.log.Error("configuration reload failed: keeping the current configuration", "file", file)
		return
	}
	resp := r.reg.Handle(ctx, control.Request{Command: "config-reload"})
	if resp.Result != control.ResultSuccess {
		r.log.Error("configuration reload failed: keeping the current configuration", "file", file, "error", resp.Text)
		return
	}
	r.log.Info("configuration reloaded", "file", file)
}

// listenControl opens the control socket and serves it in the background.
func (r *runner) listenControl(cs *cfgmgr.ControlSocket) error {
	s, err := control.Listen(cs, r.reg, control.Options{Logger: r.log})
	if err != nil {
		return err
	}
	r.ctrlMu.Lock()
	if r.ctrlClosed {
		r.ctrlMu.Unlock()
		return s.Close()
	}
	r.ctrl = s
	r.ctrlWG.Add(1)
	r.ctrlMu.Unlock()
	go func() {
		defer r.ctrlWG.Done()
		if err := s.Serve(context.Background()); err != nil {
			r.log.Error("control socket", "error", err)
		}
	}()
	r.log.Info("control socket open", "path", s.Path())
	return nil
}

// moveControl reopens the control socket when its configuration changed.
// The old socket is closed in the background: apply runs inside one of its
// commands, which Close waits for. A new socket on the same path is opened
// once the old one is gone.
func (r *runner) moveControl(old, cur *cfgmgr.ControlSocket) {
	if reflect.DeepEqual(old, cur) {
		return
	}
	r.ctrlMu.Lock()
	if r.ctrlClosed {
		r.ctrlMu.Unlock()
		return
	}
	prev := r.ctrl
	r.ctrl = nil
	r.ctrlWG.Add(1) // for the goroutine below
	r.ctrlMu.Unlock()
	samePath := cur != nil && old != nil && filepath.Clean(old.SocketName) == filepath.Clean(cur.SocketName)
	if cur != nil && !samePath {
		if err := r.listenControl(cur); err != nil {
			r.log.Error("control socket", "error", err)
		}
	}
	go func() {
		defer r.ctrlWG.Done()
		if prev != nil {
			_ = prev.Close()
		}
		switch {
		case cur == nil:
			r.log.Info("control socket closed (removed from the configuration)")
		case samePath:
			if err := r.listenControl(cur); err != nil {
				r.log.Error("control socket", "error", err)
			}
		}
	}()
}

// closeControl closes the control socket for good and waits for it.
func (r *runner) closeControl() {
	r.ctrlMu.Lock()
	r.ctrlClosed = true
	s := r.ctrl
	r.ctrl = nil
	r.ctrlMu.Unlock()
	if s != nil {
		_ = s.Close()
	}
	r.ctrlWG.Wait()
}

// serveMetrics serves /metrics on addr and returns a function that stops it.
func (r *runner) serveMetrics(addr string) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", metrics.Handler(r.st, "dhcp"))
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.log.Error("metrics endpoint", "error", err)
		}
	}()
	r.log.Info("metrics endpoint", "url", "http://"+ln.Addr().String()+"/metrics")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
		<-done
	}, nil
}
