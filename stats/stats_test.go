package stats_test

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/stats"
)

var t0 = time.Date(2026, 12, 4, 21, 8, 59, 123456789, time.UTC)

// fakeNow is a settable clock for WithClock.
type fakeNow struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeNow) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeNow) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
}

func newManager() (*stats.Manager, *fakeNow) {
	clk := &fakeNow{t: t0}
	return stats.New(stats.WithClock(clk.now), stats.WithLocation(time.UTC)), clk
}

func TestNames(t *testing.T) {
	require.Equal(t, "subnet[1].assigned-addresses", stats.SubnetName(1, stats.AssignedAddresses))
	require.Equal(t, "subnet[4294967295].total-nas", stats.SubnetName(4294967295, stats.TotalNAs))
	require.Equal(t, "subnet[1].pool[0].total-addresses", stats.PoolName(1, 0, stats.TotalAddresses))
	require.Equal(t, "subnet[12].pd-pool[3].assigned-pds", stats.PDPoolName(12, 3, stats.AssignedPDs))
	require.Equal(t, "subnet[7].", stats.SubnetPrefix(7))

	for _, tc := range []struct {
		name string
		want stats.Name
	}{
		{"pkt4-received", stats.Name{Stat: "pkt4-received"}},
		{"subnet[1].assigned-addresses", stats.Name{Subnet: 1, HasSubnet: true, Stat: "assigned-addresses"}},
		{"subnet[1].pool[0].total-addresses", stats.Name{Subnet: 1, HasSubnet: true, PoolKind: "pool", Stat: "total-addresses"}},
		{"subnet[2].pd-pool[5].assigned-pds", stats.Name{Subnet: 2, HasSubnet: true, Pool: 5, PoolKind: "pd-pool", Stat: "assigned-pds"}},
		{"subnet[x].a", stats.Name{Stat: "subnet[x].a"}},
		{"subnet[01].a", stats.Name{Stat: "subnet[01].a"}},
		{"subnet[4294967296].a", stats.Name{Stat: "subnet[4294967296].a"}},
		{"subnet[1]", stats.Name{Stat: "subnet[1]"}},
		{"subnet[1].pool[].a", stats.Name{Subnet: 1, HasSubnet: true, Stat: "pool[].a"}},
	} {
		require.Equal(t, tc.want, stats.ParseName(tc.name), tc.name)
	}
}

func TestIntHandle(t *testing.T) {
	m, clk := newManager()
	h := m.Int("reclaimed-leases")
	require.Same(t, h, m.Int("reclaimed-leases"), "one handle per statistic")
	require.Equal(t, "reclaimed-leases", h.Name())
	v, ok := m.Get("reclaimed-leases")
	require.True(t, ok)
	require.Equal(t, stats.Value{Kind: stats.KindInt, Time: t0}, v, "created with 0 at creation time")

	clk.advance(time.Second)
	h.Add(5)
	h.Inc()
	h.Dec()
	h.Add(-2)
	require.Equal(t, int64(3), h.Load())
	v, _ = m.Get("reclaimed-leases")
	require.Equal(t, stats.Value{Kind: stats.KindInt, Int: 3, Time: t0.Add(time.Second)}, v)
	require.Equal(t, int64(3), v.Any())

	clk.advance(time.Second)
	h.Set(-7)
	v, _ = m.Get("reclaimed-leases")
	require.Equal(t, int64(-7), v.Int)
	require.Equal(t, t0.Add(2*time.Second), v.Time)

	_, ok = m.Get("missing")
	require.False(t, ok)
}

func TestFloatAndDuration(t *testing.T) {
	m, _ := newManager()
	f := m.Float("ratio")
	f.Add(0.25)
	f.Add(0.5)
	require.Equal(t, 0.75, f.Load())
	f.Set(1.5)
	require.Equal(t, 1.5, f.Load())
	require.Equal(t, "ratio", f.Name())
	d := m.Duration("busy")
	d.Add(time.Second)
	d.Add(time.Millisecond)
	require.Equal(t, 1001*time.Millisecond, d.Load())
	d.Set(time.Minute)
	require.Equal(t, "busy", d.Name())
	v, _ := m.Get("busy")
	require.Equal(t, stats.KindDuration, v.Kind)
	require.Equal(t, time.Minute, v.Any())
	v, _ = m.Get("ratio")
	require.Equal(t, 1.5, v.Any())
	require.Equal(t, "integer float duration", stats.KindInt.String()+" "+stats.KindFloat.String()+" "+stats.KindDuration.String())

	// Asking for another kind replaces the statistic and detaches the
	// old handle.
	i := m.Int("ratio")
	require.True(t, f.Removed())
	require.False(t, i.Removed())
	v, _ = m.Get("ratio")
	require.Equal(t, stats.KindInt, v.Kind)
}

func TestConcurrentAdds(t *testing.T) {
	m := stats.New()
	const goroutines, perG = 16, 2000
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			shared := m.Int("pkt4-received") // racing creation too
			own := m.Int(stats.SubnetName(uint32(g), stats.AssignedAddresses))
			f := m.Float("f")
			for range perG {
				shared.Add(1)
				own.Inc()
				f.Add(1)
			}
		})
	}
	// Readers meanwhile.
	wg.Go(func() {
		for range 100 {
			m.GetAll()
			m.Get("pkt4-received")
		}
	})
	wg.Wait()
	require.Equal(t, int64(goroutines*perG), m.Int("pkt4-received").Load())
	require.Equal(t, float64(goroutines*perG), m.Float("f").Load())
	for g := range goroutines {
		v, ok := m.Get(stats.SubnetName(uint32(g), stats.AssignedAddresses))
		require.True(t, ok)
		require.Equal(t, int64(perG), v.Int)
	}
}

func TestResetKeepsHandles(t *testing.T) {
	m, clk := newManager()
	h := m.Int("a")
	h.Add(10)
	m.Int("b").Add(3)
	clk.advance(time.Minute)
	require.NoError(t, m.Reset("a"))
	require.ErrorIs(t, m.Reset("missing"), stats.ErrNotFound)
	v, _ := m.Get("a")
	require.Equal(t, int64(0), v.Int)
	require.Equal(t, t0.Add(time.Minute), v.Time)
	h.Add(2)
	v, _ = m.Get("a")
	require.Equal(t, int64(2), v.Int, "the handle still counts into the statistic")

	m.ResetAll()
	for _, s := range m.GetAll() {
		require.Zero(t, s.Int, s.Name)
	}
	require.Equal(t, 2, m.Len())
}

func TestRemoveDetachesHandles(t *testing.T) {
	m, _ := newManager()
	h := m.Int("subnet[1].assigned-addresses")
	h.Add(4)
	require.NoError(t, m.Remove("subnet[1].assigned-addresses"))
	require.ErrorIs(t, m.Remove("subnet[1].assigned-addresses"), stats.ErrNotFound)
	_, ok := m.Get("subnet[1].assigned-addresses")
	require.False(t, ok)
	require.Empty(t, m.GetAll())

	require.True(t, h.Removed())
	h.Add(1) // a stale handle does not crash and is not reported
	require.Equal(t, int64(5), h.Load())
	_, ok = m.Get("subnet[1].assigned-addresses")
	require.False(t, ok)

	h2 := m.Int("subnet[1].assigned-addresses")
	require.NotSame(t, h, h2)
	require.Zero(t, h2.Load())
	h.Add(1)
	require.Zero(t, h2.Load())

	m.Int(stats.SubnetName(1, "x"))
	m.Int(stats.PoolName(1, 0, "x"))
	m.Int(stats.SubnetName(10, "x"))
	m.Int("x")
	require.Equal(t, 3, m.RemovePrefix(stats.SubnetPrefix(1)))
	require.Equal(t, []string{"subnet[10].x", "x"}, m.Names())
	x := m.Int("x")
	m.RemoveAll()
	require.Zero(t, m.Len())
	require.True(t, x.Removed())
}

func TestGetAllSorted(t *testing.T) {
	m, _ := newManager()
	names := []string{"v4-allocation-fail", "subnet[2].assigned-addresses", "pkt4-received", "subnet[10].assigned-addresses", "subnet[1].pool[0].total-addresses"}
	for i, n := range names {
		m.Int(n).Set(int64(i))
	}
	var got []string
	for _, s := range m.GetAll() {
		got = append(got, s.Name)
	}
	want := []string{"pkt4-received", "subnet[10].assigned-addresses", "subnet[1].pool[0].total-addresses", "subnet[2].assigned-addresses", "v4-allocation-fail"}
	require.Equal(t, want, got)
	require.Equal(t, want, m.Names())

	got = got[:0]
	m.Each(func(name string, v stats.Value) {
		m.Get(name) // Each does not hold the lock
		got = append(got, name)
	})
	require.Equal(t, want, got)
}

func TestKeaJSON(t *testing.T) {
	m, clk := newManager()
	m.Int("pkt4-received").Add(125)
	clk.advance(1500 * time.Microsecond)
	m.Int(stats.SubnetName(1, stats.AssignedAddresses)).Set(-2)
	m.Float("ratio").Set(0.5)
	m.Duration("busy").Set(26*time.Hour + 3*time.Minute + 4*time.Second + 5*time.Microsecond)

	b, err := json.Marshal(m.KeaGet("pkt4-received"))
	require.NoError(t, err)
	require.JSONEq(t, `{"pkt4-received": [[125, "2026-12-04 21:08:59.123456"]]}`, string(b))
	require.Equal(t, `{"pkt4-received":[[125,"2026-12-04 21:08:59.123456"]]}`, string(b))

	b, err = json.Marshal(m.KeaGet("missing"))
	require.NoError(t, err)
	require.Equal(t, `{}`, string(b), "Kea answers statistic-get of an unknown name with empty arguments")

	b, err = json.Marshal(map[string]any{"result": 0, "arguments": m.KeaGetAll()})
	require.NoError(t, err)
	require.Equal(t, `{"arguments":{`+
		`"busy":[["26:03:04.000005","2026-12-04 21:08:59.124956"]],`+
		`"pkt4-received":[[125,"2026-12-04 21:08:59.123456"]],`+
		`"ratio":[[0.5,"2026-12-04 21:08:59.124956"]],`+
		`"subnet[1].assigned-addresses":[[-2,"2026-12-04 21:08:59.124956"]]`+
		`},"result":0}`, string(b))
	var parsed map[string]any
	require.NoError(t, json.Unmarshal(b, &parsed))

	b, err = json.Marshal(stats.KeaStatistics{{Name: `q"uote`, Value: stats.Value{Kind: stats.KindInt, Time: t0}}})
	require.NoError(t, err)
	require.Equal(t, `{"q\"uote":[[0,"2026-12-04 21:08:59.123456"]]}`, string(b))

	require.Equal(t, "00:00:00.000000", stats.FormatKeaDuration(0))
	require.Equal(t, "-01:00:00.500000", stats.FormatKeaDuration(-time.Hour-500*time.Millisecond))
}

func TestKeaTimeLocal(t *testing.T) {
	loc := time.FixedZone("X", 2*3600)
	m := stats.New(stats.WithClock(func() time.Time { return t0 }), stats.WithLocation(loc))
	m.Int("a")
	b, err := json.Marshal(m.KeaGetAll())
	require.NoError(t, err)
	require.Equal(t, `{"a":[[0,"2026-12-04 23:08:59.123456"]]}`, string(b))
}

func TestDefaultClock(t *testing.T) {
	before := time.Now()
	m := stats.New()
	h := m.Int("a")
	h.Inc()
	after := time.Now()
	v, _ := m.Get("a")
	require.False(t, v.Time.Before(before.Truncate(time.Microsecond)))
	require.False(t, v.Time.After(after.Add(time.Microsecond)))
	require.Equal(t, time.Local, v.Time.Location())
}

func TestNilManagerAndHandles(t *testing.T) {
	var m *stats.Manager
	h := m.Int("a")
	require.Nil(t, h)
	h.Add(1)
	h.Inc()
	h.Set(3)
	require.Zero(t, h.Load())
	require.True(t, h.Removed())
	m.Float("f").Add(1)
	m.Duration("d").Add(1)
	_, ok := m.Get("a")
	require.False(t, ok)
	require.Empty(t, m.GetAll())
	require.Zero(t, m.Len())
	require.ErrorIs(t, m.Reset("a"), stats.ErrNotFound)
	require.ErrorIs(t, m.Remove("a"), stats.ErrNotFound)
	m.ResetAll()
	m.RemoveAll()
	require.Zero(t, m.RemovePrefix(""))
}
