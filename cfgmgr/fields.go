package cfgmgr

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/dhcpsrv/dhcpsrv/option"
)

// This file maps structs with `kea:"..."` tags to and from JSON maps, so the
// many scalar parameters need no hand-written code. Tag options:
//
//	v4 / v6        the key exists only in that family
//	net            only in shared networks and subnets (not global)
//	ip4            an address that must be IPv4
//	inline         the field is a struct whose fields are keys of this map
//	default=X      value of a non-pointer field when the key is absent
//	default4=X     same, v4 only (default6 for v6)
//	max=N          upper bound of an integer
//	oneof=a|b|c    allowed string values

type fieldInfo struct {
	key             string
	index           int
	v4, v6, net     bool
	ip4, inline     bool
	def, def4, def6 string
	hasDef          bool
	hasDef4         bool
	hasDef6         bool
	max             uint64
	oneof           []string
}

var fieldCache sync.Map // reflect.Type -> []fieldInfo (a memo, not state)

func fieldsOf(t reflect.Type) []fieldInfo {
	if v, ok := fieldCache.Load(t); ok {
		return v.([]fieldInfo)
	}
	var out []fieldInfo
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag, ok := sf.Tag.Lookup("kea")
		if !ok || tag == "-" {
			continue
		}
		parts := strings.Split(tag, ",")
		fi := fieldInfo{key: parts[0], index: i}
		for _, p := range parts[1:] {
			switch {
			case p == "v4":
				fi.v4 = true
			case p == "v6":
				fi.v6 = true
			case p == "net":
				fi.net = true
			case p == "ip4":
				fi.ip4 = true
			case p == "inline":
				fi.inline = true
			case strings.HasPrefix(p, "default="):
				fi.def, fi.hasDef = p[len("default="):], true
			case strings.HasPrefix(p, "default4="):
				fi.def4, fi.hasDef4 = p[len("default4="):], true
			case strings.HasPrefix(p, "default6="):
				fi.def6, fi.hasDef6 = p[len("default6="):], true
			case strings.HasPrefix(p, "max="):
				fi.max, _ = strconv.ParseUint(p[len("max="):], 10, 64)
			case strings.HasPrefix(p, "oneof="):
				fi.oneof = strings.Split(p[len("oneof="):], "|")
			default:
				panic("cfgmgr: bad kea tag " + tag)
			}
		}
		out = append(out, fi)
	}
	fieldCache.Store(t, out)
	return out
}

func (fi *fieldInfo) inFamily(fam option.Universe) bool {
	if fi.v4 && fam == option.V6 {
		return false
	}
	if fi.v6 && fam == option.V4 {
		return false
	}
	return true
}

func (fi *fieldInfo) defaultFor(fam option.Universe) (string, bool) {
	if fam == option.V4 && fi.hasDef4 {
		return fi.def4, true
	}
	if fam == option.V6 && fi.hasDef6 {
		return fi.def6, true
	}
	return fi.def, fi.hasDef
}

// level tells where a map sits, for the "net" tag option.
type level int

const (
	levelOther level = iota
	levelGlobal
	levelNetwork
)

// findField returns the field for key in the struct value v (following
// inline fields).
func findField(v reflect.Value, key string) (reflect.Value, *fieldInfo) {
	fis := fieldsOf(v.Type())
	for i := range fis {
		fi := &fis[i]
		if fi.inline {
			if f, sub := findField(v.Field(fi.index), key); sub != nil {
				return f, sub
			}
			continue
		}
		if fi.key == key {
			return v.Field(fi.index), fi
		}
	}
	return reflect.Value{}, nil
}

// setDefaults stores the tag defaults into the non-pointer fields of v.
func setDefaults(v reflect.Value, fam option.Universe) {
	fis := fieldsOf(v.Type())
	for i := range fis {
		fi := &fis[i]
		f := v.Field(fi.index)
		if fi.inline {
			setDefaults(f, fam)
			continue
		}
		def, ok := fi.defaultFor(fam)
		if !ok || !fi.inFamily(fam) {
			continue
		}
		switch f.Kind() {
		case reflect.Bool:
			f.SetBool(def == "true")
		case reflect.Uint16, reflect.Uint32, reflect.Uint64:
			n, _ := strconv.ParseUint(def, 10, 64)
			f.SetUint(n)
		case reflect.Float64:
			x, _ := strconv.ParseFloat(def, 64)
			f.SetFloat(x)
		case reflect.String:
			f.SetString(def)
		case reflect.Struct:
			if f.Type() == reflect.TypeOf(netip.Addr{}) {
				f.Set(reflect.ValueOf(netip.MustParseAddr(def)))
			}
		}
	}
}

var (
	typAddr = reflect.TypeOf(netip.Addr{})
)

// decodeField stores the JSON value val into the field f.
func (d *decoder) decodeField(path string, f reflect.Value, fi *fieldInfo, val any) {
	ptr := f.Kind() == reflect.Pointer
	t := f.Type()
	if ptr {
		t = t.Elem()
	}
	var out reflect.Value
	switch {
	case t.Kind() == reflect.Bool:
		b, ok := val.(bool)
		if !ok {
			d.typeErr(path, val, "a boolean")
			return
		}
		out = reflect.ValueOf(b)
	case t.Kind() == reflect.Uint16 || t.Kind() == reflect.Uint32 || t.Kind() == reflect.Uint64:
		max := uint64(math.MaxUint32)
		if t.Kind() == reflect.Uint16 {
			max = math.MaxUint16
		}
		if t.Kind() == reflect.Uint64 {
			max = math.MaxUint64
		}
		if fi.max != 0 && fi.max < max {
			max = fi.max
		}
		n, ok := d.uintValue(path, val, max)
		if !ok {
			return
		}
		out = reflect.New(t).Elem()
		out.SetUint(n)
	case t.Kind() == reflect.Float64:
		x, ok := d.floatValue(path, val)
		if !ok {
			return
		}
		out = reflect.ValueOf(x)
	case t.Kind() == reflect.String:
		s, ok := val.(string)
		if !ok {
			d.typeErr(path, val, "a string")
			return
		}
		if fi.oneof != nil && !contains(fi.oneof, s) {
			d.err(path, val, ErrValue, "must be one of %s", strings.Join(fi.oneof, ", "))
			return
		}
		out = reflect.ValueOf(s)
	case t == typAddr:
		s, ok := val.(string)
		if !ok {
			d.typeErr(path, val, "an IP address string")
			return
		}
		if s == "" {
			// Kea accepts "" for an unset address.
			if !ptr {
				f.Set(reflect.Zero(f.Type()))
			}
			return
		}
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			d.err(path, val, ErrValue, "not a valid IP address")
			return
		}
		if fi.ip4 && !a.Is4() {
			d.err(path, val, ErrValue, "not an IPv4 address")
			return
		}
		out = reflect.ValueOf(a)
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		ss, ok := d.stringList(path, val)
		if !ok {
			return
		}
		f.Set(reflect.ValueOf(ss))
		return
	default:
		panic(fmt.Sprintf("cfgmgr: no decoder for field type %s", f.Type()))
	}
	if ptr {
		p := reflect.New(t)
		p.Elem().Set(out)
		f.Set(p)
	} else {
		f.Set(out)
	}
}

func (d *decoder) typeErr(path string, val any, want string) {
	d.err(path, val, ErrType, "must be %s, not %s", want, kindName(val))
}

func (d *decoder) uintValue(path string, val any, max uint64) (uint64, bool) {
	n, ok := val.(number)
	if !ok {
		d.typeErr(path, val, "an integer")
		return 0, false
	}
	u, err := strconv.ParseUint(string(n), 10, 64)
	if err != nil {
		switch {
		case strings.HasPrefix(string(n), "-"):
			d.err(path, val, ErrRange, "must not be negative")
		case strings.ContainsAny(string(n), ".eE"):
			d.err(path, val, ErrType, "must be an integer")
		default:
			d.err(path, val, ErrRange, "must be at most %d", max)
		}
		return 0, false
	}
	if u > max {
		d.err(path, val, ErrRange, "must be at most %d", max)
		return 0, false
	}
	return u, true
}

func (d *decoder) floatValue(path string, val any) (float64, bool) {
	n, ok := val.(number)
	if !ok {
		d.typeErr(path, val, "a number")
		return 0, false
	}
	x, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(x, 0) {
		d.err(path, val, ErrRange, "number out of range")
		return 0, false
	}
	return x, true
}

func (d *decoder) stringList(path string, val any) ([]string, bool) {
	l, ok := val.([]any)
	if !ok {
		d.typeErr(path, val, "a list of strings")
		return nil, false
	}
	out := make([]string, 0, len(l))
	good := true
	for i, e := range l {
		s, ok := e.(string)
		if !ok {
			d.typeErr(fmt.Sprintf("%s[%d]", path, i), e, "a string")
			good = false
			continue
		}
		out = append(out, s)
	}
	return out, good
}

// decodeObject decodes the map o into the struct *dst by its kea tags.
// special, when not nil, is asked first for every key and returns true if
// it handled it. uc, when not nil, receives "user-context" and "comment"
// (folded into the user context as Kea does). Other keys are errors.
func (d *decoder) decodeObject(path string, o *object, dst any, lvl level, special func(key, path string, val any) bool, uc *map[string]any) {
	v := reflect.ValueOf(dst).Elem()
	setDefaults(v, d.fam)
	seen := make(map[string]struct{}, len(o.members))
	for _, m := range o.members {
		p := path + "/" + m.key
		if _, dup := seen[m.key]; dup {
			d.err(p, m.val, ErrDuplicate, "duplicate key")
			continue
		}
		seen[m.key] = struct{}{}
		if special != nil && special(m.key, p, m.val) {
			continue
		}
		if uc != nil && (m.key == "user-context" || m.key == "comment") {
			d.userContext(p, m.key, m.val, uc)
			continue
		}
		f, fi := findField(v, m.key)
		if fi == nil {
			d.unknown(p, m.val)
			continue
		}
		if !fi.inFamily(d.fam) {
			d.err(p, m.val, ErrUnknownKey, "parameter not valid in %s", d.root)
			continue
		}
		if fi.net && lvl == levelGlobal {
			d.err(p, m.val, ErrUnknownKey, "parameter not valid at global level")
			continue
		}
		d.decodeField(p, f, fi, m.val)
	}
}

func (d *decoder) unknown(path string, val any) {
	d.err(path, val, ErrUnknownKey, "unknown parameter")
}

// userContext folds "user-context" (a map) or "comment" (a string) into *uc.
func (d *decoder) userContext(path, key string, val any, uc *map[string]any) {
	if key == "comment" {
		s, ok := val.(string)
		if !ok {
			d.typeErr(path, val, "a string")
			return
		}
		if *uc == nil {
			*uc = map[string]any{}
		}
		(*uc)["comment"] = s
		return
	}
	o, ok := val.(*object)
	if !ok {
		d.typeErr(path, val, "a map")
		return
	}
	m := toPlain(o).(map[string]any)
	if *uc == nil {
		*uc = m
		return
	}
	for k, v := range m {
		if _, ok := (*uc)[k]; !ok || k != "comment" {
			(*uc)[k] = v
		}
	}
}

// encodeMode chooses which non-pointer fields encodeObject writes.
type encodeMode int

const (
	encodeAll        encodeMode = iota // every field of the family
	encodeNonDefault                   // only fields that differ from their default
)

// encodeObject writes the tagged fields of the struct v into out.
func encodeObject(v reflect.Value, fam option.Universe, mode encodeMode, out map[string]any) {
	fis := fieldsOf(v.Type())
	for i := range fis {
		fi := &fis[i]
		f := v.Field(fi.index)
		if fi.inline {
			encodeObject(f, fam, mode, out)
			continue
		}
		if !fi.inFamily(fam) {
			continue
		}
		switch f.Kind() {
		case reflect.Pointer:
			if !f.IsNil() {
				out[fi.key] = plainValue(f.Elem())
			}
			continue
		case reflect.Slice:
			if !f.IsNil() {
				out[fi.key] = plainValue(f)
			}
			continue
		}
		if f.Type() == typAddr && !f.Interface().(netip.Addr).IsValid() {
			continue
		}
		if mode == encodeNonDefault {
			def := reflect.New(v.Type()).Elem()
			setDefaults(def, fam)
			if reflect.DeepEqual(def.Field(fi.index).Interface(), f.Interface()) {
				continue
			}
		}
		out[fi.key] = plainValue(f)
	}
}

func plainValue(f reflect.Value) any {
	switch f.Kind() {
	case reflect.Bool:
		return f.Bool()
	case reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return json.Number(strconv.FormatUint(f.Uint(), 10))
	case reflect.Float64:
		return json.Number(strconv.FormatFloat(f.Float(), 'g', -1, 64))
	case reflect.String:
		return f.String()
	case reflect.Slice:
		out := make([]any, f.Len())
		for i := range out {
			out[i] = plainValue(f.Index(i))
		}
		return out
	}
	if f.Type() == typAddr {
		return f.Interface().(netip.Addr).String()
	}
	return f.Interface()
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
