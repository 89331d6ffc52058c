package hostmgr_test

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/hostmgr"
)

var bg = context.Background()

// source is a named CfgHosts that counts Get4/Get6 calls.
type source struct {
	*hostmgr.CfgHosts
	name  string
	calls atomic.Int64
}

func newSource(t *testing.T, name string, hosts ...*hostmgr.Host) *source {
	t.Helper()
	c, err := hostmgr.NewConfigSource(true, hosts...)
	require.NoError(t, err)
	return &source{CfgHosts: c, name: name}
}

func (s *source) Type() string { return s.name }
func (s *source) Get4(ctx context.Context, subnetID hostmgr.SubnetID, typ hostmgr.IdentifierType, id []byte) (*hostmgr.Host, error) {
	s.calls.Add(1)
	return s.CfgHosts.Get4(ctx, subnetID, typ, id)
}
func (s *source) Get6(ctx context.Context, subnetID hostmgr.SubnetID, typ hostmgr.IdentifierType, id []byte) (*hostmgr.Host, error) {
	s.calls.Add(1)
	return s.CfgHosts.Get6(ctx, subnetID, typ, id)
}

// readOnly hides the Writer and IPReservationsUniqueSetter methods.
type readOnly struct{ hostmgr.DataSource }

// broken fails every Get4.
type broken struct{ hostmgr.DataSource }

var errDown = errors.New("database is down")

func (broken) Get4(context.Context, hostmgr.SubnetID, hostmgr.IdentifierType, []byte) (*hostmgr.Host, error) {
	return nil, errDown
}
func (broken) GetAll4(context.Context, hostmgr.SubnetID) ([]*hostmgr.Host, error) {
	return nil, errDown
}

var (
	macA = []byte{0x02, 0, 0, 0, 0, 0xa}
	macB = []byte{0x02, 0, 0, 0, 0, 0xb}
	macC = []byte{0x02, 0, 0, 0, 0, 0xc}
)

func h4(subnet hostmgr.SubnetID, id []byte, addr, name string) *hostmgr.Host {
	h := hostmgr.NewHost4(subnet, hostmgr.IdentHWAddr, id)
	h.IPv4Address = netip.MustParseAddr(addr)
	h.Hostname = name
	return h
}

func TestManagerOrder(t *testing.T) {
	primary := newSource(t, "config", h4(1, macA, "192.0.2.1", "primary"))
	alt1 := newSource(t, "alt1", h4(1, macA, "192.0.2.1", "alt1"), h4(1, macB, "192.0.2.2", "alt1"))
	alt2 := newSource(t, "alt2", h4(1, macB, "192.0.2.2", "alt2"), h4(1, macC, "192.0.2.3", "alt2"))
	m := hostmgr.NewManager(primary, hostmgr.ManagerOptions{})
	m.AddSource(alt1)
	m.AddSource(alt2)
	m.AddSource(nil) // ignored
	require.Len(t, m.Alternates(), 2)

	// Single results: primary, then alternates in order.
	for _, tc := range []struct {
		id   []byte
		want string
	}{{macA, "primary"}, {macB, "alt1"}, {macC, "alt2"}} {
		h, err := m.Get4(bg, 1, hostmgr.IdentHWAddr, tc.id)
		require.NoError(t, err)
		require.Equal(t, tc.want, h.Hostname)
	}
	h, err := m.Get4ByAddress(bg, 1, netip.MustParseAddr("192.0.2.2"))
	require.NoError(t, err)
	require.Equal(t, "alt1", h.Hostname)
	_, err = m.Get4(bg, 2, hostmgr.IdentHWAddr, macA)
	require.ErrorIs(t, err, hostmgr.ErrNotFound)

	// Collections: concatenated, primary first.
	hs, err := m.GetAll4(bg, 1)
	require.NoError(t, err)
	var names []string
	for _, h := range hs {
		names = append(names, h.Hostname)
	}
	require.Equal(t, []string{"primary", "alt1", "alt1", "alt2", "alt2"}, names)
	hs, err = m.GetAll(bg, hostmgr.IdentHWAddr, macA)
	require.NoError(t, err)
	require.Len(t, hs, 2)
	hs, err = m.GetAllByHostname(bg, "ALT2")
	require.NoError(t, err)
	require.Len(t, hs, 2)

	// Targets.
	h, err = m.WithTarget(hostmgr.AlternateSources).Get4(bg, 1, hostmgr.IdentHWAddr, macA)
	require.NoError(t, err)
	require.Equal(t, "alt1", h.Hostname)
	_, err = m.WithTarget(hostmgr.PrimarySource).Get4(bg, 1, hostmgr.IdentHWAddr, macB)
	require.ErrorIs(t, err, hostmgr.ErrNotFound)
	hs, err = m.WithTarget(hostmgr.PrimarySource).GetAll4(bg, 1)
	require.NoError(t, err)
	require.Len(t, hs, 1)
	require.Equal(t, hostmgr.AllSources, m.Target())
	require.Equal(t, "alternate", m.WithTarget(hostmgr.AlternateSources).Target().String())
	require.Equal(t, "none", hostmgr.Target(0).String())

	// Get4Any walks identifiers in order, skipping empty ones.
	h, err = m.Get4Any(bg, 1, []hostmgr.Identifier{
		{Type: hostmgr.IdentHWAddr, Value: nil},
		{Type: hostmgr.IdentDUID, Value: macA},
		{Type: hostmgr.IdentHWAddr, Value: macC},
		{Type: hostmgr.IdentHWAddr, Value: macA},
	})
	require.NoError(t, err)
	require.Equal(t, macC, h.Identifier)
	_, err = m.Get4Any(bg, 1, []hostmgr.Identifier{{Type: hostmgr.IdentDUID, Value: macA}})
	require.ErrorIs(t, err, hostmgr.ErrNotFound)
	_, err = m.Get4Any(bg, 1, nil)
	require.ErrorIs(t, err, hostmgr.ErrNotFound)

	// Removing sources.
	require.Equal(t, 1, m.RemoveSources("alt1"))
	h, err = m.Get4(bg, 1, hostmgr.IdentHWAddr, macB)
	require.NoError(t, err)
	require.Equal(t, "alt2", h.Hostname)
	require.Equal(t, 1, m.RemoveSources(""))
	require.Empty(t, m.Alternates())

	// Swapping the primary (a config commit).
	m.SetPrimary(newSource(t, "config", h4(1, macA, "192.0.2.1", "new config")))
	h, err = m.Get4(bg, 1, hostmgr.IdentHWAddr, macA)
	require.NoError(t, err)
	require.Equal(t, "new config", h.Hostname)
	m.SetPrimary(nil)
	require.Nil(t, m.Primary())
	_, err = m.Get4(bg, 1, hostmgr.IdentHWAddr, macA)
	require.ErrorIs(t, err, hostmgr.ErrNotFound)
}

func TestManagerV6(t *testing.T) {
	h := hostmgr.NewHost6(1, hostmgr.IdentDUID, []byte{0, 1, 2, 3})
	h.IPv6Addresses = []netip.Addr{netip.MustParseAddr("2001:db8::1")}
	h.IPv6Prefixes = []netip.Prefix{netip.MustParsePrefix("2001:db8:1::/48")}
	m := hostmgr.NewManager(newSource(t, "config"), hostmgr.ManagerOptions{})
	m.AddSource(newSource(t, "db", h))
	got, err := m.Get6Any(bg, 1, []hostmgr.Identifier{{Type: hostmgr.IdentHWAddr, Value: macA}, {Type: hostmgr.IdentDUID, Value: []byte{0, 1, 2, 3}}})
	require.NoError(t, err)
	require.Equal(t, h.IPv6Addresses, got.IPv6Addresses)
	got, err = m.Get6ByPrefix(bg, h.IPv6Prefixes[0])
	require.NoError(t, err)
	require.Equal(t, h.Identifier, got.Identifier)
	got, err = m.Get6ByAddress(bg, 1, h.IPv6Addresses[0])
	require.NoError(t, err)
	require.Equal(t, h.Identifier, got.Identifier)
	hs, err := m.GetAll6ByAddress(bg, h.IPv6Addresses[0])
	require.NoError(t, err)
	require.Len(t, hs, 1)
	hs, err = m.GetAll6ByAddressInSubnet(bg, 2, h.IPv6Addresses[0])
	require.NoError(t, err)
	require.Empty(t, hs)
	hs, err = m.GetAllByHostname6(bg, "", 1)
	require.NoError(t, err)
	require.Empty(t, hs)
	hs, err = m.GetAll6(bg, 1)
	require.NoError(t, err)
	require.Len(t, hs, 1)
}

func TestManagerSourceErrors(t *testing.T) {
	m := hostmgr.NewManager(newSource(t, "config", h4(1, macA, "192.0.2.1", "p")), hostmgr.ManagerOptions{NegativeCacheTTL: time.Minute})
	m.AddSource(broken{newSource(t, "pgsql")})
	h, err := m.Get4(bg, 1, hostmgr.IdentHWAddr, macA)
	require.NoError(t, err, "the primary answers before the broken alternate is asked")
	require.Equal(t, "p", h.Hostname)
	_, err = m.Get4(bg, 1, hostmgr.IdentHWAddr, macB)
	require.ErrorIs(t, err, errDown)
	require.ErrorContains(t, err, "pgsql")
	require.Zero(t, m.NegativeCacheLen(), "an error is not an absence")
	_, err = m.GetAll4(bg, 1)
	require.ErrorIs(t, err, errDown)
	_, err = m.Get4Any(bg, 1, []hostmgr.Identifier{{Type: hostmgr.IdentHWAddr, Value: macB}})
	require.ErrorIs(t, err, errDown)
}

func TestManagerNegativeCache(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	primary := newSource(t, "config", h4(1, macA, "192.0.2.1", "p"))
	alt := newSource(t, "db")
	m := hostmgr.NewManager(primary, hostmgr.ManagerOptions{NegativeCacheTTL: 10 * time.Second, NegativeCacheSize: 2, Now: clock})
	m.AddSource(alt)

	// Found in the primary: nothing cached, alternates not asked.
	_, err := m.Get4(bg, 1, hostmgr.IdentHWAddr, macA)
	require.NoError(t, err)
	require.Zero(t, alt.calls.Load())
	require.Zero(t, m.NegativeCacheLen())

	miss := func(id []byte) {
		t.Helper()
		_, err := m.Get4(bg, 1, hostmgr.IdentHWAddr, id)
		require.ErrorIs(t, err, hostmgr.ErrNotFound)
	}
	miss(macB)
	miss(macB)
	require.EqualValues(t, 1, alt.calls.Load(), "second miss answered by the cache")
	require.Equal(t, 1, m.NegativeCacheLen())

	// v4 and v6 absences are distinct keys.
	_, err = m.Get6(bg, 1, hostmgr.IdentHWAddr, macB)
	require.ErrorIs(t, err, hostmgr.ErrNotFound)
	require.EqualValues(t, 2, alt.calls.Load())

	// TTL.
	advance(9 * time.Second)
	miss(macB)
	require.EqualValues(t, 2, alt.calls.Load())
	advance(time.Second)
	miss(macB)
	require.EqualValues(t, 3, alt.calls.Load(), "expired entry asks again")

	// Size bound: LRU eviction at 2 entries.
	miss(macC) // cache: macC, macB (v6 macB evicted)
	require.Equal(t, 2, m.NegativeCacheLen())
	calls := alt.calls.Load()
	miss(macB)
	miss(macC)
	require.Equal(t, calls, alt.calls.Load())

	// A host added through the manager is found at once.
	require.NoError(t, m.WithTarget(hostmgr.AlternateSources).Add(bg, h4(1, macB, "192.0.2.2", "added")))
	h, err := m.Get4(bg, 1, hostmgr.IdentHWAddr, macB)
	require.NoError(t, err)
	require.Equal(t, "added", h.Hostname)
	_, err = primary.Get4(bg, 1, hostmgr.IdentHWAddr, macB)
	require.ErrorIs(t, err, hostmgr.ErrNotFound, "target alternate: the primary was not written")

	// Update through the manager too.
	miss(macC)
	require.NoError(t, alt.Add(bg, h4(1, macC, "192.0.2.3", "behind the cache")))
	miss(macC) // written behind the manager's back: cached absence until TTL
	require.NoError(t, m.Update(bg, h4(1, macC, "192.0.2.4", "updated")))
	h, err = m.Get4(bg, 1, hostmgr.IdentHWAddr, macC)
	require.NoError(t, err)
	require.Equal(t, "updated", h.Hostname)

	// Del4 and AddSource clear entries; ClearNegativeCache clears all.
	miss([]byte{9})
	require.NotZero(t, m.NegativeCacheLen())
	require.ErrorIs(t, m.Del4(bg, 1, hostmgr.IdentHWAddr, []byte{9}), hostmgr.ErrNotFound)
	m.AddSource(newSource(t, "db2", h4(1, []byte{9}, "192.0.2.9", "db2")))
	require.Zero(t, m.NegativeCacheLen())
	h, err = m.Get4(bg, 1, hostmgr.IdentHWAddr, []byte{9})
	require.NoError(t, err)
	require.Equal(t, "db2", h.Hostname)
	miss([]byte{8})
	m.ClearNegativeCache()
	require.Zero(t, m.NegativeCacheLen())

	// No alternates: nothing to cache.
	m2 := hostmgr.NewManager(primary, hostmgr.ManagerOptions{NegativeCacheTTL: time.Second})
	_, err = m2.Get4(bg, 1, hostmgr.IdentHWAddr, macC)
	require.ErrorIs(t, err, hostmgr.ErrNotFound)
	require.Zero(t, m2.NegativeCacheLen())
}

func TestManagerNegativeCacheConcurrent(t *testing.T) {
	alt := newSource(t, "db")
	m := hostmgr.NewManager(nil, hostmgr.ManagerOptions{NegativeCacheTTL: time.Hour, NegativeCacheSize: 8})
	m.AddSource(alt)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				id := []byte{byte(g), byte(i % 16)}
				_, _ = m.Get4(bg, 1, hostmgr.IdentHWAddr, id)
				if i%50 == 0 {
					_ = m.Add(bg, hostmgr.NewHost4(1, hostmgr.IdentHWAddr, []byte{byte(g), byte(i%16 + 100)}))
				}
			}
		}()
	}
	wg.Wait()
	require.LessOrEqual(t, m.NegativeCacheLen(), 8)
	// Everything added is visible despite concurrent misses.
	for g := range 4 {
		for i := 0; i < 200; i += 50 {
			_, err := m.Get4(bg, 1, hostmgr.IdentHWAddr, []byte{byte(g), byte(i%16 + 100)})
			require.NoError(t, err)
		}
	}
}

func TestManagerWrites(t *testing.T) {
	primary := newSource(t, "config")
	alt := newSource(t, "db")
	ro := readOnly{newSource(t, "ro")}
	m := hostmgr.NewManager(primary, hostmgr.ManagerOptions{})
	m.AddSource(ro)
	m.AddSource(alt)

	// AllSources writes to every writable source, skipping read-only ones.
	require.NoError(t, m.Add(bg, h4(1, macA, "192.0.2.1", "a")))
	for _, ds := range []hostmgr.DataSource{primary, alt} {
		_, err := ds.Get4(bg, 1, hostmgr.IdentHWAddr, macA)
		require.NoError(t, err, ds.Type())
	}
	require.ErrorIs(t, m.Add(bg, h4(1, macA, "192.0.2.5", "dup")), hostmgr.ErrDuplicate)
	require.Error(t, m.Add(bg, nil))
	require.ErrorContains(t, m.Add(bg, &hostmgr.Host{}), "empty hw-address identifier")

	// Deletes succeed if any source deleted.
	require.NoError(t, m.WithTarget(hostmgr.AlternateSources).Add(bg, h4(1, macB, "192.0.2.2", "b")))
	require.NoError(t, m.Del(bg, 1, netip.MustParseAddr("192.0.2.2")))
	require.ErrorIs(t, m.Del(bg, 1, netip.MustParseAddr("192.0.2.2")), hostmgr.ErrNotFound)
	require.NoError(t, m.WithTarget(hostmgr.PrimarySource).Del4(bg, 1, hostmgr.IdentHWAddr, macA))
	_, err := alt.Get4(bg, 1, hostmgr.IdentHWAddr, macA)
	require.NoError(t, err, "primary target: alternate untouched")
	require.NoError(t, m.Del4(bg, 1, hostmgr.IdentHWAddr, macA))
	require.ErrorIs(t, m.Del4(bg, 1, hostmgr.IdentHWAddr, macA), hostmgr.ErrNotFound)

	h6 := hostmgr.NewHost6(1, hostmgr.IdentDUID, []byte{1, 2, 3})
	require.NoError(t, m.Add(bg, h6))
	require.NoError(t, m.Del6(bg, 1, hostmgr.IdentDUID, []byte{1, 2, 3}))
	require.ErrorIs(t, m.Update(bg, h6), hostmgr.ErrNotFound)

	// Only read-only sources targeted.
	m2 := hostmgr.NewManager(ro, hostmgr.ManagerOptions{})
	require.ErrorIs(t, m2.Add(bg, h4(1, macC, "192.0.2.3", "c")), hostmgr.ErrReadOnly)
	require.ErrorIs(t, m2.Del(bg, 1, netip.MustParseAddr("192.0.2.3")), hostmgr.ErrReadOnly)
	require.ErrorIs(t, m.WithTarget(0).Add(bg, h4(1, macC, "192.0.2.3", "c")), hostmgr.ErrReadOnly)
}

func TestManagerIPReservationsUnique(t *testing.T) {
	primary := newSource(t, "config")
	m := hostmgr.NewManager(primary, hostmgr.ManagerOptions{})
	require.NoError(t, m.SetIPReservationsUnique(false))
	require.False(t, primary.IPReservationsUnique())
	m.AddSource(readOnly{newSource(t, "ro")})
	err := m.SetIPReservationsUnique(false)
	require.ErrorIs(t, err, hostmgr.ErrNotSupported)
	require.ErrorContains(t, err, "ro source supports only unique")
	require.NoError(t, m.SetIPReservationsUnique(true))
	require.True(t, primary.IPReservationsUnique())
}

func TestManagerPaging(t *testing.T) {
	mk := func(name string, n int, base byte) *source {
		var hs []*hostmgr.Host
		for i := range n {
			hs = append(hs, h4(1, []byte{base, byte(i)}, netip.AddrFrom4([4]byte{192, 0, base, byte(i + 1)}).String(), name))
		}
		return newSource(t, name, hs...)
	}
	m := hostmgr.NewManager(mk("config", 3, 2), hostmgr.ManagerOptions{})
	m.AddSource(mk("empty", 0, 3))
	m.AddSource(mk("db", 5, 4))

	walk := func(pageSize int, get func(hostmgr.Cursor, int) ([]*hostmgr.Host, hostmgr.Cursor, error)) []string {
		var names []string
		var c hostmgr.Cursor
		for range 100 {
			hs, next, err := get(c, pageSize)
			require.NoError(t, err)
			if len(hs) == 0 {
				return names
			}
			require.LessOrEqual(t, len(hs), pageSize)
			for _, h := range hs {
				names = append(names, h.Hostname)
			}
			c = next
		}
		t.Fatal("endless walk")
		return nil
	}
	want := []string{"config", "config", "config", "db", "db", "db", "db", "db"}
	for _, size := range []int{1, 2, 3, 100} {
		require.Equal(t, want, walk(size, func(c hostmgr.Cursor, n int) ([]*hostmgr.Host, hostmgr.Cursor, error) {
			return m.GetPage4(bg, 1, c, n)
		}), "size %d", size)
		require.Equal(t, want, walk(size, func(c hostmgr.Cursor, n int) ([]*hostmgr.Host, hostmgr.Cursor, error) {
			return m.GetPageAll4(bg, c, n)
		}), "size %d", size)
	}
	hs, _, err := m.GetPage6(bg, 1, hostmgr.Cursor{}, 10)
	require.NoError(t, err)
	require.Empty(t, hs)
	hs, _, err = m.GetPageAll6(bg, hostmgr.Cursor{}, 10)
	require.NoError(t, err)
	require.Empty(t, hs)
	_, _, err = m.GetPage4(bg, 1, hostmgr.Cursor{}, 0)
	require.Error(t, err)
	_, _, err = m.GetPage4(bg, 1, hostmgr.Cursor{Source: -1}, 10)
	require.Error(t, err)
	hs, c, err := m.GetPage4(bg, 1, hostmgr.Cursor{Source: 7}, 10)
	require.NoError(t, err)
	require.Empty(t, hs)
	require.Equal(t, 3, c.Source)
}
