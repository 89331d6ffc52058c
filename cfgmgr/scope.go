package cfgmgr

import (
	"net/netip"

	"github.com/dhcpsrv/dhcpsrv/option"
)

// Kea's defaults for parameters that have one (reference §3). Where Kea
// changed a default, current Kea wins and the 2.2 value is noted.
const (
	DefaultValidLifetime = 7200
	// DefaultPreferredRatio gives the v6 preferred lifetime when none is
	// configured: 0.625 × valid (Kea ≥ 2.3.8; Kea 2.2 used 3600).
	DefaultPreferredRatio     = 0.625
	DefaultT1Percent          = 0.5
	DefaultT2Percent4         = 0.875
	DefaultT2Percent6         = 0.8
	DefaultDeclineProbation   = 86400
	DefaultAllocator          = "iterative"
	DefaultCacheThreshold     = 0.25 // Kea ≥ 3.0; unset (no caching) in 2.2–2.6
	DefaultDDNSGeneratedPref  = "myhost"
	DefaultDDNSReplaceName    = "never"
	DefaultDDNSConflictMode   = "check-with-dhcid"
	DefaultHostnameCharSet    = "[^A-Za-z0-9.-]"
	DefaultParkedPacketLimit  = 256
	DefaultStatSampleCount    = 20
	DefaultStatSampleAge      = 0
	DefaultMaxHistory         = 10
	DefaultDDNSMinTTL         = 600
	DefaultDDNSTTLPercent     = 1.0 / 3
	defaultPreferredNumerator = 5
)

// Scope resolves the effective value of inheritable parameters for a subnet
// or a shared network: the value set on the subnet, else on its shared
// network, else the global value, else Kea's default. It is embedded in
// Subnet4, Subnet6, SharedNetwork4 and SharedNetwork6, and linked by Parse
// and Config.Validate; the zero Scope gives Kea's v4 defaults.
type Scope struct {
	levels [3]*Params // own, shared network (or nil), globals (or nil)
	fam    option.Universe
}

func (s *Scope) link(own, network, global *Params, fam option.Universe) {
	s.levels = [3]*Params{own, network, global}
	s.fam = fam
}

func (s *Scope) v6() bool { return s.fam == option.V6 }

// pick returns the first value f finds, walking from the own level up.
func pick[T any](s *Scope, f func(*Params) *T) (T, bool) {
	for _, p := range s.levels {
		if p != nil {
			if v := f(p); v != nil {
				return *v, true
			}
		}
	}
	var zero T
	return zero, false
}

func pickOr[T any](s *Scope, f func(*Params) *T, def T) T {
	if v, ok := pick(s, f); ok {
		return v
	}
	return def
}

// makeTriplet completes a (default, min, max) set as Kea's parseIntTriplet
// does; ok is false when none of the three is set.
func makeTriplet(def, lo, hi *uint32) (t Triplet, ok bool) {
	switch {
	case def == nil && lo == nil && hi == nil:
		return Triplet{}, false
	case def != nil:
		t = Triplet{Min: *def, Default: *def, Max: *def}
		if lo != nil {
			t.Min = *lo
		}
		if hi != nil {
			t.Max = *hi
		}
	case lo != nil && hi == nil:
		t = Triplet{Min: *lo, Default: *lo, Max: *lo}
	case lo == nil && hi != nil:
		t = Triplet{Min: *hi, Default: *hi, Max: *hi}
	default: // min and max without default: Kea rejects it; use min.
		t = Triplet{Min: *lo, Default: *lo, Max: *hi}
	}
	return t, true
}

func (s *Scope) triplet(f func(*Params) (def, lo, hi *uint32)) (Triplet, bool) {
	for _, p := range s.levels {
		if p != nil {
			if t, ok := makeTriplet(f(p)); ok {
				return t, true
			}
		}
	}
	return Triplet{}, false
}

// ValidLifetime is the valid lifetime triplet (default 7200 s).
func (s *Scope) ValidLifetime() Triplet {
	if t, ok := s.triplet(func(p *Params) (a, b, c *uint32) {
		return p.ValidLifetime, p.MinValidLifetime, p.MaxValidLifetime
	}); ok {
		return t
	}
	return Triplet{DefaultValidLifetime, DefaultValidLifetime, DefaultValidLifetime}
}

// PreferredLifetime is the v6 preferred lifetime triplet; when none is
// configured it is 0.625 × ValidLifetime (each of min, default, max).
func (s *Scope) PreferredLifetime() Triplet {
	if t, ok := s.triplet(func(p *Params) (a, b, c *uint32) {
		return p.PreferredLifetime, p.MinPreferredLifetime, p.MaxPreferredLifetime
	}); ok {
		return t
	}
	v := s.ValidLifetime()
	f := func(x uint32) uint32 { return uint32(uint64(x) * defaultPreferredNumerator / 8) }
	return Triplet{f(v.Min), f(v.Default), f(v.Max)}
}

// OfferLifetime is the v4 offer lifetime; ok is false when not configured
// (no lease is kept on DISCOVER).
func (s *Scope) OfferLifetime() (uint32, bool) {
	return pick(s, func(p *Params) *uint32 { return p.OfferLifetime })
}

// RenewTimer is T1 when configured.
func (s *Scope) RenewTimer() (uint32, bool) {
	return pick(s, func(p *Params) *uint32 { return p.RenewTimer })
}

// RebindTimer is T2 when configured.
func (s *Scope) RebindTimer() (uint32, bool) {
	return pick(s, func(p *Params) *uint32 { return p.RebindTimer })
}

// CalculateTeeTimes reports whether T1/T2 are computed from the lifetime
// (default false for v4, true for v6).
func (s *Scope) CalculateTeeTimes() bool {
	return pickOr(s, func(p *Params) *bool { return p.CalculateTeeTimes }, s.v6())
}

// T1Percent is the fraction of the lifetime used for a computed T1 (0.5).
func (s *Scope) T1Percent() float64 {
	return pickOr(s, func(p *Params) *float64 { return p.T1Percent }, DefaultT1Percent)
}

// T2Percent is the fraction used for a computed T2 (v4 0.875, v6 0.8).
func (s *Scope) T2Percent() float64 {
	def := DefaultT2Percent4
	if s.v6() {
		def = DefaultT2Percent6
	}
	return pickOr(s, func(p *Params) *float64 { return p.T2Percent }, def)
}

// MatchClientID reports whether v4 leases are matched by client-id (true).
func (s *Scope) MatchClientID() bool {
	return pickOr(s, func(p *Params) *bool { return p.MatchClientID }, true)
}

// Authoritative reports whether the v4 server NAKs unknown requests (false).
func (s *Scope) Authoritative() bool {
	return pickOr(s, func(p *Params) *bool { return p.Authoritative }, false)
}

// NextServer is siaddr (default 0.0.0.0).
func (s *Scope) NextServer() netip.Addr {
	return pickOr(s, func(p *Params) *netip.Addr { return p.NextServer }, netip.IPv4Unspecified())
}

// ServerHostname is the v4 sname field (default "").
func (s *Scope) ServerHostname() string {
	return pickOr(s, func(p *Params) *string { return p.ServerHostname }, "")
}

// BootFileName is the v4 file field (default "").
func (s *Scope) BootFileName() string {
	return pickOr(s, func(p *Params) *string { return p.BootFileName }, "")
}

// ReservationsGlobal reports whether global reservations apply (false).
func (s *Scope) ReservationsGlobal() bool {
	return pickOr(s, func(p *Params) *bool { return p.ReservationsGlobal }, false)
}

// ReservationsInSubnet reports whether subnet reservations apply (true).
func (s *Scope) ReservationsInSubnet() bool {
	return pickOr(s, func(p *Params) *bool { return p.ReservationsInSubnet }, true)
}

// ReservationsOutOfPool reports whether reservations are only outside the
// pools (false), which lets the engine skip host lookups for pool addresses.
func (s *Scope) ReservationsOutOfPool() bool {
	return pickOr(s, func(p *Params) *bool { return p.ReservationsOutOfPool }, false)
}

// CacheThreshold is the lease reuse threshold; ok is false when caching by
// threshold is off (threshold 0 or outside (0,1)). Default 0.25.
func (s *Scope) CacheThreshold() (float64, bool) {
	v := pickOr(s, func(p *Params) *float64 { return p.CacheThreshold }, DefaultCacheThreshold)
	return v, v > 0 && v < 1
}

// CacheMaxAge is the lease reuse age limit, when configured.
func (s *Scope) CacheMaxAge() (uint32, bool) {
	return pick(s, func(p *Params) *uint32 { return p.CacheMaxAge })
}

// Allocator is the address allocator name ("iterative").
func (s *Scope) Allocator() string {
	return pickOr(s, func(p *Params) *string { return p.Allocator }, DefaultAllocator)
}

// PDAllocator is the v6 prefix allocator name ("iterative").
func (s *Scope) PDAllocator() string {
	return pickOr(s, func(p *Params) *string { return p.PDAllocator }, DefaultAllocator)
}

// StoreExtendedInfo reports whether relay info is stored in leases (false).
func (s *Scope) StoreExtendedInfo() bool {
	return pickOr(s, func(p *Params) *bool { return p.StoreExtendedInfo }, false)
}

// DDNSSendUpdates (true).
func (s *Scope) DDNSSendUpdates() bool {
	return pickOr(s, func(p *Params) *bool { return p.DDNSSendUpdates }, true)
}

// DDNSOverrideNoUpdate (false).
func (s *Scope) DDNSOverrideNoUpdate() bool {
	return pickOr(s, func(p *Params) *bool { return p.DDNSOverrideNoUpdate }, false)
}

// DDNSOverrideClientUpdate (false).
func (s *Scope) DDNSOverrideClientUpdate() bool {
	return pickOr(s, func(p *Params) *bool { return p.DDNSOverrideClientUpdate }, false)
}

// DDNSReplaceClientName ("never").
func (s *Scope) DDNSReplaceClientName() string {
	return pickOr(s, func(p *Params) *string { return p.DDNSReplaceClientName }, DefaultDDNSReplaceName)
}

// DDNSGeneratedPrefix ("myhost").
func (s *Scope) DDNSGeneratedPrefix() string {
	return pickOr(s, func(p *Params) *string { return p.DDNSGeneratedPrefix }, DefaultDDNSGeneratedPref)
}

// DDNSQualifyingSuffix ("").
func (s *Scope) DDNSQualifyingSuffix() string {
	return pickOr(s, func(p *Params) *string { return p.DDNSQualifyingSuffix }, "")
}

// DDNSUpdateOnRenew (false).
func (s *Scope) DDNSUpdateOnRenew() bool {
	return pickOr(s, func(p *Params) *bool { return p.DDNSUpdateOnRenew }, false)
}

// DDNSConflictResolutionMode ("check-with-dhcid"). At each level
// "ddns-conflict-resolution-mode" wins over Kea 2.2's boolean
// "ddns-use-conflict-resolution" (false = "no-check-with-dhcid").
func (s *Scope) DDNSConflictResolutionMode() string {
	for _, p := range s.levels {
		if p == nil {
			continue
		}
		if p.DDNSConflictResolutionMode != nil {
			return *p.DDNSConflictResolutionMode
		}
		if p.DDNSUseConflictResolution != nil {
			if *p.DDNSUseConflictResolution {
				return "check-with-dhcid"
			}
			return "no-check-with-dhcid"
		}
	}
	return DefaultDDNSConflictMode
}

// DDNSTTLPercent is the fraction of the lease lifetime used as DNS TTL,
// when configured (Kea then uses 1/3).
func (s *Scope) DDNSTTLPercent() (float64, bool) {
	return pick(s, func(p *Params) *float64 { return p.DDNSTTLPercent })
}

// DDNSTTL is a fixed DNS TTL, when configured.
func (s *Scope) DDNSTTL() (uint32, bool) {
	return pick(s, func(p *Params) *uint32 { return p.DDNSTTL })
}

// DDNSTTLMin is the DNS TTL lower bound, when configured (Kea then uses 600).
func (s *Scope) DDNSTTLMin() (uint32, bool) {
	return pick(s, func(p *Params) *uint32 { return p.DDNSTTLMin })
}

// DDNSTTLMax is the DNS TTL upper bound, when configured.
func (s *Scope) DDNSTTLMax() (uint32, bool) {
	return pick(s, func(p *Params) *uint32 { return p.DDNSTTLMax })
}

// HostnameCharSet is the regular expression of invalid hostname characters
// ("[^A-Za-z0-9.-]").
func (s *Scope) HostnameCharSet() string {
	return pickOr(s, func(p *Params) *string { return p.HostnameCharSet }, DefaultHostnameCharSet)
}

// HostnameCharReplacement replaces invalid characters ("" = delete them).
func (s *Scope) HostnameCharReplacement() string {
	return pickOr(s, func(p *Params) *string { return p.HostnameCharReplacement }, "")
}

// Interface is the interface the subnet is reachable on directly ("").
func (s *Scope) Interface() string {
	return pickOr(s, func(p *Params) *string { return p.Interface }, "")
}

// InterfaceID is the v6 relay interface-id option value that selects the
// subnet ("" = none).
func (s *Scope) InterfaceID() string {
	return pickOr(s, func(p *Params) *string { return p.InterfaceID }, "")
}

// RapidCommit reports whether v6 rapid commit is allowed (false).
func (s *Scope) RapidCommit() bool {
	return pickOr(s, func(p *Params) *bool { return p.RapidCommit }, false)
}

// ClientClass is the class a client must belong to ("" = any client).
func (s *Scope) ClientClass() string {
	return pickOr(s, func(p *Params) *string { return p.ClientClass }, "")
}

// RequireClientClasses are the classes evaluated late for this scope.
func (s *Scope) RequireClientClasses() []string {
	for _, p := range s.levels {
		if p != nil && p.RequireClientClasses != nil {
			return p.RequireClientClasses
		}
	}
	return nil
}

// RelayAddresses are the relay addresses that select the subnet.
func (s *Scope) RelayAddresses() []netip.Addr {
	for _, p := range s.levels {
		if p != nil && p.RelayAddresses != nil {
			return p.RelayAddresses
		}
	}
	return nil
}

// Effective values of global-only parameters.

// DeclineProbationPeriod (86400 s).
func (c *Config) DeclineProbationPeriod() uint32 {
	return deref(c.Globals.DeclineProbationPeriod, DefaultDeclineProbation)
}

// EchoClientID (true).
func (c *Config) EchoClientID() bool { return deref(c.Globals.EchoClientID, true) }

// DHCP4o6Port (0 = 4o6 off).
func (c *Config) DHCP4o6Port() uint16 { return deref(c.Globals.DHCP4o6Port, 0) }

// ServerTag ("").
func (c *Config) ServerTag() string { return deref(c.Globals.ServerTag, "") }

// EarlyGlobalReservationsLookup (false).
func (c *Config) EarlyGlobalReservationsLookup() bool {
	return deref(c.Globals.EarlyGlobalReservationsLookup, false)
}

// IPReservationsUnique (true).
func (c *Config) IPReservationsUnique() bool { return deref(c.Globals.IPReservationsUnique, true) }

// ReservationsLookupFirst (false).
func (c *Config) ReservationsLookupFirst() bool {
	return deref(c.Globals.ReservationsLookupFirst, false)
}

// StatisticDefaultSampleCount (20).
func (c *Config) StatisticDefaultSampleCount() uint32 {
	return deref(c.Globals.StatisticDefaultSampleCount, DefaultStatSampleCount)
}

// StatisticDefaultSampleAge (0).
func (c *Config) StatisticDefaultSampleAge() uint32 {
	return deref(c.Globals.StatisticDefaultSampleAge, DefaultStatSampleAge)
}

// ParkedPacketLimit (256).
func (c *Config) ParkedPacketLimit() uint32 {
	return deref(c.Globals.ParkedPacketLimit, DefaultParkedPacketLimit)
}

// HostReservationIdentifiers returns the identifier types looked up for
// reservations, in order (v4 default hw-address, duid, circuit-id,
// client-id; v6 hw-address, duid).
func (c *Config) HostReservationIdentifiers() []string {
	if c.Globals.HostReservationIdentifiers != nil {
		return c.Globals.HostReservationIdentifiers
	}
	if c.Family == option.V6 {
		return []string{"hw-address", "duid"}
	}
	return []string{"hw-address", "duid", "circuit-id", "client-id"}
}

// GlobalScope resolves inheritable parameters at the global level (global
// value, else Kea's default).
func (c *Config) GlobalScope() *Scope {
	s := &Scope{}
	s.link(&c.Globals.Params, nil, nil, c.Family)
	return s
}

func deref[T any](p *T, def T) T {
	if p != nil {
		return *p
	}
	return def
}
