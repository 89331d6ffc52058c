package d2client

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseDNSConfig(t *testing.T) {
	cfg, err := ParseDNSConfig([]byte(`{"DhcpDdns": {
		"ip-address": "127.0.0.1", "port": 53001, "dns-server-timeout": 750,
		"tsig-keys": [{"name": "ddns-key.", "algorithm": "HMAC-SHA256", "secret": "c2VjcmV0"}],
		"forward-ddns": {"ddns-domains": [{"name": "example.org.", "key-name": "ddns-key.",
			"dns-servers": [{"ip-address": "127.0.0.1", "port": 5353}, {"ip-address": "::1"}]}]},
		"reverse-ddns": {"ddns-domains": [{"name": "2.0.192.in-addr.arpa.",
			"dns-servers": [{"ip-address": "127.0.0.1", "key-name": "ddns-key."}]}]},
		"loggers": []}}`))
	require.NoError(t, err)
	require.Equal(t, DNSConfig{
		Forward: []Domain{{Name: "example.org.", KeyName: "ddns-key.", Servers: []DNSServer{
			{Addr: netip.MustParseAddrPort("127.0.0.1:5353")}, {Addr: netip.MustParseAddrPort("[::1]:53")}}}},
		Reverse: []Domain{{Name: "2.0.192.in-addr.arpa.", Servers: []DNSServer{
			{Addr: netip.MustParseAddrPort("127.0.0.1:53"), KeyName: "ddns-key."}}}},
		Keys:    []TSIGKey{{Name: "ddns-key.", Algorithm: "HMAC-SHA256", Secret: "c2VjcmV0"}},
		Timeout: 750 * time.Millisecond,
	}, cfg)

	// The inner map alone works too.
	inner, err := ParseDNSConfig([]byte(`{"forward-ddns": {"ddns-domains": []}}`))
	require.NoError(t, err)
	require.Empty(t, inner.Forward)
}

func TestParseDNSConfigErrors(t *testing.T) {
	for _, tc := range []struct{ in, path string }{
		{`[]`, ""},
		{`{"forward-ddns": []}`, "forward-ddns"},
		{`{"forward-ddns": {"ddns-domains": [{"dns-servers": [{"ip-address": "127.0.0.1"}]}]}}`, "forward-ddns/ddns-domains[0]/name"},
		{`{"forward-ddns": {"ddns-domains": [{"name": "x."}]}}`, "dns-servers"},
		{`{"reverse-ddns": {"ddns-domains": [{"name": "x.", "dns-servers": [{"ip-address": "nope"}]}]}}`, "reverse-ddns/ddns-domains[0]/dns-servers[0]/ip-address"},
		{`{"reverse-ddns": {"ddns-domains": [{"name": "x.", "dns-servers": [{"ip-address": "127.0.0.1", "port": 70000}]}]}}`, "port"},
		{`{"reverse-ddns": {"ddns-domains": [{"name": "x.", "dns-servers": [{"hostname": "ns.x."}]}]}}`, "hostname"},
		{`{"DhcpDdns": {"tsig-keys": [{"name": "k"}]}}`, "DhcpDdns/tsig-keys[0]/secret"},
		{`{"tsig-keys": [{"name": 5, "secret": "x"}]}`, "tsig-keys[0]/name"},
		{`{"dns-server-timeout": -1}`, "dns-server-timeout"},
		{`{"DhcpDdns": 1}`, "DhcpDdns"},
	} {
		_, err := ParseDNSConfig([]byte(tc.in))
		require.Error(t, err, tc.in)
		require.True(t, errors.Is(err, ErrD2Config), tc.in)
		require.Contains(t, err.Error(), tc.path, tc.in)
	}
}

func FuzzParseDNSConfig(f *testing.F) {
	f.Add([]byte(`{"forward-ddns": {"ddns-domains": [{"name": "example.org.", "dns-servers": [{"ip-address": "127.0.0.1"}]}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseDNSConfig(b)
	})
}
