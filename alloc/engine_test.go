package alloc_test

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

// testClock is a settable clock for the engine.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is an engine over an in-memory memfile with a parsed config.
type fixture struct {
	t      testing.TB
	cfg    *cfgmgr.Config
	leases leasemgr.Manager
	hosts  *hostmgr.Manager
	stats  *stats.Manager
	clock  *testClock
	eng    *alloc.Engine
}

func parseConfig(t testing.TB, js string) *cfgmgr.Config {
	t.Helper()
	cfg, _, err := cfgmgr.Parse([]byte(js))
	require.NoError(t, err)
	return cfg
}

func newFixture(t testing.TB, js string, opts ...alloc.Option) *fixture {
	t.Helper()
	cfg := parseConfig(t, js)
	u := leasemgr.V4
	if cfg.Family == 6 {
		u = leasemgr.V6
	}
	lm, err := memfile.Open(context.Background(), memfile.Config{Universe: u, InMemory: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = lm.Close() })
	return newFixtureWith(t, cfg, lm, opts...)
}

func newFixtureWith(t testing.TB, cfg *cfgmgr.Config, lm leasemgr.Manager, opts ...alloc.Option) *fixture {
	t.Helper()
	src, err := hostmgr.NewConfigSource(cfg.IPReservationsUnique(), cfg.AllHosts()...)
	require.NoError(t, err)
	f := &fixture{t: t, cfg: cfg, leases: lm, hosts: hostmgr.NewManager(src, hostmgr.ManagerOptions{}),
		stats: stats.New(), clock: &testClock{t: time.Unix(1_700_000_000, 0)}}
	all := append([]alloc.Option{alloc.WithStats(f.stats), alloc.WithClock(f.clock.Now)}, opts...)
	f.eng, err = alloc.NewEngine(lm, f.hosts, all...)
	require.NoError(t, err)
	require.NoError(t, f.eng.Configure(cfg))
	return f
}

func (f *fixture) stat(name string) int64 {
	v, ok := f.stats.Get(name)
	if !ok {
		return 0
	}
	return v.Int
}

func mac(b byte) leasemgr.HWAddr {
	return leasemgr.HWAddr{Addr: []byte{0, 0x0c, 1, 2, 3, b}, Type: leasemgr.HTypeEthernet}
}

func (f *fixture) ctx4(subnet cfgmgr.SubnetID, hw leasemgr.HWAddr) *alloc.ClientContext4 {
	s := f.cfg.Subnet4(subnet)
	require.NotNil(f.t, s)
	return &alloc.ClientContext4{
		Subnet:          s,
		HWAddr:          hw,
		HostIdentifiers: []hostmgr.Identifier{{Type: hostmgr.IdentHWAddr, Value: hw.Addr}},
	}
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

// checkStats4 recounts the leases and compares with the statistics.
func (f *fixture) checkStats4() {
	f.t.Helper()
	ls, err := f.leases.AllLeases4(context.Background())
	require.NoError(f.t, err)
	assigned := map[uint32]int64{}
	declined := map[uint32]int64{}
	var ga, gd int64
	for _, l := range ls {
		if l.State == leasemgr.StateDefault || l.State == leasemgr.StateDeclined {
			assigned[l.SubnetID]++
			ga++
		}
		if l.State == leasemgr.StateDeclined {
			declined[l.SubnetID]++
			gd++
		}
	}
	for _, s := range f.cfg.Subnets4 {
		id := uint32(s.ID)
		require.Equal(f.t, assigned[id], f.stat(stats.SubnetName(id, stats.AssignedAddresses)), "subnet %d assigned", id)
		require.Equal(f.t, declined[id], f.stat(stats.SubnetName(id, stats.DeclinedAddresses)), "subnet %d declined", id)
	}
	require.Equal(f.t, ga, f.stat(stats.AssignedAddresses), "global assigned")
	require.Equal(f.t, gd, f.stat(stats.DeclinedAddresses), "global declined")
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
