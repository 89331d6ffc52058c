package memfile

import (
	"bytes"
	"cmp"
	"hash/maphash"
	"slices"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// subKey orders leases by subnet, then address.
type subKey[K any] struct {
	subnet uint32
	k      K
}

// expKey orders leases by expiration, then address.
type expKey[K any] struct {
	exp int64
	k   K
}

// hashKey is an entry of a non-unique index on an identifier (hardware
// address, client-id, DUID, hostname): the identifier's hash, then the
// lease key. The index is a sortedList of them: no pointers for the garbage
// collector, about 16-24 bytes per lease, bulk-built by one sort, and a
// lookup is a range scan over the entries of one hash (Kea's declined
// leases all share DUID 00:00:00 and stay cheap to remove). Lookups compare
// the identifier itself, so hash collisions cost only time.
type hashKey[K any] struct {
	h uint64
	k K
}

func newHashIndex[K comparable](cmpKey func(a, b K) int) *sortedList[hashKey[K]] {
	return newSortedList(func(a, b hashKey[K]) int {
		if c := cmp.Compare(a.h, b.h); c != 0 {
			return c
		}
		return cmpKey(a.k, b.k)
	})
}

// table holds one family's leases and every index the queries need. It is
// not synchronized: the store guards it.
type table[K comparable, L any] struct {
	f         *family[K, L]
	byKey     map[K]*L
	order     *sortedList[K]
	bySubnet  *sortedList[subKey[K]]
	expiry    *sortedList[expKey[K]] // finite lifetime, not reclaimed: expired-lease queries
	reclaimed *sortedList[expKey[K]] // finite lifetime, reclaimed: deleteExpiredReclaimed
	hosts     *sortedList[hashKey[K]]
	idents    []*sortedList[hashKey[K]] // one per f.idents
	seed      maphash.Seed
}

func newTable[K comparable, L any](f *family[K, L]) *table[K, L] {
	t := &table[K, L]{
		f:     f,
		byKey: map[K]*L{},
		order: newSortedList(f.cmpKey),
		bySubnet: newSortedList(func(a, b subKey[K]) int {
			if c := cmp.Compare(a.subnet, b.subnet); c != 0 {
				return c
			}
			return f.cmpKey(a.k, b.k)
		}),
		hosts: newHashIndex(f.cmpKey),
		seed:  maphash.MakeSeed(),
	}
	expCmp := func(a, b expKey[K]) int {
		if c := cmp.Compare(a.exp, b.exp); c != 0 {
			return c
		}
		return f.cmpKey(a.k, b.k)
	}
	t.expiry = newSortedList(expCmp)
	t.reclaimed = newSortedList(expCmp)
	for range f.idents {
		t.idents = append(t.idents, newHashIndex(f.cmpKey))
	}
	return t
}

// build indexes the leases of m (which the table takes) in bulk: one pass
// over the leases collects every index's entries, then each index is
// sorted once.
func (t *table[K, L]) build(m map[K]*L) {
	t.byKey = m
	type item struct {
		k K
		l *L
	}
	items := make([]item, 0, len(m))
	for k, l := range m {
		items = append(items, item{k, l})
	}
	slices.SortFunc(items, func(a, b item) int { return t.f.cmpKey(a.k, b.k) })
	keys := make([]K, len(items))
	subs := make([]subKey[K], len(items))
	var exps, recl []expKey[K]
	hosts := make([]hashKey[K], 0, len(items)/2)
	ids := make([][]hashKey[K], len(t.idents))
	for i := range ids {
		ids[i] = make([]hashKey[K], 0, len(items))
	}
	for i, it := range items {
		k, l := it.k, it.l
		keys[i] = k
		subs[i] = subKey[K]{t.f.subnet(l), k}
		if e, ok := t.expKey(l); ok {
			if t.f.state(l) == leasemgr.StateExpiredReclaimed {
				recl = append(recl, e)
			} else {
				exps = append(exps, e)
			}
		}
		if h, ok := t.hostHash(l); ok {
			hosts = append(hosts, hashKey[K]{h, k})
		}
		for j := range ids {
			if h, ok := t.identHash(j, l); ok {
				ids[j] = append(ids[j], hashKey[K]{h, k})
			}
		}
	}
	items = nil
	t.order.build(keys)
	slices.SortFunc(subs, t.bySubnet.cmp)
	t.bySubnet.build(subs)
	slices.SortFunc(exps, t.expiry.cmp)
	t.expiry.build(exps)
	slices.SortFunc(recl, t.reclaimed.cmp)
	t.reclaimed.build(recl)
	slices.SortFunc(hosts, t.hosts.cmp)
	t.hosts.build(hosts)
	for j := range ids {
		slices.SortFunc(ids[j], t.idents[j].cmp)
		t.idents[j].build(ids[j])
	}
}

func (t *table[K, L]) expKey(l *L) (expKey[K], bool) {
	cltt, valid := t.f.times(l)
	if valid == leasemgr.InfiniteLifetime {
		return expKey[K]{}, false
	}
	return expKey[K]{exp: cltt + int64(valid), k: t.f.key(l)}, true
}

func (t *table[K, L]) hostHash(l *L) (uint64, bool) {
	h := t.f.hostname(l)
	if h == "" {
		return 0, false
	}
	return maphash.String(t.seed, h), true
}

func (t *table[K, L]) identHash(i int, l *L) (uint64, bool) {
	b := t.f.idents[i](l)
	if len(b) == 0 {
		return 0, false
	}
	return maphash.Bytes(t.seed, b), true
}

func (t *table[K, L]) indexIdents(l *L, k K) {
	if h, ok := t.hostHash(l); ok {
		t.hosts.insert(hashKey[K]{h, k})
	}
	for i := range t.idents {
		if h, ok := t.identHash(i, l); ok {
			t.idents[i].insert(hashKey[K]{h, k})
		}
	}
}

func (t *table[K, L]) unindexIdents(l *L, k K) {
	if h, ok := t.hostHash(l); ok {
		t.hosts.delete(hashKey[K]{h, k})
	}
	for i := range t.idents {
		if h, ok := t.identHash(i, l); ok {
			t.idents[i].delete(hashKey[K]{h, k})
		}
	}
}

func (t *table[K, L]) indexSecondary(l *L) {
	k := t.f.key(l)
	t.bySubnet.insert(subKey[K]{t.f.subnet(l), k})
	if e, ok := t.expKey(l); ok {
		if t.f.state(l) == leasemgr.StateExpiredReclaimed {
			t.reclaimed.insert(e)
		} else {
			t.expiry.insert(e)
		}
	}
	t.indexIdents(l, k)
}

func (t *table[K, L]) unindexSecondary(l *L) {
	k := t.f.key(l)
	t.bySubnet.delete(subKey[K]{t.f.subnet(l), k})
	if e, ok := t.expKey(l); ok {
		if t.f.state(l) == leasemgr.StateExpiredReclaimed {
			t.reclaimed.delete(e)
		} else {
			t.expiry.delete(e)
		}
	}
	t.unindexIdents(l, k)
}

func (t *table[K, L]) insert(l *L) {
	k := t.f.key(l)
	t.byKey[k] = l
	t.order.insert(k)
	t.indexSecondary(l)
}

func (t *table[K, L]) replace(old, l *L) {
	t.unindexSecondary(old)
	t.byKey[t.f.key(l)] = l
	t.indexSecondary(l)
}

func (t *table[K, L]) remove(l *L) {
	k := t.f.key(l)
	delete(t.byKey, k)
	t.order.delete(k)
	t.unindexSecondary(l)
}

// byIdent returns the leases whose identifier i is b, in key order.
func (t *table[K, L]) byIdent(i int, b []byte) []*L {
	if len(b) == 0 {
		return nil
	}
	id := t.f.idents[i]
	return t.collect(t.idents[i], maphash.Bytes(t.seed, b), func(l *L) bool { return bytes.Equal(id(l), b) })
}

func (t *table[K, L]) byHostname(h string) []*L {
	if h == "" {
		return nil
	}
	return t.collect(t.hosts, maphash.String(t.seed, h), func(l *L) bool { return t.f.hostname(l) == h })
}

// collect returns, in key order, the leases of the entries of list with
// hash h that match.
func (t *table[K, L]) collect(list *sortedList[hashKey[K]], h uint64, match func(*L) bool) []*L {
	var out []*L
	var zero K
	list.ascend(hashKey[K]{h: h, k: zero}, false, func(e hashKey[K]) bool {
		if e.h != h {
			return false
		}
		if l := t.byKey[e.k]; match(l) {
			out = append(out, l)
		}
		return true
	})
	return out
}

func (t *table[K, L]) bySubnetID(id uint32) []*L {
	var out []*L
	var zero K
	t.bySubnet.ascend(subKey[K]{id, zero}, false, func(s subKey[K]) bool {
		if s.subnet != id {
			return false
		}
		out = append(out, t.byKey[s.k])
		return true
	})
	return out
}

// page returns up to n leases after k (from the first one if first).
func (t *table[K, L]) page(k K, first bool, n int) []*L {
	out := make([]*L, 0, min(n, 1024))
	fn := func(k K) bool {
		out = append(out, t.byKey[k])
		return len(out) < n
	}
	if first {
		t.order.all(fn)
	} else {
		t.order.ascend(k, true, fn)
	}
	return out
}

func (t *table[K, L]) all() []*L {
	out := make([]*L, 0, len(t.byKey))
	t.order.all(func(k K) bool {
		out = append(out, t.byKey[k])
		return true
	})
	return out
}

// expiredBefore returns up to max (0 = all) leases of list whose expiration
// is before now, oldest first.
func (t *table[K, L]) expiredBefore(list *sortedList[expKey[K]], now int64, max int) []*L {
	var out []*L
	list.all(func(e expKey[K]) bool {
		if e.exp >= now || (max > 0 && len(out) >= max) {
			return false
		}
		out = append(out, t.byKey[e.k])
		return true
	})
	return out
}
