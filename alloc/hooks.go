package alloc

import (
	"context"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// Verdict is what a hook callback tells the engine to do next (Kea's
// CalloutHandle next step status, reduced to what the engine honours).
type Verdict uint8

const (
	// Continue: go on as if there were no callback.
	Continue Verdict = iota
	// Skip: do not do what the hook point is about (select: do not use
	// this lease and stop trying; renew: do not write the renewal;
	// expire/recover: leave the lease as it is).
	Skip
)

// Hooks are callbacks at Kea's hook points of the allocation engine. A nil
// field is no callback. Callbacks run synchronously in the goroutine of the
// request (or of the reclamation), may be called from many goroutines at
// once, and must not call the engine back. The lease they receive is the one
// about to be written; select and renew callbacks may change its fields
// (Kea allows callouts to modify the lease).
type Hooks struct {
	// Lease4Select runs before a new DHCPv4 lease is offered or stored
	// (lease4_select); fake is true for DISCOVER.
	Lease4Select func(ctx context.Context, c *ClientContext4, l *leasemgr.Lease4, fake bool) Verdict
	// Lease4Renew runs before an existing DHCPv4 lease is extended
	// (lease4_renew).
	Lease4Renew func(ctx context.Context, c *ClientContext4, l *leasemgr.Lease4) Verdict
	// Lease4Expire runs when an expired lease is reclaimed (lease4_expire);
	// remove tells whether the lease will be deleted. Skip leaves it.
	Lease4Expire func(ctx context.Context, l *leasemgr.Lease4, remove bool) Verdict
	// Lease4Recover runs when a declined lease leaves probation
	// (lease4_recover). Skip keeps the lease as it is.
	Lease4Recover func(ctx context.Context, l *leasemgr.Lease4) Verdict

	// Lease6Select runs before a new DHCPv6 lease is offered or stored
	// (lease6_select); fake is true for SOLICIT.
	Lease6Select func(ctx context.Context, c *ClientContext6, ia *IA, l *leasemgr.Lease6, fake bool) Verdict
	// Lease6Renew and Lease6Rebind run before a lease is extended by a
	// RENEW or a REBIND (lease6_renew, lease6_rebind).
	Lease6Renew  func(ctx context.Context, c *ClientContext6, ia *IA, l *leasemgr.Lease6) Verdict
	Lease6Rebind func(ctx context.Context, c *ClientContext6, ia *IA, l *leasemgr.Lease6) Verdict
	// Lease6Expire and Lease6Recover are Lease4Expire and Lease4Recover
	// for DHCPv6 (lease6_expire, lease6_recover).
	Lease6Expire  func(ctx context.Context, l *leasemgr.Lease6, remove bool) Verdict
	Lease6Recover func(ctx context.Context, l *leasemgr.Lease6) Verdict
}
