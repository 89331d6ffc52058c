package d2client

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
)

// ReplaceMode is "ddns-replace-client-name": when the server replaces the
// name a client sent with one it generates from the leased address.
type ReplaceMode uint8

// The replace modes of Kea's D2ClientConfig::ReplaceClientNameMode.
const (
	ReplaceNever          ReplaceMode = iota // "never": keep the client's name (the default)
	ReplaceAlways                            // "always": generate, whether or not the client sent a name
	ReplaceWhenPresent                       // "when-present": generate when the client sent a name
	ReplaceWhenNotPresent                    // "when-not-present": generate when the client sent none
)

var replaceModeNames = [...]string{"never", "always", "when-present", "when-not-present"}

// String returns the Kea configuration spelling.
func (m ReplaceMode) String() string {
	if int(m) < len(replaceModeNames) {
		return replaceModeNames[m]
	}
	return fmt.Sprintf("ReplaceMode(%d)", m)
}

// ParseReplaceMode parses a "ddns-replace-client-name" value. Like Kea it
// also accepts the pre-1.5 booleans "true" (when-present) and "false"
// (never).
func ParseReplaceMode(s string) (ReplaceMode, error) {
	switch strings.ToLower(s) {
	case "never", "false":
		return ReplaceNever, nil
	case "always":
		return ReplaceAlways, nil
	case "when-present", "true":
		return ReplaceWhenPresent, nil
	case "when-not-present":
		return ReplaceWhenNotPresent, nil
	}
	return 0, fmt.Errorf("d2client: invalid ddns-replace-client-name %q", s)
}

// replacesPresent reports whether a name the client sent is replaced.
func (m ReplaceMode) replacesPresent() bool { return m == ReplaceAlways || m == ReplaceWhenPresent }

// generatesAbsent reports whether a name is generated for a client that sent
// none.
func (m ReplaceMode) generatesAbsent() bool {
	return m == ReplaceAlways || m == ReplaceWhenNotPresent
}

// ConflictResolutionMode is "ddns-conflict-resolution-mode" (Kea 2.6+): how
// the DNS updater uses DHCID records (RFC 4703) to avoid taking over names
// that belong to other clients. The zero value is Kea's default.
type ConflictResolutionMode uint8

// The four modes of Kea.
const (
	// CheckWithDHCID follows RFC 4703: add only if the name is unused or
	// its DHCID matches; remove only if the DHCID matches.
	CheckWithDHCID ConflictResolutionMode = iota
	// NoCheckWithDHCID overwrites unconditionally but still writes DHCID
	// records (Kea 2.2's ddns-use-conflict-resolution false).
	NoCheckWithDHCID
	// CheckExistsWithDHCID checks only that some DHCID exists, not its value
	// (dual-stack clients whose v4 and v6 DHCIDs differ).
	CheckExistsWithDHCID
	// NoCheckWithoutDHCID neither checks nor writes DHCID records.
	NoCheckWithoutDHCID
)

var conflictModeNames = [...]string{"check-with-dhcid", "no-check-with-dhcid", "check-exists-with-dhcid", "no-check-without-dhcid"}

// String returns the Kea spelling ("check-with-dhcid", ...).
func (m ConflictResolutionMode) String() string {
	if int(m) < len(conflictModeNames) {
		return conflictModeNames[m]
	}
	return fmt.Sprintf("ConflictResolutionMode(%d)", m)
}

// UsesConflictResolution is the Kea ≤2.4 boolean "use-conflict-resolution"
// closest to the mode: true for the two checking modes.
func (m ConflictResolutionMode) UsesConflictResolution() bool {
	return m == CheckWithDHCID || m == CheckExistsWithDHCID
}

// ParseConflictResolutionMode parses one of Kea's four mode names.
func ParseConflictResolutionMode(s string) (ConflictResolutionMode, error) {
	for i, n := range conflictModeNames {
		if s == n {
			return ConflictResolutionMode(i), nil
		}
	}
	return 0, fmt.Errorf("d2client: invalid conflict resolution mode %q", s)
}

// Sanitizer replaces the characters of hostname labels that match
// "hostname-char-set" with "hostname-char-replacement" (Kea's
// StringSanitizer). It is immutable and safe for concurrent use.
type Sanitizer struct {
	re          *regexp.Regexp
	replacement string
}

// DefaultHostnameCharSet is Kea's default "hostname-char-set".
const DefaultHostnameCharSet = "[^A-Za-z0-9.-]"

// NewSanitizer compiles charSet (Go regexp syntax, which accepts the
// character classes Kea configurations use). An empty charSet disables
// sanitizing, as in Kea: the result is nil, whose Scrub returns its input.
func NewSanitizer(charSet, replacement string) (*Sanitizer, error) {
	if charSet == "" {
		return nil, nil
	}
	re, err := compileCached(charSet)
	if err != nil {
		return nil, fmt.Errorf("d2client: hostname-char-set %q: %w", charSet, err)
	}
	return &Sanitizer{re: re, replacement: replacement}, nil
}

// Scrub returns s with every match of the character set replaced.
func (s *Sanitizer) Scrub(in string) string {
	if s == nil {
		return in
	}
	return s.re.ReplaceAllLiteralString(in, s.replacement)
}

// A small memo of compiled hostname-char-set expressions: servers rebuild
// Params per subnet on every configuration commit, and configurations use a
// handful of patterns. Compiled expressions are immutable, so sharing them
// between configurations and servers changes no behaviour.
var (
	reCacheMu sync.Mutex
	reCache   = map[string]*regexp.Regexp{}
)

func compileCached(expr string) (*regexp.Regexp, error) {
	reCacheMu.Lock()
	re, ok := reCache[expr]
	reCacheMu.Unlock()
	if ok {
		return re, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, err
	}
	reCacheMu.Lock()
	if len(reCache) < 64 {
		reCache[expr] = re
	}
	reCacheMu.Unlock()
	return re, nil
}

// Params are the DDNS parameters in force for one subnet (Kea's DdnsParams,
// from SrvConfig::getDdnsParams): the global "dhcp-ddns" switch and the
// ddns-* and hostname-char-* values resolved at subnet, shared-network or
// global level. Build them once per subnet and configuration with
// ParamsFromScope (or DefaultParams) and pass them by value; they are
// immutable and safe for concurrent use.
type Params struct {
	// UpdatesEnabled is "dhcp-ddns"/"enable-updates", the global switch.
	UpdatesEnabled bool
	// SendUpdates is "ddns-send-updates" (default true).
	SendUpdates bool
	// OverrideNoUpdate is "ddns-override-no-update": update even when the
	// client asked for no updates (N=1).
	OverrideNoUpdate bool
	// OverrideClientUpdate is "ddns-override-client-update": do the forward
	// update even when the client wants to do it (S=0).
	OverrideClientUpdate bool
	// ReplaceClientName is "ddns-replace-client-name".
	ReplaceClientName ReplaceMode
	// GeneratedPrefix is "ddns-generated-prefix" (default "myhost").
	GeneratedPrefix string
	// QualifyingSuffix is "ddns-qualifying-suffix" (default "").
	QualifyingSuffix string
	// Sanitizer applies "hostname-char-set"/"hostname-char-replacement";
	// nil disables sanitizing.
	Sanitizer *Sanitizer
	// UpdateOnRenew is "ddns-update-on-renew": send an add on every renewal,
	// not only when the name or directions changed.
	UpdateOnRenew bool
	// ConflictResolution is "ddns-conflict-resolution-mode".
	ConflictResolution ConflictResolutionMode
	// TTL holds "ddns-ttl", "ddns-ttl-percent", "ddns-ttl-min", "ddns-ttl-max".
	TTL TTLParams
}

// Enabled reports whether this subnet sends updates: the global switch and
// ddns-send-updates (Kea's DdnsParams::getEnableUpdates).
func (p Params) Enabled() bool { return p.UpdatesEnabled && p.SendUpdates }

// DefaultParams returns Kea's defaults with the global switch set to
// updatesEnabled.
func DefaultParams(updatesEnabled bool) Params {
	s, _ := NewSanitizer(DefaultHostnameCharSet, "")
	return Params{
		UpdatesEnabled:  updatesEnabled,
		SendUpdates:     true,
		GeneratedPrefix: "myhost",
		Sanitizer:       s,
	}
}

// ParamsFromScope resolves the DDNS parameters of a subnet or shared network
// (or the globals) and the global "dhcp-ddns" map; d2 may be nil
// (updates disabled). It fails only on an invalid hostname-char-set,
// replace mode or conflict resolution mode.
func ParamsFromScope(s *cfgmgr.Scope, d2 *cfgmgr.DDNSConfig) (Params, error) {
	if s == nil {
		s = &cfgmgr.Scope{}
	}
	p := Params{
		UpdatesEnabled:       d2 != nil && d2.EnableUpdates,
		SendUpdates:          s.DDNSSendUpdates(),
		OverrideNoUpdate:     s.DDNSOverrideNoUpdate(),
		OverrideClientUpdate: s.DDNSOverrideClientUpdate(),
		GeneratedPrefix:      s.DDNSGeneratedPrefix(),
		QualifyingSuffix:     s.DDNSQualifyingSuffix(),
		UpdateOnRenew:        s.DDNSUpdateOnRenew(),
	}
	var err error
	if p.ReplaceClientName, err = ParseReplaceMode(s.DDNSReplaceClientName()); err != nil {
		return Params{}, err
	}
	if p.ConflictResolution, err = ParseConflictResolutionMode(s.DDNSConflictResolutionMode()); err != nil {
		return Params{}, err
	}
	if p.Sanitizer, err = NewSanitizer(s.HostnameCharSet(), s.HostnameCharReplacement()); err != nil {
		return Params{}, err
	}
	p.TTL.TTL, _ = s.DDNSTTL()
	p.TTL.Min, _ = s.DDNSTTLMin()
	p.TTL.Max, _ = s.DDNSTTLMax()
	p.TTL.Percent, _ = s.DDNSTTLPercent()
	return p, nil
}

// TTLParams are Kea's DNS TTL settings; zero means "not set".
type TTLParams struct {
	TTL     uint32  // ddns-ttl: used as is when > 0
	Percent float64 // ddns-ttl-percent: fraction of the lease lifetime; 0 → 0.33333
	Min     uint32  // ddns-ttl-min: floor; 0 → 600 (RFC 4702 §5)
	Max     uint32  // ddns-ttl-max: cap; 0 → none
}

// DefaultTTLPercent is the fraction of the lease lifetime Kea uses when
// ddns-ttl-percent is not set (RFC 4702 §5 suggests one third).
const DefaultTTLPercent = 0.33333

// DefaultTTLMin is the TTL floor when ddns-ttl-min is not set.
const DefaultTTLMin = 600

// Compute returns the DNS TTL for a lease of the given valid lifetime, as
// Kea (2.6+) D2ClientMgr::calculateDdnsTtl: ddns-ttl if set; else
// round(percent × lifetime) with percent ddns-ttl-percent or 0.33333, raised
// to ddns-ttl-min (or 600) and then capped at ddns-ttl-max if set. An
// infinite lifetime (0xffffffff) is treated as the number it is.
func (t TTLParams) Compute(lifetime uint32) uint32 {
	if t.TTL > 0 {
		return t.TTL
	}
	pct := t.Percent
	if pct <= 0 {
		pct = DefaultTTLPercent
	}
	f := math.Round(pct * float64(lifetime))
	var ttl uint32
	switch {
	case f >= math.MaxUint32:
		ttl = math.MaxUint32
	case f > 0:
		ttl = uint32(f)
	}
	floor := t.Min
	if floor == 0 {
		floor = DefaultTTLMin
	}
	if ttl < floor {
		return floor
	}
	if t.Max > 0 && ttl > t.Max {
		return t.Max
	}
	return ttl
}

// TTLKea22 is the rule of Kea 2.2 and earlier, which had no ddns-ttl*
// parameters: lifetime/3 (integer division), at least 600.
func TTLKea22(lifetime uint32) uint32 {
	if lifetime/3 < DefaultTTLMin {
		return DefaultTTLMin
	}
	return lifetime / 3
}
