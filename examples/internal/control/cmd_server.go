package control

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"time"
)

// Status is what status-get reports: Kea's pid, uptime, reload and
// multi-threading fields. The server fills it on each call.
type Status struct {
	// PID is the server's process id (os.Getpid()).
	PID int
	// Uptime is the time since the server started.
	Uptime time.Duration
	// Reload is the time since the last successful (re)configuration.
	Reload time.Duration
	// MultiThreadingEnabled, ThreadPoolSize and PacketQueueSize are the
	// effective multi-threading settings; the last two are reported only
	// when multi-threading is enabled, as Kea does.
	MultiThreadingEnabled bool
	ThreadPoolSize        int
	PacketQueueSize       int
	// Extra holds further keys of the answer (e.g. "sockets":
	// {"status": "ready"}, "packet-queue-statistics"); they do not
	// replace the keys above.
	Extra map[string]any
}

// ServerCommands are the commands about the server process. Set the fields
// a server supports; Register registers a command only when what it needs
// is set.
type ServerCommands struct {
	// Version is version-get's text (keacli.Version); ExtendedVersion its
	// "extended" argument. version-get needs Version.
	Version         string
	ExtendedVersion string
	// Status is called by status-get.
	Status func() Status
	// Shutdown is called by shutdown with the "exit-value" argument (0 by
	// default). It runs in its own goroutine once the answer is on its
	// way, so it may stop the server (cancel its context, call
	// Server.Close) directly.
	Shutdown func(exitValue int)
	// ReclaimLeases is called by leases-reclaim: reclaim the expired
	// leases now and, when remove is true, delete them instead of keeping
	// them in state expired-reclaimed (the allocation engine's reclaim).
	ReclaimLeases func(ctx context.Context, remove bool) error
	// StartLFC is called by kea-lfc-start: run a lease file cleanup
	// (memfile's Compact; it may return once the cleanup has started
	// or finished).
	StartLFC func(ctx context.Context) error
}

// Register registers version-get, status-get, shutdown, leases-reclaim and
// kea-lfc-start, each if its dependency is set.
func (c ServerCommands) Register(r *Registry) {
	if c.Version != "" {
		r.Register("version-get", c.versionGet)
	}
	if c.Status != nil {
		r.Register("status-get", c.statusGet)
	}
	if c.Shutdown != nil {
		r.Register("shutdown", c.shutdown)
	}
	if c.ReclaimLeases != nil {
		r.Register("leases-reclaim", c.leasesReclaim)
	}
	if c.StartLFC != nil {
		r.Register("kea-lfc-start", c.keaLFCStart)
	}
}

func (c ServerCommands) versionGet(ctx context.Context, _ json.RawMessage) Response {
	ext := c.ExtendedVersion
	if ext == "" {
		ext = c.Version
	}
	return Answer(ResultSuccess, c.Version, map[string]any{"extended": ext})
}

func (c ServerCommands) statusGet(ctx context.Context, _ json.RawMessage) Response {
	st := c.Status()
	m := make(map[string]any, len(st.Extra)+6)
	for k, v := range st.Extra {
		m[k] = v
	}
	m["pid"] = st.PID
	m["uptime"] = int64(st.Uptime / time.Second)
	m["reload"] = int64(st.Reload / time.Second)
	m["multi-threading-enabled"] = st.MultiThreadingEnabled
	if st.MultiThreadingEnabled {
		m["thread-pool-size"] = st.ThreadPoolSize
		m["packet-queue-size"] = st.PacketQueueSize
	}
	return Answer(ResultSuccess, "", m)
}

func (c ServerCommands) shutdown(ctx context.Context, raw json.RawMessage) Response {
	exit := 0
	a, err := parseArgs(raw)
	if err == nil {
		n, _, err := a.integer("exit-value", math.MinInt32, math.MaxInt32)
		if err != nil {
			return Errorf("parameter 'exit-value' is not an integer")
		}
		exit = int(n)
	} else if !errors.Is(err, errNoArgs) {
		return Errorf("%v", err)
	}
	go c.Shutdown(exit)
	return Success("Shutting down.")
}

func (c ServerCommands) leasesReclaim(ctx context.Context, raw json.RawMessage) Response {
	a, err := parseArgs(raw)
	if err != nil {
		if errors.Is(err, errNoArgs) {
			return Errorf("Missing mandatory 'remove' parameter.")
		}
		return Errorf("%v", err)
	}
	remove, ok, err := a.boolean("remove")
	if !ok {
		return Errorf("Missing mandatory 'remove' parameter.")
	}
	if err != nil {
		return Errorf("'remove' parameter expected to be a boolean.")
	}
	if err := c.ReclaimLeases(ctx, remove); err != nil {
		return Errorf("Reclamation of expired leases failed: %v", err)
	}
	return Success("Reclamation of expired leases is complete.")
}

func (c ServerCommands) keaLFCStart(ctx context.Context, _ json.RawMessage) Response {
	if err := c.StartLFC(ctx); err != nil {
		return Errorf("kea-lfc-start failed: %v", err)
	}
	return Success("kea-lfc-start command successful")
}
