package control

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Result codes of Kea's command channel (Kea's CONTROL_RESULT_*).
const (
	// ResultSuccess: the command succeeded.
	ResultSuccess = 0
	// ResultError: the command failed (bad arguments, backend error...).
	ResultError = 1
	// ResultUnsupported: no such command.
	ResultUnsupported = 2
	// ResultEmpty: the command succeeded but found nothing (no such lease).
	ResultEmpty = 3
	// ResultConflict: the change was not made because the resource changed
	// or is busy (Kea 2.4+; Kea 2.2 answered ResultError). A retry may
	// succeed.
	ResultConflict = 4
)

// Request is one command as Kea's tools send it:
//
//	{"command": "lease4-get", "arguments": {"ip-address": "192.0.2.1"}, "service": ["dhcp4"]}
//
// Service is accepted and ignored (it is meant for Kea's control agent).
type Request struct {
	Command   string          `json:"command"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
	Service   []string        `json:"service,omitempty"`
}

// Response is Kea's answer: {"arguments": {...}, "result": 0, "text": "..."}.
// Arguments and Text are omitted when empty, as Kea does. The fields are in
// Kea's (alphabetical) order.
type Response struct {
	Arguments json.RawMessage `json:"arguments,omitempty"`
	Result    int             `json:"result"`
	Text      string          `json:"text,omitempty"`
}

// Answer builds a Response whose arguments are args marshalled to JSON
// (nil: no arguments). If args cannot be marshalled the answer is a
// ResultError naming the problem.
func Answer(result int, text string, args any) Response {
	r := Response{Result: result, Text: text}
	if args == nil {
		return r
	}
	if raw, ok := args.(json.RawMessage); ok {
		r.Arguments = raw
		return r
	}
	b, err := marshal(args)
	if err != nil {
		return Errorf("internal error: cannot encode the answer: %v", err)
	}
	r.Arguments = b
	return r
}

// Success returns a ResultSuccess answer with a text and no arguments.
func Success(text string) Response { return Response{Result: ResultSuccess, Text: text} }

// Errorf returns a ResultError answer with a formatted text.
func Errorf(format string, a ...any) Response {
	return Response{Result: ResultError, Text: fmt.Sprintf(format, a...)}
}

// Decode unmarshals the response's arguments into v with encoding/json.
// It fails when the response has no arguments.
func (r Response) Decode(v any) error {
	if len(r.Arguments) == 0 {
		return fmt.Errorf("control: response has no arguments")
	}
	return json.Unmarshal(r.Arguments, v)
}

// marshal encodes v without HTML escaping (Kea does not escape <, > or &).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
