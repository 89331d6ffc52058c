package hostmgr_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/hostmgr/hosttest"
)

func TestCfgHostsConformance(t *testing.T) {
	hosttest.Run(t, func(t *testing.T) hostmgr.DataSource { return hostmgr.NewCfgHosts() })
}

func TestNewConfigSource(t *testing.T) {
	a := h4(1, macA, "192.0.2.1", "a")
	c, err := hostmgr.NewConfigSource(true, a, h4(1, macB, "192.0.2.2", "b"))
	require.NoError(t, err)
	require.Equal(t, 2, c.Len())
	require.True(t, c.IPReservationsUnique())
	require.Equal(t, "config", c.Type())

	_, err = hostmgr.NewConfigSource(true, a, h4(2, macB, "192.0.2.2", "b"), h4(1, macC, "192.0.2.1", "c"))
	require.ErrorIs(t, err, hostmgr.ErrReservedAddress)
	require.ErrorContains(t, err, "hostmgr: reservation 2: ")
	var ce *hostmgr.ConflictError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, macA, ce.Existing.Identifier)
	require.Equal(t, macC, ce.Host.Identifier)
	require.Equal(t, 4, ce.Family)
	require.EqualValues(t, 1, ce.SubnetID)
	require.Equal(t, "192.0.2.1", ce.Resource)
	require.True(t, ce.Address)

	_, err = hostmgr.NewConfigSource(true, a, nil)
	require.ErrorContains(t, err, "reservation 1: hostmgr: host is nil")

	c, err = hostmgr.NewConfigSource(false, a, h4(1, macC, "192.0.2.1", "c"))
	require.NoError(t, err)
	err = c.SetIPReservationsUnique(true)
	require.ErrorAs(t, err, &ce)
	require.ErrorContains(t, err, "address 192.0.2.1 is already reserved in IPv4 subnet 1")
	require.False(t, c.IPReservationsUnique(), "unchanged on error")
}

func TestConflictMessages(t *testing.T) {
	c := hostmgr.NewCfgHosts()
	h := hostmgr.NewHost6(3, hostmgr.IdentDUID, []byte{0, 1, 2})
	h.IPv6Prefixes = []netip.Prefix{netip.MustParsePrefix("2001:db8:1::/48")}
	require.NoError(t, c.Add(bg, h))

	err := c.Add(bg, hostmgr.NewHost6(3, hostmgr.IdentDUID, []byte{0, 1, 2}))
	require.EqualError(t, err, "hostmgr: cannot add host duid=00:01:02 subnet6=3: identifier duid=00:01:02 is already reserved in IPv6 subnet 3 by host duid=00:01:02 subnet6=3 prefix=2001:db8:1::/48 host-id=1")

	o := hostmgr.NewHost6(3, hostmgr.IdentHWAddr, []byte{1, 2, 3, 4, 5, 6})
	o.IPv6Prefixes = []netip.Prefix{netip.MustParsePrefix("2001:db8:1::/56")}
	err = c.Add(bg, o)
	require.ErrorIs(t, err, hostmgr.ErrReservedAddress)
	require.ErrorContains(t, err, "address 2001:db8:1::/56 is already reserved in IPv6 subnet 3 by host duid=00:01:02")
}

// A host a reader holds is never changed by Update or Del.
func TestReturnedHostsAreStable(t *testing.T) {
	c := hostmgr.NewCfgHosts()
	require.NoError(t, c.Add(bg, h4(1, macA, "192.0.2.1", "before")))
	held, err := c.Get4(bg, 1, hostmgr.IdentHWAddr, macA)
	require.NoError(t, err)
	require.NoError(t, c.Update(bg, h4(1, macA, "192.0.2.9", "after")))
	require.Equal(t, "before", held.Hostname)
	require.Equal(t, netip.MustParseAddr("192.0.2.1"), held.IPv4Address)
	now, err := c.Get4(bg, 1, hostmgr.IdentHWAddr, macA)
	require.NoError(t, err)
	require.Equal(t, "after", now.Hostname)
	require.Greater(t, now.HostID, held.HostID, "update gives a new HostID, as Kea's del+add")
	require.NoError(t, c.Del4(bg, 1, hostmgr.IdentHWAddr, macA))
	require.Equal(t, "after", now.Hostname)
	require.Zero(t, c.Len())
}
