package dhcp4srv

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"reflect"
	"strings"
	"sync/atomic"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/d2client"
	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// DDNS is the server's dynamic DNS support (Kea's processClientName,
// postAllocateNameUpdate and queueNCR in Dhcpv4Srv, on top of
// D2ClientMgr): it is a NameHandler, a NameFinisher, a LeaseObserver and
// a Configurer, so one value installed with WithDDNS does everything.
//
//   - Client FQDN option 81 in the request: the reply carries option 81 with
//     the server's S, O and N flags and the name replaced, sanitized and
//     qualified per the subnet's ddns-* parameters (d2client.AdjustFQDN4); a
//     reserved hostname wins. Names the server must generate
//     (ddns-replace-client-name, or a client that sent none) are built from
//     the leased address once it is known (FinishName4).
//   - Otherwise the hostname option 12 is handled the same way
//     (d2client.AdjustHostname4), and the reply echoes the adjusted name in
//     option 12.
//   - The name and the forward/reverse flags are stored in the lease, so that
//     reclamation can remove the DNS entries later.
//   - Name change requests go to the Sender: an add for a new lease, a
//     remove then an add when a renewal changes the name or the address (and
//     an add on every renewal with ddns-update-on-renew), none when the lease
//     reuse cache answered; a remove on DHCPRELEASE, DHCPDECLINE and
//     reclamation of an expired lease.
//
// Nothing is sent unless "dhcp-ddns"/"enable-updates" is true, and nothing
// for a subnet with "ddns-send-updates" false (the flags in option 81 then
// tell the client that the server does no update). The per-subnet parameters
// are resolved once per configuration (Configure, which the Server calls on
// NewServer and on every Reconfigure), not per packet.
//
// Enabling DDNS in an embedded server:
//
//	sender, err := d2client.NewUDPSender(udpCfg) // or d2client.NewDNSUpdater(dnsCfg)
//	if err != nil { ... }
//	defer sender.Close()
//	srv, err := dhcp4srv.NewServer(cfg, leases, dhcp4srv.WithDDNS(dhcp4srv.NewDDNS(sender)))
//
// where udpCfg usually comes from d2client.UDPConfigFromKea(&cfg.DHCPDDNS).
//
// Differences from Kea: a client FQDN option with both N and S set (or
// otherwise malformed) makes Kea drop the query; DDNS ignores the option
// instead (no option 81 in the reply, no update). When the server generates
// the name and the client asks for an address (option 50 or ciaddr), the
// name is generated from that address before allocation, so that a renewal
// finds the name it stored and the lease reuse cache can answer.
//
// A DDNS is safe for concurrent use. It does not own the Sender: close it
// after the server has stopped.
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
// name handling that needs the leased address (Kea's
// postAllocateNameUpdate). FinishName4 is called for DHCPDISCOVER,
// DHCPREQUEST and BOOTP requests once the engine has given lease l (for a
// DHCPDISCOVER, the offer), before the reply is sent. It may change the
// reply's options 12 and 81 and l's Hostname, FQDNFwd and FQDNRev, and
// reports whether it changed l; the server then stores l (except for a
// DHCPDISCOVER, and when the lease reuse cache answered). info.Subnet is
// the lease's subnet, which may differ from the one Adjust4 saw when the
// engine moved within a shared network.
//
// FinishName4 is called from many goroutines at once and must not modify
// req.
type NameFinisher interface {
	FinishName4(ctx context.Context, req, reply *dhcpv4.DHCPv4, l *leasemgr.Lease4, info NameInfo) (changed bool)
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
// sender (a d2client.UDPSender for kea-dhcp-ddns, a d2client.DNSUpdater,
// or one's own). A nil sender handles names and flags but sends nothing.
// Until Configure is called every subnet has d2client.DefaultParams(false):
// updates disabled.
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

// Configure resolves the DDNS parameters of cfg's subnets (Kea's
// getDdnsParams per subnet, computed at commit). It fails, changing
// nothing, on an invalid ddns-replace-client-name,
// ddns-conflict-resolution-mode or hostname-char-set.
func (d *DDNS) Configure(cfg *cfgmgr.Config) error {
	t, err := d2client.NewParamsTable(cfg, d.tab.Load())
	if err != nil {
		return fmt.Errorf("dhcp4srv: %w", err)
	}
	d.tab.Store(t)
	return nil
}

// Params returns the DDNS parameters in force for subnet s (the global
// ones for nil).
func (d *DDNS) Params(s *cfgmgr.Subnet4) d2client.Params {
	if s == nil {
		return d.tab.Load().For(nil)
	}
	return d.tab.Load().For(&s.Scope)
}

// paramsByID returns the parameters of the subnet with the given id in the
// current configuration (for reclamation, which has no subnet).
func (d *DDNS) paramsByID(id uint32) d2client.Params { return d.tab.Load().ByID(id) }

// name4 is the outcome of the name handling of one request.
type name4 struct {
	fqdn     *d2client.FQDN4 // reply option 81, or nil
	hostname string          // lease hostname; reply option 12 when opt12
	opt12    bool
	fwd, rev bool
}

// decide4 runs Kea's processClientName for req with parameters p. addr is
// the leased (or expected) address, used to generate names; invalid when
// unknown (the name then stays empty).
func (d *DDNS) decide4(p d2client.Params, req *dhcpv4.DHCPv4, host *hostmgr.Host, addr netip.Addr) name4 {
	var reserved string
	if host != nil {
		reserved = strings.TrimSpace(host.Hostname)
	}
	if b, ok := req.Options[uint8(d2client.OptionFQDN4)]; ok {
		var client d2client.FQDN4
		err := client.UnmarshalBinary(b)
		var r d2client.FQDN4
		if err == nil {
			r, err = d2client.AdjustFQDN4(p, client)
		}
		if err == nil {
			if reserved != "" {
				r.Name = strings.ToLower(strings.TrimSuffix(d2client.QualifyName(p, reserved, true), "."))
				r.Partial = false
			}
			if r.NeedsName() && addr.IsValid() {
				r.SetGeneratedName(p, addr)
			}
			n := name4{fqdn: &r, fwd: r.Forward(), rev: r.Reverse()}
			if !r.NeedsName() {
				n.hostname = strings.ToLower(r.FQDN())
			}
			return n
		}
		d.log.Debug("dhcp4srv: ddns: client FQDN option ignored", "err", err, "chaddr", req.ClientHWAddr.String())
	}
	b, present := req.Options[uint8(d2client.OptionHostname4)]
	if reserved != "" {
		name := strings.ToLower(d2client.QualifyName(p, reserved, false))
		return name4{hostname: name, opt12: present || req.IsOptionRequested(dhcpv4.OptionHostName),
			fwd: p.Enabled(), rev: p.Enabled()}
	}
	r, ok := d2client.AdjustHostname4(p, strings.TrimRight(string(b), "\x00"), present)
	if !ok {
		return name4{}
	}
	if r.Generate {
		if !addr.IsValid() {
			return name4{fwd: r.Forward, rev: r.Reverse}
		}
		r.Name = d2client.GenerateName(p, addr, false)
	}
	return name4{hostname: r.Name, opt12: r.Name != "", fwd: r.Forward, rev: r.Reverse}
}

// apply writes the reply options of n.
func (n *name4) apply(reply *dhcpv4.DHCPv4) {
	delete(reply.Options, uint8(d2client.OptionFQDN4))
	delete(reply.Options, uint8(d2client.OptionHostname4))
	if n.fqdn != nil {
		if b, err := n.fqdn.MarshalBinary(); err == nil {
			reply.Options[uint8(d2client.OptionFQDN4)] = b
		}
		return
	}
	if n.opt12 && n.hostname != "" {
		reply.Options[uint8(d2client.OptionHostname4)] = []byte(n.hostname)
	}
}

// expectedAddr is the address the client asks for (option 50, else
// ciaddr) when it is in the subnet: the likely lease, from which a name is
// generated before allocation.
func expectedAddr(req *dhcpv4.DHCPv4, s *cfgmgr.Subnet4) netip.Addr {
	a := optAddr(req, dhcpv4.OptionRequestedIPAddress)
	if !a.IsValid() {
		a = addr4(req.ClientIPAddr)
	}
	if !a.IsValid() || s == nil || !s.Prefix.Contains(a) {
		return netip.Addr{}
	}
	return a
}

// Adjust4 implements NameHandler.
func (d *DDNS) Adjust4(_ context.Context, req, reply *dhcpv4.DHCPv4, info NameInfo) (fwd, rev bool, hostname string) {
	p := d.Params(info.Subnet)
	n := d.decide4(p, req, info.Host, expectedAddr(req, info.Subnet))
	n.apply(reply)
	return n.fwd, n.rev, n.hostname
}

// FinishName4 implements NameFinisher: the name is decided again with the
// lease's subnet and address, generating it where needed.
func (d *DDNS) FinishName4(_ context.Context, req, reply *dhcpv4.DHCPv4, l *leasemgr.Lease4, info NameInfo) bool {
	if l == nil {
		return false
	}
	p := d.Params(info.Subnet)
	n := d.decide4(p, req, info.Host, l.Addr)
	n.apply(reply)
	if l.Hostname == n.hostname && l.FQDNFwd == n.fwd && l.FQDNRev == n.rev {
		return false
	}
	l.Hostname, l.FQDNFwd, l.FQDNRev = n.hostname, n.fwd, n.rev
	return true
}

// OnLease4 implements LeaseObserver: it sends the name change requests.
func (d *DDNS) OnLease4(ctx context.Context, ev LeaseEvent) {
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
		if old == nil || (old.State != leasemgr.StateDefault && old.Hostname == "") {
			d.send(ctx, nw, p, d2client.ChangeAdd)
			return
		}
		if old.Addr != nw.Addr {
			d.send(ctx, old, p, d2client.ChangeRemove)
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
	case LeaseRelease, LeaseExpire, LeaseDecline:
		if ev.Old != nil {
			d.send(ctx, ev.Old, p, d2client.ChangeRemove)
		}
	}
}

func (d *DDNS) send(ctx context.Context, l *leasemgr.Lease4, p d2client.Params, ct d2client.ChangeType) {
	ncr, err := d2client.NCRForLease4(l, p, ct)
	if err != nil {
		d.log.Warn("dhcp4srv: ddns: no name change request", "address", l.Addr, "hostname", l.Hostname, "err", err)
		return
	}
	if ncr == nil || d.sender == nil {
		return
	}
	if err := d.sender.Send(ctx, ncr); err != nil {
		d.log.Warn("dhcp4srv: ddns: name change request not queued", "change", ct.String(),
			"fqdn", ncr.FQDN, "address", l.Addr, "err", err)
	}
}

// finishNames runs the NameFinisher once the engine has given l, and
// stores l again if the name changed (Kea's postAllocateNameUpdate).
func (ex *exchange) finishNames(ctx context.Context, resp *dhcpv4.DHCPv4, l *leasemgr.Lease4, fake bool) {
	nf, ok := ex.s.names.(NameFinisher)
	if !ok || l == nil {
		return
	}
	info := NameInfo{Subnet: ex.subnet, Host: ex.host, Fake: fake, Classes: ex.classes}
	if !nf.FinishName4(ctx, ex.req, resp, l, info) || fake || ex.cc.Reused {
		return
	}
	if err := ex.s.leases.UpdateLease4(ctx, l); err != nil {
		ex.s.log.Warn("dhcp4srv: storing the lease's name", "address", l.Addr, "hostname", l.Hostname, "err", err)
	}
}

// configureHooks hands cfg to the name handler and the lease observer
// that are Configurers (once if they are the same value).
func (s *Server) configureHooks(cfg *cfgmgr.Config) error {
	return configureBoth(s.names, s.observer, cfg)
}

// configureBoth calls Configure on a and b where they are Configurers,
// once when they are the same value.
func configureBoth(a, b any, cfg *cfgmgr.Config) error {
	ca, okA := a.(Configurer)
	if okA {
		if err := ca.Configure(cfg); err != nil {
			return err
		}
	}
	cb, okB := b.(Configurer)
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
