package classify

import (
	"slices"
	"strings"

	"github.com/dhcpsrv/dhcpsrv/option"
)

// Built-in class names an expression may depend on.
const (
	ClassALL     = "ALL"
	ClassKNOWN   = "KNOWN"
	ClassUNKNOWN = "UNKNOWN"
)

// BuiltIn reports whether name is a class Kea defines itself, which a
// member() may name without a client-classes entry (Kea's
// isClientClassBuiltIn): ALL, KNOWN, UNKNOWN, BOOTP and the names starting
// with VENDOR_CLASS_, HA_, AFTER_ or EXTERNAL_.
func BuiltIn(name string) bool {
	switch name {
	case ClassALL, ClassKNOWN, ClassUNKNOWN, "BOOTP":
		return true
	}
	for _, p := range []string{"VENDOR_CLASS_", "HA_", "AFTER_", "EXTERNAL_"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// Expr is a compiled expression. It is immutable and safe for concurrent
// use by any number of goroutines.
type Expr struct {
	src  string
	b    boolNode // set for a boolean expression (Compile)
	v    valNode  // set for a value expression (CompileValue)
	v6   bool
	deps []string
}

// Compile compiles a boolean expression, the test of a client class. defs
// resolves option names in option[name] (nil: the standard definitions of
// universe); universe selects DHCPv4 or DHCPv6 (relay4 and pkt4 are only
// valid in V4, relay6 and pkt6 only in V6). The error is an *Error that
// locates the problem.
func Compile(expr string, defs *option.DefSet, universe option.Universe) (*Expr, error) {
	p, err := newParser(expr, defs, universe)
	if err != nil {
		return nil, err
	}
	b, err := p.orExpr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t, "unexpected %s after expression", t)
	}
	return &Expr{src: expr, b: b, v6: p.v6, deps: p.deps}, nil
}

// CompileValue compiles a value (string) expression, as Kea's
// evaluateString uses them. Evaluate it with EvalValue.
func CompileValue(expr string, defs *option.DefSet, universe option.Universe) (*Expr, error) {
	p, err := newParser(expr, defs, universe)
	if err != nil {
		return nil, err
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t, "unexpected %s after expression", t)
	}
	return &Expr{src: expr, v: v, v6: p.v6, deps: p.deps}, nil
}

func newParser(expr string, defs *option.DefSet, universe option.Universe) (*parser, error) {
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	v6 := universe == option.V6
	if defs == nil {
		defs = option.NewDefSet(universe)
	}
	return &parser{expr: expr, toks: toks, defs: defs, v6: v6}, nil
}

// String returns the source of the expression.
func (e *Expr) String() string { return e.src }

// IsBool reports whether e is a boolean expression (from Compile).
func (e *Expr) IsBool() bool { return e.b != nil }

// Classes returns the classes the expression tests with member(), known
// or unknown, in order of first use. The caller must not modify it.
func (e *Expr) Classes() []string { return e.deps }

// DependsOnKnown reports whether the expression tests KNOWN or UNKNOWN and
// so must be evaluated after the host reservation lookup (Kea's
// "depend on known" classes).
func (e *Expr) DependsOnKnown() bool {
	return slices.Contains(e.deps, ClassKNOWN) || slices.Contains(e.deps, ClassUNKNOWN)
}

// Eval evaluates a boolean expression against a packet. A value
// expression evaluates to true when its value is "true", as Kea's
// evaluateBool. An evaluation Kea would abort with an error (see the
// package documentation) is false. Eval does not allocate unless the
// Packet does.
func (e *Expr) Eval(p Packet) bool {
	s := statePool.Get().(*state)
	s.p, s.v6, s.buf, s.failed = p, e.v6, s.buf[:0], false
	var r bool
	if e.b != nil {
		r = e.b.evalBool(s)
	} else {
		r = string(e.v.evalVal(s)) == "true"
	}
	r = r && !s.failed
	s.p = nil
	if cap(s.buf) <= 4096 {
		statePool.Put(s)
	}
	return r
}

// EvalValue evaluates the expression and appends its value to dst. A
// boolean expression gives "true" or "false"; a failed evaluation appends
// nothing.
func (e *Expr) EvalValue(dst []byte, p Packet) []byte {
	if e.b != nil {
		if e.Eval(p) {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	}
	s := statePool.Get().(*state)
	s.p, s.v6, s.buf, s.failed = p, e.v6, s.buf[:0], false
	v := e.v.evalVal(s)
	if !s.failed {
		dst = append(dst, v...)
	}
	s.p = nil
	if cap(s.buf) <= 4096 {
		statePool.Put(s)
	}
	return dst
}
