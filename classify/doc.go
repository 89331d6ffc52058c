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
// kept as Go bools. A missing option reads as ” for .hex and .text.
//
// # Supported (Kea 2.2 grammar)
//
//	literals      'string'  0xHEX (odd digit count: leading 0)  123 (4-byte
//	              big-endian)  192.0.2.1  2001:db8::1
//	logic         not  and  or  ( )  ==     precedence: not > and > or
//	options       option[CODE|NAME].hex|text|exists
//	              option[CODE|NAME].option[SUB].hex|exists
//	              relay4[SUB].hex|text|exists          (v4, option 82)
//	              relay6[NEST].option[CODE].hex|text|exists  (v6)
//	              relay6[NEST].peeraddr|linkaddr       (v6)
//	fields        pkt4.mac|hlen|htype|ciaddr|giaddr|yiaddr|siaddr|msgtype|transid
//	              pkt6.msgtype|transid
//	              pkt.iface|src|dst|len
//	vendor        vendor.enterprise  vendor[*|ENT].exists|enterprise
//	              vendor[*|ENT].option[CODE].hex|exists
//	              vendor-class.enterprise  vendor-class[*|ENT].exists|enterprise
//	              vendor-class[*|ENT].data  vendor-class[*|ENT].data[I]
//	classes       member('NAME')  known  unknown
//	functions     substring(V, START, LEN|all)  concat(A, B)
//	              ifelse(COND, A, B)  hexstring(V, SEP)  split(V, DELIMS, N)
//	              addrtotext(V)  int8totext  int16totext  int32totext
//	              uint8totext  uint16totext  uint32totext
//	extensions    true, false (not in Kea); 'all' as a quoted string
//
// Option names are resolved when compiling through the option.DefSet of the
// server (the standard definitions plus option-def), in its default space
// (dhcp4 or dhcp6). relay4 and pkt4 compile only for option.V4, relay6 and
// pkt6 only for option.V6.
//
// substring follows Kea's TokenSubstring: a negative start counts from the
// end, a negative length takes the bytes before start, a start outside the
// value gives ”. relay6 nesting levels count from 0, the outermost relay
// (closest to the server); a negative level counts from the innermost (-1
// is the relay closest to the client). A missing relay level gives ” and
// false.
//
// # Differences from Kea 2.2
//
//   - option[N].text returns the raw option bytes. Kea calls the option's
//     toString(), which is the same for string and binary options but is
//     the decimal text of integer options and the dotted text of address
//     options.
//   - vendor[ENT] and vendor-class[ENT] in v4 look at every enterprise block
//     of options 125/124; Kea only at the first. In v6 the first option 17
//     or 16 is used, as in Kea.
//   - [u]intNtotext of a value of the wrong size gives ” where Kea fails the
//     evaluation (the class is not assigned either way for an == test).
//   - Not supported: what Kea added after 2.2 (for example lcase, ucase,
//     and template classes, whose string evaluation CompileValue covers
//     only in part), and .text of sub-options and vendor options (Kea 2.2
//     has only .hex and .exists there either).
//   - Kea rejects a configuration whose member() names a class not defined
//     before; this package only reports the names (Expr.Classes) and leaves
//     that check to the server.
//
// # Concurrency and cost
//
// An *Expr is safe for concurrent use. Eval allocates nothing itself (it
// keeps a pooled scratch buffer for computed values); Packet4 allocates
// nothing, Packet6 allocates when it re-serializes an option insomniacslk
// parsed into a typed value.
package classify
