package classify

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"strconv"
	"sync"

	"github.com/dhcpsrv/dhcpsrv/option"
)

// state is one evaluation: the packet and a scratch arena for computed
// values. Values are sub-slices of the arena or of the packet; the arena
// only grows by append, so a value stays valid when it reallocates.
type state struct {
	p   Packet
	buf []byte
	v6  bool
	// failed is set by a node that Kea would throw from (an integer
	// argument out of range, a conversion of a value of the wrong size):
	// the evaluation is then false, as Kea does not assign the class.
	failed bool
}

var statePool = sync.Pool{New: func() any { return &state{buf: make([]byte, 0, 256)} }}

type boolNode interface{ evalBool(s *state) bool }
type valNode interface{ evalVal(s *state) []byte }

// ---- booleans

type constBool bool

func (b constBool) evalBool(*state) bool { return bool(b) }

type notNode struct{ x boolNode }

func (n notNode) evalBool(s *state) bool { return !n.x.evalBool(s) }

type andNode struct{ x, y boolNode }

func (n andNode) evalBool(s *state) bool { return n.x.evalBool(s) && n.y.evalBool(s) }

type orNode struct{ x, y boolNode }

func (n orNode) evalBool(s *state) bool { return n.x.evalBool(s) || n.y.evalBool(s) }

type eqNode struct{ x, y valNode }

func (n eqNode) evalBool(s *state) bool { return bytes.Equal(n.x.evalVal(s), n.y.evalVal(s)) }

type memberNode string

func (m memberNode) evalBool(s *state) bool { return s.p.Member(string(m)) }

// existsNode turns a value lookup into .exists.
type existsNode struct{ x lookup }

func (n existsNode) evalBool(s *state) bool { _, ok := n.x.lookup(s); return ok }

// lookup is a value that may be absent (an option); absent reads as the empty string.
type lookup interface {
	lookup(s *state) ([]byte, bool)
}

type lookupVal struct{ x lookup }

func (n lookupVal) evalVal(s *state) []byte { v, _ := n.x.lookup(s); return v }

// ---- values

// textNode is .text of an option that is not a plain string: Kea's
// Option::toText of a generic option, "type=CCC, len=LLL: hh:hh:..."
// (5 digits in DHCPv6), ” when absent.
type textNode struct {
	x    lookup
	code uint16
	v6   bool
}

func (n textNode) evalVal(s *state) []byte {
	v, ok := n.x.lookup(s)
	if !ok {
		return nil
	}
	start := len(s.buf)
	w := 3
	if n.v6 {
		w = 5
	}
	s.buf = append(s.buf, "type="...)
	s.buf = appendPadded(s.buf, uint64(n.code), w)
	s.buf = append(s.buf, ", len="...)
	s.buf = appendPadded(s.buf, uint64(len(v)), w)
	s.buf = append(s.buf, ": "...)
	const digits = "0123456789abcdef"
	for i, c := range v {
		if i > 0 {
			s.buf = append(s.buf, ':')
		}
		s.buf = append(s.buf, digits[c>>4], digits[c&15])
	}
	return s.buf[start:]
}

func appendPadded(b []byte, v uint64, w int) []byte {
	var tmp [20]byte
	d := strconv.AppendUint(tmp[:0], v, 10)
	for i := len(d); i < w; i++ {
		b = append(b, '0')
	}
	return append(b, d...)
}

type literal []byte

func (l literal) evalVal(*state) []byte { return l }

type optLookup struct{ code uint16 }

func (o optLookup) lookup(s *state) ([]byte, bool) { return s.p.Option(o.code) }

// subOptLookup is option[code].option[sub]: a sub-option of an
// encapsulating option (also relay4[sub], the sub-options of option 82).
type subOptLookup struct{ code, sub uint16 }

func (o subOptLookup) lookup(s *state) ([]byte, bool) {
	v, ok := s.p.Option(o.code)
	if !ok {
		return nil, false
	}
	return subOption(v, o.sub, s.v6)
}

// subOption finds a sub-option in a payload of sub-options: 1-byte codes
// and lengths in v4, 2-byte in v6.
func subOption(b []byte, code uint16, v6 bool) ([]byte, bool) {
	if !v6 {
		if code > 255 {
			return nil, false
		}
		return option.SubOption4(b, uint8(code))
	}
	for len(b) >= 4 {
		c, n := binary.BigEndian.Uint16(b), int(binary.BigEndian.Uint16(b[2:]))
		if len(b) < 4+n {
			return nil, false
		}
		if c == code {
			return b[4 : 4+n], true
		}
		b = b[4+n:]
	}
	return nil, false
}

// relay6Lookup is relay6[nest].option[code].
type relay6Lookup struct {
	nest int
	code uint16
}

func nestIndex(s *state, nest int) (int, bool) {
	n := s.p.Relay6Count()
	if nest < 0 {
		nest += n
	}
	return nest, nest >= 0 && nest < n
}

func (o relay6Lookup) lookup(s *state) ([]byte, bool) {
	i, ok := nestIndex(s, o.nest)
	if !ok {
		return nil, false
	}
	return s.p.Relay6Option(i, o.code)
}

type relay6Addr struct {
	nest int
	peer bool
}

func (o relay6Addr) evalVal(s *state) []byte {
	i, ok := nestIndex(s, o.nest)
	if !ok {
		return nil
	}
	peer, link := s.p.Relay6Addrs(i)
	a := link
	if o.peer {
		a = peer
	}
	return appendAddr(s, a)
}

func appendAddr(s *state, a netip.Addr) []byte {
	if !a.IsValid() {
		return nil
	}
	start := len(s.buf)
	if a.Is4() {
		b := a.As4()
		s.buf = append(s.buf, b[:]...)
	} else {
		b := a.As16()
		s.buf = append(s.buf, b[:]...)
	}
	return s.buf[start:]
}

type fieldNode Field

func (f fieldNode) evalVal(s *state) []byte {
	start := len(s.buf)
	out, ok := s.p.AppendField(s.buf, Field(f))
	if !ok {
		return nil
	}
	s.buf = out
	return out[start:]
}

type pktField uint8

const (
	pktIface pktField = iota
	pktSrc
	pktDst
	pktLen
)

func (f pktField) evalVal(s *state) []byte {
	switch f {
	case pktIface:
		start := len(s.buf)
		s.buf = append(s.buf, s.p.Iface()...)
		return s.buf[start:]
	case pktSrc:
		return appendAddr(s, s.p.Src())
	case pktDst:
		return appendAddr(s, s.p.Dst())
	}
	return appendU32(s, uint32(s.p.Len()))
}

func appendU32(s *state, v uint32) []byte {
	start := len(s.buf)
	s.buf = binary.BigEndian.AppendUint32(s.buf, v)
	return s.buf[start:]
}

// substring(x, start, length) with Kea's TokenSubstring rules.
type substrNode struct {
	x          valNode
	start, len int
	all        bool
	bad        bool // start or length out of int32 range
}

func (n substrNode) evalVal(s *state) []byte {
	v := n.x.evalVal(s)
	if n.bad {
		s.failed = true
		return nil
	}
	l := len(v)
	start, length := n.start, n.len
	if n.all {
		length = l
	}
	if start < -l || start >= l {
		return nil
	}
	if start < 0 {
		start += l
	}
	if length < 0 {
		length = -length
		if length <= start {
			start -= length
		} else {
			length = start
			start = 0
		}
	}
	if length > l-start {
		length = l - start
	}
	return v[start : start+length]
}

type concatNode struct{ x, y valNode }

func (n concatNode) evalVal(s *state) []byte {
	a := n.x.evalVal(s)
	b := n.y.evalVal(s)
	start := len(s.buf)
	s.buf = append(s.buf, a...)
	s.buf = append(s.buf, b...)
	return s.buf[start:]
}

type ifelseNode struct {
	c    boolNode
	x, y valNode
}

func (n ifelseNode) evalVal(s *state) []byte {
	// Kea evaluates both branches; they have no side effects.
	if n.c.evalBool(s) {
		return n.x.evalVal(s)
	}
	return n.y.evalVal(s)
}

type hexstringNode struct{ x, sep valNode }

func (n hexstringNode) evalVal(s *state) []byte {
	v := n.x.evalVal(s)
	sep := n.sep.evalVal(s)
	const digits = "0123456789abcdef"
	start := len(s.buf)
	for i, c := range v {
		if i > 0 {
			s.buf = append(s.buf, sep...)
		}
		s.buf = append(s.buf, digits[c>>4], digits[c&15])
	}
	return s.buf[start:]
}

// splitNode is split(x, delims, field): the field-th (1-based) field of x
// split at any byte of delims; empty when there is no such field.
type splitNode struct {
	x, delims valNode
	field     int
	bad       bool // field out of int32 range
}

func (n splitNode) evalVal(s *state) []byte {
	v := n.x.evalVal(s)
	d := n.delims.evalVal(s)
	if n.bad {
		s.failed = true
		return nil
	}
	if len(v) == 0 {
		return nil
	}
	if len(d) == 0 {
		return v
	}
	if n.field < 1 {
		return nil
	}
	f := 1
	begin := 0
	for i := 0; i <= len(v); i++ {
		if i == len(v) || bytes.IndexByte(d, v[i]) >= 0 {
			if f == n.field {
				return v[begin:i]
			}
			f++
			begin = i + 1
		}
	}
	return nil
}

type addrToText struct{ x valNode }

func (n addrToText) evalVal(s *state) []byte {
	v := n.x.evalVal(s)
	if len(v) == 0 {
		return nil
	}
	a, ok := netip.AddrFromSlice(v)
	if !ok {
		s.failed = true
		return nil
	}
	start := len(s.buf)
	s.buf = a.AppendTo(s.buf)
	return s.buf[start:]
}

// intToText is [u]int{8,16,32}totext: the value must be exactly size
// bytes or empty; Kea throws otherwise, and the evaluation fails.
type intToText struct {
	x      valNode
	size   int
	signed bool
}

func (n intToText) evalVal(s *state) []byte {
	v := n.x.evalVal(s)
	if len(v) == 0 {
		return nil
	}
	if len(v) != n.size {
		s.failed = true
		return nil
	}
	var u uint64
	for _, c := range v {
		u = u<<8 | uint64(c)
	}
	start := len(s.buf)
	if n.signed {
		shift := 64 - 8*n.size
		s.buf = strconv.AppendInt(s.buf, int64(u<<shift)>>shift, 10)
	} else {
		s.buf = strconv.AppendUint(s.buf, u, 10)
	}
	return s.buf[start:]
}

// ---- vendor options

// vendorBlock returns, for vendor[ent] (ent < 0: any), the enterprise and
// payload of the vendor option (v4 125 vivso blocks, v6 17) or of the
// vendor class option (v4 124, v6 16).
func vendorBlock(s *state, class bool, ent int64) (uint32, []byte, bool) {
	code := uint16(125)
	switch {
	case s.v6 && class:
		code = 16
	case s.v6:
		code = 17
	case class:
		code = 124
	}
	b, ok := s.p.Option(code)
	if !ok || len(b) < 4 {
		return 0, nil, false
	}
	if s.v6 {
		e := binary.BigEndian.Uint32(b)
		if ent >= 0 && uint32(ent) != e {
			return 0, nil, false
		}
		return e, b[4:], true
	}
	// The first enterprise block only, as Kea (which keeps one option per
	// block and looks at the first).
	if len(b) < 5 || len(b) < 5+int(b[4]) {
		return 0, nil, false
	}
	e := binary.BigEndian.Uint32(b)
	if ent >= 0 && uint32(ent) != e {
		return 0, nil, false
	}
	return e, b[5 : 5+int(b[4])], true
}

type vendorLookup struct {
	class bool
	ent   int64 // -1: any
}

func (n vendorLookup) lookup(s *state) ([]byte, bool) {
	_, _, ok := vendorBlock(s, n.class, n.ent)
	return nil, ok
}

type vendorEnterprise struct {
	class bool
	ent   int64
}

func (n vendorEnterprise) evalVal(s *state) []byte {
	e, _, ok := vendorBlock(s, n.class, n.ent)
	if !ok {
		return nil
	}
	return appendU32(s, e)
}

type vendorOptLookup struct {
	ent  int64
	code uint16
}

func (n vendorOptLookup) lookup(s *state) ([]byte, bool) {
	_, b, ok := vendorBlock(s, false, n.ent)
	if !ok {
		return nil, false
	}
	return subOption(b, n.code, s.v6)
}

// vendorClassData is vendor-class[ent].data[idx]: the idx-th tuple (in v4
// the data of the idx-th enterprise block).
type vendorClassData struct {
	ent int64
	idx int
}

func (n vendorClassData) evalVal(s *state) []byte {
	_, b, ok := vendorBlock(s, true, n.ent)
	if !ok {
		return nil
	}
	if !s.v6 {
		// Kea's OptionVendorClass in v4: each enterprise block's
		// vendor-class-data is one tuple (data-len is its length), the
		// enterprise numbers of the blocks after the first are skipped.
		if n.idx == 0 {
			return b
		}
		all, _ := s.p.Option(124)
		all = all[5+len(b):]
		for i := 1; len(all) >= 5; i++ {
			l := int(all[4])
			if len(all) < 5+l {
				return nil
			}
			if i == n.idx {
				return all[5 : 5+l]
			}
			all = all[5+l:]
		}
		return nil
	}
	lenSize := 1
	if s.v6 {
		lenSize = 2
	}
	for i := 0; len(b) >= lenSize; i++ {
		l := int(b[0])
		if s.v6 {
			l = int(binary.BigEndian.Uint16(b))
		}
		if len(b) < lenSize+l {
			return nil
		}
		if i == n.idx {
			return b[lenSize : lenSize+l]
		}
		b = b[lenSize+l:]
	}
	return nil
}
