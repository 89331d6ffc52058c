package cfgmgr

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Manager holds the current configuration of one server and a staging
// configuration being prepared (Kea's CfgMgr, without the singleton): parse
// into staging, then Commit swaps it in atomically, or Discard drops it.
// Earlier configurations are kept in a bounded history for Revert.
//
// A Manager is safe for concurrent use. Current is lock-free (an atomic
// pointer load) and returns a Config that is never modified afterwards: a
// request that loaded it keeps a consistent view even if a commit happens
// meanwhile. Stage, Commit, Discard and Revert are serialised by a mutex.
type Manager struct {
	mu         sync.Mutex
	current    atomic.Pointer[Config]
	staging    *Config
	history    []*Config // newest first, without the current one
	maxHistory int
	seq        uint64 // sequence of the latest committed config
	now        func() time.Time
}

// ManagerOption configures a Manager.
type ManagerOption func(*Manager)

// WithHistorySize sets how many earlier configurations are kept for
// Revert (default 10, Kea's CONFIG_LIST_SIZE; 0 keeps none).
func WithHistorySize(n int) ManagerOption {
	return func(m *Manager) {
		if n >= 0 {
			m.maxHistory = n
		}
	}
}

// WithClock sets the clock used for commit times (tests).
func WithClock(now func() time.Time) ManagerOption {
	return func(m *Manager) { m.now = now }
}

// NewManager returns a Manager with no current configuration.
func NewManager(opts ...ManagerOption) *Manager {
	m := &Manager{maxHistory: DefaultMaxHistory, now: time.Now}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Current returns the committed configuration, or nil before the first
// commit. The result must not be modified.
func (m *Manager) Current() *Config { return m.current.Load() }

// Stage makes cfg the staging configuration (replacing any earlier staging
// one) and gives it the next sequence number. cfg must be a validated
// Config (from Parse, or after Config.Validate) and must not be modified
// once staged.
func (m *Manager) Stage(cfg *Config) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cfg.Sequence = m.seq + 1
	m.staging = cfg
}

// StageFile parses a Kea configuration file and stages the result.
func (m *Manager) StageFile(path string, opts ParseOptions) ([]Warning, error) {
	cfg, w, err := opts.ParseFile(path)
	if err != nil {
		return w, err
	}
	m.Stage(cfg)
	return w, nil
}

// StageBytes parses a Kea configuration and stages the result.
func (m *Manager) StageBytes(data []byte, opts ParseOptions) ([]Warning, error) {
	cfg, w, err := opts.Parse(data)
	if err != nil {
		return w, err
	}
	m.Stage(cfg)
	return w, nil
}

// Staging returns the staging configuration, or nil.
func (m *Manager) Staging() *Config {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.staging
}

// Discard drops the staging configuration (Kea's rollback).
func (m *Manager) Discard() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.staging = nil
}

// Commit makes the staging configuration current and returns it. The
// previous current configuration moves to the history. It returns
// ErrNoStaging when nothing is staged.
func (m *Manager) Commit() (*Config, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.staging == nil {
		return nil, ErrNoStaging
	}
	c := m.staging
	m.staging = nil
	m.commitLocked(c)
	return c, nil
}

func (m *Manager) commitLocked(c *Config) {
	m.seq++
	c.Sequence = m.seq
	c.CommitTime = m.now()
	if prev := m.current.Load(); prev != nil && m.maxHistory > 0 {
		m.history = append([]*Config{prev}, m.history...)
		if len(m.history) > m.maxHistory {
			m.history[len(m.history)-1] = nil
			m.history = m.history[:m.maxHistory]
		}
	}
	m.current.Store(c)
}

// History returns the earlier configurations, newest first (index 0 is
// what Revert(1) restores).
func (m *Manager) History() []*Config {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*Config(nil), m.history...)
}

// Revert makes the n-th earlier configuration current again (1 = the
// immediate predecessor), as Kea's CfgMgr::revert: the old configuration is
// committed anew, with a new sequence number and commit time, and the
// configuration it replaces goes to the history. Any staging configuration
// is discarded.
func (m *Manager) Revert(n int) (*Config, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n < 1 || n > len(m.history) {
		return nil, fmt.Errorf("%w: revert(%d) with %d kept", ErrNoHistory, n, len(m.history))
	}
	old := m.history[n-1]
	c := old.shallowCopy()
	m.staging = nil
	m.commitLocked(c)
	return c, nil
}

// shallowCopy returns a copy of c sharing its (immutable) contents, so it
// can carry its own sequence number and commit time.
func (c *Config) shallowCopy() *Config {
	cp := *c
	return &cp
}
