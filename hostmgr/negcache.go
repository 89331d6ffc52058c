package hostmgr

import (
	"container/list"
	"encoding/binary"
	"sync"
	"time"
)

// negCache remembers, for a while, that no source has a host for
// (family, subnet, identifier type, identifier). It is an LRU bounded in
// size; entries expire after ttl.
type negCache struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu  sync.Mutex
	gen uint64 // bumped by every removal, so a lookup that raced with a write does not cache a stale absence
	m   map[string]*list.Element
	lru list.List // front: most recently added or used; values *negEntry
}

type negEntry struct {
	key     string
	expires time.Time
}

func newNegCache(ttl time.Duration, max int, now func() time.Time) *negCache {
	return &negCache{ttl: ttl, max: max, now: now, m: make(map[string]*list.Element)}
}

func negKey(buf []byte, fam byte, subnetID SubnetID, t IdentifierType, id []byte) []byte {
	buf = append(buf, fam)
	buf = binary.BigEndian.AppendUint32(buf, subnetID)
	buf = append(buf, byte(t))
	return append(buf, id...)
}

// has reports whether key is cached and fresh (an expired entry is
// dropped) and returns the generation to pass to add.
func (c *negCache) has(key []byte) (bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[string(key)]
	if e == nil {
		return false, c.gen
	}
	if !c.now().Before(e.Value.(*negEntry).expires) {
		c.lru.Remove(e)
		delete(c.m, string(key))
		return false, c.gen
	}
	c.lru.MoveToFront(e)
	return true, c.gen
}

// add remembers key, unless a write happened since the lookup that
// obtained gen started.
func (c *negCache) add(key []byte, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	exp := c.now().Add(c.ttl)
	if e := c.m[string(key)]; e != nil {
		e.Value.(*negEntry).expires = exp
		c.lru.MoveToFront(e)
		return
	}
	for c.lru.Len() >= c.max {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.m, old.Value.(*negEntry).key)
	}
	k := string(key)
	c.m[k] = c.lru.PushFront(&negEntry{key: k, expires: exp})
}

func (c *negCache) remove(key []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if e := c.m[string(key)]; e != nil {
		c.lru.Remove(e)
		delete(c.m, string(key))
	}
}

func (c *negCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
	c.lru.Init()
}

func (c *negCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
