package hostmgr

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Factory opens a host data source from a hosts-database map of the
// configuration (Kea's HostDataSourceFactory::Factory), for example
// {"type": "postgresql", "name": "kea", "host": "localhost", "user": "kea"}.
// Numbers arrive as the JSON decoder produced them (float64 or
// json.Number).
type Factory func(ctx context.Context, params map[string]any) (DataSource, error)

var registry = struct {
	sync.RWMutex
	m map[string]Factory
}{m: map[string]Factory{}}

// Register makes a backend available to Open under a hosts-database type
// ("postgresql", "mysql"). A backend calls it from its package init, as
// database/sql drivers do; a nil factory or registering a type twice is a
// programming error and panics.
func Register(typ string, f Factory) {
	registry.Lock()
	defer registry.Unlock()
	if f == nil {
		panic("hostmgr: Register " + typ + ": nil factory")
	}
	if _, dup := registry.m[typ]; dup {
		panic("hostmgr: Register called twice for type " + typ)
	}
	registry.m[typ] = f
}

// Types returns the registered hosts-database types, sorted.
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

// Open opens the host data source named by params["type"] (Kea's
// HostDataSourceFactory::create). The backend's package must be imported
// so that it registered itself. An unknown type is an error matching
// ErrNotSupported.
func Open(ctx context.Context, params map[string]any) (DataSource, error) {
	v, ok := params["type"]
	if !ok {
		return nil, fmt.Errorf("hostmgr: open hosts-database: missing \"type\"")
	}
	typ, ok := v.(string)
	if !ok || typ == "" {
		return nil, fmt.Errorf("hostmgr: open hosts-database: \"type\" must be a non-empty string, got %v", v)
	}
	registry.RLock()
	f := registry.m[typ]
	registry.RUnlock()
	if f == nil {
		return nil, fmt.Errorf("hostmgr: open hosts-database: type %q is not registered (registered: %s; import its package): %w",
			typ, strings.Join(Types(), ", "), ErrNotSupported)
	}
	ds, err := f(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("hostmgr: open hosts-database %q: %w", typ, err)
	}
	return ds, nil
}
