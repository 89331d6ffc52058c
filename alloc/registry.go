package alloc

import (
	"fmt"
	"slices"
	"sync"
)

// Names of the built-in allocators, as the "allocator" and "pd-allocator"
// config parameters spell them.
const (
	IterativeName = "iterative" // NewIterative; the default
	RandomName    = "random"    // NewRandom
	FLQName       = "flq"       // NewFLQ
	HashedName    = "hashed"    // NewHashed
)

// DefaultAllocator is the allocator used when the config names none (Kea's
// default).
const DefaultAllocator = IterativeName

// Registry maps allocator names to factories. The engine takes one, so that
// a program can add its own allocators or replace a built-in (for instance
// with a seeded "random") without global state. A Registry is safe for
// concurrent use; the zero value is an empty registry.
type Registry struct {
	mu sync.RWMutex
	m  map[string]Factory
}

// NewRegistry returns a registry holding the built-in allocators:
// "iterative", "random", "flq" and "hashed", with default AllocatorOptions.
func NewRegistry() *Registry {
	r := &Registry{}
	for name, f := range builtins() {
		_ = r.Register(name, f)
	}
	return r
}

func builtins() map[string]Factory {
	return map[string]Factory{
		IterativeName: func(s Spec) (Allocator, error) { return NewIterative(s) },
		RandomName:    func(s Spec) (Allocator, error) { return NewRandom(s, AllocatorOptions{}) },
		FLQName:       func(s Spec) (Allocator, error) { return NewFLQ(s, AllocatorOptions{}) },
		HashedName:    func(s Spec) (Allocator, error) { return NewHashed(s, AllocatorOptions{}) },
	}
}

// Register makes f available under name, replacing any factory registered
// under it before (built-ins included). It fails on an empty name or a nil
// factory.
func (r *Registry) Register(name string, f Factory) error {
	if name == "" || f == nil {
		return fmt.Errorf("alloc: register %q: empty name or nil factory", name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = make(map[string]Factory)
	}
	r.m[name] = f
	return nil
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.m))
	for n := range r.m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// New builds the allocator registered under name for spec; an empty name
// means DefaultAllocator. An unknown name fails with an error wrapping
// ErrUnknownAllocator that lists the known ones; a factory's own error
// (ErrUnsupported for a lease type it cannot serve, ErrInvalidPool for a
// malformed Spec) is returned as is.
func (r *Registry) New(name string, spec Spec) (Allocator, error) {
	if name == "" {
		name = DefaultAllocator
	}
	r.mu.RLock()
	f := r.m[name]
	r.mu.RUnlock()
	if f == nil {
		return nil, fmt.Errorf("alloc: allocator %q for subnet %d (known: %v): %w", name, spec.SubnetID, r.Names(), ErrUnknownAllocator)
	}
	return f(spec)
}

// builtinRegistry serves NewAllocator; it is never modified.
var builtinRegistry = NewRegistry()

// NewAllocator builds one of the built-in allocators by name (see
// Registry.New); programs with their own allocators use a Registry.
func NewAllocator(name string, spec Spec) (Allocator, error) {
	return builtinRegistry.New(name, spec)
}
