package cfgmgr

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const keaExamples = "/usr/share/doc/kea/examples"

// exampleExpect is what loading one Kea 2.2 example must give: the
// warnings whose text must appear (each a substring of one warning), or
// the error substring.
type exampleExpect struct {
	warns []string
	err   string
}

const (
	wLoggers = "Dhcp%d/loggers: ignored: dhcpsrv logs through log/slog"
	wHooks   = "Dhcp%d/hooks-libraries: ignored: hook libraries cannot be loaded"
	wCB      = "Dhcp%d/config-control: ignored: the configuration backend is not supported"
	wMySQLH  = "hosts database of type \"mysql\" is not supported by dhcpsrv"
	wOptUC   = "user-context/comment of option-data is not kept"
	wDefUC   = "user-context/comment of option-def is not kept"
	wOldDDNS = "Dhcp%d/dhcp-ddns/qualifying-suffix: deprecated (Kea 2.2) and ignored"
)

var exampleExpectations = map[string]exampleExpect{
	"advanced.json":                  {warns: []string{wLoggers}},
	"all-keys-netconf.json":          {warns: []string{wHooks, wCB, wMySQLH, wLoggers, wOldDDNS}},
	"all-keys.json":                  {warns: []string{wHooks, wCB, wMySQLH, wLoggers, wOldDDNS}},
	"all-options.json":               {},
	"backends.json":                  {warns: []string{wLoggers}},
	"classify.json":                  {warns: []string{wLoggers}},
	"classify2.json":                 {warns: []string{wLoggers}},
	"comments.json":                  {warns: []string{wLoggers, wOptUC, wDefUC}},
	"config-backend.json":            {warns: []string{wCB, wHooks, wLoggers}},
	"dhcpv4-over-dhcpv6.json":        {warns: []string{wLoggers}},
	"duid.json":                      {warns: []string{wLoggers}},
	"global-reservations.json":       {warns: []string{wLoggers}},
	"ha-load-balancing-primary.json": {warns: []string{wHooks, wLoggers}},
	"ha-hot-standby.json":            {warns: []string{wHooks, wLoggers}},
	"hooks-radius.json":              {warns: []string{wHooks}},
	"hooks.json":                     {warns: []string{wHooks}},
	"iPXE.json":                      {},
	"leases-expiration.json":         {warns: []string{wLoggers}},
	"multiple-options.json":          {warns: []string{wLoggers}},
	"mysql-reservations.json":        {warns: []string{wMySQLH, wLoggers}},
	"pgsql-reservations.json":        {warns: []string{wLoggers}},
	"reservations.json":              {warns: []string{wLoggers}},
	"several-subnets.json":           {warns: []string{wLoggers}},
	"shared-network.json":            {},
	"simple.json":                    {warns: []string{wLoggers}},
	"single-subnet.json":             {warns: []string{wLoggers}},
	"softwire46.json":                {warns: []string{wLoggers}},
	"stateless.json":                 {},
	"tee-times.json":                 {warns: []string{wLoggers}},
	"vendor-specific.json":           {},
	"vivso.json":                     {},
	"with-ddns.json":                 {warns: []string{wLoggers}},
}

// TestKeaExamples loads every example config shipped with Kea 2.2
// (package kea-doc), checks the expected outcome and the round trip
// parse(marshal(parse(C))) == parse(C).
func TestKeaExamples(t *testing.T) {
	if _, err := os.Stat(keaExamples); err != nil {
		t.Skip("Kea examples not installed (apt-get install kea-doc)")
	}
	files, err := filepath.Glob(filepath.Join(keaExamples, "kea[46]", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		name := filepath.Base(f)
		fam := 4
		if strings.Contains(f, "kea6") {
			fam = 6
		}
		t.Run(filepath.Base(filepath.Dir(f))+"/"+name, func(t *testing.T) {
			exp, ok := exampleExpectations[name]
			require.True(t, ok, "no expectation for %s", f)
			cfg, warns, err := ParseFile(f)
			if exp.err != "" {
				require.ErrorContains(t, err, exp.err)
				return
			}
			require.NoError(t, err)
			var ws []string
			for _, w := range warns {
				ws = append(ws, w.String())
			}
			all := strings.Join(ws, "\n")
			for _, w := range exp.warns {
				if strings.Contains(w, "%d") {
					w = strings.ReplaceAll(w, "%d", map[int]string{4: "4", 6: "6"}[fam])
				}
				require.Contains(t, all, w)
			}
			if len(exp.warns) == 0 {
				require.Empty(t, warns)
			}
			roundTrip(t, cfg)
		})
	}
}

// roundTrip checks parse(marshal(cfg)) == cfg.
func roundTrip(t *testing.T, cfg *Config) {
	t.Helper()
	b, err := json.MarshalIndent(cfg, "", "  ")
	require.NoError(t, err)
	cfg2, _, err := Parse(b)
	require.NoError(t, err, "re-parse of:\n%s", b)
	require.Equal(t, cfg, cfg2, "marshalled:\n%s", b)
}
