package dhcp6srv

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net"
	"net/netip"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv6"
	"github.com/insomniacslk/dhcp/iana"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/subnetselect"
)

// exchange is one request being answered (Kea's Dhcpv6Srv processing of
// one Pkt6 and its AllocEngine::ClientContext6).
type exchange struct {
	s      *Server
	st     *state
	w      ResponseWriter
	req    dhcpv6.DHCPv6
	msg    *dhcpv6.Message
	relays []*dhcpv6.RelayMessage

	duid    []byte
	hw      leasemgr.HWAddr
	ids     []hostmgr.Identifier
	classes []string
	subnet  *cfgmgr.Subnet6
	host    *hostmgr.Host // reservation in the selected subnet, or global
	hosts   map[cfgmgr.SubnetID]*hostmgr.Host
}

// Presence rules of the client and server identifiers (Kea's sanityCheck).
type presence uint8

const (
	forbidden presence = iota
	mandatory
	optional
)

// process answers the request, or returns nil to drop it.
func (x *exchange) process(ctx context.Context) *dhcpv6.Message {
	m := x.msg
	var cid, sid presence
	switch m.MessageType {
	case dhcpv6.MessageTypeSolicit, dhcpv6.MessageTypeRebind, dhcpv6.MessageTypeConfirm:
		cid, sid = mandatory, forbidden
	case dhcpv6.MessageTypeRequest, dhcpv6.MessageTypeRenew, dhcpv6.MessageTypeRelease, dhcpv6.MessageTypeDecline:
		cid, sid = mandatory, mandatory
	case dhcpv6.MessageTypeInformationRequest:
		cid, sid = optional, optional
	default:
		x.s.debug("dhcp6srv: dropped: message type not served", "type", m.MessageType)
		return nil
	}
	if !x.sane(cid, sid) {
		return nil
	}
	// RFC 8415 §16: requests unicast to a server that did not offer unicast.
	if len(x.relays) == 0 {
		if d := x.w.LocalAddr().Addr(); d.IsValid() && !d.IsMulticast() && !x.w.AcceptsUnicast() {
			switch m.MessageType {
			case dhcpv6.MessageTypeSolicit, dhcpv6.MessageTypeRebind, dhcpv6.MessageTypeConfirm:
				x.s.debug("dhcp6srv: dropped: unicast", "type", m.MessageType)
				return nil
			case dhcpv6.MessageTypeRequest, dhcpv6.MessageTypeRenew, dhcpv6.MessageTypeRelease, dhcpv6.MessageTypeDecline:
				r := x.newReply(dhcpv6.MessageTypeReply)
				r.AddOption(status(iana.StatusUseMulticast, "Unicast is not allowed; use multicast."))
				return r
			}
		}
	}
	x.identify()
	if !x.classify() {
		x.s.debug("dhcp6srv: dropped: client class DROP")
		return nil
	}
	x.selectSubnet()
	x.findHost(ctx)

	switch m.MessageType {
	case dhcpv6.MessageTypeSolicit:
		return x.solicit(ctx)
	case dhcpv6.MessageTypeRequest:
		return x.allocate(ctx, dhcpv6.MessageTypeReply, false, false)
	case dhcpv6.MessageTypeRenew:
		return x.extend(ctx, false)
	case dhcpv6.MessageTypeRebind:
		return x.extend(ctx, true)
	case dhcpv6.MessageTypeRelease:
		return x.release(ctx)
	case dhcpv6.MessageTypeDecline:
		return x.decline(ctx)
	case dhcpv6.MessageTypeConfirm:
		return x.confirm()
	case dhcpv6.MessageTypeInformationRequest:
		return x.inform()
	}
	return nil
}

// sane applies RFC 8415 §16's identifier rules and checks the server
// identifier against ours.
func (x *exchange) sane(cid, sid presence) bool {
	m := x.msg
	cids := m.GetOption(dhcpv6.OptionClientID)
	sids := m.GetOption(dhcpv6.OptionServerID)
	if len(cids) > 1 || len(sids) > 1 {
		x.s.debug("dhcp6srv: dropped: repeated identifier option", "type", m.MessageType)
		return false
	}
	if (cid == mandatory && len(cids) == 0) || (sid == mandatory && len(sids) == 0) ||
		(cid == forbidden && len(cids) > 0) || (sid == forbidden && len(sids) > 0) {
		x.s.debug("dhcp6srv: dropped: identifier rules", "type", m.MessageType)
		return false
	}
	if len(cids) == 1 {
		d := cids[0].ToBytes()
		if len(d) == 0 || len(d) > 130 {
			return false
		}
		x.duid = d
	}
	if len(sids) == 1 && !bytes.Equal(sids[0].ToBytes(), x.st.serverID) {
		x.s.debug("dhcp6srv: dropped: not our server identifier", "type", m.MessageType)
		return false
	}
	return true
}

// identify finds the client's hardware address (Kea's Pkt6::getMAC with
// mac-sources) and builds its reservation identifiers.
func (x *exchange) identify() {
	for _, src := range x.st.macSources {
		var hw []byte
		var ht uint16
		switch src {
		case leasemgr.HWAddrSourceDUID:
			ht, hw = hwFromDUID(x.duid)
		case leasemgr.HWAddrSourceIPv6LinkLocal:
			a := x.w.RemoteAddr().Addr()
			if n := len(x.relays); n > 0 {
				a, _ = netip.AddrFromSlice(x.relays[n-1].PeerAddr)
			}
			hw = macFromLinkLocal(a)
			ht = leasemgr.HTypeEthernet
		case leasemgr.HWAddrSourceClientAddrRelayOption:
			if n := len(x.relays); n > 0 {
				t, lla := x.relays[n-1].Options.ClientLinkLayerAddress()
				ht, hw = uint16(t), lla
			}
		}
		if len(hw) > 0 && len(hw) <= leasemgr.MaxHWAddrLen {
			x.hw = leasemgr.HWAddr{Addr: hw, Type: ht, Source: src}
			break
		}
	}
	for _, t := range x.st.identTypes {
		var v []byte
		switch t {
		case hostmgr.IdentHWAddr:
			v = x.hw.Addr
		case hostmgr.IdentDUID:
			v = x.duid
		}
		if len(v) > 0 && len(v) <= t.MaxLen() {
			x.ids = append(x.ids, hostmgr.Identifier{Type: t, Value: v})
		}
	}
}

// hwFromDUID returns the link-layer address of a DUID-LLT or DUID-LL.
func hwFromDUID(d []byte) (uint16, []byte) {
	if len(d) < 4 {
		return 0, nil
	}
	ht := uint16(d[2])<<8 | uint16(d[3])
	switch uint16(d[0])<<8 | uint16(d[1]) {
	case duidLLT:
		if len(d) > 8 {
			return ht, d[8:]
		}
	case duidLL:
		if len(d) > 4 {
			return ht, d[4:]
		}
	}
	return 0, nil
}

// macFromLinkLocal returns the MAC address in a modified EUI-64 link-local
// address, or nil.
func macFromLinkLocal(a netip.Addr) []byte {
	if !a.Is6() || !a.IsLinkLocalUnicast() {
		return nil
	}
	b := a.As16()
	if b[11] != 0xff || b[12] != 0xfe {
		return nil
	}
	return []byte{b[8] ^ 2, b[9], b[10], b[13], b[14], b[15]}
}

// selectSubnet applies Kea's DHCPv6 subnet selection.
func (x *exchange) selectSubnet() {
	sel := subnetselect.Selector{ClientClasses: x.classes}
	if n := len(x.relays); n > 0 {
		links := make([]netip.Addr, 0, n)
		for _, r := range x.relays {
			a, _ := netip.AddrFromSlice(r.LinkAddr)
			links = append(links, a.Unmap())
		}
		sel.FirstRelayLinkAddr = subnetselect.RelayLinkAddr(links...)
		for i := n - 1; i >= 0; i-- { // the relay closest to the client first
			if id := x.relays[i].Options.InterfaceID(); id != nil {
				sel.InterfaceID = string(id)
				break
			}
		}
	}
	sel.RemoteAddr = x.w.RemoteAddr().Addr()
	sel.LocalAddr = x.w.LocalAddr().Addr()
	if ifc := x.w.Interface(); ifc != nil {
		sel.IfaceName = ifc.Name
	}
	x.subnet = x.st.index.Select(&sel)
}

// findHost looks up the client's reservation in the selected subnet (and
// the global one), then adds KNOWN or UNKNOWN and the reservation's
// classes.
func (x *exchange) findHost(ctx context.Context) {
	s := x.subnet
	if s != nil && len(x.ids) > 0 {
		if s.ReservationsInSubnet() {
			if h, err := x.s.hosts.Get6Any(ctx, s.ID, x.ids); err == nil {
				x.host = h
			}
		}
		var global *hostmgr.Host
		if s.ReservationsGlobal() {
			if h, err := x.s.hosts.Get6Any(ctx, hostmgr.SubnetIDGlobal, x.ids); err == nil {
				global = h
				if x.host == nil {
					x.host = h
				}
			}
		}
		if s.Network == nil {
			// The engine stays in this subnet: give it what was found.
			x.hosts = make(map[cfgmgr.SubnetID]*hostmgr.Host, 2)
			if x.host != nil && x.host != global {
				x.hosts[s.ID] = x.host
			}
			if global != nil {
				x.hosts[hostmgr.SubnetIDGlobal] = global
			}
		}
	}
	if x.host != nil {
		x.classes = append(x.classes, "KNOWN")
		x.classes = append(x.classes, x.host.ClientClasses6...)
	} else {
		x.classes = append(x.classes, "UNKNOWN")
	}
	x.classifyLate()
}

// newReply starts a reply: transaction id, client id, server id.
func (x *exchange) newReply(t dhcpv6.MessageType) *dhcpv6.Message {
	r := &dhcpv6.Message{MessageType: t, TransactionID: x.msg.TransactionID}
	if o := x.msg.GetOneOption(dhcpv6.OptionClientID); o != nil {
		r.AddOption(o)
	}
	r.AddOption(x.st.serverOpt)
	return r
}

func status(code iana.StatusCode, msg string) *dhcpv6.OptStatusCode {
	return &dhcpv6.OptStatusCode{StatusCode: code, StatusMessage: msg}
}

// clientIAs turns the request's IA_NA, IA_TA and IA_PD options into the
// engine's IAs, in packet order, with their hints.
func (x *exchange) clientIAs(withTA bool) []*alloc.IA {
	var out []*alloc.IA
	for _, o := range x.msg.Options.Options {
		switch ia := o.(type) {
		case *dhcpv6.OptIANA:
			a := &alloc.IA{Type: leasemgr.TypeNA, IAID: iaid(ia.IaId)}
			a.Hints = addrHints(a.Hints, ia.Options.Addresses())
			out = append(out, a)
		case *dhcpv6.OptIATA:
			if !withTA {
				continue
			}
			a := &alloc.IA{Type: leasemgr.TypeTA, IAID: iaid(ia.IaId)}
			a.Hints = addrHints(a.Hints, ia.Options.Addresses())
			out = append(out, a)
		case *dhcpv6.OptIAPD:
			a := &alloc.IA{Type: leasemgr.TypePD, IAID: iaid(ia.IaId)}
			for _, p := range ia.Options.Prefixes() {
				if p.Prefix == nil {
					continue // a length of 0: no hint at all
				}
				ones, bits := p.Prefix.Mask.Size()
				ip, ok := netip.AddrFromSlice(p.Prefix.IP)
				if !ok || bits != 128 || !ip.Is6() {
					continue
				}
				pf, err := ip.Prefix(ones)
				if err != nil {
					continue
				}
				a.Hints = append(a.Hints, alloc.Hint{Prefix: pf,
					PreferredLifetime: secs(p.PreferredLifetime), ValidLifetime: secs(p.ValidLifetime)})
			}
			out = append(out, a)
		}
	}
	return out
}

func addrHints(h []alloc.Hint, as []*dhcpv6.OptIAAddress) []alloc.Hint {
	for _, a := range as {
		ip, ok := netip.AddrFromSlice(a.IPv6Addr)
		if !ok || !ip.Is6() || ip.Is4In6() || ip.IsUnspecified() {
			continue
		}
		h = append(h, alloc.Hint{Prefix: netip.PrefixFrom(ip, 128),
			PreferredLifetime: secs(a.PreferredLifetime), ValidLifetime: secs(a.ValidLifetime)})
	}
	return h
}

func iaid(b [4]byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func iaidBytes(v uint32) [4]byte { return [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }

// secs converts a lifetime to seconds, saturating at infinity.
func secs(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	s := d / time.Second
	if s >= math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(s)
}

func dur(s uint32) time.Duration { return time.Duration(s) * time.Second }

// clientContext builds the engine's view of the request.
func (x *exchange) clientContext(ias []*alloc.IA, fwd, rev bool, hostname string) *alloc.ClientContext6 {
	return &alloc.ClientContext6{
		Subnet:          x.subnet,
		DUID:            x.duid,
		HWAddr:          x.hw,
		FwdDNS:          fwd,
		RevDNS:          rev,
		Hostname:        hostname,
		Classes:         alloc.ClientClasses(x.classes),
		HostIdentifiers: x.ids,
		Hosts:           x.hosts,
		IAs:             ias,
	}
}

// names runs the NameHandler (or the default: the reserved hostname).
func (x *exchange) names(ctx context.Context, reply *dhcpv6.Message, fake bool) (fwd, rev bool, hostname string) {
	info := NameInfo{Subnet: x.subnet, Host: x.host, Fake: fake, Classes: x.classes}
	if x.host != nil {
		info.Hostname = x.host.Hostname
	}
	if h := x.s.o.names; h != nil && x.subnet != nil {
		return h.Adjust6(ctx, x.msg, reply, info)
	}
	return false, false, info.Hostname
}

// solicit answers a SOLICIT: ADVERTISE, or with rapid commit (the client
// asked, the subnet allows) a REPLY with the leases committed.
func (x *exchange) solicit(ctx context.Context) *dhcpv6.Message {
	rapid := x.msg.GetOneOption(dhcpv6.OptionRapidCommit) != nil && x.subnet != nil && x.subnet.RapidCommit()
	if rapid {
		return x.allocate(ctx, dhcpv6.MessageTypeReply, false, true)
	}
	return x.allocate(ctx, dhcpv6.MessageTypeAdvertise, true, false)
}

// allocate answers a SOLICIT (fake) or a REQUEST (or a rapid-commit
// SOLICIT).
func (x *exchange) allocate(ctx context.Context, t dhcpv6.MessageType, fake, rapid bool) *dhcpv6.Message {
	reply := x.newReply(t)
	if rapid {
		reply.AddOption(&dhcpv6.OptionGeneric{OptionCode: dhcpv6.OptionRapidCommit})
	}
	ias := x.clientIAs(true)
	fwd, rev, hostname := x.names(ctx, reply, fake)
	var c *alloc.ClientContext6
	if x.subnet != nil && len(ias) > 0 {
		c = x.clientContext(ias, fwd, rev, hostname)
		var err error
		if fake {
			err = x.s.engine.Solicit6(ctx, c)
		} else {
			err = x.s.engine.Request6(ctx, c)
		}
		if x.stale(err) {
			return retryReply
		}
		if err != nil && !isIAError(err) {
			x.s.debug("dhcp6srv: allocation failed", "err", err)
		}
		x.afterEngine(c)
		x.finishNames(ctx, reply, ias, fake)
	}
	for _, ia := range ias {
		if len(ia.Leases) == 0 {
			reply.AddOption(x.iaOption(ia, nil, false, noneStatus(ia, false)))
			continue
		}
		reply.AddOption(x.iaOption(ia, nil, false, nil))
	}
	if !fake {
		x.notify(ctx, ias, LeaseAdd, nil)
	}
	x.appendOptions(reply, ias)
	return reply
}

// isIAError tells errors that only describe an IA's outcome.
func isIAError(err error) bool {
	return errors.Is(err, alloc.ErrNoAddressAvailable) || errors.Is(err, alloc.ErrReservedForOther) ||
		errors.Is(err, alloc.ErrLeaseInUse) || errors.Is(err, alloc.ErrNotInPool) || errors.Is(err, alloc.ErrSkipped)
}

// afterEngine follows the engine to the subnet it ended in and picks the
// reservation there.
func (x *exchange) afterEngine(c *alloc.ClientContext6) {
	if c.Subnet != nil && c.Subnet != x.subnet {
		x.subnet = c.Subnet
		x.host = nil
		if c.Hosts != nil {
			x.host = c.Hosts[c.Subnet.ID]
			if x.host == nil {
				x.host = c.Hosts[hostmgr.SubnetIDGlobal]
			}
		}
	} else if x.host == nil && c.Hosts != nil && x.subnet != nil {
		if h := c.Hosts[x.subnet.ID]; h != nil {
			x.host = h
		} else if h := c.Hosts[hostmgr.SubnetIDGlobal]; h != nil {
			x.host = h
		}
	}
}

// noneStatus is the status of an IA that got nothing.
func noneStatus(ia *alloc.IA, extend bool) *dhcpv6.OptStatusCode {
	if extend && !errors.Is(ia.Err, alloc.ErrNoAddressAvailable) {
		return status(iana.StatusNoBinding, "No binding for IA.")
	}
	if ia.Type == leasemgr.TypePD {
		return status(iana.StatusNoPrefixAvail, "Sorry, no prefixes could be allocated.")
	}
	return status(iana.StatusNoAddrsAvail, "Sorry, no address could be allocated.")
}

// iaOption builds the reply's IA for ia: its leases with their lifetimes,
// its old leases (and extra addresses) with zero lifetimes, T1 and T2, and
// st if not nil.
func (x *exchange) iaOption(ia *alloc.IA, extra []netip.Prefix, zeroT bool, st *dhcpv6.OptStatusCode) dhcpv6.Option {
	var opts dhcpv6.Options
	minPref := uint32(math.MaxUint32)
	for _, l := range ia.Leases {
		opts = append(opts, resource(l.Type, l.Prefix(), l.PreferredLifetime, l.ValidLifetime))
		if l.PreferredLifetime < minPref {
			minPref = l.PreferredLifetime
		}
	}
	for _, l := range ia.OldLeases {
		opts = append(opts, resource(l.Type, l.Prefix(), 0, 0))
	}
	for _, p := range extra {
		opts = append(opts, resource(ia.Type, p, 0, 0))
	}
	if st != nil {
		opts = append(opts, st)
	}
	var t1, t2 uint32
	if len(ia.Leases) > 0 && !zeroT {
		t1, t2 = teeTimes(x.subnet, minPref)
	}
	id := iaidBytes(ia.IAID)
	switch ia.Type {
	case leasemgr.TypePD:
		return &dhcpv6.OptIAPD{IaId: id, T1: dur(t1), T2: dur(t2), Options: dhcpv6.PDOptions{Options: opts}}
	case leasemgr.TypeTA:
		return &dhcpv6.OptIATA{IaId: id, Options: dhcpv6.IdentityOptions{Options: opts}}
	}
	return &dhcpv6.OptIANA{IaId: id, T1: dur(t1), T2: dur(t2), Options: dhcpv6.IdentityOptions{Options: opts}}
}

func resource(t leasemgr.LeaseType, p netip.Prefix, pref, valid uint32) dhcpv6.Option {
	ip := net.IP(p.Addr().AsSlice())
	if t == leasemgr.TypePD {
		return &dhcpv6.OptIAPrefix{PreferredLifetime: dur(pref), ValidLifetime: dur(valid),
			Prefix: &net.IPNet{IP: ip, Mask: net.CIDRMask(p.Bits(), 128)}}
	}
	return &dhcpv6.OptIAAddress{IPv6Addr: ip, PreferredLifetime: dur(pref), ValidLifetime: dur(valid)}
}

// teeTimes is Kea's Dhcpv6Srv::setTeeTimes: configured renew-timer and
// rebind-timer, else (calculate-tee-times, true by default in v6)
// t1-percent and t2-percent of the shortest preferred lifetime; T1 is 0
// unless below T2.
func teeTimes(s *cfgmgr.Subnet6, pref uint32) (t1, t2 uint32) {
	if s == nil {
		return 0, 0
	}
	calc := func(pct float64) uint32 {
		if pref == math.MaxUint32 {
			return math.MaxUint32
		}
		v := math.Round(pct * float64(pref))
		if v >= math.MaxUint32 {
			return math.MaxUint32
		}
		return uint32(v)
	}
	if v, ok := s.RebindTimer(); ok {
		t2 = v
	} else if s.CalculateTeeTimes() {
		t2 = calc(s.T2Percent())
	}
	if v, ok := s.RenewTimer(); ok {
		t1 = v
	} else if s.CalculateTeeTimes() {
		t1 = calc(s.T1Percent())
	}
	if t1 >= t2 && !(t1 == math.MaxUint32 && t2 == math.MaxUint32) {
		t1 = 0
	}
	return t1, t2
}

// extend answers a RENEW or a REBIND.
func (x *exchange) extend(ctx context.Context, rebind bool) *dhcpv6.Message {
	reply := x.newReply(dhcpv6.MessageTypeReply)
	ias := x.clientIAs(true)
	fwd, rev, hostname := x.names(ctx, reply, false)
	before := x.leasesBefore(ctx, ias)
	if x.subnet != nil && len(ias) > 0 {
		c := x.clientContext(ias, fwd, rev, hostname)
		var err error
		if rebind {
			err = x.s.engine.Rebind6(ctx, c)
		} else {
			err = x.s.engine.Renew6(ctx, c)
		}
		if x.stale(err) {
			return retryReply
		}
		if err != nil && !isIAError(err) {
			x.s.debug("dhcp6srv: extend failed", "err", err)
		}
		x.afterEngine(c)
		x.finishNames(ctx, reply, ias, false)
	} else if rebind && x.subnet == nil {
		// RFC 8415 §18.3.5: a server that cannot tell whether the
		// addresses suit the link does not answer a REBIND.
		return nil
	}
	for _, ia := range ias {
		// Addresses the client has that the server did not extend or
		// take back are sent with zero lifetimes (RFC 8415 §18.3.4).
		var extra []netip.Prefix
		for _, h := range ia.Hints {
			if h.Prefix.Addr().IsUnspecified() || hasPrefix(ia.Leases, h.Prefix) || hasPrefix(ia.OldLeases, h.Prefix) {
				continue
			}
			if ia.Type == leasemgr.TypePD && h.Prefix.Bits() == 128 {
				continue
			}
			extra = append(extra, h.Prefix)
		}
		var st *dhcpv6.OptStatusCode
		if len(ia.Leases) == 0 {
			st = noneStatus(ia, true)
		}
		reply.AddOption(x.iaOption(ia, extra, false, st))
	}
	x.notify(ctx, ias, LeaseRenew, before)
	x.appendOptions(reply, ias)
	return reply
}

func hasPrefix(ls []*leasemgr.Lease6, p netip.Prefix) bool {
	for _, l := range ls {
		if l.Addr == p.Addr() && (l.Type != leasemgr.TypePD || int(l.PrefixLen) == p.Bits()) {
			return true
		}
	}
	return false
}

// release answers a RELEASE (RFC 8415 §18.3.7).
func (x *exchange) release(ctx context.Context) *dhcpv6.Message {
	reply := x.newReply(dhcpv6.MessageTypeReply)
	ias := x.clientIAs(true)
	c := x.clientContext(ias, false, false, "")
	_ = x.s.engine.Release6(ctx, c)
	for _, ia := range ias {
		if ia.Err != nil || len(ia.OldLeases) == 0 {
			reply.AddOption(x.iaOption(ia, nil, true, status(iana.StatusNoBinding, "No binding for IA.")))
		}
		if obs := x.s.o.observer; obs != nil {
			for _, l := range ia.OldLeases {
				obs.OnLease6(ctx, LeaseEvent{Kind: LeaseRelease, Old: l, Subnet: x.st.cfg.Subnet6(cfgmgr.SubnetID(l.SubnetID))})
			}
		}
	}
	reply.AddOption(status(iana.StatusSuccess, "All addresses released."))
	return reply
}

// decline answers a DECLINE (RFC 8415 §18.3.8): the IA_NA addresses are
// declined.
func (x *exchange) decline(ctx context.Context) *dhcpv6.Message {
	reply := x.newReply(dhcpv6.MessageTypeReply)
	var ias []*alloc.IA
	for _, ia := range x.clientIAs(false) {
		if ia.Type == leasemgr.TypeNA {
			ias = append(ias, ia)
		}
	}
	var before []*leasemgr.Lease6
	obs := x.s.o.observer
	if obs != nil {
		for _, ia := range ias {
			for _, h := range ia.Hints {
				if l, err := x.s.leases.Lease6(ctx, leasemgr.TypeNA, h.Prefix.Addr()); err == nil {
					before = append(before, l)
				}
			}
		}
	}
	c := x.clientContext(ias, false, false, "")
	_ = x.s.engine.Decline6(ctx, c)
	for _, ia := range ias {
		if ia.Err != nil || len(ia.Leases) == 0 {
			reply.AddOption(x.iaOption(&alloc.IA{Type: ia.Type, IAID: ia.IAID}, nil, true, status(iana.StatusNoBinding, "No binding for IA.")))
		}
		if obs != nil {
			for _, l := range ia.Leases {
				var old *leasemgr.Lease6
				for _, b := range before {
					if b.Addr == l.Addr {
						old = b
					}
				}
				obs.OnLease6(ctx, LeaseEvent{Kind: LeaseDecline, Old: old, New: l, Subnet: x.st.cfg.Subnet6(cfgmgr.SubnetID(l.SubnetID))})
			}
		}
	}
	reply.AddOption(status(iana.StatusSuccess, "Addresses declined."))
	return reply
}

// confirm answers a CONFIRM (RFC 8415 §18.3.3): NotOnLink when an address
// is not on the link of the selected subnet (or of its shared network),
// Success otherwise; no answer without addresses or without a subnet.
func (x *exchange) confirm() *dhcpv6.Message {
	var addrs []netip.Addr
	for _, ia := range x.clientIAs(true) {
		if ia.Type == leasemgr.TypePD {
			continue
		}
		for _, h := range ia.Hints {
			addrs = append(addrs, h.Prefix.Addr())
		}
	}
	if len(addrs) == 0 || x.subnet == nil {
		return nil
	}
	onLink := func(a netip.Addr) bool {
		if x.subnet.Prefix.Contains(a) {
			return true
		}
		if n := x.subnet.Network; n != nil {
			for _, s := range n.Subnets {
				if s.Prefix.Contains(a) {
					return true
				}
			}
		}
		return false
	}
	reply := x.newReply(dhcpv6.MessageTypeReply)
	for _, a := range addrs {
		if !onLink(a) {
			reply.AddOption(status(iana.StatusNotOnLink, "Some of the addresses are not on link."))
			return reply
		}
	}
	reply.AddOption(status(iana.StatusSuccess, "All addresses are on-link."))
	x.appendOptions(reply, nil)
	return reply
}

// inform answers an INFORMATION-REQUEST with the requested options.
func (x *exchange) inform() *dhcpv6.Message {
	reply := x.newReply(dhcpv6.MessageTypeReply)
	x.appendOptions(reply, nil)
	return reply
}

// notify tells the LeaseObserver about the leases of the IAs; before
// holds the leases as they were (the Old of LeaseRenew events).
func (x *exchange) notify(ctx context.Context, ias []*alloc.IA, kind LeaseEventKind, before map[netip.Addr]*leasemgr.Lease6) {
	obs := x.s.o.observer
	if obs == nil {
		return
	}
	for _, ia := range ias {
		for _, l := range ia.OldLeases {
			obs.OnLease6(ctx, LeaseEvent{Kind: LeaseRemove, Old: l, Subnet: x.st.cfg.Subnet6(cfgmgr.SubnetID(l.SubnetID))})
		}
		for i, l := range ia.Leases {
			reused := i < len(ia.Reused) && ia.Reused[i]
			obs.OnLease6(ctx, LeaseEvent{Kind: kind, Old: before[l.Addr], New: l, Reused: reused, Subnet: x.st.cfg.Subnet6(cfgmgr.SubnetID(l.SubnetID))})
		}
	}
}
