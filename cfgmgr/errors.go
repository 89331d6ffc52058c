package cfgmgr

import (
	"encoding/json"
	"errors"
	"strings"
)

// Sentinel errors. Every *Error wraps one of them, so callers can test the
// kind of a problem with errors.Is on the error Parse returns.
var (
	ErrSyntax      = errors.New("cfgmgr: syntax error")
	ErrUnknownKey  = errors.New("cfgmgr: unknown parameter")
	ErrType        = errors.New("cfgmgr: wrong type")
	ErrValue       = errors.New("cfgmgr: invalid value")
	ErrMissing     = errors.New("cfgmgr: missing mandatory parameter")
	ErrDuplicate   = errors.New("cfgmgr: duplicate")
	ErrOverlap     = errors.New("cfgmgr: overlap")
	ErrRange       = errors.New("cfgmgr: out of range")
	ErrUnsupported = errors.New("cfgmgr: not supported")
	// ErrNoHistory is returned by Manager.Revert for an index beyond the
	// kept history, and ErrNoStaging by Commit without a staged config.
	ErrNoHistory = errors.New("cfgmgr: no such config in history")
	ErrNoStaging = errors.New("cfgmgr: no staging config")
)

// Error is one configuration problem: the JSON path of the offending
// element (e.g. "Dhcp4/subnet4[2]/pools[0]/pool"), the offending value as
// JSON text, and what is wrong.
type Error struct {
	Path  string
	Value string // JSON text of the offending value, "" if none
	Msg   string
	Kind  error // one of the Err* sentinels
}

func (e *Error) Error() string {
	if e.Value == "" {
		return e.Path + ": " + e.Msg
	}
	return e.Path + ": " + e.Value + ": " + e.Msg
}

// Unwrap returns the sentinel kind.
func (e *Error) Unwrap() error { return e.Kind }

// ErrorList is every problem found in a configuration. Parse returns it
// (as error) when there is at least one; errors.As gives the list and
// errors.Is matches any of the kinds.
type ErrorList []*Error

func (l ErrorList) Error() string {
	var sb strings.Builder
	sb.WriteString("cfgmgr: invalid configuration:")
	for _, e := range l {
		sb.WriteString("\n\t")
		sb.WriteString(e.Error())
	}
	return sb.String()
}

// Unwrap returns the individual errors.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// showValue renders v (a parsed JSON value or a Go value) as short JSON.
func showValue(v any) string {
	var s string
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		b, _ := json.Marshal(t)
		s = string(b)
	case number:
		s = string(t)
	case bool:
		if t {
			return "true"
		}
		return "false"
	case *object:
		b, err := json.Marshal(toPlain(t))
		if err != nil {
			return "{...}"
		}
		s = string(b)
	case []any:
		b, err := json.Marshal(toPlain(t))
		if err != nil {
			return "[...]"
		}
		s = string(b)
	default:
		b, err := json.Marshal(t)
		if err != nil {
			return "?"
		}
		s = string(b)
	}
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

func kindName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case number:
		return "a number"
	case bool:
		return "a boolean"
	case *object:
		return "a map"
	case []any:
		return "a list"
	}
	return "?"
}
