package alloc_test

import (
	"context"
	"net/netip"
	"slices"
	"sync"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// fakeLeases is the part of a lease manager flq uses: leases by subnet and
// change notifications. Other Manager methods are not implemented (the
// embedded nil interface would panic if they were called).
type fakeLeases struct {
	leasemgr.Manager

	mu       sync.Mutex
	v4       map[netip.Addr]*leasemgr.Lease4
	v6       map[netip.Addr]*leasemgr.Lease6
	watchers map[int]func(leasemgr.Event)
	nextID   int
	// onRead, if set, runs inside LeasesXBySubnet before it answers (to
	// change leases while flq builds).
	onRead func()
	// static4, if set, is what Leases4BySubnet answers, as is (benchmarks
	// measure flq, not the fake).
	static4 []*leasemgr.Lease4
}

var _ leasemgr.Watcher = (*fakeLeases)(nil)

func newFakeLeases() *fakeLeases {
	return &fakeLeases{
		v4:       map[netip.Addr]*leasemgr.Lease4{},
		v6:       map[netip.Addr]*leasemgr.Lease6{},
		watchers: map[int]func(leasemgr.Event){},
	}
}

func (f *fakeLeases) Watch(fn func(leasemgr.Event)) func() {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.nextID
	f.nextID++
	f.watchers[id] = fn
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.watchers, id)
	}
}

func (f *fakeLeases) watching() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.watchers)
}

// notify calls the watchers with f.mu held, as a backend that serializes
// changes would.
func (f *fakeLeases) notify(ev leasemgr.Event) {
	for _, fn := range f.watchers {
		fn(ev)
	}
}

func (f *fakeLeases) put4(op leasemgr.Op, l *leasemgr.Lease4) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if op == leasemgr.OpDelete {
		delete(f.v4, l.Addr)
	} else {
		f.v4[l.Addr] = l.Clone()
	}
	f.notify(leasemgr.Event{Op: op, Lease4: l.Clone()})
}

func (f *fakeLeases) put6(op leasemgr.Op, l *leasemgr.Lease6) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if op == leasemgr.OpDelete {
		delete(f.v6, l.Addr)
	} else {
		f.v6[l.Addr] = l.Clone()
	}
	f.notify(leasemgr.Event{Op: op, Lease6: l.Clone()})
}

func (f *fakeLeases) Leases4BySubnet(_ context.Context, id uint32) ([]*leasemgr.Lease4, error) {
	if f.static4 != nil {
		return f.static4, nil
	}
	if f.onRead != nil {
		f.onRead()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*leasemgr.Lease4
	for _, l := range f.v4 {
		if l.SubnetID == id {
			out = append(out, l.Clone())
		}
	}
	slices.SortFunc(out, func(a, b *leasemgr.Lease4) int { return a.Addr.Compare(b.Addr) })
	return out, nil
}

func (f *fakeLeases) Leases6BySubnet(_ context.Context, id uint32) ([]*leasemgr.Lease6, error) {
	if f.onRead != nil {
		f.onRead()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*leasemgr.Lease6
	for _, l := range f.v6 {
		if l.SubnetID == id {
			out = append(out, l.Clone())
		}
	}
	slices.SortFunc(out, func(a, b *leasemgr.Lease6) int { return a.Addr.Compare(b.Addr) })
	return out, nil
}

// notWatcher is a lease manager without change notifications.
type notWatcher struct{ leasemgr.Manager }
