package cfgmgr

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// genConfig draws a valid Kea config (as a JSON-able map) covering
// globals, shared networks, subnets, pools, pd-pools, reservations,
// options and client classes.
func genConfig(t *rapid.T, v6 bool) map[string]any {
	maybe := func(m map[string]any, key string, gen *rapid.Generator[any]) {
		if rapid.Bool().Draw(t, "has-"+key) {
			m[key] = gen.Draw(t, key)
		}
	}
	u32 := func(lo, hi uint32) *rapid.Generator[any] {
		return rapid.Map(rapid.Uint32Range(lo, hi), func(v uint32) any { return v })
	}
	boolG := rapid.Map(rapid.Bool(), func(b bool) any { return b })
	strG := func(vals ...string) *rapid.Generator[any] {
		return rapid.Map(rapid.SampledFrom(vals), func(s string) any { return s })
	}
	params := func(m map[string]any, net bool) {
		if rapid.Bool().Draw(t, "lifetime") {
			v := rapid.Uint32Range(100, 10000).Draw(t, "valid")
			m["valid-lifetime"] = v
			if rapid.Bool().Draw(t, "minmax") {
				m["min-valid-lifetime"] = v - 50
				m["max-valid-lifetime"] = v + 50
			}
			if v6 {
				m["preferred-lifetime"] = v / 2
			}
		}
		if rapid.Bool().Draw(t, "timers") {
			t1 := rapid.Uint32Range(1, 1000).Draw(t, "t1")
			m["renew-timer"] = t1
			m["rebind-timer"] = t1 + rapid.Uint32Range(0, 1000).Draw(t, "dt")
		}
		maybe(m, "calculate-tee-times", boolG)
		maybe(m, "t1-percent", strG("0.4", "0.5"))
		if s, ok := m["t1-percent"].(string); ok {
			m["t1-percent"] = json.Number(s)
		}
		maybe(m, "reservations-global", boolG)
		maybe(m, "reservations-in-subnet", boolG)
		maybe(m, "ddns-send-updates", boolG)
		maybe(m, "ddns-qualifying-suffix", strG("", "example.org."))
		maybe(m, "ddns-replace-client-name", strG("never", "always", "when-present"))
		maybe(m, "hostname-char-replacement", strG("", "x"))
		maybe(m, "cache-max-age", u32(0, 1000))
		maybe(m, "allocator", strG("iterative", "random"))
		maybe(m, "store-extended-info", boolG)
		if !v6 {
			maybe(m, "match-client-id", boolG)
			maybe(m, "authoritative", boolG)
			maybe(m, "next-server", strG("192.0.2.1", "0.0.0.0"))
			maybe(m, "boot-file-name", strG("", "pxelinux.0"))
		} else {
			maybe(m, "pd-allocator", strG("iterative", "random"))
		}
		if net {
			maybe(m, "interface", strG("eth0", "eth1"))
			maybe(m, "client-class", strG("", "a"))
			if rapid.Bool().Draw(t, "relay") {
				if v6 {
					m["relay"] = map[string]any{"ip-addresses": []any{"2001:db8:ffff::1"}}
				} else {
					m["relay"] = map[string]any{"ip-addresses": []any{"192.0.2.250"}}
				}
			}
			if v6 {
				maybe(m, "rapid-commit", boolG)
			}
		}
		if rapid.Bool().Draw(t, "uc") {
			m["user-context"] = map[string]any{"k": rapid.IntRange(0, 9).Draw(t, "ucv")}
		}
	}
	opts := func() []any {
		out := []any{}
		n := rapid.IntRange(0, 2).Draw(t, "nopts")
		for i := 0; i < n; i++ {
			if v6 {
				out = append(out, map[string]any{"name": "dns-servers", "data": "2001:db8::53", "always-send": rapid.Bool().Draw(t, "as")})
			} else {
				out = append(out, map[string]any{"code": 3 + i, "data": "192.0.2.1", "csv-format": true})
			}
		}
		return out
	}
	g := map[string]any{}
	params(g, false)
	if rapid.Bool().Draw(t, "gopts") {
		g["option-data"] = opts()
	}
	if rapid.Bool().Draw(t, "classes") {
		g["client-classes"] = []any{
			map[string]any{"name": "a", "test": "member('ALL')", "option-data": opts()},
			map[string]any{"name": "b", "only-if-required": true, "valid-lifetime": 300},
		}
	}
	if rapid.Bool().Draw(t, "globalres") {
		id := "hw-address"
		g["reservations"] = []any{map[string]any{id: "aa:bb:cc:00:00:01", "hostname": "global"}}
	}
	nsub := rapid.IntRange(0, 6).Draw(t, "nsub")
	var subs []map[string]any
	for i := 0; i < nsub; i++ {
		s := map[string]any{}
		if rapid.Bool().Draw(t, "hasid") {
			s["id"] = 100000 + 10*i // Kea 2.2 auto ids (max so far + 1..6) never hit these
		}
		params(s, true)
		if v6 {
			s["subnet"] = fmt.Sprintf("2001:db8:%x::/48", i)
			s["pools"] = []any{map[string]any{"pool": fmt.Sprintf("2001:db8:%x::100-2001:db8:%x::1ff", i, i), "client-class": "a"}}
			if rapid.Bool().Draw(t, "pd") {
				pd := map[string]any{"prefix": fmt.Sprintf("3000:%x::", i), "prefix-len": 32, "delegated-len": 48}
				if rapid.Bool().Draw(t, "excl") {
					pd["excluded-prefix"] = fmt.Sprintf("3000:%x::", i)
					pd["excluded-prefix-len"] = 56
				}
				s["pd-pools"] = []any{pd}
			}
		} else {
			s["subnet"] = fmt.Sprintf("10.%d.0.0/16", i)
			s["pools"] = []any{
				map[string]any{"pool": fmt.Sprintf("10.%d.1.1 - 10.%d.1.200", i, i), "pool-id": rapid.IntRange(0, 5).Draw(t, "pid")},
				map[string]any{"pool": fmt.Sprintf("10.%d.2.0/24", i), "option-data": opts()},
			}
		}
		if rapid.Bool().Draw(t, "sopts") {
			s["option-data"] = opts()
		}
		nres := rapid.IntRange(0, 3).Draw(t, "nres")
		var res []any
		for j := 0; j < nres; j++ {
			if v6 {
				res = append(res, map[string]any{"duid": fmt.Sprintf("00:01:%02x:%02x", i, j),
					"ip-addresses": []any{fmt.Sprintf("2001:db8:%x::%x", i, j+0x1000)},
					"prefixes":     []any{fmt.Sprintf("3001:%x:%x::/48", i, j)}, "hostname": "h"})
			} else {
				r := map[string]any{"hw-address": fmt.Sprintf("02:00:00:00:%02x:%02x", i, j),
					"ip-address": fmt.Sprintf("10.%d.3.%d", i, j+1)}
				if rapid.Bool().Draw(t, "rextra") {
					r["client-classes"] = []any{"a"}
					r["next-server"] = "192.0.2.9"
					r["option-data"] = opts()
					r["user-context"] = map[string]any{"x": "y"}
				}
				res = append(res, r)
			}
		}
		if res != nil {
			s["reservations"] = res
		}
		subs = append(subs, s)
	}
	key := "subnet4"
	if v6 {
		key = "subnet6"
	}
	var top []any
	var nets []any
	for i, s := range subs {
		if i%3 == 2 {
			n := map[string]any{"name": fmt.Sprintf("net%d", i)}
			params(n, true)
			n[key] = []any{s}
			nets = append(nets, n)
		} else {
			top = append(top, s)
		}
	}
	if top != nil {
		g[key] = top
	}
	if nets != nil {
		g["shared-networks"] = nets
	}
	return g
}

// TestRoundTripProperty: parse(marshal(parse(C))) == parse(C) for
// generated configs.
func TestRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v6 := rapid.Bool().Draw(t, "v6")
		g := genConfig(t, v6)
		root := "Dhcp4"
		if v6 {
			root = "Dhcp6"
		}
		in, err := json.Marshal(map[string]any{root: g})
		if err != nil {
			t.Fatal(err)
		}
		cfg, _, err := Parse(in)
		if err != nil {
			t.Fatalf("generated config rejected: %v\n%s", err, in)
		}
		out, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		cfg2, _, err := Parse(out)
		if err != nil {
			t.Fatalf("marshalled config rejected: %v\n%s", err, out)
		}
		require.Equal(t, cfg, cfg2)
	})
}

// FuzzParse: Parse never panics, and whatever it accepts marshals to
// something it accepts again.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(keaExamples, "kea[46]", "*.json"))
	for _, fn := range files {
		if b, err := os.ReadFile(fn); err == nil {
			f.Add(b)
		}
	}
	f.Add(v4cfg(`"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.1-192.0.2.9"}]}]`))
	f.Add(v6cfg(`"subnet6": [{"subnet": "2001:db8::/64", "pd-pools": [{"prefix": "3000::", "prefix-len": 48, "delegated-len": 64}]}]`))
	f.Add([]byte(`{"Dhcp4": {"t1-percent": .5 /* x */ # y
	}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, _, err := Parse(data)
		if err != nil {
			return
		}
		out, err := json.Marshal(cfg)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if _, _, err := Parse(out); err != nil {
			t.Fatalf("re-parse: %v\n%s", err, out)
		}
	})
}
