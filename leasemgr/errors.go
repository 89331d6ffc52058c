package leasemgr

import "errors"

// Sentinel errors. Backends wrap them with context
// (fmt.Errorf("memfile: add %s: %w", addr, ErrExists)); test with errors.Is.
var (
	// ErrNotFound: no lease matches (get by a unique key, update, delete).
	ErrNotFound = errors.New("lease not found")
	// ErrExists: AddLease4/AddLease6 for an address that already has a lease.
	ErrExists = errors.New("lease already exists")
	// ErrConflict: the stored lease changed since the caller read it (its
	// CLTT or valid lifetime no longer match the lease's Loaded values), so
	// the update or delete was not made. Read the lease again and retry.
	ErrConflict = errors.New("lease changed since it was read")
	// ErrInvalid: a bad argument or lease (wrong address family, missing
	// identifier, out-of-range value) or a bad lease-database parameter.
	ErrInvalid = errors.New("invalid argument")
	// ErrClosed: the manager was closed.
	ErrClosed = errors.New("lease manager closed")
)
