package alloc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

const cfgSimple4 = `{"Dhcp4": {
  "valid-lifetime": 4000, "min-valid-lifetime": 1000, "max-valid-lifetime": 8000,
  "cache-threshold": 0,
  "subnet4": [{"id": 1, "subnet": "192.0.2.0/24",
    "pools": [{"pool": "192.0.2.100 - 192.0.2.109"}],
    "reservations": [
      {"hw-address": "00:0c:01:02:03:aa", "ip-address": "192.0.2.105"},
      {"hw-address": "00:0c:01:02:03:bb", "ip-address": "192.0.2.20"}
    ]}]
}}`

var bg = context.Background()

func TestDiscoverSimpleNoWrite(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	c := f.ctx4(1, mac(1))
	l, err := f.eng.Discover4(bg, c)
	require.NoError(t, err)
	require.Equal(t, ip("192.0.2.100"), l.Addr)
	require.EqualValues(t, 4000, l.ValidLifetime)
	require.EqualValues(t, 4000, c.ValidLifetime)
	_, err = f.leases.Lease4(bg, l.Addr)
	require.ErrorIs(t, err, leasemgr.ErrNotFound, "DISCOVER must not write without offer-lifetime")
	f.checkStats4()
}

func TestRequestSimpleAndRenew(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	c := f.ctx4(1, mac(1))
	l, err := f.eng.Request4(bg, c)
	require.NoError(t, err)
	require.Equal(t, ip("192.0.2.100"), l.Addr)
	stored, err := f.leases.Lease4(bg, l.Addr)
	require.NoError(t, err)
	require.Equal(t, mac(1).Addr, stored.HWAddr.Addr)
	require.EqualValues(t, 1, f.stat(stats.SubnetName(1, stats.AssignedAddresses)))
	require.EqualValues(t, 1, f.stat(stats.SubnetName(1, stats.CumulativeAssignedAddresses)))
	require.EqualValues(t, 10, f.stat(stats.SubnetName(1, stats.TotalAddresses)))

	// Renew with ciaddr: same address, lease extended.
	f.clock.Advance(100 * time.Second)
	c = f.ctx4(1, mac(1))
	c.RequestedAddr = l.Addr
	l2, err := f.eng.Request4(bg, c)
	require.NoError(t, err)
	require.Equal(t, l.Addr, l2.Addr)
	require.Equal(t, f.clock.Now().Unix(), l2.CLTT)
	require.NotNil(t, c.OldLease)
	require.EqualValues(t, 1, f.stat(stats.SubnetName(1, stats.AssignedAddresses)))
	f.checkStats4()

	// A second client gets the next address.
	c2 := f.ctx4(1, mac(2))
	l3, err := f.eng.Request4(bg, c2)
	require.NoError(t, err)
	require.Equal(t, ip("192.0.2.101"), l3.Addr)
	f.checkStats4()
}

func TestDiscoverHintInPool(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	c := f.ctx4(1, mac(1))
	c.RequestedAddr = ip("192.0.2.107")
	l, err := f.eng.Discover4(bg, c)
	require.NoError(t, err)
	require.Equal(t, ip("192.0.2.107"), l.Addr)
}

func TestDiscoverHintOutOfPool(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	c := f.ctx4(1, mac(1))
	c.RequestedAddr = ip("192.0.2.50")
	l, err := f.eng.Discover4(bg, c)
	require.NoError(t, err)
	require.Equal(t, ip("192.0.2.100"), l.Addr, "out-of-pool hint is ignored")
}

func TestDiscoverHintReservedForOther(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	c := f.ctx4(1, mac(1))
	c.RequestedAddr = ip("192.0.2.105") // reserved for :aa
	l, err := f.eng.Discover4(bg, c)
	require.NoError(t, err)
	require.NotEqual(t, ip("192.0.2.105"), l.Addr)
}

func TestRequestHintReservedForOtherNAK(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	c := f.ctx4(1, mac(1))
	c.RequestedAddr = ip("192.0.2.105")
	_, err := f.eng.Request4(bg, c)
	require.ErrorIs(t, err, alloc.ErrReservedForOther)
}

func TestRequestHintInUseNAK(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	c := f.ctx4(1, mac(1))
	l, err := f.eng.Request4(bg, c)
	require.NoError(t, err)
	c2 := f.ctx4(1, mac(2))
	c2.RequestedAddr = l.Addr
	_, err = f.eng.Request4(bg, c2)
	require.ErrorIs(t, err, alloc.ErrLeaseInUse)
	require.NotNil(t, c2.ConflictingLease)
}

func TestRequestOutOfPoolNAK(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	c := f.ctx4(1, mac(1))
	c.RequestedAddr = ip("192.0.2.50")
	_, err := f.eng.Request4(bg, c)
	require.ErrorIs(t, err, alloc.ErrNotInPool)
	require.True(t, c.UnknownRequestedAddr)
}

func TestReservedAddressInPool(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	c := f.ctx4(1, mac(0xaa))
	l, err := f.eng.Discover4(bg, c)
	require.NoError(t, err)
	require.Equal(t, ip("192.0.2.105"), l.Addr)
	c = f.ctx4(1, mac(0xaa))
	l, err = f.eng.Request4(bg, c)
	require.NoError(t, err)
	require.Equal(t, ip("192.0.2.105"), l.Addr)
}

func TestReservedAddressOutOfPool(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	c := f.ctx4(1, mac(0xbb))
	l, err := f.eng.Discover4(bg, c)
	require.NoError(t, err)
	require.Equal(t, ip("192.0.2.20"), l.Addr)
	c = f.ctx4(1, mac(0xbb))
	c.RequestedAddr = ip("192.0.2.20")
	l, err = f.eng.Request4(bg, c)
	require.NoError(t, err)
	require.Equal(t, ip("192.0.2.20"), l.Addr)
	f.checkStats4()
}

func TestReservedAddressTakenConflict(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	// Another client holds the reserved address (lease made before the
	// reservation).
	require.NoError(t, f.leases.AddLease4(bg, &leasemgr.Lease4{Addr: ip("192.0.2.105"), HWAddr: mac(9),
		ValidLifetime: 4000, CLTT: f.clock.Now().Unix(), SubnetID: 1}))
	c := f.ctx4(1, mac(0xaa))
	l, err := f.eng.Discover4(bg, c)
	require.NoError(t, err)
	require.NotEqual(t, ip("192.0.2.105"), l.Addr)
	require.EqualValues(t, 1, f.stat(stats.V4ReservationConflicts))
	require.EqualValues(t, 1, f.stat(stats.SubnetName(1, stats.V4ReservationConflicts)))

	// The holder of the reserved address cannot renew it: NAK.
	c9 := f.ctx4(1, mac(9))
	c9.RequestedAddr = ip("192.0.2.105")
	_, err = f.eng.Request4(bg, c9)
	require.ErrorIs(t, err, alloc.ErrReservedForOther)
	// Its DISCOVER gets another address.
	c9 = f.ctx4(1, mac(9))
	l, err = f.eng.Discover4(bg, c9)
	require.NoError(t, err)
	require.NotEqual(t, ip("192.0.2.105"), l.Addr)
}

func TestRequestOtherThanReservedNAK(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	c := f.ctx4(1, mac(0xaa))
	c.RequestedAddr = ip("192.0.2.101")
	_, err := f.eng.Request4(bg, c)
	require.ErrorIs(t, err, alloc.ErrReservedElsewhere)
}

func TestExpiredLeaseReuse(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	c := f.ctx4(1, mac(1))
	c.RequestedAddr = ip("192.0.2.103")
	l, err := f.eng.Request4(bg, c)
	require.NoError(t, err)
	f.clock.Advance(5000 * time.Second)
	c2 := f.ctx4(1, mac(2))
	c2.RequestedAddr = l.Addr
	l2, err := f.eng.Request4(bg, c2)
	require.NoError(t, err)
	require.Equal(t, l.Addr, l2.Addr)
	require.Equal(t, mac(1).Addr, c2.OldLease.HWAddr.Addr)
	require.EqualValues(t, 1, f.stat(stats.ReclaimedLeases))
	f.checkStats4()
}

func TestLifetimeClampAndBOOTP(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	for _, tc := range []struct{ req, want uint32 }{{0, 4000}, {500, 1000}, {5000, 5000}, {9000, 8000}} {
		c := f.ctx4(1, mac(1))
		c.RequestedLifetime = tc.req
		l, err := f.eng.Discover4(bg, c)
		require.NoError(t, err)
		require.Equal(t, tc.want, l.ValidLifetime, "requested %d", tc.req)
	}
	c := f.ctx4(1, mac(1))
	c.BOOTP = true
	l, err := f.eng.Request4(bg, c)
	require.NoError(t, err)
	require.Equal(t, leasemgr.InfiniteLifetime, l.ValidLifetime)
}

func TestClassLifetime(t *testing.T) {
	f := newFixture(t, `{"Dhcp4": {"valid-lifetime": 4000,
	  "client-classes": [{"name": "short", "valid-lifetime": 600}, {"name": "long", "valid-lifetime": 9000}],
	  "subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.109"}]}]}}`)
	c := f.ctx4(1, mac(1))
	c.Classes = alloc.ClientClasses{"other", "short", "long"}
	l, err := f.eng.Discover4(bg, c)
	require.NoError(t, err)
	require.EqualValues(t, 600, l.ValidLifetime, "first class defining a lifetime wins")
}

func TestPoolExhausted(t *testing.T) {
	f := newFixture(t, `{"Dhcp4": {"subnet4": [{"id": 1, "subnet": "192.0.2.0/24",
	  "pools": [{"pool": "192.0.2.100 - 192.0.2.101"}]}]}}`)
	for i := byte(1); i <= 2; i++ {
		_, err := f.eng.Request4(bg, f.ctx4(1, mac(i)))
		require.NoError(t, err)
	}
	_, err := f.eng.Request4(bg, f.ctx4(1, mac(3)))
	require.ErrorIs(t, err, alloc.ErrNoAddressAvailable)
	var ae *alloc.AllocationError
	require.True(t, errors.As(err, &ae))
	require.Equal(t, alloc.ReasonSubnet, ae.Reason)
	require.EqualValues(t, 1, f.stat(stats.V4AllocationFail))
	require.EqualValues(t, 1, f.stat(stats.V4AllocationFailSubnet))
	require.EqualValues(t, 1, f.stat(stats.SubnetName(1, stats.V4AllocationFail)))
}

func TestPoolClassGuards(t *testing.T) {
	f := newFixture(t, `{"Dhcp4": {"client-classes": [{"name": "gold"}],
	  "subnet4": [{"id": 1, "subnet": "192.0.2.0/24",
	  "pools": [{"pool": "192.0.2.100 - 192.0.2.101", "client-class": "gold"},
	            {"pool": "192.0.2.200 - 192.0.2.200"}]}]}}`)
	c := f.ctx4(1, mac(1))
	c.Classes = alloc.ClientClasses{"gold"}
	l, err := f.eng.Discover4(bg, c)
	require.NoError(t, err)
	require.Equal(t, ip("192.0.2.100"), l.Addr)
	c = f.ctx4(1, mac(2))
	c.RequestedAddr = ip("192.0.2.100")
	l, err = f.eng.Discover4(bg, c)
	require.NoError(t, err)
	require.Equal(t, ip("192.0.2.200"), l.Addr, "a hint in a guarded pool is not given")
}

func TestNoPoolsForClasses(t *testing.T) {
	f := newFixture(t, `{"Dhcp4": {"client-classes": [{"name": "gold"}],
	  "subnet4": [{"id": 1, "subnet": "192.0.2.0/24",
	  "pools": [{"pool": "192.0.2.100 - 192.0.2.101", "client-class": "gold"}]}]}}`)
	c := f.ctx4(1, mac(1))
	c.Classes = alloc.ClientClasses{"silver"}
	_, err := f.eng.Discover4(bg, c)
	var ae *alloc.AllocationError
	require.True(t, errors.As(err, &ae))
	require.Equal(t, alloc.ReasonNoPools, ae.Reason)
	require.EqualValues(t, 1, f.stat(stats.V4AllocationFailNoPools))
	require.EqualValues(t, 1, f.stat(stats.V4AllocationFailClasses))
}

func TestBadRequests(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	_, err := f.eng.Discover4(bg, nil)
	require.ErrorIs(t, err, alloc.ErrBadRequest)
	c := f.ctx4(1, leasemgr.HWAddr{})
	_, err = f.eng.Discover4(bg, c)
	require.ErrorIs(t, err, alloc.ErrBadRequest)
	c = f.ctx4(1, mac(1))
	c.Subnet = nil
	_, err = f.eng.Request4(bg, c)
	require.ErrorIs(t, err, alloc.ErrNoSubnet)
	c = f.ctx4(1, mac(1))
	c.RequestedAddr = ip("2001:db8::1")
	_, err = f.eng.Request4(bg, c)
	require.ErrorIs(t, err, alloc.ErrBadRequest)

	e, err := alloc.NewEngine(f.leases, nil)
	require.NoError(t, err)
	_, err = e.Discover4(bg, f.ctx4(1, mac(1)))
	require.ErrorIs(t, err, alloc.ErrNotConfigured)
}

func TestGlobalReservation(t *testing.T) {
	f := newFixture(t, `{"Dhcp4": {"reservations-global": true, "reservations-in-subnet": false,
	  "reservations": [{"hw-address": "00:0c:01:02:03:01", "ip-address": "192.0.2.30"}],
	  "subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.109"}]}]}}`)
	l, err := f.eng.Request4(bg, f.ctx4(1, mac(1)))
	require.NoError(t, err)
	require.Equal(t, ip("192.0.2.30"), l.Addr)
}

func TestReservationsOutOfPoolIgnoresInPool(t *testing.T) {
	f := newFixture(t, `{"Dhcp4": {"reservations-out-of-pool": true,
	  "subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.109"}],
	  "reservations": [{"hw-address": "00:0c:01:02:03:01", "ip-address": "192.0.2.105"}]}]}}`)
	l, err := f.eng.Discover4(bg, f.ctx4(1, mac(1)))
	require.NoError(t, err)
	require.Equal(t, ip("192.0.2.100"), l.Addr, "in-pool reservation ignored with reservations-out-of-pool")
}

const cfgShared4 = `{"Dhcp4": {"client-classes": [{"name": "b-only"}],
  "shared-networks": [{"name": "net", "subnet4": [
    {"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.100"}]},
    {"id": 2, "subnet": "198.18.0.0/24", "pools": [{"pool": "198.18.0.100 - 198.18.0.100"}]},
    {"id": 3, "subnet": "198.18.1.0/24", "client-class": "b-only", "pools": [{"pool": "198.18.1.100 - 198.18.1.100"}]}
  ]}]}}`

func TestSharedNetworkSiblingFallback(t *testing.T) {
	f := newFixture(t, cfgShared4)
	l1, err := f.eng.Request4(bg, f.ctx4(1, mac(1)))
	require.NoError(t, err)
	require.Equal(t, ip("192.0.2.100"), l1.Addr)
	c := f.ctx4(1, mac(2))
	l2, err := f.eng.Request4(bg, c)
	require.NoError(t, err)
	require.Equal(t, ip("198.18.0.100"), l2.Addr)
	require.EqualValues(t, 2, c.Subnet.ID)
	require.EqualValues(t, 2, l2.SubnetID)
	// Subnet 3 is guarded: an unclassified client finds the network full.
	_, err = f.eng.Request4(bg, f.ctx4(1, mac(3)))
	var ae *alloc.AllocationError
	require.True(t, errors.As(err, &ae))
	require.Equal(t, alloc.ReasonSharedNetwork, ae.Reason)
	require.EqualValues(t, 1, f.stat(stats.V4AllocationFailSharedNetwork))
	// A client in the class gets it.
	c = f.ctx4(1, mac(3))
	c.Classes = alloc.ClientClasses{"b-only"}
	l3, err := f.eng.Request4(bg, c)
	require.NoError(t, err)
	require.Equal(t, ip("198.18.1.100"), l3.Addr)
	// The client's lease is found in a sibling subnet when it renews
	// through the first subnet.
	c = f.ctx4(1, mac(2))
	c.RequestedAddr = l2.Addr
	l, err := f.eng.Request4(bg, c)
	require.NoError(t, err)
	require.Equal(t, l2.Addr, l.Addr)
	require.EqualValues(t, 2, c.Subnet.ID)
	f.checkStats4()
}

func TestSubnetGuardMovesToSibling(t *testing.T) {
	f := newFixture(t, cfgShared4)
	c := f.ctx4(3, mac(1)) // selected subnet's guard rejects the client
	l, err := f.eng.Discover4(bg, c)
	require.NoError(t, err)
	require.NotEqual(t, uint32(3), l.SubnetID)
}

func TestOfferLifetime(t *testing.T) {
	f := newFixture(t, `{"Dhcp4": {"offer-lifetime": 60, "valid-lifetime": 4000,
	  "subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.109"}]}]}}`)
	c := f.ctx4(1, mac(1))
	l, err := f.eng.Discover4(bg, c)
	require.NoError(t, err)
	require.EqualValues(t, 60, l.ValidLifetime)
	require.EqualValues(t, 4000, c.ValidLifetime, "the offer conveys the valid lifetime")
	stored, err := f.leases.Lease4(bg, l.Addr)
	require.NoError(t, err)
	require.EqualValues(t, 60, stored.ValidLifetime)
	require.EqualValues(t, 1, f.stat(stats.AssignedAddresses))
	// Another client's DISCOVER does not get the offered address.
	l2, err := f.eng.Discover4(bg, f.ctx4(1, mac(2)))
	require.NoError(t, err)
	require.NotEqual(t, l.Addr, l2.Addr)
	// REQUEST turns the offer into a full lease.
	c = f.ctx4(1, mac(1))
	c.RequestedAddr = l.Addr
	l3, err := f.eng.Request4(bg, c)
	require.NoError(t, err)
	require.Equal(t, l.Addr, l3.Addr)
	require.EqualValues(t, 4000, l3.ValidLifetime)
	f.checkStats4()
}

func TestOfferLifetimeKeepsExistingLongLease(t *testing.T) {
	f := newFixture(t, `{"Dhcp4": {"offer-lifetime": 60, "valid-lifetime": 4000,
	  "subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.109"}]}]}}`)
	l, err := f.eng.Request4(bg, f.ctx4(1, mac(1)))
	require.NoError(t, err)
	f.clock.Advance(10 * time.Second)
	c := f.ctx4(1, mac(1))
	o, err := f.eng.Discover4(bg, c)
	require.NoError(t, err)
	require.Equal(t, l.Addr, o.Addr)
	stored, err := f.leases.Lease4(bg, l.Addr)
	require.NoError(t, err)
	require.EqualValues(t, 4000, stored.ValidLifetime, "the lease outlives the offer: not shortened")
	require.Equal(t, l.CLTT, stored.CLTT)
}

func TestOfferLifetimeMovesClient(t *testing.T) {
	f := newFixture(t, `{"Dhcp4": {"offer-lifetime": 60, "valid-lifetime": 4000,
	  "subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.109"}]}]}}`)
	old, err := f.eng.Request4(bg, f.ctx4(1, mac(1)))
	require.NoError(t, err)
	// The client asks for another address: the offer writes a temporary
	// lease, and the REQUEST drops the old lease.
	c := f.ctx4(1, mac(1))
	c.RequestedAddr = ip("192.0.2.108")
	// Old lease is in the pool and not reserved: DISCOVER renews it.
	o, err := f.eng.Discover4(bg, c)
	require.NoError(t, err)
	require.Equal(t, old.Addr, o.Addr)
	// A REQUEST for another free address moves the client.
	c = f.ctx4(1, mac(1))
	c.RequestedAddr = ip("192.0.2.108")
	n, err := f.eng.Request4(bg, c)
	require.NoError(t, err)
	require.Equal(t, ip("192.0.2.108"), n.Addr)
	require.Equal(t, old.Addr, c.OldLease.Addr)
	_, err = f.leases.Lease4(bg, old.Addr)
	require.ErrorIs(t, err, leasemgr.ErrNotFound)
	f.checkStats4()
}

func TestLeaseReuseCache(t *testing.T) {
	const js = `{"Dhcp4": {"valid-lifetime": 1000, "cache-threshold": 0.25, %s
	  "subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.109"}]}]}}`
	for _, tc := range []struct {
		name  string
		extra string
		age   time.Duration
		reuse bool
	}{
		{"young", ``, 100 * time.Second, true},
		{"at threshold", ``, 250 * time.Second, true},
		{"too old", ``, 251 * time.Second, false},
		{"max-age ok", `"cache-max-age": 200,`, 150 * time.Second, true},
		{"max-age exceeded", `"cache-max-age": 200,`, 201 * time.Second, false},
		{"max-age zero", `"cache-max-age": 0,`, 10 * time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, sprintf(js, tc.extra))
			l, err := f.eng.Request4(bg, f.ctx4(1, mac(1)))
			require.NoError(t, err)
			f.clock.Advance(tc.age)
			c := f.ctx4(1, mac(1))
			c.RequestedAddr = l.Addr
			l2, err := f.eng.Request4(bg, c)
			require.NoError(t, err)
			require.Equal(t, tc.reuse, c.Reused)
			stored, err := f.leases.Lease4(bg, l.Addr)
			require.NoError(t, err)
			if tc.reuse {
				require.Equal(t, l.CLTT, stored.CLTT, "no write on reuse")
				require.EqualValues(t, 1000-int(tc.age/time.Second), c.ValidLifetime)
				require.EqualValues(t, c.ValidLifetime, l2.ValidLifetime)
				require.EqualValues(t, 1, f.stat(stats.V4LeaseReuses))
				require.EqualValues(t, 1, f.stat(stats.SubnetName(1, stats.V4LeaseReuses)))
			} else {
				require.Equal(t, f.clock.Now().Unix(), stored.CLTT)
				require.EqualValues(t, 0, f.stat(stats.V4LeaseReuses))
			}
		})
	}
	// A change (hostname) defeats the cache.
	f := newFixture(t, sprintf(js, ""))
	l, err := f.eng.Request4(bg, f.ctx4(1, mac(1)))
	require.NoError(t, err)
	f.clock.Advance(10 * time.Second)
	c := f.ctx4(1, mac(1))
	c.RequestedAddr = l.Addr
	c.Hostname = "new.example.org"
	_, err = f.eng.Request4(bg, c)
	require.NoError(t, err)
	require.False(t, c.Reused)
}

func TestReleaseWithoutAffinity(t *testing.T) {
	f := newFixture(t, `{"Dhcp4": {"expired-leases-processing": {"flush-reclaimed-timer-wait-time": 0},
	  "subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.109"}]}]}}`)
	l, err := f.eng.Request4(bg, f.ctx4(1, mac(1)))
	require.NoError(t, err)
	c := f.ctx4(1, mac(2))
	c.RequestedAddr = l.Addr
	_, err = f.eng.Release4(bg, c)
	require.ErrorIs(t, err, alloc.ErrNotOwner)
	c = f.ctx4(1, mac(1))
	c.RequestedAddr = l.Addr
	_, err = f.eng.Release4(bg, c)
	require.NoError(t, err)
	_, err = f.leases.Lease4(bg, l.Addr)
	require.ErrorIs(t, err, leasemgr.ErrNotFound)
	_, err = f.eng.Release4(bg, c)
	require.ErrorIs(t, err, alloc.ErrNoLease)
	f.checkStats4()
}

func TestReleaseWithAffinity(t *testing.T) {
	f := newFixture(t, cfgSimple4) // defaults: 25 s flush, 3600 s hold
	l, err := f.eng.Request4(bg, f.ctx4(1, mac(1)))
	require.NoError(t, err)
	c := f.ctx4(1, mac(1))
	c.RequestedAddr = l.Addr
	_, err = f.eng.Release4(bg, c)
	require.NoError(t, err)
	stored, err := f.leases.Lease4(bg, l.Addr)
	require.NoError(t, err)
	require.Equal(t, leasemgr.StateReleased, stored.State)
	require.EqualValues(t, 0, stored.ValidLifetime)
	require.EqualValues(t, 0, f.stat(stats.AssignedAddresses))
	f.checkStats4()
	// The returning client gets its address back.
	f.clock.Advance(time.Second)
	l2, err := f.eng.Discover4(bg, f.ctx4(1, mac(1)))
	require.NoError(t, err)
	require.Equal(t, l.Addr, l2.Addr)
	l2, err = f.eng.Request4(bg, f.ctx4(1, mac(1)))
	require.NoError(t, err)
	require.Equal(t, l.Addr, l2.Addr)
	require.EqualValues(t, 1, f.stat(stats.AssignedAddresses))
	f.checkStats4()
}

func TestDecline(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	l, err := f.eng.Request4(bg, f.ctx4(1, mac(1)))
	require.NoError(t, err)
	c := f.ctx4(1, mac(1))
	c.RequestedAddr = l.Addr
	d, err := f.eng.Decline4(bg, c)
	require.NoError(t, err)
	require.Equal(t, leasemgr.StateDeclined, d.State)
	require.True(t, d.HWAddr.IsZero())
	require.Empty(t, d.ClientID)
	require.EqualValues(t, 86400, d.ValidLifetime)
	require.EqualValues(t, 1, f.stat(stats.DeclinedAddresses))
	require.EqualValues(t, 1, f.stat(stats.SubnetName(1, stats.DeclinedAddresses)))
	require.EqualValues(t, 1, f.stat(stats.AssignedAddresses), "declined stays assigned until reclaimed")
	f.checkStats4()
	// The client gets a different address now.
	l2, err := f.eng.Request4(bg, f.ctx4(1, mac(1)))
	require.NoError(t, err)
	require.NotEqual(t, l.Addr, l2.Addr)
}

func TestHooksSelectSkip(t *testing.T) {
	calls := 0
	f := newFixture(t, cfgSimple4, alloc.WithHooks(alloc.Hooks{
		Lease4Select: func(_ context.Context, _ *alloc.ClientContext4, _ *leasemgr.Lease4, fake bool) alloc.Verdict {
			calls++
			return alloc.Skip
		},
	}))
	_, err := f.eng.Request4(bg, f.ctx4(1, mac(1)))
	require.ErrorIs(t, err, alloc.ErrSkipped)
	require.Equal(t, 1, calls)
}

func TestHostsProvidedByCaller(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	h := hostmgr.NewHost4(1, hostmgr.IdentHWAddr, mac(7).Addr)
	h.IPv4Address = ip("192.0.2.77")
	c := f.ctx4(1, mac(7))
	c.Hosts = map[hostmgr.SubnetID]*hostmgr.Host{1: h}
	l, err := f.eng.Request4(bg, c)
	require.NoError(t, err)
	require.Equal(t, ip("192.0.2.77"), l.Addr)
}

func TestConfigureKeepsStatsAndSwaps(t *testing.T) {
	f := newFixture(t, cfgSimple4)
	_, err := f.eng.Request4(bg, f.ctx4(1, mac(1)))
	require.NoError(t, err)
	cfg2 := parseConfig(t, cfgShared4)
	require.NoError(t, f.eng.Configure(cfg2))
	f.cfg = cfg2
	require.EqualValues(t, 1, f.stat(stats.SubnetName(1, stats.AssignedAddresses)), "recount at Configure")
	require.EqualValues(t, 1, f.stat(stats.SubnetName(1, stats.TotalAddresses)))
	require.EqualValues(t, 1, f.stat(stats.SubnetName(2, stats.TotalAddresses)))
	f.checkStats4()
}
