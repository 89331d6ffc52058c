package memfile

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// store is one family's leases: the table, its lock, and the lease file.
//
// Locking: wmu serializes changes, so rows reach the file in the order the
// changes reach memory. A change checks the table and appends its row while
// holding only wmu (it may read the table without mu, since only holders of
// wmu modify it), then takes mu for writing just to update the table.
// Readers take mu for reading, so the file write never blocks them.
type store[K comparable, L any] struct {
	f      *family[K, L]
	cfg    *Config
	log    *slog.Logger
	path   string // "" when not persisted
	schema Schema

	mu  sync.RWMutex
	tab *table[K, L]

	wmu    sync.Mutex
	file   *activeFile // nil when not persisted
	buf    []byte      // row buffer, guarded by wmu
	closed atomic.Bool
	w      *watchers // the Manager's change callbacks

	lfcMu     sync.Mutex // one cleanup at a time
	rowErrors []RowError
}

// open loads the lease files (Kea's order: <file>.completed, else <file>.2
// then <file>.1; then <file>) and opens the active file for appending.
func (s *store[K, L]) open(ctx context.Context) error {
	s.tab = newTable(s.f)
	if s.path == "" {
		return nil
	}
	if pid, alive := readPID(s.path + ".pid"); alive {
		return fmt.Errorf("memfile: open %s: %w (pid %d)", s.path, ErrLFCRunning, pid)
	}
	// A <file>.output left by an interrupted cleanup is never loaded, but
	// kea-lfc 2.2 appends to an existing one instead of starting afresh
	// (and mixes schemas if they differ): remove it while no cleanup runs.
	if exists(s.path + ".output") {
		s.log.Warn("memfile: removing the output of an interrupted lease file cleanup", "file", s.path+".output")
		if err := os.Remove(s.path + ".output"); err != nil {
			return fmt.Errorf("memfile: open %s: %w", s.path, err)
		}
	}
	// Size the map for the files' rows (about 100 bytes each) to spare
	// rehashing a million leases.
	hint := 0
	for _, p := range []string{s.path, s.path + ".1", s.path + ".2", s.path + ".completed"} {
		if fi, err := os.Stat(p); err == nil {
			hint += int(fi.Size() / 100)
		}
	}
	m := make(map[K]*L, min(hint, 16<<20))
	var files []string
	if exists(s.path + ".completed") {
		files = []string{s.path + ".completed"}
	} else {
		files = []string{s.path + ".2", s.path + ".1"}
	}
	for _, p := range files {
		if _, err := s.loadInto(ctx, m, p, true); err != nil {
			return err
		}
	}
	info, err := s.loadInto(ctx, m, s.path, true)
	if err != nil {
		return err
	}
	if info.torn {
		s.log.Warn("memfile: ignoring an incomplete last row (crash during a write?)", "file", s.path, "offset", info.good)
	}
	s.tab.build(m)
	hdr := header(s.f.columns, s.f.writeCols(s.schema))
	s.file, err = openActive(s.path, hdr, s.cfg.Durability, info)
	if err != nil {
		return fmt.Errorf("memfile: open %s: %w", s.path, err)
	}
	if info.exists && info.header != "" && info.header+"\n" != string(hdr) {
		// The file is in another schema (an older or newer Kea, or the
		// other Schema setting). As Kea does, clean up at once, which
		// starts a new active file in our schema; twice if an earlier
		// cleanup was interrupted and must finish first.
		s.log.Info("memfile: lease file schema differs, running lease file cleanup", "file", s.path, "header", info.header)
		for i := 0; i < 2 && s.file.hdrDiffers(hdr); i++ {
			if err := s.compact(ctx); err != nil {
				s.file.close()
				return err
			}
		}
	}
	return nil
}

// loadInto reads one lease file into m, applying Kea's rules: a row
// replaces the address's earlier row, a row with valid lifetime 0 deletes
// the address.
func (s *store[K, L]) loadInto(ctx context.Context, m map[K]*L, path string, record bool) (loadInfo, error) {
	var bad []RowError
	apply := func(l *L) {
		k := s.f.key(l)
		if _, valid := s.f.times(l); valid == 0 {
			delete(m, k)
			return
		}
		m[k] = l
	}
	info, err := readLeaseFile(s.f, path, apply, func(r RowError) {
		if len(bad) < maxReportedRows {
			bad = append(bad, r)
		}
	})
	if err != nil {
		if errors.Is(err, ErrBadFile) {
			return info, fmt.Errorf("memfile: %w", err)
		}
		return info, fmt.Errorf("memfile: load %s: %w", path, err)
	}
	if info.bad > 0 {
		for _, r := range bad {
			s.log.Warn("memfile: discarding bad lease file row", "file", r.File, "line", r.Line, "reason", r.Reason)
		}
		if max := s.cfg.MaxRowErrors; max > 0 && info.bad > max {
			return info, &LoadError{File: path, Count: info.bad, Max: max, Rows: bad}
		}
		if record {
			s.rowErrors = append(s.rowErrors, bad...)
		}
	}
	if info.exists {
		s.log.Info("memfile: loaded lease file", "file", path, "rows", info.rows, "bad", info.bad, "leases", len(m))
	}
	return info, ctx.Err()
}

func (s *store[K, L]) check(ctx context.Context) error {
	if s.closed.Load() {
		return leasemgr.ErrClosed
	}
	return ctx.Err()
}

// write appends the row(s) of a change; the caller holds wmu.
func (s *store[K, L]) write(del bool, ls ...*L) (uint64, error) {
	if s.file == nil {
		return 0, nil
	}
	buf := s.buf[:0]
	for _, l := range ls {
		var err error
		if buf, err = s.f.appendRow(buf, l, s.schema, del); err != nil {
			return 0, fmt.Errorf("%w: %v", leasemgr.ErrInvalid, err)
		}
	}
	if cap(buf) <= 64<<10 {
		s.buf = buf
	}
	return s.file.append(buf)
}

func (s *store[K, L]) durable(pos uint64) error {
	if s.file == nil {
		return nil
	}
	return s.file.waitDurable(pos)
}

// prepare validates l and returns the copy to store and, when persisting,
// its row (encoded here, outside the writers' lock).
func (s *store[K, L]) prepare(l *L) (*L, []byte, error) {
	if l == nil {
		return nil, nil, fmt.Errorf("%w: nil lease", leasemgr.ErrInvalid)
	}
	if err := s.f.validate(l); err != nil {
		return nil, nil, err
	}
	c := s.f.clone(l)
	s.f.normalize(c)
	if s.file == nil {
		return c, nil, nil
	}
	row, err := s.f.appendRow(make([]byte, 0, 192), c, s.schema, false)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", leasemgr.ErrInvalid, err)
	}
	return c, row, nil
}

// writeRow appends a row prepared by prepare; the caller holds wmu.
func (s *store[K, L]) writeRow(row []byte) (uint64, error) {
	if s.file == nil {
		return 0, nil
	}
	return s.file.append(row)
}

func (s *store[K, L]) add(ctx context.Context, l *L) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	c, row, err := s.prepare(l)
	if err != nil {
		return err
	}
	k := s.f.key(c)
	s.wmu.Lock()
	if s.closed.Load() {
		s.wmu.Unlock()
		return leasemgr.ErrClosed
	}
	if s.tab.byKey[k] != nil {
		s.wmu.Unlock()
		return leasemgr.ErrExists
	}
	pos, err := s.writeRow(row)
	if err != nil {
		s.wmu.Unlock()
		return err
	}
	s.mu.Lock()
	s.tab.insert(c)
	s.mu.Unlock()
	s.emit(leasemgr.OpAdd, c)
	s.wmu.Unlock()
	if err := s.durable(pos); err != nil {
		return err
	}
	s.f.mark(l)
	return nil
}

// stale reports whether l was read from storage and storage has changed since.
func (s *store[K, L]) stale(l, stored *L) bool {
	cltt, valid, ok := s.f.loaded(l)
	if !ok {
		return false
	}
	sc, sv := s.f.times(stored)
	return cltt != sc || valid != sv
}

func (s *store[K, L]) update(ctx context.Context, l *L) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	c, row, err := s.prepare(l)
	if err != nil {
		return err
	}
	k := s.f.key(c)
	s.wmu.Lock()
	if s.closed.Load() {
		s.wmu.Unlock()
		return leasemgr.ErrClosed
	}
	old := s.tab.byKey[k]
	switch {
	case old == nil:
		s.wmu.Unlock()
		return leasemgr.ErrNotFound
	case s.stale(l, old):
		s.wmu.Unlock()
		return leasemgr.ErrConflict
	}
	pos, err := s.writeRow(row)
	if err != nil {
		s.wmu.Unlock()
		return err
	}
	s.mu.Lock()
	s.tab.replace(old, c)
	s.mu.Unlock()
	s.emit(leasemgr.OpUpdate, c)
	s.wmu.Unlock()
	if err := s.durable(pos); err != nil {
		return err
	}
	s.f.mark(l)
	return nil
}

func (s *store[K, L]) delete(ctx context.Context, l *L, match func(stored *L) bool) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if l == nil {
		return fmt.Errorf("%w: nil lease", leasemgr.ErrInvalid)
	}
	k, ok := s.f.keyOf(s.f.addr(l))
	if !ok {
		return fmt.Errorf("%w: %v is not an %s address", leasemgr.ErrInvalid, s.f.addr(l), s.f.universe)
	}
	s.wmu.Lock()
	if s.closed.Load() {
		s.wmu.Unlock()
		return leasemgr.ErrClosed
	}
	old := s.tab.byKey[k]
	switch {
	case old == nil || (match != nil && !match(old)):
		s.wmu.Unlock()
		return leasemgr.ErrNotFound
	case s.stale(l, old):
		s.wmu.Unlock()
		return leasemgr.ErrConflict
	}
	pos, err := s.write(true, old)
	if err != nil {
		s.wmu.Unlock()
		return err
	}
	s.mu.Lock()
	s.tab.remove(old)
	s.mu.Unlock()
	s.emit(leasemgr.OpDelete, old)
	s.wmu.Unlock()
	return s.durable(pos)
}

// deleteMany removes the leases pick selects (under wmu), with one write.
func (s *store[K, L]) deleteMany(ctx context.Context, pick func() []*L) (int, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	s.wmu.Lock()
	if s.closed.Load() {
		s.wmu.Unlock()
		return 0, leasemgr.ErrClosed
	}
	victims := pick()
	if len(victims) == 0 {
		s.wmu.Unlock()
		return 0, nil
	}
	pos, err := s.write(true, victims...)
	if err != nil {
		s.wmu.Unlock()
		return 0, err
	}
	s.mu.Lock()
	for _, l := range victims {
		s.tab.remove(l)
	}
	s.mu.Unlock()
	for _, l := range victims {
		s.emit(leasemgr.OpDelete, l)
	}
	s.wmu.Unlock()
	return len(victims), s.durable(pos)
}

func (s *store[K, L]) emit(op leasemgr.Op, l *L) {
	ws := s.w.active()
	if len(ws) == 0 {
		return
	}
	ev := s.f.event(op, l)
	for _, w := range ws {
		w.fn(ev)
	}
}

// read runs q under the read lock and returns copies of its result, each
// marked as loaded.
func (s *store[K, L]) read(ctx context.Context, q func(t *table[K, L]) []*L) ([]*L, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	res := q(s.tab)
	s.mu.RUnlock()
	// Stored leases are never modified (a change replaces them), so they
	// can be copied outside the lock.
	out := make([]*L, len(res))
	for i, l := range res {
		c := s.f.clone(l)
		s.f.mark(c)
		out[i] = c
	}
	return out, nil
}

func (s *store[K, L]) one(ctx context.Context, q func(t *table[K, L]) []*L) (*L, error) {
	ls, err := s.read(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(ls) == 0 {
		return nil, leasemgr.ErrNotFound
	}
	return ls[0], nil
}

func (s *store[K, L]) get(ctx context.Context, a netip.Addr, match func(*L) bool) (*L, error) {
	k, ok := s.f.keyOf(a)
	if !ok {
		return nil, fmt.Errorf("%w: %v is not an %s address", leasemgr.ErrInvalid, a, s.f.universe)
	}
	return s.one(ctx, func(t *table[K, L]) []*L {
		if l := t.byKey[k]; l != nil && (match == nil || match(l)) {
			return []*L{l}
		}
		return nil
	})
}

func (s *store[K, L]) page(ctx context.Context, after netip.Addr, n int) ([]*L, error) {
	if n <= 0 {
		return nil, fmt.Errorf("%w: page size %d", leasemgr.ErrInvalid, n)
	}
	first := !after.IsValid()
	var k K
	if !first {
		var ok bool
		if k, ok = s.f.keyOf(after); !ok {
			return nil, fmt.Errorf("%w: %v is not an %s address", leasemgr.ErrInvalid, after, s.f.universe)
		}
	}
	return s.read(ctx, func(t *table[K, L]) []*L { return t.page(k, first, n) })
}

func (s *store[K, L]) expired(ctx context.Context, now time.Time, max int) ([]*L, error) {
	if max < 0 {
		return nil, fmt.Errorf("%w: max %d", leasemgr.ErrInvalid, max)
	}
	return s.read(ctx, func(t *table[K, L]) []*L { return t.expiredBefore(t.expiry, now.Unix(), max) })
}

func (s *store[K, L]) deleteReclaimed(ctx context.Context, cutoff time.Time) (int, error) {
	return s.deleteMany(ctx, func() []*L { return s.tab.expiredBefore(s.tab.reclaimed, cutoff.Unix(), 0) })
}

func (s *store[K, L]) wipe(ctx context.Context, subnet uint32) (int, error) {
	return s.deleteMany(ctx, func() []*L { return s.tab.bySubnetID(subnet) })
}

func (s *store[K, L]) count(ctx context.Context) ([]leasemgr.LeaseCount, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	type key struct {
		subnet, pool uint32
		typ          leasemgr.LeaseType
	}
	m := map[key]*leasemgr.LeaseCount{}
	s.mu.RLock()
	for _, l := range s.tab.byKey {
		st := s.f.state(l)
		if st != leasemgr.StateDefault && st != leasemgr.StateDeclined && st != leasemgr.StateRegistered {
			continue
		}
		k := key{s.f.subnet(l), s.f.pool(l), s.f.typ(l)}
		c := m[k]
		if c == nil {
			c = &leasemgr.LeaseCount{SubnetID: k.subnet, PoolID: k.pool, Type: k.typ}
			m[k] = c
		}
		switch st {
		case leasemgr.StateDefault:
			c.Assigned++
		case leasemgr.StateDeclined:
			c.Assigned++
			c.Declined++
		case leasemgr.StateRegistered:
			c.Registered++
		}
	}
	s.mu.RUnlock()
	out := make([]leasemgr.LeaseCount, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b leasemgr.LeaseCount) int {
		if a.SubnetID != b.SubnetID {
			return cmpU32(a.SubnetID, b.SubnetID)
		}
		if a.PoolID != b.PoolID {
			return cmpU32(a.PoolID, b.PoolID)
		}
		return int(a.Type) - int(b.Type)
	})
	return out, nil
}

func cmpU32(a, b uint32) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

func (s *store[K, L]) close() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed.Swap(true) {
		return nil
	}
	if s.file != nil {
		return s.file.close()
	}
	return nil
}

// lfcHook, when set (by tests), is called before each step of a cleanup.
var lfcHook func(step string)

func hook(step string) {
	if lfcHook != nil {
		lfcHook(step)
	}
}

// compact runs one lease file cleanup with Kea's protocol, so that it and
// kea-lfc can take each other's place:
//
//  1. unless <file>.completed or <file>.1 exists (an earlier cleanup was
//     interrupted), rename <file> to <file>.1 and start a new <file>;
//  2. write our PID to <file>.pid;
//  3. unless <file>.completed exists: load <file>.2 then <file>.1, write
//     the surviving leases to <file>.output, fsync it and rename it to
//     <file>.completed;
//  4. remove <file>.2 and <file>.1, rename <file>.completed to <file>.2,
//     remove <file>.pid.
//
// Every intermediate state loads to the same lease set (see open).
// Expired leases that are still present survive; only superseded rows
// and deleted leases go.
func (s *store[K, L]) compact(ctx context.Context) (err error) {
	if s.path == "" {
		return nil
	}
	s.lfcMu.Lock()
	defer s.lfcMu.Unlock()
	if s.closed.Load() {
		return leasemgr.ErrClosed
	}
	base := s.path
	start := time.Now()
	defer func() {
		if err != nil {
			err = fmt.Errorf("memfile: lease file cleanup of %s: %w", base, err)
			s.log.Error("memfile: lease file cleanup failed", "file", base, "err", err)
		}
	}()
	if pid, alive := readPID(base + ".pid"); alive {
		return fmt.Errorf("%w (pid %d)", ErrLFCRunning, pid)
	}
	if !exists(base+".completed") && !exists(base+".1") {
		hook("rotate")
		s.wmu.Lock()
		if s.closed.Load() {
			s.wmu.Unlock()
			return leasemgr.ErrClosed
		}
		err := s.file.rotate(base + ".1")
		s.wmu.Unlock()
		if err != nil {
			return err
		}
	}
	hook("pid")
	if err := os.WriteFile(base+".pid", []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return err
	}
	defer os.Remove(base + ".pid")
	if !exists(base + ".completed") {
		hook("load")
		m := map[K]*L{}
		for _, p := range []string{base + ".2", base + ".1"} {
			if _, err := s.loadInto(ctx, m, p, false); err != nil {
				return err
			}
		}
		hook("output")
		if err := s.writeOutput(base+".output", m); err != nil {
			return err
		}
		hook("completed")
		if err := os.Rename(base+".output", base+".completed"); err != nil {
			return err
		}
		if err := syncDir(filepath.Dir(base)); err != nil {
			return err
		}
	}
	hook("remove2")
	if err := removeIfExists(base + ".2"); err != nil {
		return err
	}
	hook("remove1")
	if err := removeIfExists(base + ".1"); err != nil {
		return err
	}
	hook("rename2")
	if err := os.Rename(base+".completed", base+".2"); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(base)); err != nil {
		return err
	}
	hook("done")
	s.log.Info("memfile: lease file cleanup finished", "file", base, "duration", time.Since(start))
	return nil
}

// writeOutput writes the leases of m in address order, with our header,
// and fsyncs the file.
func (s *store[K, L]) writeOutput(path string, m map[K]*L) error {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, s.f.cmpKey)
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer fh.Close()
	w := bufio.NewWriterSize(fh, 1<<20)
	w.Write(header(s.f.columns, s.f.writeCols(s.schema)))
	var buf []byte
	for i, k := range keys {
		if buf, err = s.f.appendRow(buf[:0], m[k], s.schema, false); err != nil {
			return err
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
		if lfcHook != nil && i == len(keys)/2 {
			w.Flush()
			hook("output-partial")
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := fh.Sync(); err != nil {
		return err
	}
	return fh.Close()
}
