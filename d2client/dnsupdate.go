package d2client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// ErrConflict reports an RFC 4703 conflict: the name belongs to another
// client (its DHCID does not match), so the update was not made.
var ErrConflict = errors.New("d2client: DNS name in use by another client")

// ErrNoZone reports an NCR whose name matches no configured domain.
var ErrNoZone = errors.New("d2client: no DDNS domain matches")

// TSIGKey is a TSIG key (kea-dhcp-ddns "tsig-keys").
type TSIGKey struct {
	Name string // key name, e.g. "ddns-key."
	// Algorithm is Kea's spelling (HMAC-MD5, HMAC-SHA1, HMAC-SHA224,
	// HMAC-SHA256, HMAC-SHA384, HMAC-SHA512) or miekg/dns's
	// ("hmac-sha256."); empty means HMAC-SHA256.
	Algorithm string
	Secret    string // base64
}

// DNSServer is one server of a domain ("dns-servers").
type DNSServer struct {
	Addr netip.AddrPort // port 0 means 53
	// KeyName overrides the domain's key for this server (Kea 2.2 has it).
	KeyName string
}

// Domain is one "ddns-domains" entry: a zone and the servers that accept
// updates for it. Name "*" matches every name (Kea's wildcard domain).
type Domain struct {
	Name    string
	KeyName string // TSIG key from DNSConfig.Keys; "" for none
	Servers []DNSServer
}

// DNSConfig configures a DNSUpdater: kea-dhcp-ddns's forward-ddns,
// reverse-ddns and tsig-keys in one struct, so that no separate daemon is
// needed.
type DNSConfig struct {
	Forward []Domain // forward-ddns/ddns-domains
	Reverse []Domain // reverse-ddns/ddns-domains (in-addr.arpa., ip6.arpa.)
	Keys    []TSIGKey
	// Timeout per DNS exchange ("dns-server-timeout"); 0 means 500 ms.
	Timeout time.Duration
	// Net is "udp" (the default, as Kea's D2) or "tcp".
	Net string
	// Queue holds the queue size and failure policy.
	Queue QueueConfig
}

// DNSUpdater applies NCRs directly with RFC 2136 dynamic updates, following
// RFC 4703 conflict resolution with DHCID records as kea-dhcp-ddns's
// NameAddTransaction / NameRemoveTransaction (and their simple variants) do:
//
// Add, check-with-dhcid:
//  1. forward: prerequisite "name not in use"; add A/AAAA and DHCID;
//  2. if the name is in use: prerequisite "DHCID matches"; replace the
//     A/AAAA RRset (else ErrConflict, and no reverse update);
//  3. reverse: replace the PTR and DHCID RRsets of the reverse name.
//
// Remove, check-with-dhcid:
//  1. forward: prerequisite "DHCID matches"; delete the lease's A/AAAA RR
//     (a mismatch is ErrConflict, and the reverse entry is left alone);
//  2. then: prerequisites "DHCID matches", no A and no AAAA RRset left;
//     delete the DHCID RRset (not an error if addresses remain);
//  3. reverse: delete the PTR and DHCID RRsets of the reverse name.
//
// check-exists-with-dhcid makes the DHCID prerequisites value-independent
// ("a DHCID exists"); no-check-with-dhcid drops the prerequisites but still
// writes and deletes DHCIDs; no-check-without-dhcid drops both. Conflicts
// and DNS refusals are not retried (they count in ncr-conflict/ncr-dropped);
// timeouts and network errors follow the Policy, and an NCR is always
// retried from its first step (every step is idempotent).
//
// The zone of an update is the longest matching domain name; each server
// of the domain is tried in turn. DNSUpdater is safe for concurrent use.
type DNSUpdater struct {
	*queue
	cfg     DNSConfig
	keys    map[string]TSIGKey
	clients map[string]*dns.Client // by key name ("" for none)
}

var _ Sender = (*DNSUpdater)(nil)

// NewDNSUpdater validates cfg and starts the delivery goroutine.
func NewDNSUpdater(cfg DNSConfig) (*DNSUpdater, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 500 * time.Millisecond
	}
	if cfg.Net == "" {
		cfg.Net = "udp"
	}
	if cfg.Net != "udp" && cfg.Net != "tcp" {
		return nil, fmt.Errorf("d2client: DNS transport %q (want udp or tcp)", cfg.Net)
	}
	u := &DNSUpdater{cfg: cfg, keys: map[string]TSIGKey{}, clients: map[string]*dns.Client{}}
	secrets := map[string]string{}
	for _, k := range cfg.Keys {
		alg, err := tsigAlgorithm(k.Algorithm)
		if err != nil {
			return nil, fmt.Errorf("d2client: TSIG key %q: %w", k.Name, err)
		}
		if k.Name == "" || k.Secret == "" {
			return nil, fmt.Errorf("d2client: TSIG key %q: name and secret required", k.Name)
		}
		name := dns.CanonicalName(k.Name)
		k.Algorithm = alg
		u.keys[name] = k
		secrets[name] = k.Secret
	}
	u.clients[""] = &dns.Client{Net: cfg.Net, Timeout: cfg.Timeout}
	for name := range u.keys {
		u.clients[name] = &dns.Client{Net: cfg.Net, Timeout: cfg.Timeout, TsigSecret: secrets}
	}
	for _, list := range [][]Domain{cfg.Forward, cfg.Reverse} {
		for i, d := range list {
			if d.Name == "" {
				return nil, fmt.Errorf("d2client: DDNS domain %d: empty name", i)
			}
			if d.Name != "*" {
				if _, ok := dns.IsDomainName(d.Name); !ok {
					return nil, fmt.Errorf("d2client: DDNS domain %q: invalid name", d.Name)
				}
			}
			if len(d.Servers) == 0 {
				return nil, fmt.Errorf("d2client: DDNS domain %q: no servers", d.Name)
			}
			for _, kn := range append([]string{d.KeyName}, serverKeys(d)...) {
				if _, ok := u.keys[dns.CanonicalName(kn)]; kn != "" && !ok {
					return nil, fmt.Errorf("d2client: DDNS domain %q: unknown TSIG key %q", d.Name, kn)
				}
			}
		}
	}
	u.queue = newQueue(cfg.Queue, u.apply)
	return u, nil
}

func serverKeys(d Domain) []string {
	var ks []string
	for _, s := range d.Servers {
		ks = append(ks, s.KeyName)
	}
	return ks
}

func tsigAlgorithm(a string) (string, error) {
	switch strings.TrimSuffix(strings.ToLower(a), ".") {
	case "", "hmac-sha256":
		return dns.HmacSHA256, nil
	case "hmac-md5", "hmac-md5.sig-alg.reg.int":
		return dns.HmacMD5, nil
	case "hmac-sha1":
		return dns.HmacSHA1, nil
	case "hmac-sha224":
		return dns.HmacSHA224, nil
	case "hmac-sha384":
		return dns.HmacSHA384, nil
	case "hmac-sha512":
		return dns.HmacSHA512, nil
	}
	return "", fmt.Errorf("unsupported TSIG algorithm %q", a)
}

// matchDomain returns the longest domain that name is in (Kea's
// DdnsDomainListMgr::matchDomain), the wildcard "*" last.
func matchDomain(list []Domain, name string) (*Domain, bool) {
	name = dns.CanonicalName(name)
	var best *Domain
	bestLen := -1
	var wild *Domain
	for i := range list {
		d := &list[i]
		if d.Name == "*" {
			wild = d
			continue
		}
		z := dns.CanonicalName(d.Name)
		if dns.IsSubDomain(z, name) && len(z) > bestLen {
			best, bestLen = d, len(z)
		}
	}
	if best != nil {
		return best, true
	}
	return wild, wild != nil
}

// ReverseName returns the in-addr.arpa. or ip6.arpa. name of addr.
func ReverseName(addr netip.Addr) string {
	n, _ := dns.ReverseAddr(addr.Unmap().WithZone("").String())
	return n
}

// apply performs the updates of one NCR.
func (u *DNSUpdater) apply(ctx context.Context, n *NCR) error {
	fqdn := dns.Fqdn(n.FQDN)
	var fwd, rev *Domain
	if n.Forward {
		d, ok := matchDomain(u.cfg.Forward, fqdn)
		if !ok {
			return permanent(fmt.Errorf("%w: forward %s", ErrNoZone, fqdn))
		}
		fwd = d
	}
	revName := ReverseName(n.IPAddress)
	if n.Reverse {
		d, ok := matchDomain(u.cfg.Reverse, revName)
		if !ok {
			return permanent(fmt.Errorf("%w: reverse %s", ErrNoZone, revName))
		}
		rev = d
	}
	if n.ChangeType == ChangeAdd {
		if fwd != nil {
			if err := u.addForward(ctx, fwd, n, fqdn); err != nil {
				return err
			}
		}
		if rev != nil {
			return u.addReverse(ctx, rev, n, fqdn, revName)
		}
		return nil
	}
	if fwd != nil {
		if err := u.removeForward(ctx, fwd, n, fqdn); err != nil {
			return err
		}
	}
	if rev != nil {
		return u.removeReverse(ctx, rev, n, fqdn, revName)
	}
	return nil
}

func (n *NCR) addrRR(fqdn string, ttl uint32) dns.RR {
	h := dns.RR_Header{Name: fqdn, Class: dns.ClassINET, Ttl: ttl}
	a := n.IPAddress.Unmap()
	if a.Is4() {
		h.Rrtype = dns.TypeA
		return &dns.A{Hdr: h, A: net.IP(a.AsSlice())}
	}
	h.Rrtype = dns.TypeAAAA
	return &dns.AAAA{Hdr: h, AAAA: net.IP(a.AsSlice())}
}

func (n *NCR) addrType() uint16 {
	if n.IPAddress.Unmap().Is4() {
		return dns.TypeA
	}
	return dns.TypeAAAA
}

func dhcidRR(name string, ttl uint32, d DHCID) dns.RR {
	return &dns.DHCID{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeDHCID, Class: dns.ClassINET, Ttl: ttl}, Digest: d.Base64()}
}

// rrsetAny builds an RR of class ANY with no RDATA (RFC 2136 §2.4.1 "RRset
// exists (value independent)" and §2.5.2 "delete an RRset").
func rrsetAny(name string, t uint16) dns.RR {
	return &dns.ANY{Hdr: dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassANY}}
}

// rrsetNone builds an RR of class NONE with no RDATA (§2.4.3 "RRset does
// not exist").
func rrsetNone(name string, t uint16) dns.RR {
	return &dns.ANY{Hdr: dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassNONE}}
}

// dhcidPrereq returns the DHCID prerequisite of the mode, or nil.
func dhcidPrereq(mode ConflictResolutionMode, name string, d DHCID) dns.RR {
	switch mode {
	case CheckWithDHCID:
		return dhcidRR(name, 0, d) // §2.4.2 value dependent: class IN, TTL 0
	case CheckExistsWithDHCID:
		return rrsetAny(name, dns.TypeDHCID)
	}
	return nil
}

func (u *DNSUpdater) addForward(ctx context.Context, d *Domain, n *NCR, fqdn string) error {
	useDHCID := n.ConflictResolution != NoCheckWithoutDHCID
	checks := n.ConflictResolution == CheckWithDHCID || n.ConflictResolution == CheckExistsWithDHCID
	if checks {
		m := u.newUpdate(d)
		m.Ns = nil
		m.NameNotUsed([]dns.RR{&dns.ANY{Hdr: dns.RR_Header{Name: fqdn}}})
		m.Insert([]dns.RR{n.addrRR(fqdn, n.LeaseLength), dhcidRR(fqdn, n.LeaseLength, n.DHCID)})
		rc, err := u.exchange(ctx, d, m)
		if err != nil {
			return err
		}
		switch rc {
		case dns.RcodeSuccess:
			return nil
		case dns.RcodeYXDomain: // in use: try the replace
		default:
			return rcodeErr("forward add", fqdn, rc)
		}
		m = u.newUpdate(d)
		m.Answer = append(m.Answer, dhcidPrereq(n.ConflictResolution, fqdn, n.DHCID))
		m.Ns = append(m.Ns, rrsetAny(fqdn, n.addrType()), n.addrRR(fqdn, n.LeaseLength))
		rc, err = u.exchange(ctx, d, m)
		if err != nil {
			return err
		}
		switch rc {
		case dns.RcodeSuccess:
			return nil
		case dns.RcodeNXRrset:
			return permanent(fmt.Errorf("%w: %s", ErrConflict, fqdn))
		}
		return rcodeErr("forward replace", fqdn, rc)
	}
	m := u.newUpdate(d)
	m.Ns = append(m.Ns, rrsetAny(fqdn, n.addrType()), n.addrRR(fqdn, n.LeaseLength))
	if useDHCID {
		m.Ns = append(m.Ns, rrsetAny(fqdn, dns.TypeDHCID), dhcidRR(fqdn, n.LeaseLength, n.DHCID))
	}
	rc, err := u.exchange(ctx, d, m)
	if err != nil {
		return err
	}
	if rc != dns.RcodeSuccess {
		return rcodeErr("forward add", fqdn, rc)
	}
	return nil
}

func (u *DNSUpdater) addReverse(ctx context.Context, d *Domain, n *NCR, fqdn, revName string) error {
	m := u.newUpdate(d)
	ptr := &dns.PTR{Hdr: dns.RR_Header{Name: revName, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: n.LeaseLength}, Ptr: fqdn}
	m.Ns = append(m.Ns, rrsetAny(revName, dns.TypePTR))
	if n.ConflictResolution != NoCheckWithoutDHCID {
		m.Ns = append(m.Ns, rrsetAny(revName, dns.TypeDHCID))
	}
	m.Ns = append(m.Ns, ptr)
	if n.ConflictResolution != NoCheckWithoutDHCID {
		m.Ns = append(m.Ns, dhcidRR(revName, n.LeaseLength, n.DHCID))
	}
	rc, err := u.exchange(ctx, d, m)
	if err != nil {
		return err
	}
	if rc != dns.RcodeSuccess {
		return rcodeErr("reverse add", revName, rc)
	}
	return nil
}

func (u *DNSUpdater) removeForward(ctx context.Context, d *Domain, n *NCR, fqdn string) error {
	// Step 1: delete this lease's address record.
	m := u.newUpdate(d)
	if p := dhcidPrereq(n.ConflictResolution, fqdn, n.DHCID); p != nil {
		m.Answer = append(m.Answer, p)
	}
	m.Remove([]dns.RR{n.addrRR(fqdn, 0)})
	rc, err := u.exchange(ctx, d, m)
	if err != nil {
		return err
	}
	switch rc {
	case dns.RcodeSuccess:
	case dns.RcodeNXRrset:
		return permanent(fmt.Errorf("%w: %s", ErrConflict, fqdn))
	default:
		return rcodeErr("forward remove", fqdn, rc)
	}
	if n.ConflictResolution == NoCheckWithoutDHCID {
		return nil
	}
	// Step 2: delete the DHCID once no address record is left.
	m = u.newUpdate(d)
	if p := dhcidPrereq(n.ConflictResolution, fqdn, n.DHCID); p != nil {
		m.Answer = append(m.Answer, p)
	}
	m.Answer = append(m.Answer, rrsetNone(fqdn, dns.TypeA), rrsetNone(fqdn, dns.TypeAAAA))
	m.Ns = append(m.Ns, rrsetAny(fqdn, dns.TypeDHCID))
	rc, err = u.exchange(ctx, d, m)
	if err != nil {
		return err
	}
	switch rc {
	case dns.RcodeSuccess, dns.RcodeYXRrset, dns.RcodeNXRrset:
		return nil // other addresses remain, or the DHCID is gone
	}
	return rcodeErr("forward DHCID remove", fqdn, rc)
}

func (u *DNSUpdater) removeReverse(ctx context.Context, d *Domain, n *NCR, fqdn, revName string) error {
	m := u.newUpdate(d)
	if n.ConflictResolution == CheckWithDHCID || n.ConflictResolution == CheckExistsWithDHCID {
		// Only remove the PTR if it still points to this name.
		m.Answer = append(m.Answer, &dns.PTR{Hdr: dns.RR_Header{Name: revName, Rrtype: dns.TypePTR, Class: dns.ClassINET}, Ptr: fqdn})
	}
	m.Ns = append(m.Ns, rrsetAny(revName, dns.TypePTR))
	if n.ConflictResolution != NoCheckWithoutDHCID {
		m.Ns = append(m.Ns, rrsetAny(revName, dns.TypeDHCID))
	}
	rc, err := u.exchange(ctx, d, m)
	if err != nil {
		return err
	}
	switch rc {
	case dns.RcodeSuccess:
		return nil
	case dns.RcodeNXRrset:
		return permanent(fmt.Errorf("%w: %s", ErrConflict, revName))
	}
	return rcodeErr("reverse remove", revName, rc)
}

// RcodeError is a DNS server's refusal of an update (REFUSED, NOTAUTH,
// SERVFAIL, ...).
type RcodeError struct {
	Op    string
	Name  string
	Rcode int
}

func (e *RcodeError) Error() string {
	return fmt.Sprintf("d2client: %s %s: %s", e.Op, e.Name, dns.RcodeToString[e.Rcode])
}

// rcodeErr: SERVFAIL is worth a retry; other refusals are permanent.
func rcodeErr(op, name string, rc int) error {
	err := &RcodeError{Op: op, Name: name, Rcode: rc}
	if rc == dns.RcodeServerFailure {
		return err
	}
	return permanent(err)
}

func (u *DNSUpdater) newUpdate(d *Domain) *dns.Msg {
	m := new(dns.Msg)
	zone := d.Name
	if zone == "*" {
		zone = "."
	}
	m.SetUpdate(dns.CanonicalName(zone))
	return m
}

// exchange sends m to the domain's servers in turn until one answers.
func (u *DNSUpdater) exchange(ctx context.Context, d *Domain, m *dns.Msg) (int, error) {
	var lastErr error
	for _, s := range d.Servers {
		key := s.KeyName
		if key == "" {
			key = d.KeyName
		}
		key = dns.CanonicalName(key)
		c := u.clients[""]
		m.Extra = nil
		m.Id = dns.Id() // before SetTsig, which records it as the original ID
		if key != "" && key != "." {
			k := u.keys[key]
			m.SetTsig(key, k.Algorithm, 300, time.Now().Unix())
			c = u.clients[key]
		}
		addr := s.Addr
		if addr.Port() == 0 {
			addr = netip.AddrPortFrom(addr.Addr(), 53)
		}
		r, _, err := c.ExchangeContext(ctx, m, addr.String())
		if errors.Is(err, dns.ErrAuth) || errors.Is(err, dns.ErrSig) || errors.Is(err, dns.ErrKeyAlg) || errors.Is(err, dns.ErrSecret) {
			// A TSIG failure (bad key, BADSIG/BADKEY answer): not transient.
			return 0, permanent(fmt.Errorf("d2client: update %s via %s: %w", m.Question[0].Name, addr, err))
		}
		if err != nil {
			lastErr = fmt.Errorf("d2client: update %s via %s: %w", m.Question[0].Name, addr, err)
			continue
		}
		if r.Id != m.Id {
			lastErr = fmt.Errorf("d2client: update via %s: answer id mismatch", addr)
			continue
		}
		return r.Rcode, nil
	}
	return 0, lastErr
}
