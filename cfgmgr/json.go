package cfgmgr

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds the JSON reader for Kea configuration files. Kea accepts
// more than RFC 8259: comments in three styles ("//", "#" and "/* */"),
// and numbers written with a leading dot (".5"). The reader produces:
//
//	*object  for a map (keys in file order, duplicates reported),
//	[]any    for a list,
//	string, bool, nil,
//	number   for a number (its canonical text).

// number is a JSON number kept as text, canonicalised so that encoding/json
// accepts it (".5" becomes "0.5").
type number string

type member struct {
	key  string
	val  any
	line int
}

// object is a JSON map that remembers key order and the line of each key.
type object struct {
	members []member
	line    int
}

func (o *object) get(key string) (any, bool) {
	for i := range o.members {
		if o.members[i].key == key {
			return o.members[i].val, true
		}
	}
	return nil, false
}

// toPlain converts a parsed value to plain Go JSON values (map[string]any,
// []any, string, json.Number, bool, nil) for user contexts and raw maps.
func toPlain(v any) any {
	switch t := v.(type) {
	case *object:
		m := make(map[string]any, len(t.members))
		for _, mb := range t.members {
			m[mb.key] = toPlain(mb.val)
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = toPlain(e)
		}
		return out
	case number:
		return json.Number(t)
	default:
		return v
	}
}

// SyntaxError is a malformed configuration file: where and what.
type SyntaxError struct {
	Line, Column int
	Msg          string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("cfgmgr: syntax error at line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 200

type reader struct {
	s     string
	pos   int
	line  int
	col0  int // offset of the current line start
	depth int
}

func parseJSON(data []byte) (v any, err error) {
	r := &reader{s: string(data), line: 1}
	defer func() {
		if p := recover(); p != nil {
			se, ok := p.(*SyntaxError)
			if !ok {
				panic(p)
			}
			v, err = nil, se
		}
	}()
	r.skip()
	v = r.value()
	r.skip()
	if r.pos < len(r.s) {
		r.fail("unexpected %q after the top-level value", r.s[r.pos])
	}
	return v, nil
}

func (r *reader) fail(format string, args ...any) {
	panic(&SyntaxError{Line: r.line, Column: r.pos - r.col0 + 1, Msg: fmt.Sprintf(format, args...)})
}

// skip skips white space and comments.
func (r *reader) skip() {
	for r.pos < len(r.s) {
		c := r.s[r.pos]
		switch {
		case c == '\n':
			r.pos++
			r.line++
			r.col0 = r.pos
		case c == ' ' || c == '\t' || c == '\r':
			r.pos++
		case c == '#' || (c == '/' && r.pos+1 < len(r.s) && r.s[r.pos+1] == '/'):
			for r.pos < len(r.s) && r.s[r.pos] != '\n' {
				r.pos++
			}
		case c == '/' && r.pos+1 < len(r.s) && r.s[r.pos+1] == '*':
			r.pos += 2
			for {
				if r.pos+1 >= len(r.s) {
					r.fail("unterminated /* comment")
				}
				if r.s[r.pos] == '*' && r.s[r.pos+1] == '/' {
					r.pos += 2
					break
				}
				if r.s[r.pos] == '\n' {
					r.line++
					r.col0 = r.pos + 1
				}
				r.pos++
			}
		default:
			return
		}
	}
}

func (r *reader) value() any {
	if r.pos >= len(r.s) {
		r.fail("unexpected end of input")
	}
	switch c := r.s[r.pos]; {
	case c == '{':
		return r.object()
	case c == '[':
		return r.list()
	case c == '"':
		return r.str()
	case c == '-' || c == '.' || (c >= '0' && c <= '9'):
		return r.num()
	case strings.HasPrefix(r.s[r.pos:], "true"):
		r.pos += 4
		return true
	case strings.HasPrefix(r.s[r.pos:], "false"):
		r.pos += 5
		return false
	case strings.HasPrefix(r.s[r.pos:], "null"):
		r.pos += 4
		return nil
	default:
		r.fail("unexpected character %q", c)
		return nil
	}
}

func (r *reader) enter() {
	r.depth++
	if r.depth > maxDepth {
		r.fail("nesting deeper than %d", maxDepth)
	}
}

func (r *reader) object() *object {
	r.enter()
	o := &object{line: r.line}
	r.pos++ // {
	r.skip()
	if r.pos < len(r.s) && r.s[r.pos] == '}' {
		r.pos++
		r.depth--
		return o
	}
	for {
		r.skip()
		if r.pos >= len(r.s) || r.s[r.pos] != '"' {
			r.fail("expected a quoted key")
		}
		line := r.line
		k := r.str()
		r.skip()
		if r.pos >= len(r.s) || r.s[r.pos] != ':' {
			r.fail("expected ':' after key %q", k)
		}
		r.pos++
		r.skip()
		v := r.value()
		o.members = append(o.members, member{key: k, val: v, line: line})
		r.skip()
		if r.pos >= len(r.s) {
			r.fail("unterminated map")
		}
		switch r.s[r.pos] {
		case ',':
			r.pos++
			continue
		case '}':
			r.pos++
			r.depth--
			return o
		default:
			r.fail("expected ',' or '}' in map, got %q", r.s[r.pos])
		}
	}
}

func (r *reader) list() []any {
	r.enter()
	r.pos++ // [
	out := []any{}
	r.skip()
	if r.pos < len(r.s) && r.s[r.pos] == ']' {
		r.pos++
		r.depth--
		return out
	}
	for {
		r.skip()
		out = append(out, r.value())
		r.skip()
		if r.pos >= len(r.s) {
			r.fail("unterminated list")
		}
		switch r.s[r.pos] {
		case ',':
			r.pos++
		case ']':
			r.pos++
			r.depth--
			return out
		default:
			r.fail("expected ',' or ']' in list, got %q", r.s[r.pos])
		}
	}
}

func (r *reader) str() string {
	r.pos++ // opening quote
	start := r.pos
	// Fast path: no escapes.
	for r.pos < len(r.s) {
		c := r.s[r.pos]
		if c == '"' {
			s := r.s[start:r.pos]
			r.pos++
			return s
		}
		if c == '\\' || c < 0x20 {
			break
		}
		r.pos++
	}
	var sb strings.Builder
	sb.WriteString(r.s[start:r.pos])
	for {
		if r.pos >= len(r.s) {
			r.fail("unterminated string")
		}
		c := r.s[r.pos]
		switch {
		case c == '"':
			r.pos++
			return sb.String()
		case c == '\n':
			r.fail("newline in string")
		case c == '\\':
			if r.pos+1 >= len(r.s) {
				r.fail("unterminated string")
			}
			e := r.s[r.pos+1]
			r.pos += 2
			switch e {
			case '"', '\\', '/':
				sb.WriteByte(e)
			case 'b':
				sb.WriteByte('\b')
			case 'f':
				sb.WriteByte('\f')
			case 'n':
				sb.WriteByte('\n')
			case 'r':
				sb.WriteByte('\r')
			case 't':
				sb.WriteByte('\t')
			case 'u':
				ru := r.hex4()
				if utf16.IsSurrogate(ru) && strings.HasPrefix(r.s[r.pos:], "\\u") {
					r.pos += 2
					ru2 := r.hex4()
					ru = utf16.DecodeRune(ru, ru2)
				}
				sb.WriteRune(ru)
			default:
				r.fail("bad escape \\%c", e)
			}
		default:
			sb.WriteByte(c)
			r.pos++
		}
	}
}

func (r *reader) hex4() rune {
	if r.pos+4 > len(r.s) {
		r.fail("short \\u escape")
	}
	v, err := strconv.ParseUint(r.s[r.pos:r.pos+4], 16, 32)
	if err != nil {
		r.fail("bad \\u escape %q", r.s[r.pos:r.pos+4])
	}
	r.pos += 4
	if !utf8.ValidRune(rune(v)) && !utf16.IsSurrogate(rune(v)) {
		return utf8.RuneError
	}
	return rune(v)
}

func (r *reader) num() number {
	start := r.pos
	if r.s[r.pos] == '-' {
		r.pos++
	}
	digits := func() int {
		n := 0
		for r.pos < len(r.s) && r.s[r.pos] >= '0' && r.s[r.pos] <= '9' {
			r.pos++
			n++
		}
		return n
	}
	intStart := r.pos
	nInt := digits()
	if nInt > 1 && r.s[intStart] == '0' {
		r.fail("leading zero in number %q", r.s[start:r.pos])
	}
	nFrac := 0
	if r.pos < len(r.s) && r.s[r.pos] == '.' {
		r.pos++
		nFrac = digits()
		if nFrac == 0 {
			r.fail("bad number %q", r.s[start:r.pos])
		}
	}
	if nInt == 0 && nFrac == 0 {
		r.fail("bad number %q", r.s[start:r.pos])
	}
	if r.pos < len(r.s) && (r.s[r.pos] == 'e' || r.s[r.pos] == 'E') {
		r.pos++
		if r.pos < len(r.s) && (r.s[r.pos] == '+' || r.s[r.pos] == '-') {
			r.pos++
		}
		if digits() == 0 {
			r.fail("bad exponent in number %q", r.s[start:r.pos])
		}
	}
	txt := r.s[start:r.pos]
	if nInt == 0 { // ".5" or "-.5"
		if txt[0] == '-' {
			txt = "-0" + txt[1:]
		} else {
			txt = "0" + txt
		}
	}
	return number(txt)
}
