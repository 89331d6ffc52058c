package d2client

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"
)

// ErrD2Config reports a kea-dhcp-ddns configuration that ParseDNSConfig
// cannot use.
var ErrD2Config = errors.New("d2client: invalid kea-dhcp-ddns configuration")

// ParseDNSConfig reads a DNSConfig from JSON in kea-dhcp-ddns's format,
// either a whole file ({"DhcpDdns": {...}}) or the inner map, so that a
// server can update DNS itself with the zones and keys a D2 would use.
// It understands this subset of kea-dhcp-ddns's configuration:
//
//	"forward-ddns": {"ddns-domains": [{"name": "example.org.", "key-name": "k",
//	    "dns-servers": [{"ip-address": "192.0.2.53", "port": 53, "key-name": "k"}]}]},
//	"reverse-ddns": {"ddns-domains": [...]},
//	"tsig-keys": [{"name": "k", "algorithm": "HMAC-SHA256", "secret": "base64"}],
//	"dns-server-timeout": 500
//
// The other keys of a D2 configuration (ip-address, port, control-socket,
// loggers, ...) are ignored; a "hostname" in dns-servers (which kea-dhcp-ddns
// does not support either) or a value of the wrong type is an error naming
// its path. The result is validated by NewDNSUpdater, not here.
func ParseDNSConfig(data []byte) (DNSConfig, error) {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return DNSConfig{}, fmt.Errorf("%w: %v", ErrD2Config, err)
	}
	return DNSConfigFromMap(m)
}

// DNSConfigFromMap is ParseDNSConfig for an already decoded JSON object
// (such as a "user-context" entry of a DHCP server's configuration).
func DNSConfigFromMap(m map[string]any) (DNSConfig, error) {
	path := ""
	if inner, ok := m["DhcpDdns"]; ok {
		im, ok := inner.(map[string]any)
		if !ok {
			return DNSConfig{}, d2Err("DhcpDdns", "not a map")
		}
		m, path = im, "DhcpDdns/"
	}
	var cfg DNSConfig
	var err error
	if cfg.Forward, err = domainsFrom(m, path+"forward-ddns"); err != nil {
		return DNSConfig{}, err
	}
	if cfg.Reverse, err = domainsFrom(m, path+"reverse-ddns"); err != nil {
		return DNSConfig{}, err
	}
	if v, ok := m["tsig-keys"]; ok {
		list, ok := v.([]any)
		if !ok {
			return DNSConfig{}, d2Err(path+"tsig-keys", "not a list")
		}
		for i, e := range list {
			p := fmt.Sprintf("%stsig-keys[%d]", path, i)
			km, ok := e.(map[string]any)
			if !ok {
				return DNSConfig{}, d2Err(p, "not a map")
			}
			var k TSIGKey
			if k.Name, err = str(km, p, "name", true); err != nil {
				return DNSConfig{}, err
			}
			if k.Algorithm, err = str(km, p, "algorithm", false); err != nil {
				return DNSConfig{}, err
			}
			if k.Secret, err = str(km, p, "secret", true); err != nil {
				return DNSConfig{}, err
			}
			cfg.Keys = append(cfg.Keys, k)
		}
	}
	if v, ok := m["dns-server-timeout"]; ok {
		ms, ok := number(v)
		if !ok || ms <= 0 || ms != math.Trunc(ms) || ms > math.MaxInt32 {
			return DNSConfig{}, d2Err(path+"dns-server-timeout", "not a positive number of milliseconds")
		}
		cfg.Timeout = time.Duration(ms) * time.Millisecond
	}
	if v, ok := m["ncr-protocol"]; ok && v != "UDP" {
		// kea-dhcp-ddns's own listener setting; harmless, but TCP
		// is not supported there either.
		if s, _ := v.(string); s != "UDP" {
			return DNSConfig{}, d2Err(path+"ncr-protocol", "only UDP is supported")
		}
	}
	return cfg, nil
}

// number accepts the number types JSON decoders produce (float64,
// json.Number, and the integers of decoders that keep them).
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint16:
		return float64(n), true
	}
	return 0, false
}

func d2Err(path, msg string) error {
	return fmt.Errorf("%w: %s: %s", ErrD2Config, path, msg)
}

func str(m map[string]any, path, key string, required bool) (string, error) {
	v, ok := m[key]
	if !ok {
		if required {
			return "", d2Err(path+"/"+key, "missing")
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", d2Err(path+"/"+key, "not a string")
	}
	return s, nil
}

func domainsFrom(m map[string]any, path string) ([]Domain, error) {
	key := path[strings.LastIndex(path, "/")+1:]
	v, ok := m[key]
	if !ok {
		return nil, nil
	}
	dm, ok := v.(map[string]any)
	if !ok {
		return nil, d2Err(path, "not a map")
	}
	lv, ok := dm["ddns-domains"]
	if !ok {
		return nil, nil
	}
	list, ok := lv.([]any)
	if !ok {
		return nil, d2Err(path+"/ddns-domains", "not a list")
	}
	var out []Domain
	for i, e := range list {
		p := fmt.Sprintf("%s/ddns-domains[%d]", path, i)
		em, ok := e.(map[string]any)
		if !ok {
			return nil, d2Err(p, "not a map")
		}
		var d Domain
		var err error
		if d.Name, err = str(em, p, "name", true); err != nil {
			return nil, err
		}
		if d.KeyName, err = str(em, p, "key-name", false); err != nil {
			return nil, err
		}
		sv, ok := em["dns-servers"]
		if !ok {
			return nil, d2Err(p+"/dns-servers", "missing")
		}
		sl, ok := sv.([]any)
		if !ok || len(sl) == 0 {
			return nil, d2Err(p+"/dns-servers", "not a non-empty list")
		}
		for j, se := range sl {
			sp := fmt.Sprintf("%s/dns-servers[%d]", p, j)
			smap, ok := se.(map[string]any)
			if !ok {
				return nil, d2Err(sp, "not a map")
			}
			if h, _ := smap["hostname"].(string); h != "" {
				return nil, d2Err(sp+"/hostname", "not supported, use ip-address")
			}
			ipStr, err := str(smap, sp, "ip-address", true)
			if err != nil {
				return nil, err
			}
			ip, err := netip.ParseAddr(ipStr)
			if err != nil {
				return nil, d2Err(sp+"/ip-address", err.Error())
			}
			port := 53.0
			if pv, ok := smap["port"]; ok {
				pf, ok := number(pv)
				if !ok || pf < 1 || pf > 65535 || pf != math.Trunc(pf) {
					return nil, d2Err(sp+"/port", "not a port number")
				}
				port = pf
			}
			var s DNSServer
			s.Addr = netip.AddrPortFrom(ip.Unmap(), uint16(port))
			if s.KeyName, err = str(smap, sp, "key-name", false); err != nil {
				return nil, err
			}
			d.Servers = append(d.Servers, s)
		}
		out = append(out, d)
	}
	return out, nil
}
