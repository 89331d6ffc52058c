package dhcp6srv

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"reflect"
	"strings"
	"sync/atomic"

	"github.com/insomniacslk/dhcp/dhcpv6"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/d2client"
	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// DDNS is the server's dynamic DNS support (Kea's processClientFqdn,
// generateFqdn and createNameChangeRequests in Dhcpv6Srv, on top of
// D2ClientMgr): a NameHandler, NameFinisher, LeaseObserver and Configurer
// in one value, installed with WithDDNS.
//
//   - Client FQDN option 39 in the request: the reply carries option 39
//     with the server's S, O and N flags and the name replaced, sanitized
//     and qualified per the subnet's ddns-* parameters
//     (d2client.AdjustFQDN6); a reserved hostname wins. A name the server
//     must generate is built from the first IA_NA address granted
//     (FinishName6), as Kea does.
//   - The name and the forward/reverse flags are stored in the leases
//     (IA_NA and IA_TA; prefixes get no DNS entries), so that reclamation
//     can remove the entries.
//   - Name change requests (DHCID from the client's DUID) go to the Sender:
//     an add for a new lease, a remove then an add when a renewal changes
//     the name (and an add on every renewal with ddns-update-on-renew), none
//     when the lease reuse cache answered; a remove on RELEASE, DECLINE, when
//     the server takes a lease back, and on reclamation.
//
// Nothing is sent unless "dhcp-ddns"/"enable-updates" is true, and nothing
// for a subnet with "ddns-send-updates" false. The per-subnet parameters are
// resolved once per configuration (Configure, called by the Server on
// NewServer and on every Reconfigure).
//
// Enabling DDNS in an embedded server:
//
//	udp, err := d2client.UDPConfigFromKea(&cfg.DHCPDDNS)
//	if err != nil { ... }
//	sender, err := d2client.NewUDPSender(udp) // or d2client.NewDNSUpdater(dnsCfg)
//	if err != nil { ... }
//	defer sender.Close()
//	srv, err := dhcp6srv.NewServer(cfg, leases, dhcp6srv.WithDDNS(dhcp6srv.NewDDNS(sender)))
//
// Differences from Kea: a malformed option 39 (or one with both N and S
// set) is ignored rather than dropping the query. When the server generates
// the name, it is generated before allocation from the first IA_NA
// address the client asks for, so that a renewal finds the name it stored
// and the lease reuse cache can answer.
//
// A DDNS is safe for concurrent use. It does not own the Sender.
type DDNS struct {
	sender d2client.Sender
	log    *slog.Logger
	tab    atomic.Pointer[d2client.ParamsTable]
}

var (
	_ NameHandler   = (*DDNS)(nil)
	_ NameFinisher  = (*DDNS)(nil)
	_ LeaseObserver = (*DDNS)(nil)
	_ Configurer    = (*DDNS)(nil)
)

// NameFinisher is an optional interface of a NameHandler: the part of the
// name handling that needs the granted addresses (Kea's generateFqdn).
// FinishName6 is called for SOLICIT, REQUEST, RENEW and REBIND once the
// engine has run, before the IA options are added to reply. It may change
// the reply's option 39 and the Hostname, FQDNFwd and FQDNRev of the IA_NA
// and IA_TA leases in ias, and reports whether it changed any; the server
// then stores the changed leases (except for an ADVERTISE, and for leases
// the lease reuse cache answered). info.Subnet is the subnet the engine
// ended in.
//
// FinishName6 is called from many goroutines at once and must not modify
// req.
type NameFinisher interface {
	FinishName6(ctx context.Context, req, reply *dhcpv6.Message, ias []*alloc.IA, info NameInfo) (changed bool)
}

// Configurer is an optional interface of a NameHandler or LeaseObserver:
// the server calls Configure with each configuration it installs (in
// NewServer and Reconfigure) before using it; an error rejects the
// configuration. Configure calls are serialized.
type Configurer interface {
	Configure(cfg *cfgmgr.Config) error
}

// DDNSOption configures a DDNS.
type DDNSOption func(*DDNS)

// WithDDNSLogger sets the logger of failed sends and ignored options
// (default: discard).
func WithDDNSLogger(l *slog.Logger) DDNSOption {
	return func(d *DDNS) {
		if l != nil {
			d.log = l
		}
	}
}

// NewDDNS returns the DDNS support sending its name change requests to
// sender. A nil sender handles names and flags but sends nothing. Until
// Configure is called updates are disabled.
func NewDDNS(sender d2client.Sender, opts ...DDNSOption) *DDNS {
	d := &DDNS{sender: sender, log: slog.New(slog.DiscardHandler)}
	for _, f := range opts {
		if f != nil {
			f(d)
		}
	}
	return d
}

// WithDDNS installs d as the server's NameHandler and LeaseObserver (it
// replaces those given by WithNameHandler and WithLeaseObserver).
func WithDDNS(d *DDNS) ServerOption {
	return func(o *serverOptions) {
		if d != nil {
			o.names, o.observer = d, d
		}
	}
}

// Configure resolves the DDNS parameters of cfg's subnets. It fails,
// changing nothing, on an invalid ddns-replace-client-name,
// ddns-conflict-resolution-mode or hostname-char-set.
func (d *DDNS) Configure(cfg *cfgmgr.Config) error {
	t, err := d2client.NewParamsTable(cfg, d.tab.Load())
	if err != nil {
		return fmt.Errorf("dhcp6srv: %w", err)
	}
	d.tab.Store(t)
	return nil
}

// Params returns the DDNS parameters in force for subnet s (the global
// ones for nil).
func (d *DDNS) Params(s *cfgmgr.Subnet6) d2client.Params {
	if s == nil {
		return d.tab.Load().For(nil)
	}
	return d.tab.Load().For(&s.Scope)
}

func (d *DDNS) paramsByID(id uint32) d2client.Params { return d.tab.Load().ByID(id) }

// name6 is the outcome of the name handling of one request.
type name6 struct {
	fqdn     *d2client.FQDN6 // reply option 39, or nil
	hostname string
	fwd, rev bool
}

// decide6 runs Kea's processClientFqdn for req with parameters p; addr
// is the (first IA_NA) address names are generated from, invalid when
// unknown.
func (d *DDNS) decide6(p d2client.Params, req *dhcpv6.Message, host *hostmgr.Host, addr netip.Addr) name6 {
	opt := req.GetOneOption(dhcpv6.OptionFQDN)
	if opt == nil {
		// Kea 2.2: no option 39, no DNS update; a reserved hostname
		// is still stored in the lease.
		if host != nil && strings.TrimSpace(host.Hostname) != "" {
			return name6{hostname: strings.ToLower(d2client.QualifyName(p, strings.TrimSpace(host.Hostname), true))}
		}
		return name6{}
	}
	var client d2client.FQDN6
	err := client.UnmarshalBinary(opt.ToBytes())
	var r d2client.FQDN6
	if err == nil {
		r, err = d2client.AdjustFQDN6(p, client)
	}
	if err != nil {
		d.log.Debug("dhcp6srv: ddns: client FQDN option ignored", "err", err)
		return name6{}
	}
	if host != nil && strings.TrimSpace(host.Hostname) != "" {
		r.Name = strings.ToLower(strings.TrimSuffix(d2client.QualifyName(p, strings.TrimSpace(host.Hostname), true), "."))
		r.Partial = false
	}
	if r.NeedsName() && addr.IsValid() {
		r.SetGeneratedName(p, addr)
	}
	n := name6{fqdn: &r, fwd: r.Forward(), rev: r.Reverse()}
	if !r.NeedsName() {
		n.hostname = strings.ToLower(r.FQDN())
	}
	return n
}

func (n *name6) apply(reply *dhcpv6.Message) {
	reply.Options.Del(dhcpv6.OptionFQDN)
	if n.fqdn == nil {
		return
	}
	if b, err := n.fqdn.MarshalBinary(); err == nil {
		reply.AddOption(&dhcpv6.OptionGeneric{OptionCode: dhcpv6.OptionFQDN, OptionData: b})
	}
}

// hintAddr is the first IA_NA address the client asks for that is in s.
func hintAddr(req *dhcpv6.Message, s *cfgmgr.Subnet6) netip.Addr {
	if s == nil {
		return netip.Addr{}
	}
	for _, ia := range req.Options.IANA() {
		for _, a := range ia.Options.Addresses() {
			if ip, ok := netip.AddrFromSlice(a.IPv6Addr); ok && s.Prefix.Contains(ip.Unmap()) && !ip.IsUnspecified() {
				return ip.Unmap()
			}
		}
	}
	return netip.Addr{}
}

// Adjust6 implements NameHandler.
func (d *DDNS) Adjust6(_ context.Context, req, reply *dhcpv6.Message, info NameInfo) (fwd, rev bool, hostname string) {
	n := d.decide6(d.Params(info.Subnet), req, info.Host, hintAddr(req, info.Subnet))
	n.apply(reply)
	return n.fwd, n.rev, n.hostname
}

// FinishName6 implements NameFinisher: the name is decided again with the
// subnet the engine ended in and the first IA_NA address granted.
func (d *DDNS) FinishName6(_ context.Context, req, reply *dhcpv6.Message, ias []*alloc.IA, info NameInfo) bool {
	var first netip.Addr
	for _, ia := range ias {
		if ia.Type == leasemgr.TypeNA && len(ia.Leases) > 0 {
			first = ia.Leases[0].Addr
			break
		}
	}
	n := d.decide6(d.Params(info.Subnet), req, info.Host, first)
	n.apply(reply)
	changed := false
	for _, ia := range ias {
		if ia.Type == leasemgr.TypePD {
			continue
		}
		for _, l := range ia.Leases {
			if l.Hostname != n.hostname || l.FQDNFwd != n.fwd || l.FQDNRev != n.rev {
				l.Hostname, l.FQDNFwd, l.FQDNRev = n.hostname, n.fwd, n.rev
				changed = true
			}
		}
	}
	return changed
}

// OnLease6 implements LeaseObserver: it sends the name change requests.
func (d *DDNS) OnLease6(ctx context.Context, ev LeaseEvent) {
	var p d2client.Params
	switch {
	case ev.Subnet != nil:
		p = d.Params(ev.Subnet)
	case ev.New != nil:
		p = d.paramsByID(ev.New.SubnetID)
	case ev.Old != nil:
		p = d.paramsByID(ev.Old.SubnetID)
	default:
		return
	}
	switch ev.Kind {
	case LeaseAdd, LeaseRenew:
		if ev.Reused || ev.New == nil {
			return
		}
		old, nw := ev.Old, ev.New
		if old == nil || old.Addr != nw.Addr {
			if old != nil {
				d.send(ctx, old, p, d2client.ChangeRemove)
			}
			d.send(ctx, nw, p, d2client.ChangeAdd)
			return
		}
		removeOld, addNew := d2client.RenewActions(p, old.Hostname, old.FQDNFwd, old.FQDNRev,
			nw.Hostname, nw.FQDNFwd, nw.FQDNRev)
		if removeOld {
			d.send(ctx, old, p, d2client.ChangeRemove)
		}
		if addNew {
			d.send(ctx, nw, p, d2client.ChangeAdd)
		}
	case LeaseRelease, LeaseExpire, LeaseDecline, LeaseRemove:
		if ev.Old != nil {
			d.send(ctx, ev.Old, p, d2client.ChangeRemove)
		}
	}
}

func (d *DDNS) send(ctx context.Context, l *leasemgr.Lease6, p d2client.Params, ct d2client.ChangeType) {
	ncr, err := d2client.NCRForLease6(l, p, ct)
	if err != nil {
		d.log.Warn("dhcp6srv: ddns: no name change request", "address", l.Addr, "hostname", l.Hostname, "err", err)
		return
	}
	if ncr == nil || d.sender == nil {
		return
	}
	if err := d.sender.Send(ctx, ncr); err != nil {
		d.log.Warn("dhcp6srv: ddns: name change request not queued", "change", ct.String(),
			"fqdn", ncr.FQDN, "address", l.Addr, "err", err)
	}
}

// finishNames runs the NameFinisher once the engine has run, and stores
// the leases whose name changed.
func (x *exchange) finishNames(ctx context.Context, reply *dhcpv6.Message, ias []*alloc.IA, fake bool) {
	nf, ok := x.s.o.names.(NameFinisher)
	if !ok || x.subnet == nil {
		return
	}
	// The leases as the engine stored them, to tell which changed.
	type key struct {
		t leasemgr.LeaseType
		a netip.Addr
	}
	before := map[key][3]any{}
	for _, ia := range ias {
		for _, l := range ia.Leases {
			before[key{l.Type, l.Addr}] = [3]any{l.Hostname, l.FQDNFwd, l.FQDNRev}
		}
	}
	info := NameInfo{Subnet: x.subnet, Host: x.host, Fake: fake, Classes: x.classes}
	if !nf.FinishName6(ctx, x.msg, reply, ias, info) || fake {
		return
	}
	for _, ia := range ias {
		for i, l := range ia.Leases {
			if i < len(ia.Reused) && ia.Reused[i] {
				continue
			}
			if before[key{l.Type, l.Addr}] == [3]any{l.Hostname, l.FQDNFwd, l.FQDNRev} {
				continue
			}
			if err := x.s.leases.UpdateLease6(ctx, l); err != nil {
				x.s.o.log.Warn("dhcp6srv: storing the lease's name", "address", l.Addr, "hostname", l.Hostname, "err", err)
			}
		}
	}
}

// leasesBefore returns the client's leases of the addresses it asks to
// extend, as stored before the engine runs, for the LeaseObserver's
// LeaseRenew events (Old). Nil without an observer.
func (x *exchange) leasesBefore(ctx context.Context, ias []*alloc.IA) map[netip.Addr]*leasemgr.Lease6 {
	if x.s.o.observer == nil {
		return nil
	}
	var m map[netip.Addr]*leasemgr.Lease6
	for _, ia := range ias {
		if ia.Type == leasemgr.TypePD {
			continue
		}
		for _, h := range ia.Hints {
			a := h.Prefix.Addr()
			if !a.IsValid() || a.IsUnspecified() {
				continue
			}
			if l, err := x.s.leases.Lease6(ctx, ia.Type, a); err == nil && l != nil && bytes.Equal(l.DUID, x.duid) && l.IAID == ia.IAID {
				if m == nil {
					m = map[netip.Addr]*leasemgr.Lease6{}
				}
				m[a] = l
			}
		}
	}
	return m
}

// configureHooks hands cfg to the name handler and the lease observer
// that are Configurers (once if they are the same value).
func (s *Server) configureHooks(cfg *cfgmgr.Config) error {
	ca, okA := s.o.names.(Configurer)
	if okA {
		if err := ca.Configure(cfg); err != nil {
			return err
		}
	}
	cb, okB := s.o.observer.(Configurer)
	if !okB || okA && sameValue(ca, cb) {
		return nil
	}
	return cb.Configure(cfg)
}

// sameValue compares two interface values without panicking on
// incomparable dynamic types.
func sameValue(a, b any) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	return ta == tb && ta != nil && ta.Comparable() && a == b
}
