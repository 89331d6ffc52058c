package d2client

import (
	"net/netip"
	"testing"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/stretchr/testify/require"
)

// The truth table of Kea's d2_client_unittest.cc analyzeFqdn tests.
func TestAnalyzeFQDN(t *testing.T) {
	type in struct{ enabled, overrideNo, overrideClient, s, n bool }
	type out struct{ s, n bool }
	tests := []struct {
		in  in
		out out
	}{
		// updates disabled
		{in{false, false, false, false, false}, out{false, true}},
		{in{false, false, false, true, false}, out{false, true}},
		{in{false, false, false, false, true}, out{false, true}},
		{in{false, true, true, false, true}, out{false, true}},
		{in{false, true, true, false, false}, out{false, true}},
		// N0 S0: the client does the forward update unless overridden
		{in{true, false, false, false, false}, out{false, false}},
		{in{true, false, true, false, false}, out{true, false}},
		// N0 S1: the server does it
		{in{true, false, false, true, false}, out{true, false}},
		{in{true, true, true, true, false}, out{true, false}},
		// N1 S0: nobody, unless override-no-update
		{in{true, false, false, false, true}, out{false, true}},
		{in{true, false, true, false, true}, out{false, true}},
		{in{true, true, false, false, true}, out{true, false}},
	}
	for _, tt := range tests {
		p := DefaultParams(tt.in.enabled)
		p.OverrideNoUpdate, p.OverrideClientUpdate = tt.in.overrideNo, tt.in.overrideClient
		s, n, err := AnalyzeFQDN(p, tt.in.s, tt.in.n)
		require.NoError(t, err)
		require.Equal(t, tt.out, out{s, n}, "%+v", tt.in)
	}
	_, _, err := AnalyzeFQDN(DefaultParams(true), true, true)
	require.ErrorIs(t, err, ErrInvalidFlags)
	// ddns-send-updates false disables as the global switch does.
	p := DefaultParams(true)
	p.SendUpdates = false
	s, n, _ := AnalyzeFQDN(p, true, false)
	require.Equal(t, []bool{false, true}, []bool{s, n})
}

func TestAdjustFQDN4Flags(t *testing.T) {
	p := DefaultParams(true)
	// Client S=1: server S=1, no override.
	r, err := AdjustFQDN4(p, FQDN4{Flags: FlagS | FlagE4, Name: "h.example.org"})
	require.NoError(t, err)
	require.Equal(t, FlagS|FlagE4, r.Flags)
	require.Equal(t, RCodeServer, r.RCode1)
	require.True(t, r.Forward())
	require.True(t, r.Reverse())
	// Client S=0 with override-client-update: S=1, O=1; ASCII kept.
	p.OverrideClientUpdate = true
	r, err = AdjustFQDN4(p, FQDN4{Name: "h.example.org"})
	require.NoError(t, err)
	require.Equal(t, FlagS|FlagO, r.Flags)
	// Updates disabled, client S=1: S=0 N=1 O=1.
	r, err = AdjustFQDN4(DefaultParams(false), FQDN4{Flags: FlagS, Name: "h"})
	require.NoError(t, err)
	require.Equal(t, FlagN4|FlagO, r.Flags)
	require.False(t, r.Forward())
	require.False(t, r.Reverse())
	_, err = AdjustFQDN4(p, FQDN4{Flags: FlagS | FlagN4})
	require.ErrorIs(t, err, ErrInvalidFlags)

	r6, err := AdjustFQDN6(DefaultParams(true), FQDN6{Flags: FlagN6, Name: "h"})
	require.NoError(t, err)
	require.Equal(t, FlagN6, r6.Flags)
	require.False(t, r6.Forward())
	require.False(t, r6.Reverse())
	_, err = AdjustFQDN6(p, FQDN6{Flags: FlagS | FlagN6})
	require.ErrorIs(t, err, ErrInvalidFlags)
}

func TestAdjustFQDNNames(t *testing.T) {
	underscore, err := NewSanitizer("[^A-Za-z0-9.-]", "x")
	require.NoError(t, err)
	tests := []struct {
		name     string
		mode     ReplaceMode
		suffix   string
		san      *Sanitizer
		in       string
		partial  bool
		want     string // reply FQDN(); "" = to generate
		generate bool
	}{
		{"full kept", ReplaceNever, "example.org", nil, "Host.Other.NET", false, "Host.Other.NET.", false},
		{"partial qualified", ReplaceNever, "example.org", nil, "host", true, "host.example.org.", false},
		{"partial, suffix with dot", ReplaceNever, "example.org.", nil, "host", true, "host.example.org.", false},
		{"partial, no suffix", ReplaceNever, "", nil, "host", true, "host.", false},
		{"partial already has suffix", ReplaceNever, "example.org", nil, "host.EXAMPLE.org", true, "host.EXAMPLE.org.", false},
		{"empty name generated", ReplaceNever, "example.org", nil, "", true, "", true},
		{"always", ReplaceAlways, "example.org", nil, "host", true, "", true},
		{"when-present", ReplaceWhenPresent, "example.org", nil, "host", true, "", true},
		{"when-not-present keeps", ReplaceWhenNotPresent, "example.org", nil, "host", true, "host.example.org.", false},
		{"when-not-present empty", ReplaceWhenNotPresent, "example.org", nil, "", true, "", true},
		{"sanitized default", ReplaceNever, "example.org", DefaultParams(true).Sanitizer, "my_host", true, "myhost.example.org.", false},
		{"sanitized replacement", ReplaceNever, "", underscore, "my_host.ex*ample.org", false, "myxhost.exxample.org.", false},
		{"sanitized label by label", ReplaceNever, "example.org", DefaultParams(true).Sanitizer, `a\.b`, true, "a.b.example.org.", false},
		// CVE-2025-11232: a name that sanitizes to nothing is dropped.
		{"sanitized to nothing", ReplaceNever, "example.org", DefaultParams(true).Sanitizer, "___", true, "", true},
		{"a label sanitized to nothing", ReplaceNever, "example.org", DefaultParams(true).Sanitizer, "a.___.b", false, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultParams(true)
			p.ReplaceClientName, p.QualifyingSuffix, p.Sanitizer = tt.mode, tt.suffix, tt.san
			r4, err := AdjustFQDN4(p, FQDN4{Flags: FlagS | FlagE4, Name: tt.in, Partial: tt.partial})
			require.NoError(t, err)
			r6, err := AdjustFQDN6(p, FQDN6{Flags: FlagS, Name: tt.in, Partial: tt.partial})
			require.NoError(t, err)
			require.Equal(t, tt.generate, r4.NeedsName())
			require.Equal(t, tt.generate, r6.NeedsName())
			if !tt.generate {
				require.Equal(t, tt.want, r4.FQDN())
				require.Equal(t, tt.want, r6.FQDN())
			}
			// The reply always encodes.
			_, err = r4.MarshalBinary()
			require.NoError(t, err)
		})
	}
}

func TestGenerateName(t *testing.T) {
	p := DefaultParams(true)
	p.QualifyingSuffix = "example.org"
	require.Equal(t, "myhost-192-0-2-10.example.org.", GenerateName(p, netip.MustParseAddr("192.0.2.10"), true))
	require.Equal(t, "myhost-192-0-2-10.example.org", GenerateName(p, netip.MustParseAddr("192.0.2.10"), false))
	require.Equal(t, "myhost-2001-db8--1.example.org.", GenerateName(p, netip.MustParseAddr("2001:db8::1"), true))
	require.Equal(t, "myhost-2001-db8--0.example.org.", GenerateName(p, netip.MustParseAddr("2001:db8::"), true))
	p.GeneratedPrefix, p.QualifyingSuffix = "dyn", ""
	require.Equal(t, "dyn-192-0-2-10", GenerateName(p, netip.MustParseAddr("::ffff:192.0.2.10"), false))
	require.Equal(t, "dyn-192-0-2-10.", GenerateName(p, netip.MustParseAddr("192.0.2.10"), true))

	f := FQDN4{Partial: true}
	p.QualifyingSuffix = "example.org"
	f.SetGeneratedName(p, netip.MustParseAddr("192.0.2.10"))
	require.Equal(t, "dyn-192-0-2-10.example.org.", f.FQDN())
}

func TestQualifyName(t *testing.T) {
	p := DefaultParams(true)
	p.QualifyingSuffix = "suffix.com"
	tests := []struct {
		in   string
		dot  bool
		want string
	}{
		{"somehost", true, "somehost.suffix.com."},
		{"somehost", false, "somehost.suffix.com"},
		{"somehost.", true, "somehost."},
		{"somehost.", false, "somehost"},
		{"somehost.suffix.com", true, "somehost.suffix.com."},
		{"suffix.com", false, "suffix.com"},
		{"somehost.notsuffix.com", false, "somehost.notsuffix.com.suffix.com"},
		{"xsuffix.com", false, "xsuffix.com.suffix.com"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, QualifyName(p, tt.in, tt.dot), tt.in)
	}
	p.QualifyingSuffix = ""
	require.Equal(t, "somehost.", QualifyName(p, "somehost", true))
	require.Equal(t, "somehost", QualifyName(p, "somehost", false))
}

func TestAdjustHostname4(t *testing.T) {
	tests := []struct {
		name     string
		mode     ReplaceMode
		in       string
		present  bool
		ok       bool
		want     string
		generate bool
	}{
		{"absent, never", ReplaceNever, "", false, false, "", false},
		{"absent, when-present", ReplaceWhenPresent, "", false, false, "", false},
		{"absent, always", ReplaceAlways, "", false, true, "", true},
		{"absent, when-not-present", ReplaceWhenNotPresent, "", false, true, "", true},
		{"single label qualified, lowercased", ReplaceNever, "  MyHost ", true, true, "myhost.example.org", false},
		{"fqdn kept", ReplaceNever, "host.other.net.", true, true, "host.other.net", false},
		{"fqdn without dot kept", ReplaceNever, "Host.Other.Net", true, true, "host.other.net", false},
		{"when-present replaces", ReplaceWhenPresent, "host", true, true, "", true},
		{"always replaces", ReplaceAlways, "host", true, true, "", true},
		{"when-not-present keeps", ReplaceWhenNotPresent, "host", true, true, "host.example.org", false},
		{"dot only generates", ReplaceNever, ".", true, true, "", true},
		{"empty ignored", ReplaceNever, "  ", true, false, "", false},
		{"invalid ignored", ReplaceNever, "a..b", true, false, "", false},
		{"sanitized", ReplaceNever, "my_host", true, true, "myhost.example.org", false},
		{"CVE-2025-11232: sanitized to nothing", ReplaceNever, "_#_", true, false, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultParams(true)
			p.ReplaceClientName, p.QualifyingSuffix = tt.mode, "example.org"
			r, ok := AdjustHostname4(p, tt.in, tt.present)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, r.Name)
			require.Equal(t, tt.generate, r.Generate)
			if ok {
				require.True(t, r.Forward && r.Reverse)
			}
		})
	}
	p := DefaultParams(false)
	r, ok := AdjustHostname4(p, "host", true)
	require.True(t, ok)
	require.False(t, r.Forward || r.Reverse)
}

func TestTTL(t *testing.T) {
	tests := []struct {
		name string
		p    TTLParams
		life uint32
		want uint32
	}{
		{"default third", TTLParams{}, 7200, 2400},
		{"default floor", TTLParams{}, 1200, 600},
		{"0.33333 rounding", TTLParams{}, 3600, 1200},
		{"ddns-ttl wins", TTLParams{TTL: 50, Percent: .5, Min: 100, Max: 200}, 7200, 50},
		{"percent", TTLParams{Percent: .5}, 7200, 3600},
		{"percent rounds", TTLParams{Percent: .25}, 4002, 1001},
		{"custom min", TTLParams{Min: 3000}, 7200, 3000},
		{"max caps", TTLParams{Max: 1000}, 7200, 1000},
		{"min below default", TTLParams{Min: 100}, 900, 300},
		{"infinite", TTLParams{}, 0xffffffff, 1431641448},
		{"zero lifetime", TTLParams{}, 0, 600},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.p.Compute(tt.life), tt.name)
	}
	require.Equal(t, uint32(600), TTLKea22(1799))
	require.Equal(t, uint32(600), TTLKea22(1800))
	require.Equal(t, uint32(2400), TTLKea22(7200))
	require.Equal(t, uint32(1000), TTLKea22(3001))
}

func TestRenewActions(t *testing.T) {
	p := DefaultParams(true)
	rm, add := RenewActions(p, "h.example.org.", true, true, "H.example.org", true, true)
	require.False(t, rm)
	require.False(t, add)
	p.UpdateOnRenew = true
	rm, add = RenewActions(p, "h.example.org.", true, true, "h.example.org.", true, true)
	require.False(t, rm)
	require.True(t, add)
	p.UpdateOnRenew = false
	rm, add = RenewActions(p, "a.example.org.", true, true, "b.example.org.", true, true)
	require.True(t, rm)
	require.True(t, add)
	rm, add = RenewActions(p, "a.example.org.", true, true, "a.example.org.", true, false)
	require.True(t, rm)
	require.True(t, add)
	rm, add = RenewActions(p, "", false, false, "b.example.org.", true, true)
	require.False(t, rm)
	require.True(t, add)
	rm, add = RenewActions(p, "a.example.org.", true, true, "", false, false)
	require.True(t, rm)
	require.False(t, add)
}

func TestParamsFromScope(t *testing.T) {
	cfg, _, err := cfgmgr.Parse([]byte(`{"Dhcp4": {
		"dhcp-ddns": {"enable-updates": true},
		"ddns-qualifying-suffix": "example.org",
		"ddns-replace-client-name": "when-not-present",
		"hostname-char-set": "[^a-z]", "hostname-char-replacement": "x",
		"ddns-ttl-percent": 0.5,
		"subnet4": [{"id": 1, "subnet": "192.0.2.0/24",
			"ddns-generated-prefix": "dyn", "ddns-override-client-update": true,
			"ddns-conflict-resolution-mode": "no-check-with-dhcid"}]}}`))
	require.NoError(t, err)
	p, err := ParamsFromScope(&cfg.Subnets4[0].Scope, &cfg.DHCPDDNS)
	require.NoError(t, err)
	require.True(t, p.Enabled())
	require.Equal(t, "dyn", p.GeneratedPrefix)
	require.Equal(t, "example.org", p.QualifyingSuffix)
	require.Equal(t, ReplaceWhenNotPresent, p.ReplaceClientName)
	require.True(t, p.OverrideClientUpdate)
	require.Equal(t, NoCheckWithDHCID, p.ConflictResolution)
	require.Equal(t, 0.5, p.TTL.Percent)
	require.Equal(t, "xxb", p.Sanitizer.Scrub("A-b"))

	// The zero scope gives Kea's defaults.
	d, err := ParamsFromScope(nil, nil)
	require.NoError(t, err)
	require.False(t, d.Enabled())
	require.Equal(t, "myhost", d.GeneratedPrefix)
	require.Equal(t, CheckWithDHCID, d.ConflictResolution)
	require.Equal(t, "ab", d.Sanitizer.Scrub("a_b"))
}

func TestModesParse(t *testing.T) {
	for i, s := range []string{"never", "always", "when-present", "when-not-present"} {
		m, err := ParseReplaceMode(s)
		require.NoError(t, err)
		require.Equal(t, ReplaceMode(i), m)
		require.Equal(t, s, m.String())
	}
	_, err := ParseReplaceMode("sometimes")
	require.Error(t, err)
	for i, s := range []string{"check-with-dhcid", "no-check-with-dhcid", "check-exists-with-dhcid", "no-check-without-dhcid"} {
		m, err := ParseConflictResolutionMode(s)
		require.NoError(t, err)
		require.Equal(t, ConflictResolutionMode(i), m)
		require.Equal(t, s, m.String())
	}
	_, err = ParseConflictResolutionMode("check")
	require.Error(t, err)
	_, err = NewSanitizer("[", "")
	require.Error(t, err)
}
