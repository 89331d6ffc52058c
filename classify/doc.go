// Package classify is Kea's client classification expression language
// (libeval): the "test" of a client class, compiled once per configuration
// and evaluated per packet.
//
// # Model
//
//	Kea (libeval)                        this package
//	EvalContext::parseString             Compile (boolean), CompileValue (string)
//	Expression (token stack)             *Expr (a tree, immutable, shared)
//	evaluateBool / evaluateString        Expr.Eval / Expr.EvalValue
//	Pkt4 / Pkt6 seen by tokens           Packet (adapters Packet4, Packet6)
//	ClientClassDef::getDependOnKnown     Expr.DependsOnKnown
//	member() dependency check            Expr.Classes
//	EvalParseError "<loc>: <msg>"        *Error "classify: line:col: msg"
//
// Values are byte strings and == compares bytes, as in Kea. Booleans are
// Kea's 'true'/'false'; they only appear where Kea's grammar allows a
// boolean (and, or, not, the ifelse condition, the whole test), so they are
// kept as Go bools. A missing option reads as the empty string for .hex and .text.
//
// # Supported (Kea 2.2 grammar)
//
//	literals      'string'  0xHEX (odd digit count: leading 0)  123 (4-byte
//	              big-endian)  192.0.2.1  2001:db8::1  ::ffff:10.0.0.1
//	logic         not  and  or  ( )  ==     precedence: not > and > or
//	options       option[CODE|NAME].hex|text|exists
//	              option[CODE|NAME].option[SUB].hex|text|exists
//	              relay4[SUB].hex|text|exists          (v4, option 82)
//	              relay6[NEST].option[CODE].hex|text|exists  (v6)
//	              relay6[NEST].peeraddr|linkaddr       (v6)
//	fields        pkt4.mac|hlen|htype|ciaddr|giaddr|yiaddr|siaddr|msgtype|transid
//	              pkt6.msgtype|transid
//	              pkt.iface|src|dst|len
//	vendor        vendor.enterprise  vendor[*|0|ENT].exists
//	              vendor[*|0|ENT].option[CODE].hex|text|exists
//	              vendor-class.enterprise  vendor-class[*|0|ENT].exists
//	              vendor-class[*|0|ENT].data  vendor-class[*|0|ENT].data[0..255]
//	classes       member('NAME')
//	functions     substring(V, START, LEN|all)  concat(A, B)  A + B
//	              ifelse(COND, A, B)  hexstring(V, SEP)  split(V, DELIMS, N)
//	              addrtotext(V)  int8totext  int16totext  int32totext
//	              uint8totext  uint16totext  uint32totext
//	parentheses   around conditions and around values ((option[1].hex) == 'a')
//	extensions    true, false; known (member('KNOWN')) and unknown (not
//	              member('KNOWN')), which the 2.2 ARM lists but kea-dhcp4 2.2
//	              refuses ("Invalid character: u")
//
// Both the grammar and the results are checked against kea-dhcp4 and
// kea-dhcp6 2.2.0 themselves: testdata/kea22-verdicts.tsv holds some 260
// expressions with the verdict of "kea-dhcpN -t" on a config using each one
// (TestKea22Verdicts requires the same verdict, save the extensions), and
// testdata/kea22-eval[46].tsv a v4 and a relayed v6 packet with the result
// Kea logged (EVAL_RESULT) for each of some 190 expressions (TestKea22Eval
// requires the same results, save the differences listed below).
//
// Option names are resolved when compiling through the option.DefSet of the
// server (the standard definitions plus option-def), in its default space
// (dhcp4 or dhcp6); relay6 options take codes only, as in Kea. relay4 and
// pkt4 compile only for option.V4, relay6 and pkt6 only for option.V6.
// Option codes are 0..255 in v4 and 0..65535 in v6; relay6 nesting levels
// are -32..31.
//
// substring follows Kea's TokenSubstring: a negative start counts from the
// end, a negative length takes the bytes before start, a start outside the
// value gives the empty string. split counts fields from 1, adjacent delimiters give an
// empty field, no delimiters give the whole value. relay6 nesting levels
// count from 0, the outermost relay (closest to the server); a negative
// level counts from the innermost (-1 is the relay closest to the client).
// A missing relay level gives the empty string and false. The vendor constructs look at
// the first vendor (125 / 17) or vendor class (124 / 16) option and, in v4,
// its first enterprise block, as Kea does.
//
// Where Kea aborts an evaluation with an error (an [u]intNtotext or
// addrtotext argument of the wrong size, a substring or split integer out
// of int32 range), the whole evaluation is false: Kea does not assign the
// class either.
//
// Expr.Classes lists the member() names; a server refuses, as Kea does, a
// member() of a class that is neither BuiltIn nor defined before it, and
// evaluates the tests that depend on KNOWN/UNKNOWN (directly or through
// such a class) after the host lookup.
//
// # Differences from Kea 2.2
//
//   - .text is Kea's Option::toString: the value of an option whose
//     definition is a (non-array) string, else Kea's rendering of a generic
//     option, "type=CCC, len=LLL: hh:hh:..." (5 digits in DHCPv6), which is
//     what Kea gives for options without a definition and binary ones
//     (relay4[1].text of circuit-id "eth0" is
//     'type=001, len=004: 65:74:68:30'). For other typed options (integers,
//     addresses, records, encapsulating options) Kea gives its debug text
//     ("type=053, len=001: 1 (uint8)") and this package the generic
//     rendering: use .hex for those.
//   - pkt.len is the received datagram's length (Packet.Len); Kea's v4
//     pkt.len is the length of the packet re-encoded from what it parsed,
//     which can be a few bytes less.
//   - Not supported: what Kea added after 2.2 (for example lcase, ucase,
//     the template classes). CompileValue gives the string evaluation Kea
//     uses elsewhere (flex-id, template classes).
//   - Error messages are this package's (line:column, what was expected),
//     not bison's.
//
// # Concurrency and cost
//
// An *Expr is safe for concurrent use. Eval allocates nothing itself (it
// keeps a pooled scratch buffer for computed values); Packet4 allocates
// nothing, Packet6 allocates when it re-serializes an option insomniacslk
// parsed into a typed value.
package classify
