package keacli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/option"
)

func run(t *testing.T, p Program, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), p, args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kea.json")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	return p
}

var prog4 = Program{Name: "dhcp4d", Family: option.V4}
var prog6 = Program{Name: "dhcp6d", Family: option.V6}

func TestCheckShippedConfigs(t *testing.T) {
	code, out, errOut := run(t, prog4, "-t", "../../dhcp4d/kea-dhcp4.json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "configuration OK: 1 subnet, 1 pool, 1 reservation, 0 shared networks")

	code, out, errOut = run(t, prog6, "-t", "../../dhcp6d/kea-dhcp6.json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "configuration OK: 1 subnet, 1 pool, 1 pd-pool, 0 reservations, 0 shared networks")
}

func TestCheckReportsErrorsWithPaths(t *testing.T) {
	path := writeFile(t, `{"Dhcp4": {
	  // a comment, as Kea allows
	  "subnet4": [
	    {"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.10 - 192.0.1.5"}]},
	    {"id": 2, "subnet": "198.18.0.0/24", "bogus-key": 1}
	  ]}}`)
	code, out, errOut := run(t, prog4, "-t", path)
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Contains(t, errOut, "Dhcp4/subnet4[0]/pools[0]/pool")
	require.Contains(t, errOut, "Dhcp4/subnet4[1]/bogus-key")
	// Each error on its own line.
	require.GreaterOrEqual(t, strings.Count(errOut, "\n"), 2)
}

func TestCheckWrongFamily(t *testing.T) {
	code, _, errOut := run(t, prog6, "-t", "../../dhcp4d/kea-dhcp4.json")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "no Dhcp6 map")
}

func TestCheckMissingFile(t *testing.T) {
	code, _, errOut := run(t, prog4, "-t", filepath.Join(t.TempDir(), "absent.json"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "absent.json")
}

func TestFlags(t *testing.T) {
	code, out, _ := run(t, prog4, "-v")
	require.Equal(t, 0, code)
	require.Equal(t, Version+"\n", out)

	code, out, _ = run(t, prog4, "-V")
	require.Equal(t, 0, code)
	require.True(t, strings.HasPrefix(out, Version+"\n"))
	require.Contains(t, out, "memfile")

	code, _, errOut := run(t, prog4, "-p", "70000", "-t", "x")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "port must be 1-65535")

	code, _, errOut = run(t, prog4)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "no configuration file")

	code, _, errOut = run(t, prog4, "-c", "a.json", "-t", "b.json")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "exclusive")

	code, _, errOut = run(t, prog4, "-x")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Usage:")
}

func TestRunIsCalledWithOptions(t *testing.T) {
	var got Options
	p := prog4
	p.Run = func(_ context.Context, o Options) error { got = o; return nil }
	code, _, errOut := run(t, p, "-c", "cfg.json", "-d", "-p", "1067", "-P", "1068")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "cfg.json", got.ConfigFile)
	require.True(t, got.Debug)
	require.Equal(t, 1067, got.ServerPort)
	require.Equal(t, 1068, got.ClientPort)
	require.NotNil(t, got.Logger)
}
