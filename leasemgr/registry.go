package leasemgr

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sort"
	"sync"
)

// Params is what Open needs to open a lease backend.
type Params struct {
	// Universe is V4 or V6: which family the server serves (Kea opens the
	// lease database for one universe). Backends may accept 0 to serve
	// both families, as SQL backends and memfile do.
	Universe Universe
	// Database is Kea's lease-database map as decoded from JSON: "type"
	// selects the backend, the other keys are the backend's parameters.
	// Numbers may be float64 (encoding/json's default), json.Number or Go
	// integers.
	Database map[string]any
	// DataDir is where file-based backends put files whose names are not
	// absolute (Kea's data directory, e.g. /var/lib/kea). Empty means the
	// current directory.
	DataDir string
	// Logger receives the backend's log records; nil discards them.
	Logger *slog.Logger
}

// Factory opens a backend. It is registered under a lease-database type.
type Factory func(ctx context.Context, p Params) (Manager, error)

var registry = struct {
	sync.RWMutex
	m map[string]Factory
}{m: map[string]Factory{}}

// Register makes a backend available to Open under a lease-database type
// ("memfile", "postgresql", "mysql"). A backend calls it from its package
// init; registering a type twice panics.
func Register(typ string, f Factory) {
	registry.Lock()
	defer registry.Unlock()
	if f == nil {
		panic("leasemgr: Register " + typ + ": nil factory")
	}
	if _, dup := registry.m[typ]; dup {
		panic("leasemgr: Register called twice for type " + typ)
	}
	registry.m[typ] = f
}

// Types returns the registered lease-database types, sorted.
func Types() []string {
	registry.RLock()
	defer registry.RUnlock()
	t := make([]string, 0, len(registry.m))
	for k := range registry.m {
		t = append(t, k)
	}
	sort.Strings(t)
	return t
}

// Open opens the backend named by p.Database["type"]. The backend's package
// must be imported so that it registered itself, for memfile:
//
//	import _ "github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
func Open(ctx context.Context, p Params) (Manager, error) {
	if p.Universe != 0 && p.Universe != V4 && p.Universe != V6 {
		return nil, fmt.Errorf("leasemgr: open: %w: universe %d", ErrInvalid, p.Universe)
	}
	typ, ok, err := p.String("type")
	if err != nil {
		return nil, fmt.Errorf("leasemgr: open: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("leasemgr: open: %w: lease-database has no \"type\"", ErrInvalid)
	}
	registry.RLock()
	f := registry.m[typ]
	registry.RUnlock()
	if f == nil {
		return nil, fmt.Errorf("leasemgr: open: %w: unknown lease-database type %q (registered: %v; is the backend package imported?)",
			ErrInvalid, typ, Types())
	}
	return f(ctx, p)
}

// String returns the string parameter key of the lease-database map.
// ok is false when the key is absent.
func (p Params) String(key string) (s string, ok bool, err error) {
	v, ok := p.Database[key]
	if !ok {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", true, fmt.Errorf("%w: lease-database/%s: want a string, got %T", ErrInvalid, key, v)
	}
	return s, true, nil
}

// Bool returns the boolean parameter key of the lease-database map.
func (p Params) Bool(key string) (b bool, ok bool, err error) {
	v, ok := p.Database[key]
	if !ok {
		return false, false, nil
	}
	b, isBool := v.(bool)
	if !isBool {
		return false, true, fmt.Errorf("%w: lease-database/%s: want a boolean, got %T", ErrInvalid, key, v)
	}
	return b, true, nil
}

// Int returns the integer parameter key of the lease-database map, checked
// to lie in [min, max]. It accepts float64 (when integral), json.Number and
// Go integer types.
func (p Params) Int(key string, min, max int64) (n int64, ok bool, err error) {
	v, ok := p.Database[key]
	if !ok {
		return 0, false, nil
	}
	bad := func(why string) (int64, bool, error) {
		return 0, true, fmt.Errorf("%w: lease-database/%s: %v: %s", ErrInvalid, key, v, why)
	}
	switch v := v.(type) {
	case float64:
		if v != math.Trunc(v) || math.IsInf(v, 0) || v < -(1<<53) || v > 1<<53 {
			return bad("not an integer")
		}
		n = int64(v)
	case json.Number:
		i, err := v.Int64()
		if err != nil {
			return bad("not an integer")
		}
		n = i
	case int:
		n = int64(v)
	case int64:
		n = v
	case int32:
		n = int64(v)
	case uint32:
		n = int64(v)
	default:
		return 0, true, fmt.Errorf("%w: lease-database/%s: want an integer, got %T", ErrInvalid, key, v)
	}
	if n < min || n > max {
		return bad(fmt.Sprintf("out of range [%d, %d]", min, max))
	}
	return n, true, nil
}

// CheckKeys returns an error naming the first key of the lease-database map
// that is not in allowed (sorted, for a stable message).
func (p Params) CheckKeys(allowed ...string) error {
	keys := make([]string, 0, len(p.Database))
	for k := range p.Database {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return fmt.Errorf("%w: lease-database/%s: unknown parameter", ErrInvalid, k)
		}
	}
	return nil
}
