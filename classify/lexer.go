package classify

import (
	"fmt"
	"strings"
)

// tokKind is the kind of a lexical token.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tString         // 'text' (text holds the content)
	tHex            // 0x... (text holds the digits)
	tInt            // decimal integer, possibly negative
	tAddr           // IPv4 or IPv6 literal
	tIdent          // keyword or option name
	tPunct          // ( ) [ ] . , ==
)

type token struct {
	kind tokKind
	text string
	off  int // byte offset in the expression
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tString:
		return "'" + t.text + "'"
	case tHex:
		return "0x" + t.text
	}
	return "'" + t.text + "'"
}

// Error is a compile error: Line and Col (1-based, in bytes) locate the
// token where the problem was found.
type Error struct {
	Expr      string
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	return fmt.Sprintf("classify: %d:%d: %s", e.Line, e.Col, e.Msg)
}

func newError(expr string, off int, format string, args ...any) *Error {
	line, col := 1, 1
	for i := 0; i < off && i < len(expr); i++ {
		if expr[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return &Error{Expr: expr, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isHexDig(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func isAlpha(c byte) bool  { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

// lex splits an expression into tokens, as Kea's lexer.ll does.
func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, newError(s, i, "unterminated string")
			}
			toks = append(toks, token{tString, s[i+1 : i+1+j], i})
			i += j + 2
		case c == '=':
			if i+1 < len(s) && s[i+1] == '=' {
				toks = append(toks, token{tPunct, "==", i})
				i += 2
				continue
			}
			return nil, newError(s, i, "unexpected '=' (did you mean '=='?)")
		case strings.IndexByte("()[].,*+", c) >= 0:
			toks = append(toks, token{tPunct, s[i : i+1], i})
			i++
		case c == '0' && i+1 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X'):
			j := i + 2
			for j < len(s) && isHexDig(s[j]) {
				j++
			}
			if j == i+2 {
				return nil, newError(s, i, "hexadecimal literal without digits")
			}
			toks = append(toks, token{tHex, s[i+2 : j], i})
			i = j
		case isDigit(c) || c == '-' || c == ':' || isAlpha(c):
			// A run of address/number/identifier characters; classify it.
			j := i + 1
			for j < len(s) && (isHexDig(s[j]) || isAlpha(s[j]) || s[j] == '-' || s[j] == ':' ||
				(s[j] == '.' && (isDigit(c) || c == ':' || strings.IndexByte(s[i:j], ':') >= 0) && j+1 < len(s) && isDigit(s[j+1]))) {
				j++
			}
			w := s[i:j]
			switch {
			case strings.IndexByte(w, ':') >= 0 || strings.Count(w, ".") == 3:
				toks = append(toks, token{tAddr, w, i})
			case isAllDigits(strings.TrimPrefix(w, "-")) && w != "-":
				toks = append(toks, token{tInt, w, i})
			case isAlpha(c):
				toks = append(toks, token{tIdent, w, i})
			default:
				return nil, newError(s, i, "invalid token %q", w)
			}
			i = j
		default:
			return nil, newError(s, i, "invalid character %q", c)
		}
	}
	return append(toks, token{tEOF, "", len(s)}), nil
}

func isAllDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
