package dhcp4srv

import (
	"fmt"
	"strings"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/classify"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// Client classification (Kea's Dhcpv4Srv::classifyPacket and
// evaluateClasses).
//
// Built-in classes, in this order: ALL; VENDOR_CLASS_<data of option 60>
// when the packet carries option 60; BOOTP for a request without a DHCP
// message type. Then the configured classes are evaluated in configuration
// order: first those whose test does not mention KNOWN or UNKNOWN, before
// subnet selection; after the host reservation lookup, KNOWN or UNKNOWN,
// the reservation's client-classes, and the classes whose test mentions
// KNOWN or UNKNOWN.
//
// Tests are Kea's expression language, compiled by package classify when
// the configuration is installed (option names resolve through the
// config's option definitions). A class whose test is empty is never
// assigned by evaluation (as in Kea: it is for reservations and for
// option/guard references). A test that does not compile is ignored: the
// class is never assigned by evaluation, and the server logs one warning
// per class when the configuration is installed. Classes marked
// only-if-required are not evaluated (no required-classes support). A test
// depends on KNOWN/UNKNOWN when it uses known, unknown, member('KNOWN'),
// member('UNKNOWN') or member() of a class whose test does (Kea's
// depend-on-known): such tests are evaluated after the host lookup.

// classTest is a compiled class test.
type classTest struct {
	name      string
	def       *cfgmgr.ClientClass
	expr      *classify.Expr
	dependsOn bool // depends on KNOWN/UNKNOWN: evaluated after host lookup
}

// compileClasses compiles the config's class tests. Classes with an empty
// test or only-if-required are left out; tests that do not compile are
// returned in ignored with the reason.
func compileClasses(cfg *cfgmgr.Config) (tests []classTest, ignored map[string]error) {
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
		e, err := classify.Compile(c.Test, defs, option.V4)
		if err == nil {
			err = checkDeps(e, defined)
		}
		if err != nil {
			if ignored == nil {
				ignored = map[string]error{}
			}
			ignored[c.Name] = err
			defined[c.Name] = true
			continue
		}
		dep := e.DependsOnKnown()
		for _, m := range e.Classes() {
			dep = dep || late[m]
		}
		late[c.Name] = dep
		defined[c.Name] = true
		tests = append(tests, classTest{name: c.Name, def: c, expr: e, dependsOn: dep})
	}
	return tests, ignored
}

// Built-in class names.
const (
	ClassALL     = classify.ClassALL
	ClassKNOWN   = classify.ClassKNOWN
	ClassUNKNOWN = classify.ClassUNKNOWN
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
	if len(ex.snap.classes) == 0 {
		return
	}
	pv := &ex.pkt
	*pv = classify.Packet4{Msg: ex.req, SrcAddr: ex.w.RemoteAddr().Addr().Unmap(),
		DstAddr: ex.w.LocalAddr().Addr().Unmap(), Size: len(ex.w.Raw())}
	if ifc := ex.w.Interface(); ifc != nil {
		pv.IfName = ifc.Name
	}
	for i := range ex.snap.classes {
		t := &ex.snap.classes[i]
		if t.dependsOn != late {
			continue
		}
		pv.Classes = ex.classes
		if t.expr.Eval(pv) {
			ex.addClass(t.name)
		}
	}
	*pv = classify.Packet4{}
}

// checkDeps refuses, as Kea does, a member() of a class that is neither
// built in nor defined before in client-classes.
func checkDeps(e *classify.Expr, defined map[string]bool) error {
	for _, m := range e.Classes() {
		if !classify.BuiltIn(m) && !defined[m] {
			return fmt.Errorf("dhcp4srv: member('%s'): class %s is not defined before this one", m, m)
		}
	}
	return nil
}
