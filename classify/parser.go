package classify

import (
	"encoding/hex"
	"net/netip"
	"slices"
	"strconv"

	"github.com/dhcpsrv/dhcpsrv/option"
)

type parser struct {
	expr string
	toks []token
	pos  int
	defs *option.DefSet
	v6   bool
	deps []string
	// valTok is the first token of the value mixedUnary returned last.
	valTok token
	depth  int // of parentheses
}

// maxDepth bounds the nesting of parentheses (and so the recursion).
const maxDepth = 256

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *parser) errAt(t token, format string, args ...any) error {
	return newError(p.expr, t.off, format, args...)
}

// is reports whether the next token is the punctuation or keyword s.
func (p *parser) is(s string) bool {
	t := p.peek()
	return (t.kind == tPunct || t.kind == tIdent) && t.text == s
}

func (p *parser) expect(s, after string) error {
	if !p.is(s) {
		t := p.peek()
		if after != "" {
			return p.errAt(t, "expected '%s' after %s, got %s", s, after, t)
		}
		return p.errAt(t, "expected '%s', got %s", s, t)
	}
	p.next()
	return nil
}

// The boolean grammar is parsed together with values, without
// backtracking: a parenthesized expression may be either (Kea accepts
// "(option[1].hex) == 'a'"). Where a boolean is required and a value was
// parsed, the error is the missing "==".

// orExpr parses a boolean expression.
func (p *parser) orExpr() (boolNode, error) {
	b, v, err := p.mixedOr()
	if err != nil {
		return nil, err
	}
	return p.needBool(b, v)
}

func (p *parser) needBool(b boolNode, v valNode) (boolNode, error) {
	if v == nil {
		return b, nil
	}
	t := p.valTok
	what := "literal"
	if t.kind == tIdent {
		what = t.text + " value"
	}
	return nil, p.errAt(p.peek(), "expected '==' after %s, got %s", what, p.peek())
}

func (p *parser) mixedOr() (boolNode, valNode, error) {
	b, v, err := p.mixedAnd()
	if err != nil || v != nil {
		return b, v, err
	}
	for p.is("or") {
		p.next()
		y, v, err := p.mixedAnd()
		if err != nil {
			return nil, nil, err
		}
		if v != nil {
			_, err := p.needBool(nil, v)
			return nil, nil, err
		}
		b = orNode{b, y}
	}
	return b, nil, nil
}

func (p *parser) mixedAnd() (boolNode, valNode, error) {
	b, v, err := p.mixedUnary()
	if err != nil || v != nil {
		return b, v, err
	}
	for p.is("and") {
		p.next()
		y, v, err := p.mixedUnary()
		if err != nil {
			return nil, nil, err
		}
		if v != nil {
			_, err := p.needBool(nil, v)
			return nil, nil, err
		}
		b = andNode{b, y}
	}
	return b, nil, nil
}

// mixedUnary parses not X, V == V, a boolean term, or a value (returned
// as v, with its first token in p.valTok).
func (p *parser) mixedUnary() (boolNode, valNode, error) {
	if p.is("not") {
		p.next()
		b, v, err := p.mixedUnary()
		if err != nil {
			return nil, nil, err
		}
		if b, err = p.needBool(b, v); err != nil {
			return nil, nil, err
		}
		return notNode{b}, nil, nil
	}
	t := p.peek()
	b, v, err := p.term()
	if err != nil || b != nil {
		return b, nil, err
	}
	if v, err = p.plus(v); err != nil {
		return nil, nil, err
	}
	if !p.is("==") {
		p.valTok = t
		return nil, v, nil
	}
	p.next()
	y, err := p.value()
	if err != nil {
		return nil, nil, err
	}
	return eqNode{v, y}, nil, nil
}

// paren parses what follows "(": a boolean or a value expression, then
// ")".
func (p *parser) paren() (boolNode, valNode, error) {
	if p.depth++; p.depth > maxDepth {
		return nil, nil, p.errAt(p.peek(), "parentheses nested deeper than %d", maxDepth)
	}
	defer func() { p.depth-- }()
	b, v, err := p.mixedOr()
	if err != nil {
		return nil, nil, err
	}
	return b, v, p.expect(")", "expression")
}

// value parses a string expression.
func (p *parser) value() (valNode, error) {
	t := p.peek()
	b, v, err := p.term()
	if err != nil {
		return nil, err
	}
	if b != nil {
		return nil, p.errAt(t, "expected a value, got the boolean %s", t)
	}
	return p.plus(v)
}

// plus parses the rest of v + v + ... (Kea 1.9.8's concat operator, left
// associative).
func (p *parser) plus(v valNode) (valNode, error) {
	for p.is("+") {
		p.next()
		t := p.peek()
		b, y, err := p.term()
		if err != nil {
			return nil, err
		}
		if b != nil {
			return nil, p.errAt(t, "expected a value, got the boolean %s", t)
		}
		v = concatNode{v, y}
	}
	return v, nil
}

func (p *parser) boolArg() (boolNode, error) {
	return p.orExpr()
}

// term parses a boolean or value term; exactly one of b and v is set.
func (p *parser) term() (b boolNode, v valNode, err error) {
	t := p.next()
	switch t.kind {
	case tEOF:
		return nil, nil, p.errAt(t, "unexpected end of expression")
	case tString:
		return nil, literal(t.text), nil
	case tHex:
		h := t.text
		if len(h)%2 == 1 {
			h = "0" + h
		}
		d, err := hex.DecodeString(h)
		if err != nil {
			return nil, nil, p.errAt(t, "invalid hexadecimal literal")
		}
		return nil, literal(d), nil
	case tAddr:
		a, err := netip.ParseAddr(t.text)
		if err != nil || a.Zone() != "" {
			return nil, nil, p.errAt(t, "invalid IP address %s", t)
		}
		return nil, literal(a.AsSlice()), nil
	case tInt:
		n, err := strconv.ParseUint(t.text, 10, 32)
		if err != nil {
			return nil, nil, p.errAt(t, "integer %s is not a 32-bit unsigned integer", t.text)
		}
		return nil, literal([]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), nil
	case tPunct:
		if t.text == "(" {
			return p.paren()
		}
		return nil, nil, p.errAt(t, "unexpected %s", t)
	}
	switch t.text {
	case "true", "false":
		return constBool(t.text == "true"), nil, nil
	case "known", "unknown":
		p.dep(ClassKNOWN)
		if t.text == "unknown" {
			return notNode{memberNode(ClassKNOWN)}, nil, nil
		}
		return memberNode(ClassKNOWN), nil, nil
	case "member":
		if err := p.expect("(", "member"); err != nil {
			return nil, nil, err
		}
		s := p.next()
		if s.kind != tString || s.text == "" {
			return nil, nil, p.errAt(s, "expected a class name string in member(), got %s", s)
		}
		p.dep(s.text)
		return memberNode(s.text), nil, p.expect(")", "class name")
	case "option":
		code, err := p.optionCode(t)
		if err != nil {
			return nil, nil, err
		}
		if err := p.expect(".", "option code"); err != nil {
			return nil, nil, err
		}
		if p.is("option") {
			p.next()
			sub, err := p.code("sub-option code", p.maxCode())
			if err != nil {
				return nil, nil, err
			}
			if err := p.expect(".", "sub-option code"); err != nil {
				return nil, nil, err
			}
			return p.repr(subOptLookup{code, uint16(sub)}, p.encapsulated(code), uint16(sub))
		}
		return p.repr(optLookup{code}, p.defs.DefaultSpace(), code)
	case "relay4":
		if p.v6 {
			return nil, nil, p.errAt(t, "relay4 is only available in DHCPv4")
		}
		sub, err := p.code("relay4 sub-option code", 255)
		if err != nil {
			return nil, nil, err
		}
		if err := p.expect(".", "relay4 sub-option code"); err != nil {
			return nil, nil, err
		}
		return p.repr(subOptLookup{82, uint16(sub)}, "dhcp-agent-options-space", uint16(sub))
	case "relay6":
		if !p.v6 {
			return nil, nil, p.errAt(t, "relay6 is only available in DHCPv6")
		}
		if err := p.expect("[", "relay6"); err != nil {
			return nil, nil, err
		}
		nt := p.next()
		nest, err := strconv.Atoi(nt.text)
		if nt.kind != tInt || err != nil || nest > 31 || nest < -32 {
			return nil, nil, p.errAt(nt, "expected a nesting level -32..31 in relay6[], got %s", nt)
		}
		if err := p.expect("]", "nesting level"); err != nil {
			return nil, nil, err
		}
		if err := p.expect(".", "relay6[]"); err != nil {
			return nil, nil, err
		}
		f := p.next()
		switch f.text {
		case "peeraddr", "linkaddr":
			return nil, relay6Addr{nest, f.text == "peeraddr"}, nil
		case "option":
			code, err := p.code("option code", 65535)
			if err != nil {
				return nil, nil, err
			}
			if err := p.expect(".", "option code"); err != nil {
				return nil, nil, err
			}
			return p.repr(relay6Lookup{nest, uint16(code)}, p.defs.DefaultSpace(), uint16(code))
		}
		return nil, nil, p.errAt(f, "expected 'option', 'peeraddr' or 'linkaddr' after relay6[], got %s", f)
	case "pkt4", "pkt6", "pkt":
		if t.text == "pkt4" && p.v6 || t.text == "pkt6" && !p.v6 {
			return nil, nil, p.errAt(t, "%s is not available in DHCPv%s", t.text, map[bool]string{true: "6", false: "4"}[p.v6])
		}
		if err := p.expect(".", t.text); err != nil {
			return nil, nil, err
		}
		f := p.next()
		if n, ok := pktFields[t.text+"."+f.text]; ok {
			return nil, n, nil
		}
		return nil, nil, p.errAt(f, "unknown field %s of %s", f, t.text)
	case "substring":
		return p.substring(t)
	case "concat", "hexstring":
		args, err := p.args(t.text, 2)
		if err != nil {
			return nil, nil, err
		}
		if t.text == "concat" {
			return nil, concatNode{args[0], args[1]}, nil
		}
		return nil, hexstringNode{args[0], args[1]}, nil
	case "addrtotext", "int8totext", "int16totext", "int32totext", "uint8totext", "uint16totext", "uint32totext":
		args, err := p.args(t.text, 1)
		if err != nil {
			return nil, nil, err
		}
		switch t.text {
		case "addrtotext":
			return nil, addrToText{args[0]}, nil
		case "int8totext":
			return nil, intToText{args[0], 1, true}, nil
		case "int16totext":
			return nil, intToText{args[0], 2, true}, nil
		case "int32totext":
			return nil, intToText{args[0], 4, true}, nil
		case "uint8totext":
			return nil, intToText{args[0], 1, false}, nil
		case "uint16totext":
			return nil, intToText{args[0], 2, false}, nil
		}
		return nil, intToText{args[0], 4, false}, nil
	case "ifelse":
		if err := p.expect("(", "ifelse"); err != nil {
			return nil, nil, err
		}
		c, err := p.boolArg()
		if err != nil {
			return nil, nil, err
		}
		args, err := p.restArgs("ifelse", 2)
		if err != nil {
			return nil, nil, err
		}
		return nil, ifelseNode{c, args[0], args[1]}, nil
	case "split":
		if err := p.expect("(", "split"); err != nil {
			return nil, nil, err
		}
		x, err := p.value()
		if err != nil {
			return nil, nil, err
		}
		if err := p.expect(",", "split string"); err != nil {
			return nil, nil, err
		}
		d, err := p.value()
		if err != nil {
			return nil, nil, err
		}
		if err := p.expect(",", "split delimiters"); err != nil {
			return nil, nil, err
		}
		ft := p.next()
		if ft.kind != tInt {
			return nil, nil, p.errAt(ft, "expected a field number in split(), got %s", ft)
		}
		f, ok := int32Arg(ft.text)
		return nil, splitNode{x, d, f, !ok}, p.expect(")", "split field number")
	case "vendor", "vendor-class":
		return p.vendor(t)
	}
	return nil, nil, p.errAt(t, "unknown keyword %s", t)
}

var pktFields = map[string]valNode{
	"pkt4.mac":     fieldNode(FieldMAC),
	"pkt4.hlen":    fieldNode(FieldHLen),
	"pkt4.htype":   fieldNode(FieldHType),
	"pkt4.ciaddr":  fieldNode(FieldCiaddr),
	"pkt4.giaddr":  fieldNode(FieldGiaddr),
	"pkt4.yiaddr":  fieldNode(FieldYiaddr),
	"pkt4.siaddr":  fieldNode(FieldSiaddr),
	"pkt4.msgtype": fieldNode(FieldMsgType4),
	"pkt4.transid": fieldNode(FieldTransID4),
	"pkt6.msgtype": fieldNode(FieldMsgType6),
	"pkt6.transid": fieldNode(FieldTransID6),
	"pkt.iface":    pktIface,
	"pkt.src":      pktSrc,
	"pkt.dst":      pktDst,
	"pkt.len":      pktLen,
}

func (p *parser) dep(name string) {
	if !slices.Contains(p.deps, name) {
		p.deps = append(p.deps, name)
	}
}

func (p *parser) maxCode() int {
	if p.v6 {
		return 65535
	}
	return 255
}

// code parses "[" INTEGER "]".
func (p *parser) code(what string, max int) (int, error) {
	if err := p.expect("[", ""); err != nil {
		return 0, err
	}
	t := p.next()
	n, err := strconv.Atoi(t.text)
	if t.kind != tInt || err != nil || n < 0 || n > max {
		return 0, p.errAt(t, "expected %s 0..%d, got %s", what, max, t)
	}
	return n, p.expect("]", what)
}

// optionCode parses "[" code-or-name "]" after option.
func (p *parser) optionCode(kw token) (uint16, error) {
	if err := p.expect("[", "option"); err != nil {
		return 0, err
	}
	t := p.next()
	var code int
	switch t.kind {
	case tInt:
		n, err := strconv.Atoi(t.text)
		if err != nil || n < 0 || n > p.maxCode() {
			return 0, p.errAt(t, "expected option code 0..%d, got %s", p.maxCode(), t)
		}
		code = n
	case tIdent:
		d, ok := p.defs.Lookup(p.defs.DefaultSpace(), t.text)
		if !ok {
			return 0, p.errAt(t, "option %s is not defined", t)
		}
		code = int(d.Code)
	default:
		return 0, p.errAt(t, "expected option code or name, got %s", t)
	}
	return uint16(code), p.expect("]", "option code")
}

// repr parses hex, text or exists after "option[..].". space and code
// locate the option's definition, which decides the .text rendering (space
// "": none).
func (p *parser) repr(l lookup, space string, code uint16) (boolNode, valNode, error) {
	t := p.next()
	switch {
	case t.text == "exists" && t.kind == tIdent:
		return existsNode{l}, nil, nil
	case t.text == "hex" && t.kind == tIdent:
		return nil, lookupVal{l}, nil
	case t.text == "text" && t.kind == tIdent:
		if space != "" {
			if d, ok := p.defs.LookupCode(space, code); ok && d.Type == option.TypeString && !d.Array {
				return nil, lookupVal{l}, nil
			}
		}
		return nil, textNode{l, code, p.v6}, nil
	}
	return nil, nil, p.errAt(t, "expected 'hex', 'text' or 'exists', got %s", t)
}

// encapsulated returns the option space encapsulated by option code of
// the default space, or "".
func (p *parser) encapsulated(code uint16) string {
	if d, ok := p.defs.LookupCode(p.defs.DefaultSpace(), code); ok {
		return d.Encapsulate
	}
	return ""
}

func (p *parser) args(fn string, n int) ([]valNode, error) {
	if err := p.expect("(", fn); err != nil {
		return nil, err
	}
	x, err := p.value()
	if err != nil {
		return nil, err
	}
	if n == 1 {
		return []valNode{x}, p.expect(")", fn+" argument")
	}
	rest, err := p.restArgs(fn, n-1)
	if err != nil {
		return nil, err
	}
	return append([]valNode{x}, rest...), nil
}

// restArgs parses ", v" n times then ")".
func (p *parser) restArgs(fn string, n int) ([]valNode, error) {
	var out []valNode
	for range n {
		if err := p.expect(",", fn+" argument"); err != nil {
			return nil, err
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, p.expect(")", fn+" arguments")
}

func (p *parser) substring(kw token) (boolNode, valNode, error) {
	if err := p.expect("(", "substring"); err != nil {
		return nil, nil, err
	}
	x, err := p.value()
	if err != nil {
		return nil, nil, err
	}
	if err := p.expect(",", "substring string"); err != nil {
		return nil, nil, err
	}
	st := p.next()
	if st.kind != tInt {
		return nil, nil, p.errAt(st, "expected an integer start in substring(), got %s", st)
	}
	start, ok := int32Arg(st.text)
	if err := p.expect(",", "substring start"); err != nil {
		return nil, nil, err
	}
	n := substrNode{x: x, start: start, bad: !ok}
	lt := p.next()
	switch {
	case lt.kind == tIdent && lt.text == "all":
		n.all = true
	case lt.kind == tInt:
		n.len, ok = int32Arg(lt.text)
		n.bad = n.bad || !ok
	default:
		return nil, nil, p.errAt(lt, "expected an integer length or 'all' in substring(), got %s", lt)
	}
	return nil, n, p.expect(")", "substring length")
}

// vendor parses vendor.enterprise, vendor[ent].exists,
// vendor[ent].option[code].hex|exists, vendor-class.enterprise,
// vendor-class[ent].exists|data|data[i]; ent is * or 0 for any.
func (p *parser) vendor(kw token) (boolNode, valNode, error) {
	class := kw.text == "vendor-class"
	ent := int64(-1)
	bracket := p.is("[")
	if bracket {
		p.next()
		t := p.next()
		switch {
		case t.kind == tPunct && t.text == "*":
		case t.kind == tInt:
			n, err := strconv.ParseUint(t.text, 10, 32)
			if err != nil {
				return nil, nil, p.errAt(t, "enterprise id %s out of range", t.text)
			}
			if n != 0 { // 0 is a wildcard, as *
				ent = int64(n)
			}
		default:
			return nil, nil, p.errAt(t, "expected an enterprise id or '*', got %s", t)
		}
		if err := p.expect("]", "enterprise id"); err != nil {
			return nil, nil, err
		}
	}
	if err := p.expect(".", kw.text); err != nil {
		return nil, nil, err
	}
	f := p.next()
	if (f.text == "enterprise") != !bracket {
		if bracket {
			return nil, nil, p.errAt(f, "expected 'exists', 'option' or 'data' after %s[], got %s (use %s.enterprise)", kw.text, f, kw.text)
		}
		return nil, nil, p.errAt(f, "expected 'enterprise' after %s, got %s", kw.text, f)
	}
	switch {
	case f.text == "enterprise":
		return nil, vendorEnterprise{class, ent}, nil
	case f.text == "exists":
		return existsNode{vendorLookup{class, ent}}, nil, nil
	case f.text == "option" && !class:
		code, err := p.code("vendor option code", p.maxCode())
		if err != nil {
			return nil, nil, err
		}
		if err := p.expect(".", "vendor option code"); err != nil {
			return nil, nil, err
		}
		space := ""
		if ent >= 0 {
			space = option.VendorSpace(uint32(ent))
		}
		return p.repr(vendorOptLookup{ent, uint16(code)}, space, uint16(code))
	case f.text == "data" && class:
		idx := 0
		if p.is("[") {
			n, err := p.code("tuple index", 255)
			if err != nil {
				return nil, nil, err
			}
			idx = n
		}
		return nil, vendorClassData{ent, idx}, nil
	}
	if class {
		return nil, nil, p.errAt(f, "expected 'exists', 'enterprise' or 'data' after vendor-class, got %s", f)
	}
	return nil, nil, p.errAt(f, "expected 'exists', 'enterprise' or 'option' after vendor, got %s", f)
}

// int32Arg converts the integer argument of substring or split. Kea
// accepts any integer when parsing and fails the evaluation when it does
// not fit an int32: ok false.
func int32Arg(s string) (int, bool) {
	n, err := strconv.ParseInt(s, 10, 32)
	return int(n), err == nil
}
