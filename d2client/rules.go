package d2client

import (
	"net/netip"
	"strings"
)

// AnalyzeFQDN returns the server's S and N flags for the client's S and N
// flags, Kea's D2ClientMgr::analyzeFqdn (RFC 4702 §3, RFC 4704 §5):
//
//	client N S │ server S                               server N
//	───────────┼─────────────────────────────────────────────────
//	       0 0 │ override-client-update (updates on)    0
//	           │ 0 (updates off)                        1
//	       0 1 │ updates on                             !S
//	       1 0 │ updates on && override-no-update      !S
//	       1 1 │ invalid: ErrInvalidFlags
//
// "Updates on" is Params.Enabled (enable-updates and ddns-send-updates).
func AnalyzeFQDN(p Params, clientS, clientN bool) (serverS, serverN bool, err error) {
	switch {
	case !clientN && !clientS:
		if !p.Enabled() {
			return false, true, nil
		}
		return p.OverrideClientUpdate, false, nil
	case !clientN && clientS:
		serverS = p.Enabled()
		return serverS, !serverS, nil
	case clientN && !clientS:
		serverS = p.Enabled() && p.OverrideNoUpdate
		return serverS, !serverS, nil
	}
	return false, false, ErrInvalidFlags
}

// serverFlags is Kea's adjustFqdnFlags: S and N from AnalyzeFQDN, and O when
// the server's S differs from the client's.
func serverFlags(p Params, clientS, clientN bool, flagN uint8) (uint8, error) {
	s, n, err := AnalyzeFQDN(p, clientS, clientN)
	if err != nil {
		return 0, err
	}
	var f uint8
	if s {
		f |= FlagS
	}
	if n {
		f |= flagN
	}
	if s != clientS {
		f |= FlagO
	}
	return f, nil
}

// AdjustFQDN4 computes the server's option 81 from the client's (Kea's
// Dhcpv4Srv::processClientFqdnOption with D2ClientMgr::adjustFqdnFlags and
// adjustDomainName):
//
//   - flags S, N and O from AnalyzeFQDN; the client's E flag is carried over
//     (so the reply uses the client's name encoding); RCODE1/2 are 255;
//   - the name: empty partial (the server must generate one after
//     allocation: NeedsName, then SetGeneratedName) if the replace mode is
//     always or when-present or the client sent no name; otherwise the
//     client's name sanitized label by label, and, if partial, qualified with
//     ddns-qualifying-suffix. The reply name is always fully qualified.
//
// A name whose labels all sanitize to nothing, or that would contain an
// empty label after sanitizing, is dropped (CVE-2025-11232): the reply then
// carries an empty name to be generated, as for a client that sent none.
// It fails with ErrInvalidFlags when the client set both N and S (Kea drops
// such a query) or must-be-zero bits.
func AdjustFQDN4(p Params, client FQDN4) (FQDN4, error) {
	if err := client.Validate(); err != nil {
		return FQDN4{}, err
	}
	flags, err := serverFlags(p, client.Flags&FlagS != 0, client.Flags&FlagN4 != 0, FlagN4)
	if err != nil {
		return FQDN4{}, err
	}
	flags |= client.Flags & FlagE4
	name, ok := adjustName(p, client.Name, client.Partial)
	return FQDN4{Flags: flags, RCode1: RCodeServer, RCode2: RCodeServer, Name: name, Partial: !ok}, nil
}

// AdjustFQDN6 is AdjustFQDN4 for option 39 (Kea's
// Dhcpv6Srv::processClientFqdn).
func AdjustFQDN6(p Params, client FQDN6) (FQDN6, error) {
	if err := client.Validate(); err != nil {
		return FQDN6{}, err
	}
	flags, err := serverFlags(p, client.Flags&FlagS != 0, client.Flags&FlagN6 != 0, FlagN6)
	if err != nil {
		return FQDN6{}, err
	}
	name, ok := adjustName(p, client.Name, client.Partial)
	return FQDN6{Flags: flags, Name: name, Partial: !ok}, nil
}

// adjustName implements adjustDomainName for a client name in our form (no
// trailing dot). ok=false means "generate": the name is empty.
func adjustName(p Params, name string, partial bool) (string, bool) {
	name = trimFinalDot(name)
	if p.ReplaceClientName.replacesPresent() || name == "" {
		return "", false
	}
	clean, ok := sanitizeLabels(p.Sanitizer, name)
	if !ok {
		return "", false
	}
	// A partial name is qualified; a fully qualified one is kept. Both end up
	// fully qualified (stored without the trailing dot here).
	if !partial {
		return clean, true
	}
	return trimFinalDot(QualifyName(p, clean, false)), true
}

// sanitizeLabels scrubs a presentation-format name label by label, as Kea
// does on the raw text split at every '.' (so an escaped dot inside a label
// separates labels too). ok is false if the result is empty, has an empty
// label, or is not a valid name (CVE-2025-11232).
func sanitizeLabels(s *Sanitizer, name string) (string, bool) {
	labels, _, err := parseName(name)
	if err != nil || len(labels) == 0 {
		return "", false
	}
	if s == nil {
		return labelsText(labels), true
	}
	out := make([][]byte, 0, len(labels))
	for _, l := range labels {
		for _, piece := range strings.Split(string(l), ".") {
			c := s.Scrub(piece)
			if c == "" {
				return "", false
			}
			for _, sub := range strings.Split(c, ".") {
				if sub == "" || len(sub) > maxLabelLen {
					return "", false
				}
				out = append(out, []byte(sub))
			}
		}
	}
	clean := labelsText(out)
	if _, _, err := parseName(clean); err != nil {
		return "", false
	}
	return clean, true
}

// NeedsName reports whether the server must generate the name (the reply
// carries an empty name).
func (f *FQDN4) NeedsName() bool { return f.Name == "" }

// NeedsName reports whether the server must generate the name.
func (f *FQDN6) NeedsName() bool { return f.Name == "" }

// SetGeneratedName fills an empty reply name with GenerateName(p, addr),
// fully qualified, as Kea does after allocating the lease.
func (f *FQDN4) SetGeneratedName(p Params, addr netip.Addr) {
	f.Name, f.Partial = trimFinalDot(GenerateName(p, addr, false)), false
}

// SetGeneratedName fills an empty reply name with GenerateName(p, addr).
func (f *FQDN6) SetGeneratedName(p Params, addr netip.Addr) {
	f.Name, f.Partial = trimFinalDot(GenerateName(p, addr, false)), false
}

// GenerateName builds a name from a leased address, Kea's
// D2ClientMgr::generateFqdn: ddns-generated-prefix, '-', the address with
// '.' (v4) or ':' (v6) replaced by '-' (and "0" appended if that leaves a
// trailing '-'), qualified by QualifyName. "myhost-192-0-2-10.example.org."
func GenerateName(p Params, addr netip.Addr, trailingDot bool) string {
	a := addr.Unmap().WithZone("").String()
	sep := "."
	if addr.Unmap().Is6() {
		sep = ":"
	}
	a = strings.ReplaceAll(a, sep, "-")
	if strings.HasSuffix(a, "-") {
		a += "0"
	}
	return QualifyName(p, p.GeneratedPrefix+"-"+a, trailingDot)
}

// QualifyName appends ddns-qualifying-suffix to a partial name, Kea's
// D2ClientMgr::qualifyName: not when the suffix is empty, the name ends with
// '.' (already fully qualified), or the name already ends with the suffix
// (compared case-insensitively, as DNS names are). trailingDot then adds or
// removes the final '.'.
func QualifyName(p Params, name string, trailingDot bool) string {
	suffix := trimFinalDot(p.QualifyingSuffix)
	if suffix != "" && name != "" && !hasFinalDot(name) && !hasSuffixFold(name, suffix) {
		name = name + "." + suffix
	}
	if trailingDot {
		return Absolute(name)
	}
	return trimFinalDot(name)
}

func hasSuffixFold(name, suffix string) bool {
	if len(name) == len(suffix) {
		return strings.EqualFold(name, suffix)
	}
	return len(name) > len(suffix) && name[len(name)-len(suffix)-1] == '.' &&
		strings.EqualFold(name[len(name)-len(suffix):], suffix)
}

// HostnameReply is the outcome of AdjustHostname4.
type HostnameReply struct {
	// Name is the hostname for the reply's option 12 and the lease: no
	// trailing dot, lowercase. Empty when Generate is set.
	Name string
	// Generate asks the server to set Name to GenerateName(p, addr, false)
	// once the address is allocated.
	Generate bool
	// Forward and Reverse are the update directions: Params.Enabled for
	// both, as Kea does for option 12.
	Forward, Reverse bool
}

// AdjustHostname4 applies Kea's rules (Dhcpv4Srv::processHostnameOption) to
// the DHCPv4 Host Name option 12 of a client that sent no option 81 (option
// 81 takes precedence). present tells whether the client sent option 12;
// hostname is its value. ok is false when there is no hostname to use: no
// option and a replace mode that does not generate one, an empty or invalid
// value, or a value that sanitizes to nothing (CVE-2025-11232), in which case
// the server sends no option 12 and performs no update.
//
// The value is trimmed of spaces; the server generates a name if the replace
// mode is always or when-present, or the value is only "."; otherwise it is
// sanitized label by label, lowercased and, when it is a single label,
// qualified with ddns-qualifying-suffix (without a trailing dot).
func AdjustHostname4(p Params, hostname string, present bool) (r HostnameReply, ok bool) {
	r.Forward, r.Reverse = p.Enabled(), p.Enabled()
	if !present {
		if !p.ReplaceClientName.generatesAbsent() {
			return HostnameReply{}, false
		}
		r.Generate = true
		return r, true
	}
	hostname = strings.TrimSpace(hostname)
	labels, _, err := parseName(hostname)
	if hostname == "" || err != nil {
		return HostnameReply{}, false
	}
	if p.ReplaceClientName.replacesPresent() || len(labels) == 0 {
		r.Generate = true
		return r, true
	}
	clean, ok := sanitizeLabels(p.Sanitizer, hostname)
	if !ok {
		return HostnameReply{}, false
	}
	clean = strings.ToLower(clean)
	if len(labels) == 1 {
		clean = QualifyName(p, clean, false)
	}
	r.Name = trimFinalDot(clean)
	return r, true
}

// RenewActions tells which NCRs a renewal needs, as Kea decides when a lease
// is extended: removeOld when the old lease had DNS entries and its name or
// directions differ from the new lease's; addNew when the new lease needs
// DNS entries and either they changed or ddns-update-on-renew is set.
// Names compare case-insensitively and with or without a trailing dot.
func RenewActions(p Params, oldName string, oldFwd, oldRev bool, newName string, newFwd, newRev bool) (removeOld, addNew bool) {
	same := strings.EqualFold(trimFinalDot(oldName), trimFinalDot(newName)) && oldFwd == newFwd && oldRev == newRev
	removeOld = !same && oldName != "" && (oldFwd || oldRev)
	addNew = newName != "" && (newFwd || newRev) && (!same || p.UpdateOnRenew)
	return removeOld, addNew
}
