package dhcp4srv

import (
	"encoding/binary"
	"math"
	"net/netip"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// Option resolution (Kea's buildCfgOptionList, appendRequestedOptions,
// appendBasicOptions, setTeeTimes, setFixedFields).
//
// The option lists are searched in Kea's precedence: the host reservation,
// the pool the address comes from, the subnet, its shared network, each
// client class in the packet's class order, the global option-data. The
// first list holding an option (in the dhcp4 space, whose per-option
// client-classes guard, if any, the packet passes) gives its value.
//
// Sent: the options the client lists in its parameter request list (55),
// the options marked always-send in any list, and routers (3), domain name
// servers (6), domain name (15) when configured (Kea's basic options); an
// option marked never-send in any list is never sent, whatever the rest.
// Options the server sets itself (server identifier, lease time, T1, T2,
// subnet mask, message type, client identifier, relay agent information)
// come first: a configured value of these is used only for the subnet mask
// (1) and the server identifier (54).

// optionLists is the precedence-ordered option lists of one reply.
type optionLists struct {
	lists   [][]option.Data
	classes []string
}

func (ol *optionLists) reset() {
	for i := range ol.lists {
		ol.lists[i] = nil
	}
	ol.lists = ol.lists[:0]
}

func (ol *optionLists) add(l []option.Data) {
	if len(l) > 0 {
		ol.lists = append(ol.lists, l)
	}
}

func (ol *optionLists) allowed(d *option.Data) bool {
	if len(d.ClientClasses) == 0 {
		return true
	}
	for _, g := range d.ClientClasses {
		for _, c := range ol.classes {
			if c == g {
				return true
			}
		}
	}
	return false
}

// find returns the first option of the dhcp4 space with code.
func (ol *optionLists) find(code uint8) *option.Data {
	return ol.findIn(option.SpaceDHCP4, uint16(code))
}

func (ol *optionLists) findIn(space string, code uint16) *option.Data {
	for _, l := range ol.lists {
		for i := range l {
			d := &l[i]
			if d.Code == code && d.Space == space && ol.allowed(d) {
				return d
			}
		}
	}
	return nil
}

// build fills the lists for a reply: host, pool of addr, subnet, network,
// classes, global.
func (ol *optionLists) build(cfg *cfgmgr.Config, host *hostmgr.Host, s *cfgmgr.Subnet4, addr netip.Addr, classes []string) {
	ol.reset()
	ol.classes = classes
	if host != nil {
		ol.add(host.Options4)
	}
	if s != nil {
		if addr.IsValid() {
			for _, p := range s.Pools {
				if p.First.Compare(addr) <= 0 && addr.Compare(p.Last) <= 0 {
					ol.add(p.Options)
					break
				}
			}
		}
		ol.add(s.Options)
		if s.Network != nil {
			ol.add(s.Network.Options)
		}
	}
	for _, name := range classes {
		if c := cfg.ClientClass(name); c != nil {
			ol.add(c.Options)
		}
	}
	ol.add(cfg.Options)
}

// basicOptions are sent when configured even if not requested (Kea's
// appendBasicOptions; the server identifier is handled apart).
var basicOptions = [...]uint8{3, 6, 15}

// serverSet marks the options the server sets itself; configured values
// are not used for them (except 1 and 54, resolved before).
var serverSet = func() (m [256]bool) {
	for _, c := range []uint8{1, 50, 51, 52, 53, 54, 55, 57, 58, 59, 61, 82, 12, 81, 118, 255, 0} {
		m[c] = true
	}
	return m
}()

// appendRequested adds the requested, always-send and basic options to
// resp and records the codes added in ex.order, in priority order (most
// important first), for trimming to the maximum message size.
func (ex *exchange) appendRequested(resp *dhcpv4.DHCPv4) {
	ol := &ex.opts
	var want [256]bool
	var cancel [256]bool
	order := ex.order[:0]
	push := func(c uint8) {
		if !want[c] {
			want[c] = true
			order = append(order, c)
		}
	}
	for _, c := range ex.req.Options.Get(dhcpv4.OptionParameterRequestList) {
		push(c)
	}
	for _, c := range basicOptions {
		push(c)
	}
	for _, l := range ol.lists {
		for i := range l {
			d := &l[i]
			if d.Space != option.SpaceDHCP4 || d.Code > 255 || !ol.allowed(d) {
				continue
			}
			if d.NeverSend {
				cancel[d.Code] = true
			}
			if d.AlwaysSend {
				push(uint8(d.Code))
			}
		}
	}
	n := 0
	for _, c := range order {
		if cancel[c] || serverSet[c] {
			continue
		}
		if _, ok := resp.Options[c]; ok {
			continue
		}
		d := ol.find(c)
		if d == nil {
			continue
		}
		resp.Options[c] = ex.wire(d)
		order[n] = c
		n++
	}
	ex.order = order[:n]
}

// wire returns an option's payload, with the sub-options of its
// encapsulated space appended when the definition encapsulates one
// (vendor-encapsulated-options 43 and the like), resolved with the same
// precedence.
func (ex *exchange) wire(d *option.Data) []byte {
	if d.Def == nil || d.Def.Encapsulate == "" {
		return d.Wire
	}
	out := append([]byte(nil), d.Wire...)
	var seen [256]bool
	for _, l := range ex.opts.lists {
		for i := range l {
			sub := &l[i]
			if sub.Space != d.Def.Encapsulate || sub.Code > 255 || seen[sub.Code] || sub.NeverSend || !ex.opts.allowed(sub) {
				continue
			}
			seen[sub.Code] = true
			w := sub.Wire
			for len(w) > 255 {
				out = append(out, byte(sub.Code), 255)
				out = append(out, w[:255]...)
				w = w[255:]
			}
			out = append(out, byte(sub.Code), byte(len(w)))
			out = append(out, w...)
		}
	}
	return out
}

// setTeeTimes adds T1 (58) and T2 (59) as Kea's setTeeTimes does: a
// configured value, else with calculate-tee-times a share of the lifetime;
// T2 only if less than the lifetime, T1 only if less than T2 (if sent) or
// the lifetime.
func setTeeTimes(resp *dhcpv4.DHCPv4, s *cfgmgr.Subnet4, valid uint32) {
	if valid == 0 {
		return
	}
	calc := s.CalculateTeeTimes()
	var t2 uint32
	if v, ok := s.RebindTimer(); ok {
		t2 = v
	} else if calc {
		t2 = uint32(math.Round(s.T2Percent() * float64(valid)))
	}
	ceiling := valid
	if t2 > 0 && t2 < ceiling {
		resp.Options[uint8(dhcpv4.OptionRebindingTimeValue)] = be32(t2)
		ceiling = t2
	}
	var t1 uint32
	if v, ok := s.RenewTimer(); ok {
		t1 = v
	} else if calc {
		t1 = uint32(math.Round(s.T1Percent() * float64(valid)))
	}
	if t1 > 0 && t1 < ceiling {
		resp.Options[uint8(dhcpv4.OptionRenewTimeValue)] = be32(t1)
	}
}

func be32(v uint32) []byte {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	return b[:]
}

// netmask returns option 1's payload for a subnet.
func netmask(p netip.Prefix) []byte {
	bits := p.Bits()
	if bits < 0 {
		bits = 0
	}
	var m uint32
	if bits > 0 {
		m = ^uint32(0) << (32 - bits)
	}
	return be32(m)
}

// setFixedFields sets siaddr, sname and file (Kea's setFixedFields): the
// subnet's values, overridden by the first class (in packet order) that
// sets each, overridden by the reservation.
func (ex *exchange) setFixedFields(resp *dhcpv4.DHCPv4) {
	var next netip.Addr
	var sname, file string
	if s := ex.subnet; s != nil {
		next, sname, file = s.NextServer(), s.ServerHostname(), s.BootFileName()
	}
	var cNext netip.Addr
	var cSname, cFile string
	for _, name := range ex.classes {
		c := ex.snap.cfg.ClientClass(name)
		if c == nil {
			continue
		}
		if !isSetAddr(cNext) && isSetAddr(c.NextServer) {
			cNext = c.NextServer
		}
		if cSname == "" {
			cSname = c.ServerHostname
		}
		if cFile == "" {
			cFile = c.BootFileName
		}
	}
	if isSetAddr(cNext) {
		next = cNext
	}
	if cSname != "" {
		sname = cSname
	}
	if cFile != "" {
		file = cFile
	}
	if h := ex.host; h != nil {
		if isSetAddr(h.NextServer) {
			next = h.NextServer
		}
		if h.ServerHostname != "" {
			sname = h.ServerHostname
		}
		if h.BootFileName != "" {
			file = h.BootFileName
		}
	}
	if isSetAddr(next) {
		resp.ServerIPAddr = ipOf(next)
	}
	resp.ServerHostName = sname
	resp.BootFileName = file
}

func isSetAddr(a netip.Addr) bool { return a.IsValid() && !a.IsUnspecified() }

// Message size limits (RFC 2131 §2, RFC 2132 §9.10).
const (
	minMaxMessageSize = 576
	ipUDPHeaders      = 28
	bootpFixed        = 240 // BOOTP header and magic cookie
)

// maxMessageSize is the largest reply the client takes: option 57 when it
// is at least 576, else 576, minus the IP and UDP headers.
func maxMessageSize(req *dhcpv4.DHCPv4) int {
	limit := minMaxMessageSize
	if b := req.Options.Get(dhcpv4.OptionMaximumDHCPMessageSize); len(b) == 2 {
		if v := int(binary.BigEndian.Uint16(b)); v > limit {
			limit = v
		}
	}
	return limit - ipUDPHeaders
}

// encodedSize is the size resp.ToBytes will have, without the padding to
// 300 bytes.
func encodedSize(resp *dhcpv4.DHCPv4) int {
	n := bootpFixed + 1 // + End
	for _, v := range resp.Options {
		l := len(v)
		if l == 0 {
			n += 2
			continue
		}
		n += l + 2*((l+254)/255)
	}
	return n
}

// trimToSize removes optional options (those added from the option lists,
// least important first) until the reply fits the client's maximum
// message size.
func (ex *exchange) trimToSize(resp *dhcpv4.DHCPv4) {
	limit := maxMessageSize(ex.req)
	size := encodedSize(resp)
	for i := len(ex.order) - 1; i >= 0 && size > limit; i-- {
		c := ex.order[i]
		if v, ok := resp.Options[c]; ok {
			l := len(v)
			size -= l + 2*max(1, (l+254)/255)
			delete(resp.Options, c)
		}
	}
}
