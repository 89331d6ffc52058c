package dhcp4srv

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/classify"
	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/option"
	"github.com/dhcpsrv/dhcpsrv/subnetselect"
)

// exchange is the state of one request (Kea's Dhcpv4Exchange). Exchanges
// are pooled; everything is reset by init.
type exchange struct {
	s    *Server
	snap *snapshot
	w    ResponseWriter
	req  *dhcpv4.DHCPv4

	mt       dhcpv4.MessageType
	bootp    bool
	hw       leasemgr.HWAddr
	cid      []byte
	classes  []string
	subnet   *cfgmgr.Subnet4
	host     *hostmgr.Host
	hosts    map[cfgmgr.SubnetID]*hostmgr.Host
	ids      []hostmgr.Identifier
	cc       alloc.ClientContext4
	opts     optionLists
	order    []uint8
	dropWhy  string
	hostname string
	pkt      classify.Packet4 // class tests' view of req, reused
}

// errRetry asks ServeDHCP4 to handle the request again with the current
// configuration (the engine no longer knows the request's subnet).
var errRetry = errors.New("dhcp4srv: configuration changed, retry")

// errDrop is returned by the message handlers for a request that gets no
// reply; ex.dropWhy tells why.
var errDrop = errors.New("dhcp4srv: drop")

// ServeDHCP4 handles one DHCPv4 request (Kea's Dhcpv4Srv::processPacket
// from accept to the reply): it drops what Kea drops, and otherwise sends
// the reply through w. It never panics on a malformed request. It is safe
// for concurrent use; requests of one client must not be handled
// concurrently (the Transport guarantees it).
func (s *Server) ServeDHCP4(ctx context.Context, w ResponseWriter, req *dhcpv4.DHCPv4) {
	if req == nil || w == nil {
		return
	}
	ex := s.pool.Get().(*exchange)
	snap := s.snap.Load()
	var err error
	ex.init(s, snap, w, req)
	err = ex.process(ctx)
	if err == errRetry {
		// The configuration changed under the request (rare). Handle it
		// again while holding off Reconfigure, so the engine and the
		// snapshot agree and the request cannot be chased by further
		// reconfigurations.
		s.cfgMu.Lock()
		ex.init(s, s.snap.Load(), w, req)
		err = ex.process(ctx)
		s.cfgMu.Unlock()
	}
	if err != nil {
		s.stDrop.Inc()
		if s.log.Enabled(ctx, slog.LevelDebug) {
			why := ex.dropWhy
			if why == "" {
				why = err.Error()
			}
			s.log.Debug("dhcp4srv: request dropped", "reason", why, "type", req.MessageType().String(),
				"chaddr", req.ClientHWAddr.String(), "xid", req.TransactionID.String(), "src", w.RemoteAddr())
		}
	}
	ex.release()
	s.pool.Put(ex)
}

// stale reports whether the configuration changed under the request:
// another snapshot is published, or the engine already runs another
// configuration (Reconfigure configures the engine before it publishes the
// snapshot).
func (ex *exchange) stale() bool {
	return ex.s.snap.Load() != ex.snap || ex.s.engine.Config() != ex.snap.cfg
}

func (ex *exchange) init(s *Server, snap *snapshot, w ResponseWriter, req *dhcpv4.DHCPv4) {
	ex.release()
	ex.s, ex.snap, ex.w, ex.req = s, snap, w, req
}

// release clears references so the pooled exchange keeps nothing alive.
func (ex *exchange) release() {
	ex.s, ex.snap, ex.w, ex.req = nil, nil, nil, nil
	ex.mt, ex.bootp = 0, false
	ex.hw, ex.cid = leasemgr.HWAddr{}, nil
	clear(ex.classes)
	ex.classes = ex.classes[:0]
	ex.subnet, ex.host = nil, nil
	clear(ex.hosts)
	clear(ex.ids)
	ex.ids = ex.ids[:0]
	ex.cc = alloc.ClientContext4{}
	ex.opts.reset()
	ex.opts.classes = nil
	ex.order = ex.order[:0]
	ex.dropWhy, ex.hostname = "", ""
}

func (ex *exchange) drop(why string) error {
	ex.dropWhy = why
	return errDrop
}

// process runs Kea's accept checks and dispatches by message type.
func (ex *exchange) process(ctx context.Context) error {
	req := ex.req
	if ex.snap == nil {
		return ex.drop("server not configured")
	}
	if req.OpCode != dhcpv4.OpcodeBootRequest {
		return ex.drop("not a BOOTREQUEST")
	}
	ex.mt = req.MessageType()
	switch ex.mt {
	case dhcpv4.MessageTypeNone:
		if req.Options.Has(dhcpv4.OptionDHCPMessageType) {
			return ex.drop("malformed message type")
		}
		ex.bootp = true
	case dhcpv4.MessageTypeDiscover, dhcpv4.MessageTypeRequest, dhcpv4.MessageTypeDecline,
		dhcpv4.MessageTypeRelease, dhcpv4.MessageTypeInform:
	default:
		return ex.drop("message type not served")
	}
	ex.hw = hwAddrOf(req)
	ex.cid = clientIDOf(req)
	if ex.hw.IsZero() && ex.cid == nil && ex.mt != dhcpv4.MessageTypeInform {
		return ex.drop("no hardware address and no client identifier")
	}
	if !ex.acceptServerID() {
		return ex.drop("server identifier is not ours")
	}
	switch ex.mt {
	case dhcpv4.MessageTypeRelease:
		return ex.release4(ctx)
	case dhcpv4.MessageTypeDecline:
		return ex.decline4(ctx)
	}
	ex.classifyEarly()
	if allows(ex.classes, ClassDROP) {
		return ex.drop("client class DROP")
	}
	ex.subnet = ex.selectSubnet()
	switch {
	case ex.bootp:
		return ex.bootp4(ctx)
	case ex.mt == dhcpv4.MessageTypeDiscover:
		return ex.allocate(ctx, true)
	case ex.mt == dhcpv4.MessageTypeRequest:
		return ex.allocate(ctx, false)
	default:
		return ex.inform4(ctx)
	}
}

// acceptServerID is Kea's acceptServerId: a request naming a server
// identifier is for us when it names the receiving interface's address,
// the address the request was sent to, a configured
// dhcp-server-identifier, an address given by WithServerIdentifiers or
// the relay's server identifier override (RAI sub-option 11); with the
// ignore-dhcp-server-identifier compatibility flag every request is.
func (ex *exchange) acceptServerID() bool {
	b, ok := ex.req.Options[uint8(dhcpv4.OptionServerIdentifier)]
	if !ok || ex.snap.cfg.Compatibility.IgnoreDHCPServerIdentifier {
		return true
	}
	if len(b) != 4 {
		return false
	}
	sid := netip.AddrFrom4([4]byte(b))
	if rai := ex.req.Options.Get(dhcpv4.OptionRelayAgentInformation); rai != nil {
		if o, _ := option.SubOption4(rai, raiServerIDOverride); len(o) == 4 && netip.AddrFrom4([4]byte(o)) == sid {
			return true
		}
	}
	if ex.w.LocalAddr().Addr().Unmap() == sid {
		return true
	}
	if ifc := ex.w.Interface(); ifc != nil {
		for _, p := range ifc.Addrs {
			if p.Addr().Unmap() == sid {
				return true
			}
		}
	}
	_, ok = ex.snap.serverIDs[sid]
	return ok
}

// selectSubnet fills a selector from the request and asks the index.
func (ex *exchange) selectSubnet() *cfgmgr.Subnet4 {
	req := ex.req
	sel := subnetselect.Selector{
		CIAddr:        addr4(req.ClientIPAddr),
		GIAddr:        addr4(req.GatewayIPAddr),
		LocalAddr:     ex.w.LocalAddr().Addr(),
		RemoteAddr:    ex.w.RemoteAddr().Addr(),
		ClientClasses: ex.classes,
	}
	if ifc := ex.w.Interface(); ifc != nil {
		sel.IfaceName = ifc.Name
		sel.IfaceAddr4 = ifc.Addr()
	}
	rai := req.Options.Get(dhcpv4.OptionRelayAgentInformation)
	o118 := req.Options.Get(dhcpv4.OptionSubnetSelection)
	if rai != nil || o118 != nil {
		// A malformed option selects nothing by itself (Kea ignores it).
		sel.OptionSelect, _ = subnetselect.OptionSelect(rai, o118, ex.snap.cfg.Compatibility.IgnoreRAILinkSelection)
	}
	return ex.snap.index.Select(&sel)
}

// broadcastReceived reports whether the request came to a broadcast (or
// unknown) destination address.
func (ex *exchange) broadcastReceived() bool {
	la := ex.w.LocalAddr().Addr()
	return !la.IsValid() || la.Unmap() == netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// findHosts looks the client's reservations up in the selected subnet and
// its shared network siblings (those whose class guard the client passes
// and that have reservations-in-subnet), and the global ones when a
// subnet has reservations-global, as the engine would; the engine is given
// the result so it does not look again. ex.host is the reservation of the
// selected subnet, else the global one.
func (ex *exchange) findHosts(ctx context.Context) error {
	if ex.hosts == nil {
		ex.hosts = make(map[cfgmgr.SubnetID]*hostmgr.Host, 2)
	}
	ex.ids = hostIdentifiers(ex.ids, ex.snap.idTypes, ex.req, ex.hw, ex.cid)
	ex.cc.HostIdentifiers = ex.ids
	ex.cc.Hosts = ex.hosts
	if len(ex.ids) == 0 || ex.subnet == nil {
		ex.host = nil
		return nil
	}
	global := false
	look := func(sn *cfgmgr.Subnet4) error {
		if sn.ReservationsGlobal() {
			global = true
		}
		if !sn.ReservationsInSubnet() || !allows(ex.classes, sn.ClientClass()) {
			return nil
		}
		h, err := ex.s.hosts.Get4Any(ctx, sn.ID, ex.ids)
		if err != nil {
			if errors.Is(err, hostmgr.ErrNotFound) {
				return nil
			}
			return err
		}
		ex.hosts[sn.ID] = h
		return nil
	}
	if n := ex.subnet.Network; n != nil && len(n.Subnets) > 1 {
		for _, sn := range n.Subnets {
			if err := look(sn); err != nil {
				return err
			}
		}
	} else if err := look(ex.subnet); err != nil {
		return err
	}
	if global {
		h, err := ex.s.hosts.Get4Any(ctx, hostmgr.SubnetIDGlobal, ex.ids)
		if err != nil && !errors.Is(err, hostmgr.ErrNotFound) {
			return err
		}
		if h != nil {
			ex.hosts[hostmgr.SubnetIDGlobal] = h
		}
	}
	ex.setCurrentHost()
	return nil
}

// setCurrentHost picks the reservation of ex.subnet (Kea's currentHost).
func (ex *exchange) setCurrentHost() {
	ex.host = nil
	if ex.subnet == nil {
		return
	}
	if h := ex.hosts[ex.subnet.ID]; h != nil {
		ex.host = h
	} else if h := ex.hosts[hostmgr.SubnetIDGlobal]; h != nil && ex.subnet.ReservationsGlobal() {
		ex.host = h
	}
}

func allows(classes []string, guard string) bool {
	if guard == "" {
		return true
	}
	for _, c := range classes {
		if c == guard {
			return true
		}
	}
	return false
}

// newReply starts a reply (Kea's Dhcpv4Exchange::copyDefaultFields and
// copyDefaultOptions): the request's xid, flags, ciaddr, giaddr, chaddr;
// the message type; the client identifier when echo-client-id is on;
// the relay agent information and subnet selection options.
func (ex *exchange) newReply(mt dhcpv4.MessageType) *dhcpv4.DHCPv4 {
	req := ex.req
	resp := &dhcpv4.DHCPv4{
		OpCode:        dhcpv4.OpcodeBootReply,
		HWType:        req.HWType,
		TransactionID: req.TransactionID,
		Flags:         req.Flags,
		ClientIPAddr:  ipOf(addr4(req.ClientIPAddr)),
		YourIPAddr:    ipOf(netip.Addr{}),
		ServerIPAddr:  ipOf(netip.Addr{}),
		GatewayIPAddr: ipOf(addr4(req.GatewayIPAddr)),
		ClientHWAddr:  req.ClientHWAddr,
		Options:       make(dhcpv4.Options, 16),
	}
	if mt != dhcpv4.MessageTypeNone {
		resp.Options[uint8(dhcpv4.OptionDHCPMessageType)] = []byte{byte(mt)}
	}
	if ex.snap.cfg.EchoClientID() {
		if cid, ok := req.Options[uint8(dhcpv4.OptionClientIdentifier)]; ok {
			resp.Options[uint8(dhcpv4.OptionClientIdentifier)] = cid
		}
	}
	if rai := req.Options.Get(dhcpv4.OptionRelayAgentInformation); len(rai) > 0 {
		resp.Options[uint8(dhcpv4.OptionRelayAgentInformation)] = rai
	}
	if sel := req.Options.Get(dhcpv4.OptionSubnetSelection); len(sel) > 0 {
		resp.Options[uint8(dhcpv4.OptionSubnetSelection)] = sel
	}
	return resp
}

// serverID returns the server identifier of a reply: a configured
// dhcp-server-identifier (option 54, by precedence), else the address the
// request was sent to when it was unicast, else the receiving interface's
// address (Kea's appendServerID after adjustIfaceData).
func (ex *exchange) serverID() netip.Addr {
	if d := ex.opts.find(54); d != nil && len(d.Wire) == 4 && !d.NeverSend {
		return netip.AddrFrom4([4]byte(d.Wire))
	}
	if la := ex.w.LocalAddr().Addr().Unmap(); la.Is4() && !la.IsUnspecified() && la != netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return la
	}
	if ifc := ex.w.Interface(); ifc != nil {
		if a := ifc.Addr(); a.IsValid() {
			return a.Unmap()
		}
	}
	return netip.Addr{}
}

// finish adds the server identifier, the configured options and the fixed
// fields, trims to the client's maximum size and sends.
func (ex *exchange) finish(resp *dhcpv4.DHCPv4, optionsToo bool) error {
	if sid := ex.serverID(); sid.IsValid() {
		b := sid.As4()
		resp.Options[uint8(dhcpv4.OptionServerIdentifier)] = b[:]
	}
	if optionsToo {
		ex.appendRequested(resp)
		ex.setFixedFields(resp)
	}
	ex.trimToSize(resp)
	if err := ex.w.Write(resp); err != nil {
		ex.dropWhy = "send failed: " + err.Error()
		return errDrop
	}
	return nil
}

// nak sends a DHCPNAK (RFC 2131 table 3: no yiaddr, ciaddr or options
// beyond the server identifier, client identifier and relay info).
func (ex *exchange) nak() error {
	resp := ex.newReply(dhcpv4.MessageTypeNak)
	resp.ClientIPAddr = ipOf(netip.Addr{})
	resp.Flags = ex.req.Flags
	ex.opts.build(ex.snap.cfg, ex.host, ex.subnet, netip.Addr{}, ex.classes)
	return ex.finish(resp, false)
}

// engineCtx hands the relay agent information to the engine when the
// subnet stores extended info, and returns the context for the engine.
func (ex *exchange) engineCtx(ctx context.Context) context.Context {
	ex.cc.RelayAgentInfo = nil
	if ex.subnet != nil && ex.subnet.StoreExtendedInfo() {
		if rai := ex.req.Options.Get(dhcpv4.OptionRelayAgentInformation); len(rai) > 0 {
			ex.cc.RelayAgentInfo = rai
		}
	}
	return ctx
}

// prepareContext fills the engine's client context.
func (ex *exchange) prepareContext(hint netip.Addr) {
	c := &ex.cc
	c.Subnet = ex.subnet
	c.HWAddr = ex.hw
	c.ClientID = ex.cid
	c.RequestedAddr = hint
	c.Classes = ex.classes
	c.BOOTP = ex.bootp
	if b := ex.req.Options.Get(dhcpv4.OptionIPAddressLeaseTime); len(b) == 4 {
		c.RequestedLifetime = uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	}
}

// names runs the hostname handling for a reply.
func (ex *exchange) names(ctx context.Context, resp *dhcpv4.DHCPv4, fake bool) {
	info := NameInfo{Subnet: ex.subnet, Host: ex.host, Fake: fake, Classes: ex.classes}
	if ex.host != nil && ex.host.Hostname != "" {
		info.Hostname = ex.host.Hostname
	} else {
		info.Hostname = clientHostname(ex.req, ex.snap.sanitizers[ex.subnet])
	}
	if h := ex.s.names; h != nil {
		fwd, rev, name := h.Adjust4(ctx, ex.req, resp, info)
		ex.cc.FwdDNS, ex.cc.RevDNS, ex.cc.Hostname = fwd, rev, name
		return
	}
	ex.cc.Hostname = info.Hostname
	if info.Hostname != "" {
		resp.Options[uint8(dhcpv4.OptionHostName)] = []byte(info.Hostname)
	}
}

// engineSubnet maps the subnet the engine answered with back to the
// request's configuration.
func (ex *exchange) engineSubnet() {
	if s := ex.cc.Subnet; s != nil {
		if own := ex.snap.cfg.Subnet4(s.ID); own != nil {
			ex.subnet = own
		} else {
			ex.subnet = s
		}
	}
	ex.setCurrentHost()
}

// allocate handles DHCPDISCOVER (fake) and DHCPREQUEST (Kea's
// processDiscover / processRequest and assignLease).
func (ex *exchange) allocate(ctx context.Context, fake bool) error {
	req := ex.req
	if ex.subnet == nil {
		if fake || ex.broadcastReceived() {
			return ex.drop("no subnet for the client")
		}
		// Kea NAKs a unicast request it cannot place (DHCP4_PACKET_NAK_0001).
		ex.classifyLate()
		return ex.nak()
	}
	if err := ex.findHosts(ctx); err != nil {
		return ex.drop("host lookup: " + err.Error())
	}
	ex.classifyLate()

	requested := optAddr(req, dhcpv4.OptionRequestedIPAddress)
	ciaddr := addr4(req.ClientIPAddr)
	hint := requested
	if !hint.IsValid() {
		hint = ciaddr
	}
	if !fake {
		_, hasSID := req.Options[uint8(dhcpv4.OptionServerIdentifier)]
		if !hasSID && requested.IsValid() {
			// INIT-REBOOT: is the client's notion of its address right?
			authoritative := ex.subnet.Authoritative()
			l, err := ex.clientLease(ctx)
			if err != nil {
				return ex.drop("lease lookup: " + err.Error())
			}
			known := l != nil
			if !authoritative && !known {
				return ex.drop("INIT-REBOOT from an unknown client, not authoritative")
			}
			if known && l.Addr != requested || !known && authoritative {
				return ex.nak()
			}
		}
	}

	resp := ex.newReply(dhcpv4.MessageTypeOffer)
	if !fake {
		resp.Options[uint8(dhcpv4.OptionDHCPMessageType)] = []byte{byte(dhcpv4.MessageTypeAck)}
	}
	ex.prepareContext(hint)
	ex.names(ctx, resp, fake)
	ectx := ex.engineCtx(ctx)
	var l *leasemgr.Lease4
	var err error
	if fake {
		l, err = ex.s.engine.Discover4(ectx, &ex.cc)
	} else {
		l, err = ex.s.engine.Request4(ectx, &ex.cc)
	}
	if err != nil || l == nil {
		return ex.allocFailed(err, fake, hint)
	}
	ex.engineSubnet()
	ex.finishNames(ctx, resp, l, fake)
	ex.leaseReply(resp, l)
	if err := ex.finish(resp, true); err != nil {
		return err
	}
	if !fake {
		ex.notifyAllocated(ctx, l)
	}
	return nil
}

// allocFailed decides between silence and DHCPNAK when the engine gives
// nothing (Kea's assignLease, allocation failure branch).
func (ex *exchange) allocFailed(err error, fake bool, hint netip.Addr) error {
	if errors.Is(err, alloc.ErrNoSubnet) && ex.stale() {
		return errRetry
	}
	if fake {
		return ex.drop("no address to offer: " + errString(err))
	}
	if errors.Is(err, alloc.ErrBadRequest) {
		return ex.drop("bad request: " + err.Error())
	}
	if ex.cc.UnknownRequestedAddr || errors.Is(err, alloc.ErrNotInPool) {
		// NAK only for an address of a pool of the network (one the
		// client's classes may not use); drop for addresses we don't know.
		if !ex.inSomePool(hint) {
			return ex.drop("requested address is not ours")
		}
	}
	if err != nil && !isNakError(err) {
		return ex.drop("allocation failed: " + err.Error())
	}
	return ex.nak()
}

// isNakError tells the engine's answers that mean "NAK" from failures of
// the lease store and the like.
func isNakError(err error) bool {
	var ae *alloc.AllocationError
	return errors.Is(err, alloc.ErrReservedForOther) || errors.Is(err, alloc.ErrLeaseInUse) ||
		errors.Is(err, alloc.ErrReservedElsewhere) || errors.Is(err, alloc.ErrNotInPool) ||
		errors.Is(err, alloc.ErrNoAddressAvailable) || errors.Is(err, alloc.ErrSkipped) ||
		errors.Is(err, alloc.ErrNoSubnet) || errors.As(err, &ae)
}

func errString(err error) string {
	if err == nil {
		return "none"
	}
	return err.Error()
}

// inSomePool reports whether addr is in a pool of the selected subnet or
// of its shared network.
func (ex *exchange) inSomePool(addr netip.Addr) bool {
	if !addr.IsValid() || ex.subnet == nil {
		return false
	}
	in := func(s *cfgmgr.Subnet4) bool {
		for _, p := range s.Pools {
			if p.First.Compare(addr) <= 0 && addr.Compare(p.Last) <= 0 {
				return true
			}
		}
		return false
	}
	if n := ex.subnet.Network; n != nil {
		for _, s := range n.Subnets {
			if in(s) {
				return true
			}
		}
		return false
	}
	return in(ex.subnet)
}

// clientLease finds the client's lease in the selected subnet or its
// shared network (Kea's INIT-REBOOT lookup): by client identifier where
// match-client-id is on, else by hardware address.
func (ex *exchange) clientLease(ctx context.Context) (*leasemgr.Lease4, error) {
	inNet := func(id uint32) *cfgmgr.Subnet4 {
		if uint32(ex.subnet.ID) == id {
			return ex.subnet
		}
		if n := ex.subnet.Network; n != nil {
			for _, s := range n.Subnets {
				if uint32(s.ID) == id {
					return s
				}
			}
		}
		return nil
	}
	if ex.cid != nil {
		ls, err := ex.s.leases.Leases4ByClientID(ctx, ex.cid)
		if err != nil {
			return nil, err
		}
		for _, l := range ls {
			if s := inNet(l.SubnetID); s != nil && s.MatchClientID() && l.State == leasemgr.StateDefault {
				return l, nil
			}
		}
	}
	if ex.hw.IsZero() {
		return nil, nil
	}
	ls, err := ex.s.leases.Leases4ByHWAddr(ctx, ex.hw.Addr)
	if err != nil {
		return nil, err
	}
	for _, l := range ls {
		s := inNet(l.SubnetID)
		if s == nil || l.State != leasemgr.StateDefault {
			continue
		}
		var cid []byte
		if s.MatchClientID() {
			cid = ex.cid
		}
		if belongsToClient(l, ex.hw.Addr, cid) {
			return l, nil
		}
	}
	return nil, nil
}

// leaseReply fills an OFFER/ACK (or BOOTREPLY) for lease l: yiaddr, lease
// time, T1/T2, subnet mask.
func (ex *exchange) leaseReply(resp *dhcpv4.DHCPv4, l *leasemgr.Lease4) {
	resp.YourIPAddr = ipOf(l.Addr)
	ex.opts.build(ex.snap.cfg, ex.host, ex.subnet, l.Addr, ex.classes)
	valid := ex.cc.ValidLifetime
	if valid == 0 {
		valid = l.ValidLifetime
	}
	if !ex.bootp {
		resp.Options[uint8(dhcpv4.OptionIPAddressLeaseTime)] = be32(valid)
		setTeeTimes(resp, ex.subnet, valid)
	}
	if d := ex.opts.find(1); d != nil && len(d.Wire) == 4 && !d.NeverSend {
		resp.Options[uint8(dhcpv4.OptionSubnetMask)] = d.Wire
	} else {
		resp.Options[uint8(dhcpv4.OptionSubnetMask)] = netmask(ex.subnet.Prefix)
	}
}

// notifyAllocated tells the LeaseObserver about an ACKed lease.
func (ex *exchange) notifyAllocated(ctx context.Context, l *leasemgr.Lease4) {
	o := ex.s.observer
	if o == nil {
		return
	}
	ev := LeaseEvent{Kind: LeaseAdd, New: l, Old: ex.cc.OldLease, Reused: ex.cc.Reused, Subnet: ex.subnet}
	if old := ex.cc.OldLease; old != nil && old.Addr == l.Addr && old.State == leasemgr.StateDefault &&
		(ex.cc.Reused || belongsToClient(old, ex.hw.Addr, ex.cc.ClientID)) {
		ev.Kind = LeaseRenew
	}
	o.OnLease4(ctx, ev)
}

// inform4 answers a DHCPINFORM (Kea's processInform): a DHCPACK with the
// configured options and no lease.
func (ex *exchange) inform4(ctx context.Context) error {
	if ex.subnet == nil {
		return ex.drop("no subnet for DHCPINFORM")
	}
	if ex.broadcastReceived() && ex.w.RemoteAddr().Addr().IsUnspecified() && !addr4(ex.req.ClientIPAddr).IsValid() && !ex.w.Relayed() {
		return ex.drop("DHCPINFORM without ciaddr or source address")
	}
	if err := ex.findHosts(ctx); err != nil {
		return ex.drop("host lookup: " + err.Error())
	}
	ex.classifyLate()
	resp := ex.newReply(dhcpv4.MessageTypeAck)
	ciaddr := addr4(ex.req.ClientIPAddr)
	ex.opts.build(ex.snap.cfg, ex.host, ex.subnet, ciaddr, ex.classes)
	if ex.req.IsOptionRequested(dhcpv4.OptionSubnetMask) {
		if d := ex.opts.find(1); d != nil && len(d.Wire) == 4 {
			resp.Options[1] = d.Wire
		} else {
			resp.Options[1] = netmask(ex.subnet.Prefix)
		}
	}
	return ex.finish(resp, true)
}

// bootpOnly are the DHCP options removed from BOOTP replies (Kea's bootp
// hook library).
var bootpOnly = [...]uint8{50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 91, 92}

// bootp4 answers a BOOTP request (Kea's bootp hook): the BOOTP class, an
// infinite lease allocated at once, a BOOTREPLY without DHCP options.
func (ex *exchange) bootp4(ctx context.Context) error {
	if ex.subnet == nil {
		return ex.drop("no subnet for the BOOTP client")
	}
	if ex.hw.IsZero() {
		return ex.drop("BOOTP request without hardware address")
	}
	if err := ex.findHosts(ctx); err != nil {
		return ex.drop("host lookup: " + err.Error())
	}
	ex.classifyLate()
	resp := ex.newReply(dhcpv4.MessageTypeNone)
	ex.prepareContext(addr4(ex.req.ClientIPAddr))
	ex.names(ctx, resp, false)
	l, err := ex.s.engine.Request4(ex.engineCtx(ctx), &ex.cc)
	if err != nil || l == nil {
		if errors.Is(err, alloc.ErrNoSubnet) && ex.stale() {
			return errRetry
		}
		return ex.drop("BOOTP allocation failed: " + errString(err))
	}
	ex.engineSubnet()
	ex.finishNames(ctx, resp, l, false)
	ex.leaseReply(resp, l)
	if sid := ex.serverID(); sid.IsValid() && !isSetAddr(addr4(resp.ServerIPAddr)) {
		resp.ServerIPAddr = ipOf(sid)
	}
	ex.appendRequested(resp)
	ex.setFixedFields(resp)
	for _, c := range bootpOnly {
		delete(resp.Options, c)
	}
	ex.trimToSize(resp)
	if err := ex.w.Write(resp); err != nil {
		return ex.drop("send failed: " + err.Error())
	}
	ex.notifyAllocated(ctx, l)
	return nil
}

// ownerContext fills the engine context for RELEASE/DECLINE of addr: the
// client identifier counts only when the lease's subnet has
// match-client-id.
func (ex *exchange) ownerContext(ctx context.Context, addr netip.Addr) (*leasemgr.Lease4, error) {
	l, err := ex.s.leases.Lease4(ctx, addr)
	if err != nil {
		return nil, err
	}
	ex.cc.HWAddr = ex.hw
	ex.cc.ClientID = ex.cid
	ex.cc.RequestedAddr = addr
	if s := ex.snap.cfg.Subnet4(cfgmgr.SubnetID(l.SubnetID)); s != nil && !s.MatchClientID() {
		ex.cc.ClientID = nil
	}
	ex.subnet = ex.snap.cfg.Subnet4(cfgmgr.SubnetID(l.SubnetID))
	return l, nil
}

// release4 handles DHCPRELEASE (Kea's processRelease): the lease of ciaddr,
// if it is the client's, is released. No reply.
func (ex *exchange) release4(ctx context.Context) error {
	addr := addr4(ex.req.ClientIPAddr)
	if !addr.IsValid() {
		return ex.drop("DHCPRELEASE without ciaddr")
	}
	if _, err := ex.ownerContext(ctx, addr); err != nil {
		return ex.drop("DHCPRELEASE of an unknown lease")
	}
	old, err := ex.s.engine.Release4(ctx, &ex.cc)
	if err != nil {
		return ex.drop("DHCPRELEASE refused: " + err.Error())
	}
	if o := ex.s.observer; o != nil {
		o.OnLease4(ctx, LeaseEvent{Kind: LeaseRelease, Old: old, Subnet: ex.subnet})
	}
	return nil
}

// decline4 handles DHCPDECLINE (Kea's processDecline): the requested
// address option is mandatory; the lease, if it is the client's, is
// declined for decline-probation-period. No reply.
func (ex *exchange) decline4(ctx context.Context) error {
	addr := optAddr(ex.req, dhcpv4.OptionRequestedIPAddress)
	if !addr.IsValid() {
		return ex.drop("DHCPDECLINE without requested address")
	}
	old, err := ex.ownerContext(ctx, addr)
	if err != nil {
		return ex.drop("DHCPDECLINE of an unknown lease")
	}
	l, err := ex.s.engine.Decline4(ctx, &ex.cc)
	if err != nil {
		return ex.drop("DHCPDECLINE refused: " + err.Error())
	}
	if o := ex.s.observer; o != nil {
		o.OnLease4(ctx, LeaseEvent{Kind: LeaseDecline, Old: old, New: l, Subnet: ex.subnet})
	}
	return nil
}
