package control

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strconv"
)

// args is a command's "arguments" map, decoded with json.Number for
// numbers. Its getters report Kea-style errors naming the parameter.
type args map[string]any

// errNoArgs is what parseArgs returns for absent or null arguments.
var errNoArgs = fmt.Errorf("Missing mandatory 'arguments' parameter.")

// parseArgs decodes raw as a JSON map. Absent or null arguments give a nil
// map and errNoArgs, so callers that accept no arguments ignore the error.
func parseArgs(raw json.RawMessage) (args, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, errNoArgs
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid arguments: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("'arguments' parameter expected to be a map")
	}
	return args(m), nil
}

func (a args) has(key string) bool {
	v, ok := a[key]
	return ok && v != nil
}

// str returns a string parameter; ok is false when it is absent.
func (a args) str(key string) (s string, ok bool, err error) {
	v, present := a[key]
	if !present || v == nil {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", true, fmt.Errorf("'%s' parameter must be a string", key)
	}
	return s, true, nil
}

// mustStr returns a mandatory string parameter.
func (a args) mustStr(key string) (string, error) {
	s, ok, err := a.str(key)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("'%s' parameter not specified", key)
	}
	return s, nil
}

// integer returns an integer parameter within [min, max].
func (a args) integer(key string, min, max int64) (n int64, ok bool, err error) {
	v, present := a[key]
	if !present || v == nil {
		return 0, false, nil
	}
	num, isNum := v.(json.Number)
	if !isNum {
		return 0, true, fmt.Errorf("'%s' parameter must be a number", key)
	}
	n, perr := strconv.ParseInt(num.String(), 10, 64)
	if perr != nil {
		return 0, true, fmt.Errorf("'%s' parameter must be an integer, not %s", key, num)
	}
	if n < min || n > max {
		return 0, true, fmt.Errorf("'%s' parameter value %d is out of range [%d, %d]", key, n, min, max)
	}
	return n, true, nil
}

func (a args) uint32(key string) (uint32, bool, error) {
	n, ok, err := a.integer(key, 0, math.MaxUint32)
	return uint32(n), ok, err
}

func (a args) boolean(key string) (b bool, ok bool, err error) {
	v, present := a[key]
	if !present || v == nil {
		return false, false, nil
	}
	b, isBool := v.(bool)
	if !isBool {
		return false, true, fmt.Errorf("'%s' parameter must be a boolean", key)
	}
	return b, true, nil
}

// addr returns an address parameter of the wanted family (4 or 6).
func (a args) addr(key string, family int) (netip.Addr, bool, error) {
	s, ok, err := a.str(key)
	if err != nil || !ok {
		return netip.Addr{}, ok, err
	}
	ip, perr := netip.ParseAddr(s)
	if perr != nil || ip.Zone() != "" {
		return netip.Addr{}, true, fmt.Errorf("Failed to convert string to address '%s': invalid address", s)
	}
	ip = ip.Unmap()
	if family == 4 && !ip.Is4() {
		return netip.Addr{}, true, fmt.Errorf("Invalid IPv4 address specified: %s", s)
	}
	if family == 6 && !ip.Is6() {
		return netip.Addr{}, true, fmt.Errorf("Invalid IPv6 address specified: %s", s)
	}
	return ip, true, nil
}

// userContext returns the "user-context" map (and a "comment" folded into
// it, as Kea does).
func (a args) userContext() (map[string]any, error) {
	var uc map[string]any
	if v, ok := a["user-context"]; ok && v != nil {
		m, isMap := v.(map[string]any)
		if !isMap {
			b, _ := json.Marshal(v)
			return nil, fmt.Errorf("Invalid user context '%s' is not a JSON map.", b)
		}
		uc = m
	}
	if c, ok := a["comment"]; ok && c != nil {
		if _, dup := uc["comment"]; dup {
			return nil, fmt.Errorf("Duplicated comment entry in user context")
		}
		cp := make(map[string]any, len(uc)+1)
		for k, v := range uc {
			cp[k] = v
		}
		cp["comment"] = c
		uc = cp
	}
	return uc, nil
}
