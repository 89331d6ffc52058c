package cfgmgr

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr/internal/gen"
)

// BenchmarkParseCommitLarge parses, validates and commits a config with
// 10,000 subnets and 100,000 reservations (the file that
// `go run ./cfgmgr/internal/cmd/gencfg` writes, for kea-dhcp4 -t).
func BenchmarkParseCommitLarge(b *testing.B) {
	var buf bytes.Buffer
	require.NoError(b, gen.Config4(&buf, 10000, 100000))
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	m := NewManager(WithHistorySize(1))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cfg, _, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		m.Stage(cfg)
		if _, err := m.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	c := m.Current()
	require.Len(b, c.Subnets4, 10000)
	require.Len(b, c.AllHosts(), 100000)
}

func TestGeneratedConfigLoads(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, gen.Config4(&buf, 300, 3000))
	cfg, warns, err := Parse(buf.Bytes())
	require.NoError(t, err)
	require.Empty(t, warns)
	require.Len(t, cfg.Subnets4, 300)
	require.Len(t, cfg.AllHosts(), 3000)
	roundTrip(t, cfg)
}
