package alloctest

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// NewFunc builds the allocator under test for spec, failing t if it
// cannot. It is called once per subtest, with a fresh Spec. Spec.Leases is
// nil: a NewFunc for an allocator that reads leases supplies an empty lease
// manager of its own.
type NewFunc func(t *testing.T, spec alloc.Spec) alloc.Allocator

// Options describe what the allocator under test supports. The zero value
// means every lease type and pools of any size.
type Options struct {
	// Types lists the lease types the allocator supports; nil means
	// TypeV4, TypeNA and TypePD. Subtests of other types are skipped.
	Types []leasemgr.LeaseType
	// MaxPoolSize is the largest pool, in resources, the allocator
	// accepts; 0 means no limit. The subtests with huge IPv6 pools run
	// only without a limit.
	MaxPoolSize uint64
}

func (o Options) supports(typ leasemgr.LeaseType) bool {
	if o.Types == nil {
		return typ == leasemgr.TypeV4 || typ == leasemgr.TypeNA || typ == leasemgr.TypePD
	}
	return slices.Contains(o.Types, typ)
}

// clientID is the identifier every request of the suite carries.
var clientID = []byte{0x01, 0x00, 0x0c, 0x29, 0x3e, 0x53, 0xf7}

// Run runs the conformance suite as subtests of t.
func Run(t *testing.T, newAlloc NewFunc, opts Options) {
	t.Helper()
	v4 := func(name string, f func(t *testing.T, newAlloc NewFunc)) {
		t.Run("V4/"+name, func(t *testing.T) {
			if !opts.supports(leasemgr.TypeV4) {
				t.Skip("TypeV4 not supported")
			}
			f(t, newAlloc)
		})
	}
	v6 := func(typ leasemgr.LeaseType, name string, f func(t *testing.T, newAlloc NewFunc)) {
		t.Run(name, func(t *testing.T) {
			if !opts.supports(typ) {
				t.Skipf("%s not supported", typ)
			}
			f(t, newAlloc)
		})
	}
	v4("OnePool", testV4OnePool)
	v4("SingleAddress", testV4SingleAddress)
	v4("MultiplePools", testV4MultiplePools)
	v4("ClassGuards", testV4ClassGuards)
	v4("NoPools", testNoPools)
	v4("NilRequest", testNilRequest)
	v4("Concurrent", testConcurrent)
	v6(leasemgr.TypeNA, "NA/Pools", testNAPools)
	v6(leasemgr.TypeNA, "NA/Huge", func(t *testing.T, newAlloc NewFunc) {
		if opts.MaxPoolSize != 0 {
			t.Skip("pool size limited")
		}
		testNAHuge(t, newAlloc)
	})
	v6(leasemgr.TypePD, "PD/Pools", testPDPools)
	v6(leasemgr.TypePD, "PD/LenMatch", testPDLenMatch)
	v6(leasemgr.TypePD, "PD/Huge", func(t *testing.T, newAlloc NewFunc) {
		if opts.MaxPoolSize != 0 {
			t.Skip("pool size limited")
		}
		testPDHuge(t, newAlloc)
	})
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func v4Pool(first, last string, id uint32, class string) alloc.Pool {
	return alloc.Pool{First: addr(first), Last: addr(last), PrefixLen: 32, ID: id, ClientClass: class}
}

func naPool(first, last string, id uint32, class string) alloc.Pool {
	return alloc.Pool{First: addr(first), Last: addr(last), PrefixLen: 128, ID: id, ClientClass: class}
}

func pdPool(prefix string, dlen int, id uint32, class string) alloc.Pool {
	p := netip.MustParsePrefix(prefix).Masked()
	b := p.Addr().As16()
	for bit := p.Bits(); bit < dlen; bit++ {
		b[bit/8] |= 0x80 >> (bit % 8)
	}
	return alloc.Pool{First: p.Addr(), Last: netip.AddrFrom16(b), PrefixLen: dlen, Prefix: p, ID: id, ClientClass: class}
}

// poolSize counts the resources of a pool (small pools only).
func poolSize(p alloc.Pool) uint64 {
	f, l := p.First.As16(), p.Last.As16()
	var fv, lv uint64
	for i := 8; i < 16; i++ {
		fv, lv = fv<<8|uint64(f[i]), lv<<8|uint64(l[i])
	}
	shift := 0
	if p.First.Is6() {
		shift = 128 - p.PrefixLen
	}
	if shift >= 64 {
		// Prefix pools are small in the suite: only the high half moves.
		var fh, lh uint64
		for i := 0; i < 8; i++ {
			fh, lh = fh<<8|uint64(f[i]), lh<<8|uint64(l[i])
		}
		return (lh-fh)>>(shift-64) + 1
	}
	return (lv-fv)>>shift + 1
}

// permitted reports whether pool p may serve req, per the Allocator
// contract.
func permitted(p alloc.Pool, req *alloc.Request, pd bool) bool {
	if !req.Classes.Allows(p.ClientClass) {
		return false
	}
	if !pd || req.HintLen <= 0 || req.HintLen >= 128 {
		return true
	}
	switch req.LenMatch {
	case alloc.MatchEqual:
		return p.PrefixLen == req.HintLen
	case alloc.MatchLower:
		return p.PrefixLen < req.HintLen
	case alloc.MatchHigher:
		return p.PrefixLen > req.HintLen
	}
	return false
}

// checkCandidate fails unless c is a resource of a pool of spec permitted
// for req.
func checkCandidate(spec alloc.Spec, req *alloc.Request, c alloc.Candidate) error {
	pd := spec.Type == leasemgr.TypePD
	for _, p := range spec.Pools {
		if c.Addr.Compare(p.First) < 0 || c.Addr.Compare(p.Last) > 0 {
			continue
		}
		if !permitted(p, req, pd) {
			return fmt.Errorf("candidate %s from pool %d (%s - %s, class %q), not permitted for classes %v, hint length %d, match %d",
				c.Prefix(), p.ID, p.First, p.Last, p.ClientClass, req.Classes, req.HintLen, req.LenMatch)
		}
		if c.PrefixLen != p.PrefixLen {
			return fmt.Errorf("candidate %s: prefix length %d, pool's is %d", c.Addr, c.PrefixLen, p.PrefixLen)
		}
		if c.PoolID != p.ID {
			return fmt.Errorf("candidate %s: pool ID %d, want %d", c.Prefix(), c.PoolID, p.ID)
		}
		if c.Prefix().Masked().Addr() != c.Addr {
			return fmt.Errorf("candidate %s not aligned to /%d", c.Addr, c.PrefixLen)
		}
		if p.Prefix.IsValid() && !p.Prefix.Contains(c.Addr) {
			return fmt.Errorf("candidate %s outside the PD pool's prefix %s", c.Prefix(), p.Prefix)
		}
		return nil
	}
	return fmt.Errorf("candidate %s (pool ID %d) outside every pool", c.Prefix(), c.PoolID)
}

// permittedSize is the number of resources of the pools permitted for req.
func permittedSize(spec alloc.Spec, req *alloc.Request) uint64 {
	var n uint64
	for _, p := range spec.Pools {
		if permitted(p, req, spec.Type == leasemgr.TypePD) {
			n += poolSize(p)
		}
	}
	return n
}

// round picks until ErrExhausted, checking each candidate, that none
// repeats, and that the round covers exactly the permitted pools.
func round(t *testing.T, a alloc.Allocator, spec alloc.Spec, req alloc.Request) []alloc.Candidate {
	t.Helper()
	want := permittedSize(spec, &req)
	seen := make(map[netip.Addr]bool, want)
	var out []alloc.Candidate
	for i := 0; ; i++ {
		r := req
		r.ClientID = clientID
		r.Attempt = i
		c, err := a.Pick(&r)
		if errors.Is(err, alloc.ErrExhausted) {
			break
		}
		if err != nil {
			t.Fatalf("pick %d: %v", i, err)
		}
		if err := checkCandidate(spec, &req, c); err != nil {
			t.Fatalf("pick %d: %v", i, err)
		}
		if seen[c.Addr] {
			t.Fatalf("pick %d: %s proposed twice in one round", i, c.Prefix())
		}
		seen[c.Addr] = true
		out = append(out, c)
		if uint64(len(out)) > want {
			t.Fatalf("%d candidates and no ErrExhausted; the permitted pools hold %d", len(out), want)
		}
	}
	if uint64(len(out)) != want {
		t.Fatalf("round ended (ErrExhausted) after %d candidates; the permitted pools hold %d", len(out), want)
	}
	return out
}

// rounds runs two complete rounds.
func rounds(t *testing.T, a alloc.Allocator, spec alloc.Spec, req alloc.Request) {
	t.Helper()
	for i := range 2 {
		t.Logf("round %d", i)
		round(t, a, spec, req)
	}
}

func checkCapacity(t *testing.T, a alloc.Allocator, classes alloc.ClientClasses, want uint64) {
	t.Helper()
	if got := a.Capacity(classes); got != want {
		t.Fatalf("Capacity(%v) = %d, want %d", classes, got, want)
	}
}

func testV4OnePool(t *testing.T, newAlloc NewFunc) {
	spec := alloc.Spec{SubnetID: 1, Type: leasemgr.TypeV4, Pools: []alloc.Pool{v4Pool("192.0.2.10", "192.0.2.109", 5, "")}}
	a := newAlloc(t, spec)
	checkCapacity(t, a, nil, 100)
	rounds(t, a, spec, alloc.Request{})
	if occ := a.Occupancy(nil); occ > 1 {
		t.Fatalf("Occupancy = %v, above 1", occ)
	}
}

func testV4SingleAddress(t *testing.T, newAlloc NewFunc) {
	spec := alloc.Spec{SubnetID: 1, Type: leasemgr.TypeV4, Pools: []alloc.Pool{v4Pool("192.0.2.255", "192.0.2.255", 1, "")}}
	a := newAlloc(t, spec)
	checkCapacity(t, a, nil, 1)
	for range 3 {
		round(t, a, spec, alloc.Request{})
	}
}

func testV4MultiplePools(t *testing.T, newAlloc NewFunc) {
	spec := alloc.Spec{SubnetID: 7, Type: leasemgr.TypeV4, Pools: []alloc.Pool{
		v4Pool("198.18.0.0", "198.18.0.49", 1, ""),
		v4Pool("198.18.5.1", "198.18.5.1", 2, ""),
		v4Pool("198.18.1.250", "198.18.2.6", 3, ""), // crosses an octet
	}}
	a := newAlloc(t, spec)
	checkCapacity(t, a, nil, 50+1+13)
	rounds(t, a, spec, alloc.Request{})
}

func testV4ClassGuards(t *testing.T, newAlloc NewFunc) {
	spec := alloc.Spec{SubnetID: 2, Type: leasemgr.TypeV4, Pools: []alloc.Pool{
		v4Pool("192.0.2.1", "192.0.2.20", 1, ""),
		v4Pool("192.0.2.101", "192.0.2.110", 2, "gold"),
		v4Pool("192.0.2.201", "192.0.2.205", 3, "silver"),
	}}
	a := newAlloc(t, spec)
	checkCapacity(t, a, nil, 20)
	checkCapacity(t, a, alloc.ClientClasses{"gold"}, 30)
	checkCapacity(t, a, alloc.ClientClasses{"silver", "ALL"}, 25)
	checkCapacity(t, a, alloc.ClientClasses{"gold", "silver"}, 35)
	for _, classes := range []alloc.ClientClasses{nil, {"gold"}, {"silver"}, {"bronze"}, {"gold", "silver"}, nil} {
		t.Logf("classes %v", classes)
		round(t, a, spec, alloc.Request{Classes: classes})
	}

	// Every pool guarded: a client in no class gets nothing.
	spec.Pools[0].ClientClass = "bronze"
	b := newAlloc(t, spec)
	checkCapacity(t, b, nil, 0)
	for i := range 2 {
		if _, err := b.Pick(&alloc.Request{ClientID: clientID, Attempt: i}); !errors.Is(err, alloc.ErrExhausted) {
			t.Fatalf("Pick with no permitted pool: %v, want ErrExhausted", err)
		}
	}
	round(t, b, spec, alloc.Request{Classes: alloc.ClientClasses{"bronze"}})
}

func testNoPools(t *testing.T, newAlloc NewFunc) {
	spec := alloc.Spec{SubnetID: 3, Type: leasemgr.TypeV4}
	a := newAlloc(t, spec)
	checkCapacity(t, a, nil, 0)
	if _, err := a.Pick(&alloc.Request{}); !errors.Is(err, alloc.ErrExhausted) {
		t.Fatalf("Pick without pools: %v, want ErrExhausted", err)
	}
	if occ := a.Occupancy(nil); occ > 1 || math.IsNaN(occ) {
		t.Fatalf("Occupancy without pools = %v", occ)
	}
}

func testNilRequest(t *testing.T, newAlloc NewFunc) {
	spec := alloc.Spec{SubnetID: 4, Type: leasemgr.TypeV4, Pools: []alloc.Pool{
		v4Pool("192.0.2.1", "192.0.2.3", 1, ""), v4Pool("192.0.2.9", "192.0.2.9", 2, "gold"),
	}}
	a := newAlloc(t, spec)
	c, err := a.Pick(nil)
	if err != nil {
		t.Fatalf("Pick(nil): %v", err)
	}
	if err := checkCandidate(spec, &alloc.Request{}, c); err != nil {
		t.Fatalf("Pick(nil): %v", err)
	}
}

// testConcurrent picks one round from many goroutines at once: the suite
// hands out Attempt numbers from a shared counter, as if one allocation
// were spread over goroutines.
func testConcurrent(t *testing.T, newAlloc NewFunc) {
	spec := alloc.Spec{SubnetID: 5, Type: leasemgr.TypeV4, Pools: []alloc.Pool{
		v4Pool("198.18.0.0", "198.18.1.255", 1, ""),
		v4Pool("198.18.4.0", "198.18.4.99", 2, ""),
		v4Pool("198.18.8.0", "198.18.8.255", 3, "gold"),
	}}
	a := newAlloc(t, spec)
	req := alloc.Request{Classes: alloc.ClientClasses{"gold"}, ClientID: clientID}
	for r := range 2 {
		want := permittedSize(spec, &req)
		var (
			ticket atomic.Int64
			mu     sync.Mutex
			seen   = make(map[netip.Addr]int, want)
			errs   []error
			wg     sync.WaitGroup
		)
		for g := range 8 {
			wg.Go(func() {
				for {
					i := ticket.Add(1) - 1
					if uint64(i) >= want {
						return
					}
					rq := req
					rq.Attempt = int(i)
					c, err := a.Pick(&rq)
					if err == nil {
						err = checkCandidate(spec, &rq, c)
					}
					_ = a.Capacity(req.Classes)
					_ = a.Occupancy(req.Classes)
					mu.Lock()
					if err != nil {
						errs = append(errs, fmt.Errorf("goroutine %d, pick %d: %w", g, i, err))
					} else {
						seen[c.Addr]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("round %d: %v", r, errors.Join(errs...))
		}
		for a, n := range seen {
			if n > 1 {
				t.Fatalf("round %d: %s proposed %d times", r, a, n)
			}
		}
		if uint64(len(seen)) != want {
			t.Fatalf("round %d: %d distinct candidates, want %d", r, len(seen), want)
		}
		rq := req
		rq.Attempt = int(want)
		if _, err := a.Pick(&rq); !errors.Is(err, alloc.ErrExhausted) {
			t.Fatalf("round %d: pick after the round: %v, want ErrExhausted", r, err)
		}
	}
}

func testNAPools(t *testing.T, newAlloc NewFunc) {
	spec := alloc.Spec{SubnetID: 10, Type: leasemgr.TypeNA, Pools: []alloc.Pool{
		naPool("2001:db8:1::100", "2001:db8:1::1ff", 1, ""),
		naPool("2001:db8:1::ffff:fff0", "2001:db8:1::1:0:f", 2, ""), // crosses a 32-bit boundary
		naPool("2001:db8:1:0:ffff:ffff:ffff:fffe", "2001:db8:1:1::1", 3, "gold"),
	}}
	a := newAlloc(t, spec)
	checkCapacity(t, a, nil, 256+32)
	checkCapacity(t, a, alloc.ClientClasses{"gold"}, 256+32+4)
	rounds(t, a, spec, alloc.Request{})
	rounds(t, a, spec, alloc.Request{Classes: alloc.ClientClasses{"gold"}})
}

// firstPicks checks n picks of a pool too big to walk: no repeats, all in
// the pools.
func firstPicks(t *testing.T, a alloc.Allocator, spec alloc.Spec, req alloc.Request, n int) {
	t.Helper()
	seen := make(map[netip.Addr]bool, n)
	for i := range n {
		r := req
		r.ClientID = clientID
		r.Attempt = i
		c, err := a.Pick(&r)
		if err != nil {
			t.Fatalf("pick %d: %v", i, err)
		}
		if err := checkCandidate(spec, &r, c); err != nil {
			t.Fatalf("pick %d: %v", i, err)
		}
		if seen[c.Addr] {
			t.Fatalf("pick %d: %s proposed twice", i, c.Prefix())
		}
		seen[c.Addr] = true
	}
}

func testNAHuge(t *testing.T, newAlloc NewFunc) {
	spec := alloc.Spec{SubnetID: 11, Type: leasemgr.TypeNA, Pools: []alloc.Pool{
		naPool("2001:db8:2::", "2001:db8:2::ffff:ffff:ffff:ffff", 1, ""),     // a /64
		naPool("2001:db8:3::", "2001:db8:3:ffff:ffff:ffff:ffff:ffff", 2, ""), // a /48
	}}
	a := newAlloc(t, spec)
	checkCapacity(t, a, nil, math.MaxUint64)
	firstPicks(t, a, spec, alloc.Request{}, 2000)
}

func testPDPools(t *testing.T, newAlloc NewFunc) {
	spec := alloc.Spec{SubnetID: 20, Type: leasemgr.TypePD, Pools: []alloc.Pool{
		pdPool("2001:db8:100::/48", 56, 1, ""),   // 256 /56s
		pdPool("2001:db8:200::/56", 60, 2, ""),   // 16 /60s
		pdPool("2001:db8:300::/120", 128, 3, ""), // 256 /128s
		pdPool("2001:db8:400::/62", 64, 4, "gold"),
		pdPool("2001:db8:8000::/33", 33, 5, ""), // a single /33
	}}
	a := newAlloc(t, spec)
	checkCapacity(t, a, nil, 256+16+256+1)
	checkCapacity(t, a, alloc.ClientClasses{"gold"}, 256+16+256+1+4)
	rounds(t, a, spec, alloc.Request{})
	rounds(t, a, spec, alloc.Request{Classes: alloc.ClientClasses{"gold"}, LenMatch: alloc.MatchHigher})
}

func testPDLenMatch(t *testing.T, newAlloc NewFunc) {
	spec := alloc.Spec{SubnetID: 21, Type: leasemgr.TypePD, Pools: []alloc.Pool{
		pdPool("2001:db8:100::/52", 56, 1, ""),
		pdPool("2001:db8:200::/56", 60, 2, ""),
		pdPool("2001:db8:300::/58", 64, 3, ""),
		pdPool("2001:db8:400::/58", 60, 4, "gold"),
	}}
	a := newAlloc(t, spec)
	for _, tc := range []struct {
		hint  int
		match alloc.PrefixLenMatch
		class alloc.ClientClasses
		want  uint64
	}{
		{60, alloc.MatchEqual, nil, 16},
		{60, alloc.MatchEqual, alloc.ClientClasses{"gold"}, 16 + 4},
		{60, alloc.MatchLower, nil, 16},
		{60, alloc.MatchHigher, nil, 64},
		{56, alloc.MatchLower, nil, 0},
		{48, alloc.MatchHigher, alloc.ClientClasses{"gold"}, 16 + 16 + 64 + 4},
		{0, alloc.MatchEqual, nil, 16 + 16 + 64},
		{128, alloc.MatchEqual, nil, 16 + 16 + 64},
		{0, alloc.MatchHigher, nil, 16 + 16 + 64},
	} {
		req := alloc.Request{HintLen: tc.hint, LenMatch: tc.match, Classes: tc.class}
		if got := permittedSize(spec, &req); got != tc.want {
			t.Fatalf("suite bug: hint /%d match %d: %d resources, want %d", tc.hint, tc.match, got, tc.want)
		}
		t.Logf("hint /%d, match %d, classes %v", tc.hint, tc.match, tc.class)
		rounds(t, a, spec, req)
	}
}

func testPDHuge(t *testing.T, newAlloc NewFunc) {
	spec := alloc.Spec{SubnetID: 22, Type: leasemgr.TypePD, Pools: []alloc.Pool{
		pdPool("2001:db8::/32", 64, 1, ""), // 2^32 /64s
		pdPool("4000::/3", 128, 2, "big"),  // 2^125 /128s: limited to 2^64−1
	}}
	a := newAlloc(t, spec)
	checkCapacity(t, a, nil, 1<<32)
	checkCapacity(t, a, alloc.ClientClasses{"big"}, math.MaxUint64)
	firstPicks(t, a, spec, alloc.Request{}, 1000)
	firstPicks(t, a, spec, alloc.Request{Classes: alloc.ClientClasses{"big"}}, 1000)
}
