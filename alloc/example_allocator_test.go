package alloc_test

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// An allocator proposes; the engine checks. This loop is the engine's in
// miniature: it numbers its picks in Attempt and stops at ErrExhausted.
func ExampleNewAllocator() {
	spec := alloc.Spec{SubnetID: 1, Type: leasemgr.TypeV4, Pools: []alloc.Pool{{
		First: netip.MustParseAddr("192.0.2.10"), Last: netip.MustParseAddr("192.0.2.13"), PrefixLen: 32, ID: 1,
	}}}
	a, err := alloc.NewAllocator("iterative", spec)
	if err != nil {
		panic(err)
	}
	inUse := map[string]bool{"192.0.2.10": true, "192.0.2.11": true}
	req := &alloc.Request{ClientID: []byte{1, 2, 3}}
	for ; ; req.Attempt++ {
		c, err := a.Pick(req)
		if errors.Is(err, alloc.ErrExhausted) {
			fmt.Println("no address")
			return
		}
		if inUse[c.Addr.String()] {
			continue
		}
		fmt.Println("allocated", c.Addr, "after", req.Attempt+1, "picks, capacity", a.Capacity(nil))
		return
	}
	// Output: allocated 192.0.2.12 after 3 picks, capacity 4
}

// A program adds its own allocator, or replaces a built-in, in a Registry
// that it gives to the engine.
func ExampleRegistry() {
	reg := alloc.NewRegistry()
	err := reg.Register("random", func(spec alloc.Spec) (alloc.Allocator, error) {
		return alloc.NewRandom(spec, alloc.AllocatorOptions{Seed: 42}) // reproducible
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(reg.Names())
	_, err = reg.New("shared-flq", alloc.Spec{SubnetID: 7})
	fmt.Println(errors.Is(err, alloc.ErrUnknownAllocator))
	// Output:
	// [flq hashed iterative random]
	// true
}

// The hashed allocator offers a returning client the address it offered
// before, in any allocator instance built with the same seed, and each
// client's sequence covers the pool.
func ExampleNewHashed() {
	p := netip.MustParsePrefix("2001:db8:1::/48")
	spec := alloc.Spec{SubnetID: 9, Type: leasemgr.TypePD, Pools: []alloc.Pool{{
		First: p.Addr(), Last: netip.MustParseAddr("2001:db8:1:ff00::"), PrefixLen: 56, Prefix: p, ID: 1,
	}}}
	duidIAID := []byte{0, 1, 0, 1, 0x2a, 0x1b, 0x3c, 0x4d, 0, 0, 0, 1}
	first := func() netip.Prefix {
		a, err := alloc.NewHashed(spec, alloc.AllocatorOptions{})
		if err != nil {
			panic(err)
		}
		c, err := a.Pick(&alloc.Request{ClientID: duidIAID})
		if err != nil {
			panic(err)
		}
		return c.Prefix()
	}
	fmt.Println(first() == first())

	a, _ := alloc.NewHashed(spec, alloc.AllocatorOptions{})
	seen := map[netip.Prefix]bool{}
	for i := 0; ; i++ {
		c, err := a.Pick(&alloc.Request{ClientID: duidIAID, Attempt: i})
		if err != nil {
			break
		}
		seen[c.Prefix()] = true
	}
	fmt.Println(len(seen), "distinct /56 prefixes")
	// Output:
	// true
	// 256 distinct /56 prefixes
}
