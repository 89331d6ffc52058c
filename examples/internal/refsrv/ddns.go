package refsrv

import (
	"fmt"
	"log/slog"
	"reflect"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/d2client"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

// DirectUpdateKey is the key, in the "user-context" of the "dhcp-ddns" map,
// of the direct RFC 2136 update settings: when present the server sends its
// DNS updates itself (d2client.DNSUpdater) instead of to kea-dhcp-ddns.
// Its value is a kea-dhcp-ddns configuration map (forward-ddns,
// reverse-ddns, tsig-keys, dns-server-timeout; see d2client.ParseDNSConfig),
// so the file stays a valid Kea configuration:
//
//	"dhcp-ddns": {
//	  "enable-updates": true,
//	  "user-context": {"dhcpsrv-direct-update": {
//	    "tsig-keys": [{"name": "ddns-key.", "algorithm": "HMAC-SHA256", "secret": "..."}],
//	    "forward-ddns": {"ddns-domains": [{"name": "example.org.", "key-name": "ddns-key.",
//	      "dns-servers": [{"ip-address": "192.0.2.53"}]}]},
//	    "reverse-ddns": {"ddns-domains": [{"name": "2.0.192.in-addr.arpa.", "key-name": "ddns-key.",
//	      "dns-servers": [{"ip-address": "192.0.2.53"}]}]}}}}
const DirectUpdateKey = "dhcpsrv-direct-update"

// NewDDNSSender builds the Sender of a configuration's "dhcp-ddns" map: nil
// when enable-updates is false; a d2client.DNSUpdater when the user-context
// has DirectUpdateKey; otherwise a d2client.UDPSender to kea-dhcp-ddns at
// server-ip:server-port. Failed sends are retried with backoff (the SDK's
// default policy), counted in st and logged.
func NewDDNSSender(cfg *cfgmgr.Config, log *slog.Logger, st *stats.Manager) (d2client.Sender, error) {
	d := &cfg.DHCPDDNS
	if !d.EnableUpdates {
		return nil, nil
	}
	q := d2client.QueueConfig{MaxQueueSize: int(d.MaxQueueSize), Stats: st, Logger: log}
	if v, ok := d.UserContext[DirectUpdateKey]; ok {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("dhcp-ddns/user-context/%s: not a map", DirectUpdateKey)
		}
		dc, err := d2client.DNSConfigFromMap(m)
		if err != nil {
			return nil, fmt.Errorf("dhcp-ddns/user-context/%s: %w", DirectUpdateKey, err)
		}
		dc.Queue = q
		u, err := d2client.NewDNSUpdater(dc)
		if err != nil {
			return nil, fmt.Errorf("dhcp-ddns/user-context/%s: %w", DirectUpdateKey, err)
		}
		log.Info("DDNS: updating DNS directly (RFC 2136)", "forward-domains", len(dc.Forward), "reverse-domains", len(dc.Reverse))
		return u, nil
	}
	uc, err := d2client.UDPConfigFromKea(d)
	if err != nil {
		return nil, fmt.Errorf("dhcp-ddns: %w", err)
	}
	uc.Queue = q
	s, err := d2client.NewUDPSender(uc)
	if err != nil {
		return nil, fmt.Errorf("dhcp-ddns: %w", err)
	}
	log.Info("DDNS: sending name change requests to kea-dhcp-ddns", "server", uc.Server, "sender", s.LocalAddr())
	return s, nil
}

// warnDDNSChange logs when a reconfiguration changed what the Sender was
// built from: the Sender is built once, at start (the per-subnet ddns-*
// parameters do follow the new configuration).
func (r *runner) warnDDNSChange(old, cur *cfgmgr.Config) {
	if old == nil || cur == nil {
		return
	}
	if !reflect.DeepEqual(old.DHCPDDNS, cur.DHCPDDNS) {
		r.log.Warn("dhcp-ddns changed: the server keeps the DDNS sender it was started with; restart it to use the new settings (ddns-* parameters take effect now)",
			"enable-updates", cur.DHCPDDNS.EnableUpdates)
	}
}
