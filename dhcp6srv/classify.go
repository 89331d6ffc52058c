package dhcp6srv

import (
	"fmt"
	"strings"

	"github.com/insomniacslk/dhcp/dhcpv6"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/classify"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// Client classification (Kea's Dhcpv6Srv::classifyPacket and
// evaluateClasses).
//
// Built-in classes, in this order: ALL; VENDOR_CLASS_<first data tuple of
// the vendor class option (16)> when the client sends one (Kea 2.2's
// naming for v6). Then the configured classes whose test does not depend on
// KNOWN/UNKNOWN are evaluated in configuration order, before subnet
// selection; a packet then in DROP is dropped. After the host reservation
// lookup come KNOWN or UNKNOWN, the reservation's client-classes, and the
// classes whose test depends on KNOWN/UNKNOWN (directly with known,
// unknown, member('KNOWN'), member('UNKNOWN'), or through member() of such
// a class), in configuration order.
//
// Tests are Kea's expression language (package classify); option names
// resolve through the config's option definitions. A class with an empty
// test is only assigned by reservations; a test that does not compile is
// ignored (the class is only assigned by reservations) with a warning
// logged once per configuration. Classes marked only-if-required are not
// evaluated (no required-classes support).

// Built-in class names.
const (
	ClassALL     = classify.ClassALL
	ClassKNOWN   = classify.ClassKNOWN
	ClassUNKNOWN = classify.ClassUNKNOWN
	// ClassDROP: a packet classified in DROP by a test that does not depend
	// on KNOWN/UNKNOWN is dropped, as in Kea.
	ClassDROP = "DROP"
	// ClassVendorPrefix is followed by the first data tuple of the vendor
	// class option (16).
	ClassVendorPrefix = "VENDOR_CLASS_"
)

// classTest is a compiled class test.
type classTest struct {
	name string
	expr *classify.Expr
	late bool // depends on KNOWN/UNKNOWN: evaluated after host lookup
}

type classTests struct {
	tests   []classTest
	ignored map[string]error
}

// compileClasses compiles the config's class tests in configuration order.
func compileClasses(cfg *cfgmgr.Config) *classTests {
	ct := &classTests{}
	var defs *option.DefSet
	late := map[string]bool{}
	defined := map[string]bool{}
	for _, c := range cfg.ClientClasses {
		if c == nil {
			continue
		}
		if strings.TrimSpace(c.Test) == "" || c.OnlyIfRequired {
			defined[c.Name] = true
			continue
		}
		if defs == nil {
			defs = cfg.DefSet()
		}
		e, err := classify.Compile(c.Test, defs, option.V6)
		if err == nil {
			err = checkDeps(e, defined)
		}
		if err != nil {
			if ct.ignored == nil {
				ct.ignored = map[string]error{}
			}
			ct.ignored[c.Name] = err
			defined[c.Name] = true
			continue
		}
		dep := e.DependsOnKnown()
		for _, m := range e.Classes() {
			dep = dep || late[m]
		}
		late[c.Name] = dep
		defined[c.Name] = true
		ct.tests = append(ct.tests, classTest{name: c.Name, expr: e, late: dep})
	}
	return ct
}

// classTests compiles the class tests of cfg once per configuration (the
// server keeps them in its state snapshot) and logs those that do not
// compile.
func (s *Server) classTests(cfg *cfgmgr.Config) *classTests {
	if len(cfg.ClientClasses) == 0 {
		return nil
	}
	ct := compileClasses(cfg)
	for name, err := range ct.ignored {
		s.o.log.Warn("dhcp6srv: client class test does not compile, class is only assigned by reservations",
			"class", name, "err", err)
	}
	return ct
}

// packet6 is the class tests' view of the exchange; pkt.len serializes the
// request only when a test asks for it.
type packet6 struct {
	classify.Packet6
	req dhcpv6.DHCPv6
}

func (p *packet6) Len() int {
	if p.Size == 0 && p.req != nil {
		p.Size = len(p.req.ToBytes())
	}
	return p.Size
}

// classify assigns the built-in classes (Kea's classifyPacket): ALL and
// VENDOR_CLASS_<data> from the vendor class option (16), then evaluates
// the tests that do not depend on KNOWN/UNKNOWN. It reports false when the
// packet is in DROP.
func (x *exchange) classify() bool {
	x.classes = append(x.classes, ClassALL)
	for _, vc := range x.msg.Options.VendorClasses() {
		if len(vc.Data) > 0 {
			x.classes = append(x.classes, ClassVendorPrefix+string(vc.Data[0]))
			break
		}
	}
	x.evalClasses(false)
	for _, c := range x.classes {
		if c == ClassDROP {
			return false
		}
	}
	return true
}

// classifyLate evaluates the tests that depend on KNOWN/UNKNOWN; findHost
// has added KNOWN or UNKNOWN and the reservation's classes.
func (x *exchange) classifyLate() { x.evalClasses(true) }

func (x *exchange) addClass(name string) {
	for _, c := range x.classes {
		if c == name {
			return
		}
	}
	x.classes = append(x.classes, name)
}

func (x *exchange) evalClasses(late bool) {
	ct := x.st.classes
	if ct == nil || len(ct.tests) == 0 {
		return
	}
	p := &packet6{Packet6: classify.Packet6{Msg: x.msg, Relays: x.relays,
		SrcAddr: x.w.RemoteAddr().Addr(), DstAddr: x.w.LocalAddr().Addr()}, req: x.req}
	if ifc := x.w.Interface(); ifc != nil {
		p.IfName = ifc.Name
	}
	for i := range ct.tests {
		t := &ct.tests[i]
		if t.late != late {
			continue
		}
		p.Classes = x.classes
		if t.expr.Eval(p) {
			x.addClass(t.name)
		}
	}
}

// checkDeps refuses, as Kea does, a member() of a class that is neither
// built in nor defined before in client-classes.
func checkDeps(e *classify.Expr, defined map[string]bool) error {
	for _, m := range e.Classes() {
		if !classify.BuiltIn(m) && !defined[m] {
			return fmt.Errorf("dhcp6srv: member('%s'): class %s is not defined before this one", m, m)
		}
	}
	return nil
}
