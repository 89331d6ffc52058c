package control

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"sync"
)

// HandlerFunc runs one command. args is the request's "arguments" value as
// sent (nil when absent). A handler reports every problem in the Response it
// returns; it may be called from many goroutines at once.
type HandlerFunc func(ctx context.Context, args json.RawMessage) Response

// Registry maps command names to handlers: Kea's CommandMgr, without the
// singleton. A server builds one, registers the commands it supports (see
// the Register* functions and the *Commands types of this package) and hands
// it to a Server. "list-commands" is built in.
//
// A Registry is safe for concurrent use; commands may be registered while
// it serves.
type Registry struct {
	mu       sync.RWMutex
	handlers map[string]HandlerFunc
	logger   *slog.Logger
}

// NewRegistry returns a Registry holding only "list-commands". A nil
// logger discards log records.
func NewRegistry(logger *slog.Logger) *Registry {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Registry{handlers: make(map[string]HandlerFunc), logger: logger}
}

// Register adds a command. It panics on an empty name, a nil handler,
// "list-commands" or a name registered before: these are programming
// errors, as with http.ServeMux (Kea's registerCommand throws likewise).
func (r *Registry) Register(name string, h HandlerFunc) {
	if name == "" || h == nil {
		panic("control: Register with an empty name or a nil handler")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.handlers[name]; dup || name == "list-commands" {
		panic(fmt.Sprintf("control: command %q registered twice", name))
	}
	r.handlers[name] = h
}

// Deregister removes a command, if registered.
func (r *Registry) Deregister(name string) {
	r.mu.Lock()
	delete(r.handlers, name)
	r.mu.Unlock()
}

// Commands returns the names of the supported commands, list-commands
// included, sorted.
func (r *Registry) Commands() []string {
	r.mu.RLock()
	names := make([]string, 0, len(r.handlers)+1)
	for n := range r.handlers {
		names = append(names, n)
	}
	r.mu.RUnlock()
	names = append(names, "list-commands")
	sort.Strings(names)
	return names
}

// Handle runs one request. An unknown command gives ResultUnsupported; a
// handler that panics gives ResultError (and the panic is logged), so a bad
// command never takes the server down.
func (r *Registry) Handle(ctx context.Context, req Request) (resp Response) {
	if req.Command == "list-commands" {
		return Answer(ResultSuccess, "", r.Commands())
	}
	r.mu.RLock()
	h := r.handlers[req.Command]
	r.mu.RUnlock()
	if h == nil {
		return Response{Result: ResultUnsupported, Text: fmt.Sprintf("'%s' command not supported.", req.Command)}
	}
	defer func() {
		if p := recover(); p != nil {
			r.logger.Error("control: command handler panicked", "command", req.Command, "panic", p, "stack", string(debug.Stack()))
			resp = Errorf("internal error while processing '%s': %v", req.Command, p)
		}
	}()
	return h(ctx, req.Arguments)
}

// HandleJSON parses one command in Kea's format and runs it. Malformed
// input gives a ResultError whose text says what is wrong.
func (r *Registry) HandleJSON(ctx context.Context, data []byte) Response {
	req, err := ParseRequest(data)
	if err != nil {
		return Errorf("%v", err)
	}
	r.logger.Debug("control: command received", "command", req.Command)
	return r.Handle(ctx, req)
}

// ParseRequest decodes one command: a JSON map with a string "command",
// optional "arguments" (a map) and optional "service" (a list of strings).
// Other keys are ignored, as Kea's control agent adds its own.
func ParseRequest(data []byte) (Request, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		var v any
		if json.Unmarshal(data, &v) == nil {
			return Request{}, fmt.Errorf("invalid command: expected a JSON map, got %s", jsonKind(v))
		}
		return Request{}, fmt.Errorf("invalid command: %v", err)
	}
	if top == nil {
		return Request{}, fmt.Errorf("invalid command: expected a JSON map, got null")
	}
	var req Request
	raw, ok := top["command"]
	if !ok {
		return Request{}, fmt.Errorf("invalid command: missing mandatory 'command' parameter")
	}
	if err := json.Unmarshal(raw, &req.Command); err != nil {
		return Request{}, fmt.Errorf("invalid command: 'command' must be a string")
	}
	if req.Command == "" {
		return Request{}, fmt.Errorf("invalid command: 'command' is empty")
	}
	if raw, ok := top["arguments"]; ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return Request{}, fmt.Errorf("invalid command: 'arguments' must be a map")
		}
		req.Arguments = raw
	}
	if raw, ok := top["service"]; ok {
		if err := json.Unmarshal(raw, &req.Service); err != nil {
			return Request{}, fmt.Errorf("invalid command: 'service' must be a list of strings")
		}
	}
	return req, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	}
	return "a value"
}
