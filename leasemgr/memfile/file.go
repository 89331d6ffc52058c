package memfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Durability is how far a change has gone to disk when the Manager
// acknowledges it (returns nil).
type Durability uint8

const (
	// FlushEachChange writes each change's row with one write(2) before the
	// change becomes visible and before the method returns, without
	// fsync: Kea's behaviour. An acknowledged change survives a crash of
	// the process (kill -9), not a crash of the machine.
	FlushEachChange Durability = iota
	// SyncGroupCommit also fsyncs the file before acknowledging: the
	// change survives a power loss. Concurrent changes share one fsync
	// (group commit); each caller is answered once an fsync that covers
	// its row has completed. The change is visible to readers from the
	// moment its row is written, slightly before it is durable.
	SyncGroupCommit
)

// String returns "flush" or "fsync", the names of the lease-database
// "durability" parameter.
func (d Durability) String() string {
	if d == SyncGroupCommit {
		return "fsync"
	}
	return "flush"
}

// ErrBadFile: a lease file cannot be used (bad header, too many bad rows).
var ErrBadFile = errors.New("bad lease file")

// ErrLFCRunning: a lease file cleanup (ours or kea-lfc) holds the files.
var ErrLFCRunning = errors.New("lease file cleanup in progress")

// RowError is a lease file row that could not be used.
type RowError struct {
	File   string
	Line   int
	Reason string
}

// String returns "file:line: reason".
func (e RowError) String() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason) }

// LoadError reports a lease file with more bad rows than max-row-errors
// allows. It wraps ErrBadFile.
type LoadError struct {
	File  string
	Count int        // bad rows in the file
	Max   int        // the max-row-errors limit
	Rows  []RowError // the first bad rows (at most 100)
}

func (e *LoadError) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "memfile: %s: %d bad rows, more than max-row-errors %d", e.File, e.Count, e.Max)
	for i, r := range e.Rows {
		if i == 5 {
			fmt.Fprintf(&sb, "; ...")
			break
		}
		fmt.Fprintf(&sb, "; %s", r)
	}
	return sb.String()
}

// Unwrap returns ErrBadFile.
func (e *LoadError) Unwrap() error { return ErrBadFile }

const maxReportedRows = 100

// loadInfo describes a lease file that was read.
type loadInfo struct {
	exists bool
	header string // the header line, "" for an empty file
	known  int    // known columns in the header
	good   int64  // offset after the last complete line
	size   int64
	torn   bool // the file ends with an incomplete row (a crash mid-write), ignored
	// noNewline: the last row is good but has no newline; appending must
	// add one first.
	noNewline bool
	rows      int
	bad       int
}

// readLeaseFile reads a lease file, calling apply for each good row in
// order and report for each bad one. A missing file is not an error.
func readLeaseFile[K comparable, L any](f *family[K, L], path string, apply func(*L), report func(RowError)) (loadInfo, error) {
	var info loadInfo
	fh, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return info, nil
	}
	if err != nil {
		return info, err
	}
	defer fh.Close()
	info.exists = true
	r := bufio.NewReaderSize(fh, 1<<20)
	var long []byte
	var fields [][]byte
	lineNo := 0
	var off int64
	ncols := 0
	for {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = r.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return info, err
		}
		if len(line) == 0 {
			break
		}
		complete := line[len(line)-1] == '\n'
		off += int64(len(line))
		lineNo++
		if !complete {
			// The file does not end with a newline: either a hand-made
			// file, or a row cut short by a crash in the middle of its
			// write, which was never acknowledged. Keep the row if it
			// decodes (as Kea would); otherwise ignore it, and the active
			// file gets cut back before appending.
			info.size = off
			if info.header != "" {
				fields = splitRow(bytes.TrimSuffix(line, []byte{'\r'}), fields)
				if len(fields) == ncols {
					if l, derr := f.decode(fields, info.known); derr == nil {
						info.rows++
						info.good = off
						info.noNewline = true
						apply(l)
						break
					}
				}
			}
			info.torn = true
			break
		}
		info.good = off
		line = bytes.TrimSuffix(line[:len(line)-1], []byte{'\r'})
		if len(line) == 0 {
			continue
		}
		if info.header == "" {
			info.header = string(line)
			n, known, herr := parseHeader(line, f.columns, f.minCols)
			if herr != nil {
				return info, fmt.Errorf("%w: %s:%d: %v", ErrBadFile, path, lineNo, herr)
			}
			ncols, info.known = n, known
			continue
		}
		fields = splitRow(line, fields)
		if len(fields) != ncols {
			info.bad++
			report(RowError{path, lineNo, fmt.Sprintf("%d columns, the header has %d", len(fields), ncols)})
			continue
		}
		l, derr := f.decode(fields, info.known)
		if derr != nil {
			info.bad++
			report(RowError{path, lineNo, derr.Error()})
			continue
		}
		info.rows++
		apply(l)
	}
	if !info.torn && !info.noNewline {
		info.size = info.good
	}
	return info, nil
}

// syncDir fsyncs a directory so that renames and creations in it are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// activeFile is the lease file rows are appended to.
type activeFile struct {
	path    string
	hdr     []byte // the header we write
	fileHdr string // the header the file has
	dur     Durability
	f       *os.File
	size    int64
	smu     sync.Mutex // guards the fields below and the file switch
	scond   *sync.Cond
	// written and synced count bytes appended over the life of the
	// manager (across rotations), for group commit.
	written, synced uint64
	syncing         bool
	err             error // sticky: the file is in an unknown state
}

// openActive opens the active lease file for appending. info describes
// what loading found: a torn last row is cut off, a missing or empty file
// gets a header. A header different from hdr is the caller's business
// (it rotates the file).
func openActive(path string, hdr []byte, dur Durability, info loadInfo) (*activeFile, error) {
	a := &activeFile{path: path, hdr: hdr, dur: dur}
	a.scond = sync.NewCond(&a.smu)
	if !info.exists || info.header == "" {
		if err := a.create(); err != nil {
			return nil, err
		}
		return a, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	if info.torn {
		if err := f.Truncate(info.good); err != nil {
			f.Close()
			return nil, fmt.Errorf("cut the incomplete last row: %w", err)
		}
	}
	a.f, a.size, a.fileHdr = f, info.good, info.header+"\n"
	if info.noNewline {
		if _, err := f.Write([]byte{'\n'}); err != nil {
			f.Close()
			return nil, err
		}
		a.size++
	}
	return a, nil
}

// create makes a new active file holding only the header.
func (a *activeFile) create() error {
	f, err := os.OpenFile(a.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(a.hdr); err != nil {
		f.Close()
		return err
	}
	if a.dur == SyncGroupCommit {
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		if err := syncDir(filepath.Dir(a.path)); err != nil {
			f.Close()
			return err
		}
	}
	a.f, a.size, a.fileHdr = f, int64(len(a.hdr)), string(a.hdr)
	return nil
}

// hdrDiffers reports whether the file's header is not hdr.
func (a *activeFile) hdrDiffers(hdr []byte) bool { return a.fileHdr != string(hdr) }

// append writes rows (one or more complete lines) with a single write and
// returns the position to wait for with waitDurable. On failure the file is
// cut back to its previous size, so no partial row stays in it. The caller
// serializes appends.
func (a *activeFile) append(rows []byte) (uint64, error) {
	a.smu.Lock()
	err := a.err
	a.smu.Unlock()
	if err != nil {
		return 0, err
	}
	n, err := a.f.Write(rows)
	if err != nil {
		if n > 0 {
			if terr := a.f.Truncate(a.size); terr != nil {
				a.fail(fmt.Errorf("write failed (%v) and cutting the partial row failed: %w", err, terr))
			}
		}
		return 0, err
	}
	a.size += int64(n)
	a.smu.Lock()
	a.written += uint64(n)
	pos := a.written
	a.smu.Unlock()
	return pos, nil
}

func (a *activeFile) fail(err error) {
	a.smu.Lock()
	if a.err == nil {
		a.err = err
	}
	a.smu.Unlock()
}

// waitDurable returns once the bytes up to pos are on disk as far as the
// durability mode promises. With SyncGroupCommit the first waiter runs an
// fsync for everybody written so far; the others wait for it.
func (a *activeFile) waitDurable(pos uint64) error {
	if a.dur != SyncGroupCommit {
		return nil
	}
	a.smu.Lock()
	defer a.smu.Unlock()
	for a.synced < pos && a.err == nil {
		if a.syncing {
			a.scond.Wait()
			continue
		}
		a.syncing = true
		target, f := a.written, a.f
		a.smu.Unlock()
		err := f.Sync()
		a.smu.Lock()
		a.syncing = false
		if err != nil {
			// After a failed fsync the page cache state is unknown
			// (fsyncgate): refuse further writes.
			if a.err == nil {
				a.err = fmt.Errorf("fsync %s: %w", a.path, err)
			}
		} else if target > a.synced {
			a.synced = target
		}
		a.scond.Broadcast()
	}
	return a.err
}

// quiesce waits for a running fsync and makes everything written durable
// (in SyncGroupCommit mode). It returns with smu held.
func (a *activeFile) quiesce() error {
	a.smu.Lock()
	for a.syncing {
		a.scond.Wait()
	}
	if a.dur == SyncGroupCommit && a.err == nil && a.synced < a.written {
		if err := a.f.Sync(); err != nil {
			a.err = fmt.Errorf("fsync %s: %w", a.path, err)
		} else {
			a.synced = a.written
		}
		a.scond.Broadcast()
	}
	return a.err
}

// rotate renames the active file to to and starts a new active file (the
// first step of lease file cleanup). The caller serializes it with appends.
func (a *activeFile) rotate(to string) error {
	err := a.quiesce()
	defer a.smu.Unlock()
	if err != nil {
		return err
	}
	if err := os.Rename(a.path, to); err != nil {
		return err
	}
	old := a.f
	if err := a.create(); err != nil {
		// The old file is now "to"; without an active file we cannot go
		// on appending safely.
		a.err = fmt.Errorf("create %s after rotation: %w", a.path, err)
		return a.err
	}
	old.Close()
	if a.dur == SyncGroupCommit {
		if err := syncDir(filepath.Dir(a.path)); err != nil {
			a.err = err
			return err
		}
	}
	return nil
}

func (a *activeFile) close() error {
	err := a.quiesce()
	a.smu.Unlock()
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// readPID returns the process ID in a pid file and whether that process
// is alive.
func readPID(path string) (int, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	err = syscall.Kill(pid, 0)
	return pid, err == nil || errors.Is(err, syscall.EPERM)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
