package dhcp4srv

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// Client classification (Kea's Dhcpv4Srv::classifyPacket and
// evaluateClasses), without Kea's full expression language.
//
// Built-in classes, in this order: ALL; VENDOR_CLASS_<data of option 60>
// when the packet carries option 60; BOOTP for a request without a DHCP
// message type. Then the configured classes are evaluated in configuration
// order: first those whose test does not mention KNOWN or UNKNOWN, before
// subnet selection; after the host reservation lookup, KNOWN or UNKNOWN,
// the reservation's client-classes, and the classes whose test mentions
// KNOWN or UNKNOWN.
//
// Supported tests (see compileTest): a class whose test is empty is never
// assigned by evaluation (as in Kea: it is for reservations and for
// option/guard references). A test that uses anything else is ignored:
// the class is never assigned by evaluation, and the server logs one
// warning per class when the configuration is installed. Classes marked
// only-if-required are not evaluated (no required-classes support).

// classTest is a compiled class test.
type classTest struct {
	name      string
	def       *cfgmgr.ClientClass
	expr      node
	dependsOn bool // mentions KNOWN/UNKNOWN: evaluated after host lookup
}

// packetView is what class tests read.
type packetView struct {
	req     *dhcpv4.DHCPv4
	classes []string
}

func (p *packetView) member(name string) bool {
	for _, c := range p.classes {
		if c == name {
			return true
		}
	}
	return false
}

// node is an expression tree node: a boolean test or a value.
type node interface {
	eval(p *packetView) ([]byte, bool)
}

type boolConst bool

func (b boolConst) eval(*packetView) ([]byte, bool) { return nil, bool(b) }

type member string

func (m member) eval(p *packetView) ([]byte, bool) { return nil, p.member(string(m)) }

type notNode struct{ x node }

func (n notNode) eval(p *packetView) ([]byte, bool) { _, b := n.x.eval(p); return nil, !b }

type andNode struct{ x, y node }

func (n andNode) eval(p *packetView) ([]byte, bool) {
	if _, b := n.x.eval(p); !b {
		return nil, false
	}
	_, b := n.y.eval(p)
	return nil, b
}

type orNode struct{ x, y node }

func (n orNode) eval(p *packetView) ([]byte, bool) {
	if _, b := n.x.eval(p); b {
		return nil, true
	}
	_, b := n.y.eval(p)
	return nil, b
}

type eqNode struct{ x, y node }

func (n eqNode) eval(p *packetView) ([]byte, bool) {
	a, _ := n.x.eval(p)
	b, _ := n.y.eval(p)
	return nil, bytes.Equal(a, b)
}

type literal []byte

func (l literal) eval(*packetView) ([]byte, bool) { return l, true }

type optionValue struct {
	code   uint8
	exists bool
	relay  bool // relay4[code]: sub-option of option 82
}

func (o optionValue) eval(p *packetView) ([]byte, bool) {
	var v []byte
	var ok bool
	if o.relay {
		rai := p.req.Options.Get(dhcpv4.OptionRelayAgentInformation)
		v, _ = option.SubOption4(rai, o.code)
		ok = v != nil
	} else {
		v, ok = p.req.Options[o.code]
	}
	if o.exists {
		return nil, ok
	}
	return v, ok
}

type macValue struct{}

func (macValue) eval(p *packetView) ([]byte, bool) { return p.req.ClientHWAddr, true }

type substring struct {
	x          node
	start, len int // len < 0: all
}

func (s substring) eval(p *packetView) ([]byte, bool) {
	v, _ := s.x.eval(p)
	start := s.start
	if start < 0 {
		start += len(v)
		if start < 0 {
			start = 0
		}
	}
	if start >= len(v) {
		return nil, true
	}
	v = v[start:]
	if s.len >= 0 && s.len < len(v) {
		v = v[:s.len]
	}
	return v, true
}

var errUnsupported = errors.New("unsupported expression")

// compileTest compiles the subset of Kea's expression language the server
// honours:
//
//	true, false, not X, X and Y, X or Y, ( X )
//	member('NAME')                      (including KNOWN, UNKNOWN, ALL, ...)
//	V == V                              byte comparison
//	option[CODE].exists, relay4[CODE].exists
//	values: 'string', 0xHEX, an IPv4 address literal,
//	        option[CODE].hex, option[CODE].text, relay4[CODE].hex,
//	        pkt4.mac, substring(V, START, LENGTH|'all')
//
// Option names in option[...] are not supported, only codes.
func compileTest(s string) (n node, dependsOnKnown bool, err error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, false, err
	}
	p := &parser{toks: toks}
	n, err = p.or()
	if err != nil {
		return nil, false, err
	}
	if p.pos != len(p.toks) {
		return nil, false, fmt.Errorf("%w: unexpected %q", errUnsupported, p.toks[p.pos])
	}
	return n, p.known, nil
}

func tokenize(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("%w: unterminated string", errUnsupported)
			}
			toks = append(toks, s[i:i+j+2])
			i += j + 2
		case c == '=' && i+1 < len(s) && s[i+1] == '=':
			toks = append(toks, "==")
			i += 2
		case strings.IndexByte("()[],", c) >= 0:
			toks = append(toks, s[i:i+1])
			i++
		case c == '.' || c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(s) && (s[j] == '.' || s[j] == '_' || s[j] == '-' || s[j] >= '0' && s[j] <= '9' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z') {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			return nil, fmt.Errorf("%w: character %q", errUnsupported, c)
		}
	}
	return toks, nil
}

type parser struct {
	toks  []string
	pos   int
	known bool
}

func (p *parser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *parser) next() string {
	t := p.peek()
	if p.pos < len(p.toks) {
		p.pos++
	}
	return t
}

func (p *parser) expect(t string) error {
	if got := p.next(); got != t {
		return fmt.Errorf("%w: expected %q, got %q", errUnsupported, t, got)
	}
	return nil
}

func (p *parser) or() (node, error) {
	x, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peek() == "or" {
		p.next()
		y, err := p.and()
		if err != nil {
			return nil, err
		}
		x = orNode{x, y}
	}
	return x, nil
}

func (p *parser) and() (node, error) {
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.peek() == "and" {
		p.next()
		y, err := p.unary()
		if err != nil {
			return nil, err
		}
		x = andNode{x, y}
	}
	return x, nil
}

func (p *parser) unary() (node, error) {
	switch p.peek() {
	case "not":
		p.next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	case "(":
		p.next()
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		return x, p.expect(")")
	case "true":
		p.next()
		return boolConst(true), nil
	case "false":
		p.next()
		return boolConst(false), nil
	case "member":
		p.next()
		if err := p.expect("("); err != nil {
			return nil, err
		}
		s := p.next()
		if len(s) < 2 || s[0] != '\'' {
			return nil, fmt.Errorf("%w: member needs a class name", errUnsupported)
		}
		name := s[1 : len(s)-1]
		if name == "KNOWN" || name == "UNKNOWN" {
			p.known = true
		}
		return member(name), p.expect(")")
	}
	x, isBool, err := p.value()
	if err != nil {
		return nil, err
	}
	if isBool {
		return x, nil
	}
	if err := p.expect("=="); err != nil {
		return nil, err
	}
	y, isBool, err := p.value()
	if err != nil {
		return nil, err
	}
	if isBool {
		return nil, fmt.Errorf("%w: comparison with a boolean", errUnsupported)
	}
	return eqNode{x, y}, nil
}

// value parses a value; isBool reports an .exists test.
func (p *parser) value() (node, bool, error) {
	t := p.next()
	switch {
	case t == "":
		return nil, false, fmt.Errorf("%w: unexpected end", errUnsupported)
	case t[0] == '\'':
		return literal(t[1 : len(t)-1]), false, nil
	case strings.HasPrefix(t, "0x") || strings.HasPrefix(t, "0X"):
		h := t[2:]
		if len(h)%2 == 1 {
			h = "0" + h
		}
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, false, fmt.Errorf("%w: %q", errUnsupported, t)
		}
		return literal(b), false, nil
	case t == "pkt4.mac":
		return macValue{}, false, nil
	case t == "option" || t == "relay4":
		if err := p.expect("["); err != nil {
			return nil, false, err
		}
		code, err := strconv.ParseUint(p.next(), 10, 8)
		if err != nil {
			return nil, false, fmt.Errorf("%w: option code", errUnsupported)
		}
		if err := p.expect("]"); err != nil {
			return nil, false, err
		}
		o := optionValue{code: uint8(code), relay: t == "relay4"}
		switch p.next() {
		case ".exists":
			o.exists = true
			return o, true, nil
		case ".hex", ".text":
			return o, false, nil
		}
		return nil, false, fmt.Errorf("%w: option accessor", errUnsupported)
	case t == "substring":
		if err := p.expect("("); err != nil {
			return nil, false, err
		}
		x, isBool, err := p.value()
		if err != nil || isBool {
			return nil, false, fmt.Errorf("%w: substring argument", errUnsupported)
		}
		s := substring{x: x}
		if err := p.expect(","); err != nil {
			return nil, false, err
		}
		if s.start, err = strconv.Atoi(p.next()); err != nil {
			return nil, false, fmt.Errorf("%w: substring start", errUnsupported)
		}
		if err := p.expect(","); err != nil {
			return nil, false, err
		}
		switch l := p.next(); l {
		case "'all'", "all":
			s.len = -1
		default:
			if s.len, err = strconv.Atoi(l); err != nil || s.len < 0 {
				return nil, false, fmt.Errorf("%w: substring length", errUnsupported)
			}
		}
		return s, false, p.expect(")")
	}
	if a, err := netip.ParseAddr(t); err == nil && a.Is4() {
		b := a.As4()
		return literal(b[:]), false, nil
	}
	return nil, false, fmt.Errorf("%w: %q", errUnsupported, t)
}

// compileClasses compiles the config's class tests. Classes with an empty
// test or only-if-required are left out; unsupported tests are returned in
// ignored with the reason.
func compileClasses(cfg *cfgmgr.Config) (tests []classTest, ignored map[string]error) {
	for _, c := range cfg.ClientClasses {
		if c == nil || strings.TrimSpace(c.Test) == "" || c.OnlyIfRequired {
			continue
		}
		n, dep, err := compileTest(c.Test)
		if err != nil {
			if ignored == nil {
				ignored = map[string]error{}
			}
			ignored[c.Name] = err
			continue
		}
		tests = append(tests, classTest{name: c.Name, def: c, expr: n, dependsOn: dep})
	}
	return tests, ignored
}

// Built-in class names.
const (
	ClassALL     = "ALL"
	ClassKNOWN   = "KNOWN"
	ClassUNKNOWN = "UNKNOWN"
	ClassBOOTP   = "BOOTP"
	// ClassDROP: a packet classified in DROP (by a test that does not
	// depend on KNOWN/UNKNOWN) is dropped, as in Kea.
	ClassDROP = "DROP"
	// ClassVendorPrefix is followed by the data of option 60.
	ClassVendorPrefix = "VENDOR_CLASS_"
)

// classifyEarly assigns the built-in classes and evaluates the tests that
// do not depend on KNOWN/UNKNOWN.
func (ex *exchange) classifyEarly() {
	ex.classes = append(ex.classes[:0], ClassALL)
	if v := ex.req.Options.Get(dhcpv4.OptionClassIdentifier); len(v) > 0 {
		ex.classes = append(ex.classes, ClassVendorPrefix+string(v))
	}
	if ex.bootp {
		ex.classes = append(ex.classes, ClassBOOTP)
	}
	ex.evalClasses(false)
}

// classifyLate adds KNOWN/UNKNOWN, the reservation's classes and the tests
// that depend on them.
func (ex *exchange) classifyLate() {
	if ex.host != nil {
		ex.classes = append(ex.classes, ClassKNOWN)
		for _, c := range ex.host.ClientClasses4 {
			ex.addClass(c)
		}
	} else {
		ex.classes = append(ex.classes, ClassUNKNOWN)
	}
	ex.evalClasses(true)
}

func (ex *exchange) addClass(name string) {
	for _, c := range ex.classes {
		if c == name {
			return
		}
	}
	ex.classes = append(ex.classes, name)
}

func (ex *exchange) evalClasses(late bool) {
	pv := packetView{req: ex.req}
	for i := range ex.snap.classes {
		t := &ex.snap.classes[i]
		if t.dependsOn != late {
			continue
		}
		pv.classes = ex.classes
		if _, ok := t.expr.eval(&pv); ok {
			ex.addClass(t.name)
		}
	}
}
