// Package alloctest is the conformance suite of alloc.Allocator
// implementations: the built-in allocators run it, and so should a third
// party's.
//
//	func TestMyAllocator(t *testing.T) {
//		alloctest.Run(t, func(t *testing.T, spec alloc.Spec) alloc.Allocator {
//			a, err := myalloc.New(spec)
//			require.NoError(t, err)
//			return a
//		}, alloctest.Options{})
//	}
//
// The suite checks the contract documented on alloc.Allocator: within a
// round each resource of the permitted pools is proposed exactly once, then
// Pick answers alloc.ErrExhausted and the next Pick starts a new round;
// candidates are always inside a pool the request may use (class guards,
// PD prefix-length matching), carry the pool's ID and length, and are
// aligned to the delegated length for prefixes; Capacity counts the
// permitted pools' resources; concurrent Picks (run it with -race) never
// propose one resource twice in a round.
//
// Like the engine, the suite numbers the picks of a round in
// Request.Attempt (0, 1, 2, …) and sends them all with one ClientID, so
// stateless allocators that derive candidates from Attempt pass too.
package alloctest
