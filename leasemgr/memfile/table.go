package memfile

import (
	"cmp"
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

// multi is a non-unique index from a string (an identifier's bytes, a
// hostname) to lease keys. Buckets are small slices, and become sets when
// they grow (many declined leases share one DUID), so that removal stays
// cheap.
type multi[K comparable] struct {
	small map[string][]K
	big   map[string]map[K]struct{}
}

const bigBucket = 32

func newMulti[K comparable]() multi[K] {
	return multi[K]{small: map[string][]K{}, big: map[string]map[K]struct{}{}}
}

func (m multi[K]) add(s string, k K) {
	if b, ok := m.big[s]; ok {
		b[k] = struct{}{}
		return
	}
	l := m.small[s]
	if len(l) < bigBucket {
		m.small[s] = append(l, k)
		return
	}
	b := make(map[K]struct{}, 2*bigBucket)
	for _, x := range l {
		b[x] = struct{}{}
	}
	b[k] = struct{}{}
	m.big[s] = b
	delete(m.small, s)
}

func (m multi[K]) remove(s string, k K) {
	if b, ok := m.big[s]; ok {
		delete(b, k)
		if len(b) == 0 {
			delete(m.big, s)
		}
		return
	}
	l := m.small[s]
	if i := slices.Index(l, k); i >= 0 {
		l = slices.Delete(l, i, i+1)
		if len(l) == 0 {
			delete(m.small, s)
		} else {
			m.small[s] = l
		}
	}
}

func (m multi[K]) each(s string, fn func(K)) {
	if b, ok := m.big[s]; ok {
		for k := range b {
			fn(k)
		}
		return
	}
	for _, k := range m.small[s] {
		fn(k)
	}
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
	hosts     multi[K]
	idents    []multi[K] // one per f.idents
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
		hosts: newMulti[K](),
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
		t.idents = append(t.idents, newMulti[K]())
	}
	return t
}

// build indexes the leases of m (which the table takes) in bulk.
func (t *table[K, L]) build(m map[K]*L) {
	t.byKey = m
	keys := make([]K, 0, len(m))
	subs := make([]subKey[K], 0, len(m))
	var exps, recl []expKey[K]
	for k, l := range m {
		keys = append(keys, k)
		subs = append(subs, subKey[K]{t.f.subnet(l), k})
		if e, ok := t.expKey(l); ok {
			if t.f.state(l) == leasemgr.StateExpiredReclaimed {
				recl = append(recl, e)
			} else {
				exps = append(exps, e)
			}
		}
		t.indexIdents(l, k)
	}
	slices.SortFunc(keys, t.f.cmpKey)
	t.order.build(keys)
	slices.SortFunc(subs, t.bySubnet.cmp)
	t.bySubnet.build(subs)
	slices.SortFunc(exps, t.expiry.cmp)
	t.expiry.build(exps)
	slices.SortFunc(recl, t.reclaimed.cmp)
	t.reclaimed.build(recl)
}

func (t *table[K, L]) expKey(l *L) (expKey[K], bool) {
	cltt, valid := t.f.times(l)
	if valid == leasemgr.InfiniteLifetime {
		return expKey[K]{}, false
	}
	return expKey[K]{exp: cltt + int64(valid), k: t.f.key(l)}, true
}

func (t *table[K, L]) indexIdents(l *L, k K) {
	if h := t.f.hostname(l); h != "" {
		t.hosts.add(h, k)
	}
	for i, id := range t.f.idents {
		if b := id(l); len(b) > 0 {
			t.idents[i].add(string(b), k)
		}
	}
}

func (t *table[K, L]) unindexIdents(l *L, k K) {
	if h := t.f.hostname(l); h != "" {
		t.hosts.remove(h, k)
	}
	for i, id := range t.f.idents {
		if b := id(l); len(b) > 0 {
			t.idents[i].remove(string(b), k)
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
	return t.collect(func(fn func(K)) { t.idents[i].each(string(b), fn) })
}

func (t *table[K, L]) byHostname(h string) []*L {
	return t.collect(func(fn func(K)) { t.hosts.each(h, fn) })
}

func (t *table[K, L]) collect(each func(func(K))) []*L {
	var keys []K
	each(func(k K) { keys = append(keys, k) })
	slices.SortFunc(keys, t.f.cmpKey)
	out := make([]*L, 0, len(keys))
	for _, k := range keys {
		out = append(out, t.byKey[k])
	}
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
