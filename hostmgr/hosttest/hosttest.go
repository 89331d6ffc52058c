package hosttest

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// Run runs every scenario as a subtest; open is called once per subtest and
// must return an empty source (it may register cleanups on t).
func Run(t *testing.T, open func(t *testing.T) hostmgr.DataSource) {
	t.Helper()
	t.Run("Empty", func(t *testing.T) { testEmpty(t, open(t)) })
	writers := []struct {
		name string
		fn   func(*testing.T, hostmgr.DataSource, hostmgr.Writer)
	}{
		{"Get4ByEachIdentifierType", testGet4ByIdentifier},
		{"Get6ByEachIdentifierType", testGet6ByIdentifier},
		{"IdentifierTypesAreDistinct", testIdentifierTypesDistinct},
		{"GlobalAndSubnetReservations", testGlobalVsSubnet},
		{"DualStackHost", testDualStack},
		{"GetAllByIdentifier", testGetAllByIdentifier},
		{"ByAddress4", testByAddress4},
		{"ByAddress6AndPrefix", testByAddress6},
		{"ByHostname", testByHostname},
		{"GetAllBySubnet", testGetAllBySubnet},
		{"Paging", testPaging},
		{"PagingAllSubnets", testPagingAll},
		{"DuplicateIdentifier", testDuplicateIdentifier},
		{"DuplicateAddress", testDuplicateAddress},
		{"NonUniqueReservations", testNonUnique},
		{"InvalidHosts", testInvalid},
		{"Delete", testDelete},
		{"Delete6", testDelete6},
		{"Update", testUpdate},
		{"ContentPreserved", testContentPreserved},
		{"AddCopiesHost", testAddCopies},
		{"ConcurrentReaders", testConcurrent},
	}
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			ds := open(t)
			wr, ok := ds.(hostmgr.Writer)
			if !ok {
				t.Skipf("%s does not implement hostmgr.Writer", ds.Type())
			}
			w.fn(t, ds, wr)
		})
	}
}

var ctx = context.Background()

func mac(i int) []byte {
	return []byte{0x02, 0x00, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
}
func duid(i int) []byte {
	return []byte{0x00, 0x01, 0x00, 0x01, 0xaa, 0xbb, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
}
func ip4(i int) netip.Addr { return netip.AddrFrom4([4]byte{192, 0, byte(2 + i>>8), byte(i)}) }
func ip6(i int) netip.Addr {
	return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(i >> 8), 15: byte(i)})
}
func pfx(i int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0x10, 5: byte(i)}), 48)
}

func host4(subnet hostmgr.SubnetID, t hostmgr.IdentifierType, id []byte, addr netip.Addr) *hostmgr.Host {
	h := hostmgr.NewHost4(subnet, t, id)
	h.IPv4Address = addr
	return h
}

func host6(subnet hostmgr.SubnetID, t hostmgr.IdentifierType, id []byte, addrs []netip.Addr, prefixes []netip.Prefix) *hostmgr.Host {
	h := hostmgr.NewHost6(subnet, t, id)
	h.IPv6Addresses = addrs
	h.IPv6Prefixes = prefixes
	return h
}

func add(t *testing.T, w hostmgr.Writer, h *hostmgr.Host) {
	t.Helper()
	require.NoError(t, w.Add(ctx, h), "add %s", h)
}

// normalize makes hosts comparable: no HostID, empty slices as nil.
func normalize(h *hostmgr.Host) *hostmgr.Host {
	if h == nil {
		return nil
	}
	c := h.Clone()
	c.HostID = 0
	if len(c.Identifier) == 0 {
		c.Identifier = nil
	}
	if len(c.IPv6Addresses) == 0 {
		c.IPv6Addresses = nil
	}
	if len(c.IPv6Prefixes) == 0 {
		c.IPv6Prefixes = nil
	}
	if len(c.ClientClasses4) == 0 {
		c.ClientClasses4 = nil
	}
	if len(c.ClientClasses6) == 0 {
		c.ClientClasses6 = nil
	}
	if len(c.Options4) == 0 {
		c.Options4 = nil
	}
	if len(c.Options6) == 0 {
		c.Options6 = nil
	}
	if len(c.UserContext) == 0 {
		c.UserContext = nil
	}
	for _, opts := range [][]option.Data{c.Options4, c.Options6} {
		for i := range opts {
			if len(opts[i].Wire) == 0 {
				opts[i].Wire = nil
			}
			if len(opts[i].ClientClasses) == 0 {
				opts[i].ClientClasses = nil
			}
		}
	}
	if !c.IPv4Address.IsValid() {
		c.IPv4Address = netip.Addr{}
	}
	return c
}

func requireSameHost(t *testing.T, want, got *hostmgr.Host) {
	t.Helper()
	require.NotNil(t, got)
	require.Equal(t, normalize(want), normalize(got))
}

func requireNotFound(t *testing.T, h *hostmgr.Host, err error) {
	t.Helper()
	require.ErrorIs(t, err, hostmgr.ErrNotFound)
	require.Nil(t, h)
}

// ids returns the identifiers of hs, in order, as strings.
func ids(hs []*hostmgr.Host) []string {
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		out = append(out, h.Ident().String())
	}
	return out
}

func requireHostIDOrder(t *testing.T, hs []*hostmgr.Host) {
	t.Helper()
	for i := 1; i < len(hs); i++ {
		require.Less(t, hs[i-1].HostID, hs[i].HostID, "hosts not in HostID order")
	}
}

func testEmpty(t *testing.T, ds hostmgr.DataSource) {
	require.NotEmpty(t, ds.Type())
	h, err := ds.Get4(ctx, 1, hostmgr.IdentHWAddr, mac(1))
	requireNotFound(t, h, err)
	h, err = ds.Get6(ctx, 1, hostmgr.IdentDUID, duid(1))
	requireNotFound(t, h, err)
	h, err = ds.Get4ByAddress(ctx, 1, ip4(1))
	requireNotFound(t, h, err)
	h, err = ds.Get6ByAddress(ctx, 1, ip6(1))
	requireNotFound(t, h, err)
	h, err = ds.Get6ByPrefix(ctx, pfx(1))
	requireNotFound(t, h, err)
	for name, f := range map[string]func() ([]*hostmgr.Host, error){
		"GetAll":                   func() ([]*hostmgr.Host, error) { return ds.GetAll(ctx, hostmgr.IdentHWAddr, mac(1)) },
		"GetAll4":                  func() ([]*hostmgr.Host, error) { return ds.GetAll4(ctx, 1) },
		"GetAll6":                  func() ([]*hostmgr.Host, error) { return ds.GetAll6(ctx, 1) },
		"GetAllByHostname":         func() ([]*hostmgr.Host, error) { return ds.GetAllByHostname(ctx, "x") },
		"GetAllByHostname4":        func() ([]*hostmgr.Host, error) { return ds.GetAllByHostname4(ctx, "x", 1) },
		"GetAllByHostname6":        func() ([]*hostmgr.Host, error) { return ds.GetAllByHostname6(ctx, "x", 1) },
		"GetPage4":                 func() ([]*hostmgr.Host, error) { return ds.GetPage4(ctx, 1, 0, 10) },
		"GetPage6":                 func() ([]*hostmgr.Host, error) { return ds.GetPage6(ctx, 1, 0, 10) },
		"GetPageAll4":              func() ([]*hostmgr.Host, error) { return ds.GetPageAll4(ctx, 0, 10) },
		"GetPageAll6":              func() ([]*hostmgr.Host, error) { return ds.GetPageAll6(ctx, 0, 10) },
		"GetAll4ByAddress":         func() ([]*hostmgr.Host, error) { return ds.GetAll4ByAddress(ctx, ip4(1)) },
		"GetAll4ByAddressInSubnet": func() ([]*hostmgr.Host, error) { return ds.GetAll4ByAddressInSubnet(ctx, 1, ip4(1)) },
		"GetAll6ByAddress":         func() ([]*hostmgr.Host, error) { return ds.GetAll6ByAddress(ctx, ip6(1)) },
		"GetAll6ByAddressInSubnet": func() ([]*hostmgr.Host, error) { return ds.GetAll6ByAddressInSubnet(ctx, 1, ip6(1)) },
	} {
		hs, err := f()
		require.NoError(t, err, name)
		require.Empty(t, hs, name)
	}
}

var allTypes = []hostmgr.IdentifierType{hostmgr.IdentHWAddr, hostmgr.IdentDUID, hostmgr.IdentCircuitID, hostmgr.IdentClientID, hostmgr.IdentFlexID}

func identOf(t hostmgr.IdentifierType, i int) []byte {
	switch t {
	case hostmgr.IdentHWAddr:
		return mac(i)
	case hostmgr.IdentDUID:
		return duid(i)
	case hostmgr.IdentClientID:
		return append([]byte{0x01}, mac(i)...)
	default:
		return []byte(fmt.Sprintf("%s-%d", t, i))
	}
}

// Kea: testGetByIPv4 / testGet4ByIdentifier for each identifier type.
func testGet4ByIdentifier(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	for i, typ := range allTypes {
		add(t, w, host4(1, typ, identOf(typ, i), ip4(10+i)))
	}
	for i, typ := range allTypes {
		h, err := ds.Get4(ctx, 1, typ, identOf(typ, i))
		require.NoError(t, err, typ.String())
		requireSameHost(t, host4(1, typ, identOf(typ, i), ip4(10+i)), h)
		require.NotZero(t, h.HostID, "source must assign a HostID")
		// Another subnet, another identifier value: not found.
		h, err = ds.Get4(ctx, 2, typ, identOf(typ, i))
		requireNotFound(t, h, err)
		h, err = ds.Get4(ctx, 1, typ, identOf(typ, 99))
		requireNotFound(t, h, err)
		// v4 reservations are not v6 reservations.
		h, err = ds.Get6(ctx, 1, typ, identOf(typ, i))
		requireNotFound(t, h, err)
	}
}

// Kea: testGet6ByHWAddr / testGet6ByClientId.
func testGet6ByIdentifier(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	for i, typ := range allTypes {
		add(t, w, host6(7, typ, identOf(typ, i), []netip.Addr{ip6(10 + i)}, []netip.Prefix{pfx(i)}))
	}
	for i, typ := range allTypes {
		h, err := ds.Get6(ctx, 7, typ, identOf(typ, i))
		require.NoError(t, err, typ.String())
		requireSameHost(t, host6(7, typ, identOf(typ, i), []netip.Addr{ip6(10 + i)}, []netip.Prefix{pfx(i)}), h)
		h, err = ds.Get6(ctx, 8, typ, identOf(typ, i))
		requireNotFound(t, h, err)
		h, err = ds.Get4(ctx, 7, typ, identOf(typ, i))
		requireNotFound(t, h, err)
	}
}

// The same bytes under two identifier types are two different clients.
func testIdentifierTypesDistinct(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	id := mac(5)
	add(t, w, host4(1, hostmgr.IdentHWAddr, id, ip4(1)))
	add(t, w, host4(1, hostmgr.IdentFlexID, id, ip4(2)))
	h, err := ds.Get4(ctx, 1, hostmgr.IdentHWAddr, id)
	require.NoError(t, err)
	require.Equal(t, ip4(1), h.IPv4Address)
	h, err = ds.Get4(ctx, 1, hostmgr.IdentFlexID, id)
	require.NoError(t, err)
	require.Equal(t, ip4(2), h.IPv4Address)
	h, err = ds.Get4(ctx, 1, hostmgr.IdentDUID, id)
	requireNotFound(t, h, err)
}

// Kea: testGlobalSubnetIDs: subnet 0 holds global reservations, separate
// from subnet ones.
func testGlobalVsSubnet(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	g := host4(hostmgr.SubnetIDGlobal, hostmgr.IdentHWAddr, mac(1), ip4(1))
	g.Hostname = "global"
	s := host4(1, hostmgr.IdentHWAddr, mac(1), ip4(2))
	s.Hostname = "in-subnet"
	add(t, w, g)
	add(t, w, s)
	add(t, w, host6(hostmgr.SubnetIDGlobal, hostmgr.IdentDUID, duid(1), []netip.Addr{ip6(1)}, nil))

	h, err := ds.Get4(ctx, hostmgr.SubnetIDGlobal, hostmgr.IdentHWAddr, mac(1))
	require.NoError(t, err)
	require.Equal(t, "global", h.Hostname)
	h, err = ds.Get4(ctx, 1, hostmgr.IdentHWAddr, mac(1))
	require.NoError(t, err)
	require.Equal(t, "in-subnet", h.Hostname)

	all, err := ds.GetAll4(ctx, hostmgr.SubnetIDGlobal)
	require.NoError(t, err)
	require.Len(t, all, 1)
	h, err = ds.Get6(ctx, hostmgr.SubnetIDGlobal, hostmgr.IdentDUID, duid(1))
	require.NoError(t, err)
	require.Equal(t, []netip.Addr{ip6(1)}, h.IPv6Addresses)
	h, err = ds.Get6(ctx, 1, hostmgr.IdentDUID, duid(1))
	requireNotFound(t, h, err)

	// The same address, once global and once in a subnet, is no conflict.
	add(t, w, host4(hostmgr.SubnetIDGlobal, hostmgr.IdentHWAddr, mac(2), ip4(9)))
	add(t, w, host4(1, hostmgr.IdentHWAddr, mac(3), ip4(9)))
	h, err = ds.Get4ByAddress(ctx, hostmgr.SubnetIDGlobal, ip4(9))
	require.NoError(t, err)
	require.Equal(t, mac(2), h.Identifier)
}

// Kea: testAddr6AndPrefix / host with both v4 and v6 parts.
func testDualStack(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	h := &hostmgr.Host{
		IdentifierType: hostmgr.IdentHWAddr, Identifier: mac(1),
		SubnetID4: 1, SubnetID6: 2,
		IPv4Address:   ip4(1),
		IPv6Addresses: []netip.Addr{ip6(1), ip6(2)},
		IPv6Prefixes:  []netip.Prefix{pfx(1)},
		Hostname:      "dual",
	}
	add(t, w, h)
	got4, err := ds.Get4(ctx, 1, hostmgr.IdentHWAddr, mac(1))
	require.NoError(t, err)
	requireSameHost(t, h, got4)
	got6, err := ds.Get6(ctx, 2, hostmgr.IdentHWAddr, mac(1))
	require.NoError(t, err)
	requireSameHost(t, h, got6)
	require.Equal(t, got4.HostID, got6.HostID)
	all, err := ds.GetAll(ctx, hostmgr.IdentHWAddr, mac(1))
	require.NoError(t, err)
	require.Len(t, all, 1, "one host, found once")
}

// Kea: testGetAll (by identifier, across subnets).
func testGetAllByIdentifier(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	add(t, w, host4(1, hostmgr.IdentHWAddr, mac(1), ip4(1)))
	add(t, w, host4(2, hostmgr.IdentHWAddr, mac(1), ip4(2)))
	add(t, w, host6(3, hostmgr.IdentHWAddr, mac(1), []netip.Addr{ip6(1)}, nil))
	add(t, w, host4(1, hostmgr.IdentHWAddr, mac(2), ip4(3)))
	add(t, w, host4(1, hostmgr.IdentDUID, mac(1), ip4(4)))
	hs, err := ds.GetAll(ctx, hostmgr.IdentHWAddr, mac(1))
	require.NoError(t, err)
	require.Len(t, hs, 3)
	requireHostIDOrder(t, hs)
	for _, h := range hs {
		require.Equal(t, mac(1), h.Identifier)
		require.Equal(t, hostmgr.IdentHWAddr, h.IdentifierType)
	}
	hs, err = ds.GetAll(ctx, hostmgr.IdentClientID, mac(1))
	require.NoError(t, err)
	require.Empty(t, hs)
}

// Kea: testBasic4 / testGetAll4BySubnetIP / testGet4ByAddress.
func testByAddress4(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	add(t, w, host4(1, hostmgr.IdentHWAddr, mac(1), ip4(1)))
	add(t, w, host4(1, hostmgr.IdentDUID, duid(2), ip4(2)))
	add(t, w, host4(2, hostmgr.IdentHWAddr, mac(3), ip4(1))) // same address, other subnet

	h, err := ds.Get4ByAddress(ctx, 1, ip4(1))
	require.NoError(t, err)
	require.Equal(t, mac(1), h.Identifier)
	h, err = ds.Get4ByAddress(ctx, 2, ip4(1))
	require.NoError(t, err)
	require.Equal(t, mac(3), h.Identifier)
	h, err = ds.Get4ByAddress(ctx, 1, ip4(2))
	require.NoError(t, err)
	require.Equal(t, duid(2), h.Identifier)
	h, err = ds.Get4ByAddress(ctx, 3, ip4(1))
	requireNotFound(t, h, err)
	h, err = ds.Get4ByAddress(ctx, 1, ip4(77))
	requireNotFound(t, h, err)

	hs, err := ds.GetAll4ByAddress(ctx, ip4(1))
	require.NoError(t, err)
	require.Equal(t, []string{
		hostmgr.Identifier{Type: hostmgr.IdentHWAddr, Value: mac(1)}.String(),
		hostmgr.Identifier{Type: hostmgr.IdentHWAddr, Value: mac(3)}.String(),
	}, ids(hs))
	hs, err = ds.GetAll4ByAddressInSubnet(ctx, 2, ip4(1))
	require.NoError(t, err)
	require.Len(t, hs, 1)
	require.Equal(t, mac(3), hs[0].Identifier)
}

// Kea: testGetByIPv6 / testGetByIPv6Prefix / testGetAll6BySubnetIP.
func testByAddress6(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	add(t, w, host6(1, hostmgr.IdentDUID, duid(1), []netip.Addr{ip6(1), ip6(2)}, nil))
	add(t, w, host6(1, hostmgr.IdentDUID, duid(2), nil, []netip.Prefix{pfx(1), pfx(2)}))
	add(t, w, host6(2, hostmgr.IdentHWAddr, mac(3), []netip.Addr{ip6(1)}, nil))

	for _, a := range []netip.Addr{ip6(1), ip6(2)} {
		h, err := ds.Get6ByAddress(ctx, 1, a)
		require.NoError(t, err)
		require.Equal(t, duid(1), h.Identifier)
	}
	h, err := ds.Get6ByAddress(ctx, 2, ip6(1))
	require.NoError(t, err)
	require.Equal(t, mac(3), h.Identifier)
	h, err = ds.Get6ByAddress(ctx, 3, ip6(1))
	requireNotFound(t, h, err)
	h, err = ds.Get6ByAddress(ctx, 1, pfx(1).Addr())
	require.NoError(t, err, "a prefix reservation is found by its first address")
	require.Equal(t, duid(2), h.Identifier)

	for _, p := range []netip.Prefix{pfx(1), pfx(2)} {
		h, err = ds.Get6ByPrefix(ctx, p)
		require.NoError(t, err)
		require.Equal(t, duid(2), h.Identifier)
	}
	h, err = ds.Get6ByPrefix(ctx, netip.PrefixFrom(pfx(1).Addr(), 56))
	requireNotFound(t, h, err)
	h, err = ds.Get6ByPrefix(ctx, pfx(3))
	requireNotFound(t, h, err)

	hs, err := ds.GetAll6ByAddress(ctx, ip6(1))
	require.NoError(t, err)
	require.Len(t, hs, 2)
	requireHostIDOrder(t, hs)
	hs, err = ds.GetAll6ByAddressInSubnet(ctx, 1, ip6(1))
	require.NoError(t, err)
	require.Len(t, hs, 1)
	require.Equal(t, duid(1), hs[0].Identifier)
	hs, err = ds.GetAll4ByAddress(ctx, ip4(1))
	require.NoError(t, err)
	require.Empty(t, hs)
}

// Kea: testGetAllbyHostname* — hostnames compare case-insensitively.
func testByHostname(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	a := host4(1, hostmgr.IdentHWAddr, mac(1), ip4(1))
	a.Hostname = "Host.Example.ORG"
	b := host4(2, hostmgr.IdentHWAddr, mac(2), ip4(2))
	b.Hostname = "host.example.org"
	c := host6(1, hostmgr.IdentDUID, duid(3), []netip.Addr{ip6(3)}, nil)
	c.Hostname = "HOST.example.org"
	d := host4(1, hostmgr.IdentHWAddr, mac(4), ip4(4))
	d.Hostname = "other.example.org"
	for _, h := range []*hostmgr.Host{a, b, c, d} {
		add(t, w, h)
	}
	for _, q := range []string{"host.example.org", "HOST.EXAMPLE.ORG", "Host.example.Org"} {
		hs, err := ds.GetAllByHostname(ctx, q)
		require.NoError(t, err)
		require.Len(t, hs, 3, q)
		requireHostIDOrder(t, hs)
		require.Equal(t, "Host.Example.ORG", hs[0].Hostname, "the hostname is returned as configured")
	}
	hs, err := ds.GetAllByHostname4(ctx, "host.example.org", 1)
	require.NoError(t, err)
	require.Len(t, hs, 1)
	require.Equal(t, mac(1), hs[0].Identifier)
	hs, err = ds.GetAllByHostname4(ctx, "host.example.org", 3)
	require.NoError(t, err)
	require.Empty(t, hs)
	hs, err = ds.GetAllByHostname6(ctx, "host.EXAMPLE.org", 1)
	require.NoError(t, err)
	require.Len(t, hs, 1)
	require.Equal(t, duid(3), hs[0].Identifier)
	hs, err = ds.GetAllByHostname(ctx, "nope.example.org")
	require.NoError(t, err)
	require.Empty(t, hs)
}

// Kea: testGetAll4BySubnet / testGetAll6BySubnet.
func testGetAllBySubnet(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	for i := range 5 {
		add(t, w, host4(1, hostmgr.IdentHWAddr, mac(i), ip4(i+1)))
		add(t, w, host4(2, hostmgr.IdentHWAddr, mac(i), ip4(i+1)))
		add(t, w, host6(1, hostmgr.IdentDUID, duid(i), []netip.Addr{ip6(i + 1)}, nil))
	}
	hs, err := ds.GetAll4(ctx, 1)
	require.NoError(t, err)
	require.Len(t, hs, 5)
	requireHostIDOrder(t, hs)
	for i, h := range hs {
		require.Equal(t, hostmgr.SubnetID(1), h.SubnetID4)
		require.Equal(t, mac(i), h.Identifier)
	}
	hs, err = ds.GetAll6(ctx, 1)
	require.NoError(t, err)
	require.Len(t, hs, 5)
	for _, h := range hs {
		require.Equal(t, hostmgr.IdentDUID, h.IdentifierType)
	}
	hs, err = ds.GetAll6(ctx, 2)
	require.NoError(t, err)
	require.Empty(t, hs)
}

// collect walks pages and checks page sizes and ordering.
func collect(t *testing.T, pageSize int, get func(lower uint64, size int) ([]*hostmgr.Host, error)) []*hostmgr.Host {
	t.Helper()
	var all []*hostmgr.Host
	lower := uint64(0)
	for range 1000 {
		p, err := get(lower, pageSize)
		require.NoError(t, err)
		require.LessOrEqual(t, len(p), pageSize)
		if len(p) == 0 {
			return all
		}
		requireHostIDOrder(t, p)
		require.Greater(t, p[0].HostID, lower)
		all = append(all, p...)
		lower = p[len(p)-1].HostID
	}
	t.Fatal("paging did not end")
	return nil
}

// Kea: testGetPage4 / testGetPage6 / testGetPageLimit4.
func testPaging(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	const n = 25
	for i := range n {
		add(t, w, host4(1, hostmgr.IdentHWAddr, mac(i), ip4(i+1)))
		add(t, w, host4(2, hostmgr.IdentHWAddr, mac(i), ip4(i+1)))
		add(t, w, host6(1, hostmgr.IdentDUID, duid(i), nil, []netip.Prefix{pfx(i)}))
	}
	for _, size := range []int{1, 10, 24, 25, 26, 100} {
		got := collect(t, size, func(lower uint64, sz int) ([]*hostmgr.Host, error) { return ds.GetPage4(ctx, 1, lower, sz) })
		require.Len(t, got, n, "page size %d", size)
		for i, h := range got {
			require.Equal(t, hostmgr.SubnetID(1), h.SubnetID4)
			require.Equal(t, mac(i), h.Identifier)
		}
		got = collect(t, size, func(lower uint64, sz int) ([]*hostmgr.Host, error) { return ds.GetPage6(ctx, 1, lower, sz) })
		require.Len(t, got, n, "page size %d", size)
	}
	// Exact page boundaries: 10, 10, 5, then empty.
	p1, err := ds.GetPage4(ctx, 2, 0, 10)
	require.NoError(t, err)
	require.Len(t, p1, 10)
	p2, err := ds.GetPage4(ctx, 2, p1[9].HostID, 10)
	require.NoError(t, err)
	require.Len(t, p2, 10)
	p3, err := ds.GetPage4(ctx, 2, p2[9].HostID, 10)
	require.NoError(t, err)
	require.Len(t, p3, 5)
	p4, err := ds.GetPage4(ctx, 2, p3[4].HostID, 10)
	require.NoError(t, err)
	require.Empty(t, p4)
	// A lower bound that is not a host of the subnet still works.
	p, err := ds.GetPage4(ctx, 2, p1[0].HostID+1, 3)
	require.NoError(t, err)
	require.Len(t, p, 3)
	require.Equal(t, p1[1].HostID, p[0].HostID)
	// Unknown subnet: empty.
	p, err = ds.GetPage4(ctx, 99, 0, 10)
	require.NoError(t, err)
	require.Empty(t, p)
	// A page size of zero is an error, not an endless walk.
	_, err = ds.GetPage4(ctx, 1, 0, 0)
	require.Error(t, err)
	_, err = ds.GetPageAll6(ctx, 0, -1)
	require.Error(t, err)
}

// Kea: testGetPage4All / testGetPage6All.
func testPagingAll(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	for i := range 12 {
		add(t, w, host4(hostmgr.SubnetID(i%3), hostmgr.IdentHWAddr, mac(i), ip4(i+1)))
		add(t, w, host6(hostmgr.SubnetID(i%4+1), hostmgr.IdentDUID, duid(i), []netip.Addr{ip6(i + 1)}, nil))
	}
	add(t, w, &hostmgr.Host{IdentifierType: hostmgr.IdentFlexID, Identifier: []byte("dual"), SubnetID4: 5, SubnetID6: 5})
	got := collect(t, 5, func(lower uint64, sz int) ([]*hostmgr.Host, error) { return ds.GetPageAll4(ctx, lower, sz) })
	require.Len(t, got, 13)
	for _, h := range got {
		require.True(t, h.HasV4Part())
	}
	got = collect(t, 4, func(lower uint64, sz int) ([]*hostmgr.Host, error) { return ds.GetPageAll6(ctx, lower, sz) })
	require.Len(t, got, 13)
	for _, h := range got {
		require.True(t, h.HasV6Part())
	}
}

// Kea: testAddDuplicate4 / testAddDuplicate6WithSameDUID /
// testAddDuplicate6WithSameHWAddr.
func testDuplicateIdentifier(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	add(t, w, host4(1, hostmgr.IdentHWAddr, mac(1), ip4(1)))
	err := w.Add(ctx, host4(1, hostmgr.IdentHWAddr, mac(1), ip4(2)))
	require.ErrorIs(t, err, hostmgr.ErrDuplicate)
	require.NotErrorIs(t, err, hostmgr.ErrReservedAddress)
	var ce *hostmgr.ConflictError
	if errors.As(err, &ce) {
		require.Equal(t, mac(1), ce.Existing.Identifier)
		require.Equal(t, 4, ce.Family)
	}
	// Nothing was added.
	h, err := ds.Get4ByAddress(ctx, 1, ip4(2))
	requireNotFound(t, h, err)
	// Other subnet, other type, global: fine.
	add(t, w, host4(2, hostmgr.IdentHWAddr, mac(1), ip4(2)))
	add(t, w, host4(1, hostmgr.IdentClientID, mac(1), ip4(3)))
	add(t, w, host4(hostmgr.SubnetIDGlobal, hostmgr.IdentHWAddr, mac(1), ip4(4)))

	add(t, w, host6(1, hostmgr.IdentDUID, duid(1), []netip.Addr{ip6(1)}, nil))
	err = w.Add(ctx, host6(1, hostmgr.IdentDUID, duid(1), []netip.Addr{ip6(2)}, nil))
	require.ErrorIs(t, err, hostmgr.ErrDuplicate)
	// A v4 reservation for the same DUID does not collide with the v6 one.
	add(t, w, host4(1, hostmgr.IdentDUID, duid(1), ip4(5)))
	// A dual host collides on its v6 part.
	err = w.Add(ctx, &hostmgr.Host{IdentifierType: hostmgr.IdentDUID, Identifier: duid(1), SubnetID4: 9, SubnetID6: 1})
	require.ErrorIs(t, err, hostmgr.ErrDuplicate)
	h, err = ds.Get4(ctx, 9, hostmgr.IdentDUID, duid(1))
	requireNotFound(t, h, err)
}

// Kea: testAddDuplicateIPv4 / testAddDuplicate6WithSameAddress /
// testAddDuplicate6WithSamePrefix (ip-reservations-unique true, the default).
func testDuplicateAddress(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	add(t, w, host4(1, hostmgr.IdentHWAddr, mac(1), ip4(1)))
	err := w.Add(ctx, host4(1, hostmgr.IdentHWAddr, mac(2), ip4(1)))
	require.ErrorIs(t, err, hostmgr.ErrDuplicate)
	require.ErrorIs(t, err, hostmgr.ErrReservedAddress)
	require.Contains(t, err.Error(), ip4(1).String())
	add(t, w, host4(2, hostmgr.IdentHWAddr, mac(2), ip4(1)))

	add(t, w, host6(1, hostmgr.IdentDUID, duid(1), []netip.Addr{ip6(1)}, []netip.Prefix{pfx(1)}))
	err = w.Add(ctx, host6(1, hostmgr.IdentDUID, duid(2), []netip.Addr{ip6(9), ip6(1)}, nil))
	require.ErrorIs(t, err, hostmgr.ErrReservedAddress)
	err = w.Add(ctx, host6(1, hostmgr.IdentDUID, duid(3), nil, []netip.Prefix{pfx(1)}))
	require.ErrorIs(t, err, hostmgr.ErrReservedAddress)
	require.Contains(t, err.Error(), pfx(1).String())
	// Nothing of the failed host is visible.
	h, err := ds.Get6ByAddress(ctx, 1, ip6(9))
	requireNotFound(t, h, err)
	add(t, w, host6(2, hostmgr.IdentDUID, duid(2), []netip.Addr{ip6(1)}, []netip.Prefix{pfx(1)}))
}

// Kea: testAllowDuplicateIPv4 / testAllowDuplicateIPv6 with
// ip-reservations-unique false.
func testNonUnique(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	s, ok := ds.(hostmgr.IPReservationsUniqueSetter)
	if !ok {
		t.Skip("source does not implement IPReservationsUniqueSetter")
	}
	if err := s.SetIPReservationsUnique(false); err != nil {
		require.ErrorIs(t, err, hostmgr.ErrNotSupported)
		t.Skip("source supports unique reservations only")
	}
	add(t, w, host4(1, hostmgr.IdentHWAddr, mac(1), ip4(1)))
	add(t, w, host4(1, hostmgr.IdentHWAddr, mac(2), ip4(1)))
	add(t, w, host6(1, hostmgr.IdentDUID, duid(1), []netip.Addr{ip6(1)}, []netip.Prefix{pfx(1)}))
	add(t, w, host6(1, hostmgr.IdentDUID, duid(2), []netip.Addr{ip6(1)}, []netip.Prefix{pfx(1)}))
	// Identifiers stay unique.
	require.ErrorIs(t, w.Add(ctx, host4(1, hostmgr.IdentHWAddr, mac(1), ip4(3))), hostmgr.ErrDuplicate)

	hs, err := ds.GetAll4ByAddressInSubnet(ctx, 1, ip4(1))
	require.NoError(t, err)
	require.Len(t, hs, 2)
	_, err = ds.Get4ByAddress(ctx, 1, ip4(1))
	require.ErrorIs(t, err, hostmgr.ErrMultipleHosts)
	hs, err = ds.GetAll6ByAddressInSubnet(ctx, 1, ip6(1))
	require.NoError(t, err)
	require.Len(t, hs, 2)
	_, err = ds.Get6ByAddress(ctx, 1, ip6(1))
	require.ErrorIs(t, err, hostmgr.ErrMultipleHosts)
	_, err = ds.Get6ByPrefix(ctx, pfx(1))
	require.ErrorIs(t, err, hostmgr.ErrMultipleHosts)

	// Switching back on while duplicates exist fails.
	require.Error(t, s.SetIPReservationsUnique(true))
	require.NoError(t, w.Del4(ctx, 1, hostmgr.IdentHWAddr, mac(2)))
	require.NoError(t, w.Del6(ctx, 1, hostmgr.IdentDUID, duid(2)))
	require.NoError(t, s.SetIPReservationsUnique(true))
	require.ErrorIs(t, w.Add(ctx, host4(1, hostmgr.IdentHWAddr, mac(2), ip4(1))), hostmgr.ErrReservedAddress)
}

func testInvalid(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	bad := map[string]*hostmgr.Host{
		"nil":              nil,
		"no identifier":    host4(1, hostmgr.IdentHWAddr, nil, ip4(1)),
		"hw too long":      host4(1, hostmgr.IdentHWAddr, make([]byte, 21), ip4(1)),
		"unknown type":     host4(1, hostmgr.IdentifierType(9), mac(1), ip4(1)),
		"no subnet":        {IdentifierType: hostmgr.IdentHWAddr, Identifier: mac(1), SubnetID4: hostmgr.SubnetIDUnused, SubnetID6: hostmgr.SubnetIDUnused},
		"v6 as v4":         host4(1, hostmgr.IdentHWAddr, mac(1), ip6(1)),
		"v4 in v6 host":    {IdentifierType: hostmgr.IdentHWAddr, Identifier: mac(1), SubnetID4: hostmgr.SubnetIDUnused, SubnetID6: 1, IPv4Address: ip4(1)},
		"v6 in v4 host":    {IdentifierType: hostmgr.IdentHWAddr, Identifier: mac(1), SubnetID4: 1, SubnetID6: hostmgr.SubnetIDUnused, IPv6Addresses: []netip.Addr{ip6(1)}},
		"multicast v6":     host6(1, hostmgr.IdentDUID, duid(1), []netip.Addr{netip.MustParseAddr("ff02::1")}, nil),
		"v4 as v6":         host6(1, hostmgr.IdentDUID, duid(1), []netip.Addr{ip4(1)}, nil),
		"zero prefix":      host6(1, hostmgr.IdentDUID, duid(1), nil, []netip.Prefix{netip.MustParsePrefix("::/0")}),
		"invalid prefix":   host6(1, hostmgr.IdentDUID, duid(1), nil, []netip.Prefix{{}}),
		"address twice":    host6(1, hostmgr.IdentDUID, duid(1), []netip.Addr{ip6(1), ip6(1)}, nil),
		"prefix twice":     host6(1, hostmgr.IdentDUID, duid(1), nil, []netip.Prefix{pfx(1), pfx(1)}),
		"v6 next-server":   {IdentifierType: hostmgr.IdentHWAddr, Identifier: mac(1), SubnetID4: 1, SubnetID6: hostmgr.SubnetIDUnused, NextServer: ip6(1)},
		"duid too long":    host6(1, hostmgr.IdentDUID, make([]byte, 131), nil, nil),
		"flex-id too long": host4(1, hostmgr.IdentFlexID, make([]byte, 129), netip.Addr{}),
	}
	for name, h := range bad {
		require.Error(t, w.Add(ctx, h), name)
	}
	hs, err := ds.GetPageAll4(ctx, 0, 100)
	require.NoError(t, err)
	require.Empty(t, hs)
	hs, err = ds.GetPageAll6(ctx, 0, 100)
	require.NoError(t, err)
	require.Empty(t, hs)
}

// Kea: testDeleteByAddr4 / testDeleteById4 / testDeleteById4Options.
func testDelete(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	a := host4(1, hostmgr.IdentHWAddr, mac(1), ip4(1))
	a.Hostname = "a"
	add(t, w, a)
	add(t, w, host4(2, hostmgr.IdentHWAddr, mac(1), ip4(1)))
	add(t, w, host4(1, hostmgr.IdentDUID, duid(2), ip4(2)))

	require.ErrorIs(t, w.Del(ctx, 3, ip4(1)), hostmgr.ErrNotFound)
	require.ErrorIs(t, w.Del(ctx, 1, ip4(9)), hostmgr.ErrNotFound)
	require.NoError(t, w.Del(ctx, 1, ip4(1)))
	h, err := ds.Get4(ctx, 1, hostmgr.IdentHWAddr, mac(1))
	requireNotFound(t, h, err)
	h, err = ds.Get4ByAddress(ctx, 1, ip4(1))
	requireNotFound(t, h, err)
	hs, err := ds.GetAllByHostname(ctx, "a")
	require.NoError(t, err)
	require.Empty(t, hs)
	h, err = ds.Get4(ctx, 2, hostmgr.IdentHWAddr, mac(1))
	require.NoError(t, err, "the other subnet's host stays")
	require.NotNil(t, h)

	require.ErrorIs(t, w.Del4(ctx, 2, hostmgr.IdentDUID, duid(2)), hostmgr.ErrNotFound)
	require.ErrorIs(t, w.Del6(ctx, 1, hostmgr.IdentDUID, duid(2)), hostmgr.ErrNotFound)
	require.NoError(t, w.Del4(ctx, 1, hostmgr.IdentDUID, duid(2)))
	h, err = ds.Get4ByAddress(ctx, 1, ip4(2))
	requireNotFound(t, h, err)
	hs, err = ds.GetAll4(ctx, 1)
	require.NoError(t, err)
	require.Empty(t, hs)
	hs, err = ds.GetPageAll4(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, hs, 1)

	// The identifier and address can be reserved again.
	add(t, w, host4(1, hostmgr.IdentHWAddr, mac(1), ip4(1)))
	add(t, w, host4(1, hostmgr.IdentHWAddr, mac(7), ip4(2)))
}

// Kea: testDeleteByAddr6 / testDeleteById6 / testDeleteById6Options.
func testDelete6(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	add(t, w, host6(1, hostmgr.IdentDUID, duid(1), []netip.Addr{ip6(1), ip6(2)}, []netip.Prefix{pfx(1)}))
	add(t, w, host6(1, hostmgr.IdentDUID, duid(2), []netip.Addr{ip6(3)}, nil))
	require.NoError(t, w.Del(ctx, 1, ip6(2)))
	for _, a := range []netip.Addr{ip6(1), ip6(2), pfx(1).Addr()} {
		h, err := ds.Get6ByAddress(ctx, 1, a)
		requireNotFound(t, h, err)
	}
	h, err := ds.Get6ByPrefix(ctx, pfx(1))
	requireNotFound(t, h, err)
	require.NoError(t, w.Del6(ctx, 1, hostmgr.IdentDUID, duid(2)))
	hs, err := ds.GetAll6(ctx, 1)
	require.NoError(t, err)
	require.Empty(t, hs)
	require.ErrorIs(t, w.Del6(ctx, 1, hostmgr.IdentDUID, duid(2)), hostmgr.ErrNotFound)
	add(t, w, host6(1, hostmgr.IdentDUID, duid(3), []netip.Addr{ip6(1)}, []netip.Prefix{pfx(1)}))
}

// Kea: testUpdate.
func testUpdate(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	h := host4(1, hostmgr.IdentHWAddr, mac(1), ip4(1))
	h.Hostname = "before"
	add(t, w, h)
	add(t, w, host4(1, hostmgr.IdentHWAddr, mac(2), ip4(2)))

	u := host4(1, hostmgr.IdentHWAddr, mac(1), ip4(3))
	u.Hostname = "after"
	require.NoError(t, w.Update(ctx, u))
	got, err := ds.Get4(ctx, 1, hostmgr.IdentHWAddr, mac(1))
	require.NoError(t, err)
	requireSameHost(t, u, got)
	got, err = ds.Get4ByAddress(ctx, 1, ip4(1))
	requireNotFound(t, got, err)
	hs, err := ds.GetAllByHostname(ctx, "before")
	require.NoError(t, err)
	require.Empty(t, hs)
	hs, err = ds.GetAll4(ctx, 1)
	require.NoError(t, err)
	require.Len(t, hs, 2)

	// Updating to an address held by another host fails and changes nothing.
	c := u.Clone()
	c.IPv4Address = ip4(2)
	require.ErrorIs(t, w.Update(ctx, c), hostmgr.ErrReservedAddress)
	got, err = ds.Get4(ctx, 1, hostmgr.IdentHWAddr, mac(1))
	require.NoError(t, err)
	require.Equal(t, ip4(3), got.IPv4Address)

	// Updating a host that does not exist.
	require.ErrorIs(t, w.Update(ctx, host4(1, hostmgr.IdentHWAddr, mac(9), ip4(9))), hostmgr.ErrNotFound)
	require.ErrorIs(t, w.Update(ctx, host4(2, hostmgr.IdentHWAddr, mac(1), ip4(9))), hostmgr.ErrNotFound)

	// v6-only hosts are found by their v6 subnet.
	add(t, w, host6(1, hostmgr.IdentDUID, duid(1), []netip.Addr{ip6(1)}, nil))
	require.NoError(t, w.Update(ctx, host6(1, hostmgr.IdentDUID, duid(1), []netip.Addr{ip6(2)}, nil)))
	got, err = ds.Get6(ctx, 1, hostmgr.IdentDUID, duid(1))
	require.NoError(t, err)
	require.Equal(t, []netip.Addr{ip6(2)}, got.IPv6Addresses)
}

// Kea: testOptionsReservations4/6, testMultipleClientClasses4/6,
// testMessageFields4, testUserContext.
func testContentPreserved(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	h := &hostmgr.Host{
		IdentifierType: hostmgr.IdentHWAddr, Identifier: mac(1),
		SubnetID4: 1, SubnetID6: 2,
		IPv4Address:    ip4(1),
		IPv6Addresses:  []netip.Addr{ip6(1)},
		IPv6Prefixes:   []netip.Prefix{pfx(1)},
		Hostname:       "full.example.org",
		ClientClasses4: []string{"class4-a", "class4-b"},
		ClientClasses6: []string{"class6-a"},
		Options4: []option.Data{
			{Space: option.SpaceDHCP4, Code: 6, Name: "domain-name-servers", Wire: []byte{192, 0, 2, 53}, Text: "192.0.2.53", CSVFormat: true},
			{Space: option.SpaceDHCP4, Code: 254, Wire: []byte{1, 2, 3}, AlwaysSend: true, ClientClasses: []string{"x"}},
		},
		Options6: []option.Data{
			{Space: option.SpaceDHCP6, Code: 23, Name: "dns-servers", Wire: ip6(53).AsSlice(), Text: ip6(53).String(), CSVFormat: true, NeverSend: true},
		},
		NextServer:     netip.MustParseAddr("192.0.2.254"),
		ServerHostname: "tftp.example.org",
		BootFileName:   "pxelinux.0",
		UserContext:    []byte(`{"comment":"rack 4"}`),
	}
	add(t, w, h)
	got, err := ds.Get4(ctx, 1, hostmgr.IdentHWAddr, mac(1))
	require.NoError(t, err)
	requireSameHost(t, h, got)
	got, err = ds.Get6ByPrefix(ctx, pfx(1))
	require.NoError(t, err)
	requireSameHost(t, h, got)
	hs, err := ds.GetPage6(ctx, 2, 0, 10)
	require.NoError(t, err)
	require.Len(t, hs, 1)
	requireSameHost(t, h, hs[0])
}

// A source stores a copy: the caller may reuse the host it added.
func testAddCopies(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	h := host4(1, hostmgr.IdentHWAddr, mac(1), ip4(1))
	h.ClientClasses4 = []string{"a"}
	add(t, w, h)
	h.IPv4Address = ip4(2)
	h.Identifier[5] = 0xff
	h.ClientClasses4[0] = "changed"
	got, err := ds.Get4(ctx, 1, hostmgr.IdentHWAddr, mac(1))
	require.NoError(t, err)
	require.Equal(t, ip4(1), got.IPv4Address)
	require.Equal(t, []string{"a"}, got.ClientClasses4)
	require.Zero(t, h.HostID, "Add must not modify its argument")
}

// Kea: the multi-threaded host manager tests — readers run in parallel with
// a writer; run with -race.
func testConcurrent(t *testing.T, ds hostmgr.DataSource, w hostmgr.Writer) {
	const n = 64
	for i := range n {
		add(t, w, host4(1, hostmgr.IdentHWAddr, mac(i), ip4(i+1)))
		add(t, w, host6(1, hostmgr.IdentDUID, duid(i), []netip.Addr{ip6(i + 1)}, nil))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range 200 {
				i := (g*31 + r) % n
				h, err := ds.Get4(ctx, 1, hostmgr.IdentHWAddr, mac(i))
				if err != nil || h.IPv4Address != ip4(i+1) {
					errs <- fmt.Errorf("get4 %d: %v %v", i, h, err)
					return
				}
				if _, err := ds.Get6ByAddress(ctx, 1, ip6(i+1)); err != nil {
					errs <- fmt.Errorf("get6 %d: %v", i, err)
					return
				}
				if hs, err := ds.GetAll4(ctx, 1); err != nil || len(hs) < n {
					errs <- fmt.Errorf("getall4: %d %v", len(hs), err)
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for r := range 100 {
			h := host4(2, hostmgr.IdentHWAddr, mac(r), ip4(r+1))
			if err := w.Add(ctx, h); err != nil {
				errs <- err
				return
			}
			if r%2 == 0 {
				if err := w.Del4(ctx, 2, hostmgr.IdentHWAddr, mac(r)); err != nil {
					errs <- err
					return
				}
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	hs, err := ds.GetAll4(ctx, 2)
	require.NoError(t, err)
	require.Len(t, hs, 50)
	require.True(t, slices.IsSortedFunc(hs, func(a, b *hostmgr.Host) int { return int(a.HostID) - int(b.HostID) }))
}
