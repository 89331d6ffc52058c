package dhcptest_test

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv6"
	"github.com/insomniacslk/dhcp/iana"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/dhcptest"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

func duid6(i int) []byte { return []byte{0, 3, 0, 1, 2, 0, 0, 0, byte(i >> 8), byte(i)} }

func TestServer6Lifecycle(t *testing.T) {
	ctx := context.Background()
	s := dhcptest.NewServer6(t)
	c := s.Client()

	reply, err := c.SARR(ctx, duid6(1), dhcptest.WithPD(2))
	require.NoError(t, err)
	require.Equal(t, dhcpv6.MessageTypeReply, reply.MessageType)
	a := dhcptest.Addrs(reply)
	p := dhcptest.Prefixes(reply)
	require.Len(t, a, 1)
	require.Len(t, p, 1)
	require.True(t, netip.MustParsePrefix("2001:db8:1::/64").Contains(a[0]))
	require.Equal(t, 56, p[0].Bits())
	l, err := s.Leases().Lease6(ctx, leasemgr.TypeNA, a[0])
	require.NoError(t, err)
	require.Equal(t, duid6(1), l.DUID)

	ren, err := c.Renew(ctx, reply)
	require.NoError(t, err)
	require.Equal(t, a, dhcptest.Addrs(ren))
	require.Equal(t, p, dhcptest.Prefixes(ren))
	reb, err := c.Rebind(ctx, reply)
	require.NoError(t, err)
	require.Equal(t, a, dhcptest.Addrs(reb))

	conf, err := c.Confirm(ctx, duid6(1), a[0])
	require.NoError(t, err)
	require.Equal(t, iana.StatusSuccess, conf.Options.Status().StatusCode)
	conf, err = c.Confirm(ctx, duid6(1), netip.MustParseAddr("2001:db8:9::1"))
	require.NoError(t, err)
	require.Equal(t, iana.StatusNotOnLink, conf.Options.Status().StatusCode)

	rel, err := c.Release(ctx, reply)
	require.NoError(t, err)
	require.Equal(t, iana.StatusSuccess, rel.Options.Status().StatusCode)

	pdOnly, err := c.SARRPD(ctx, duid6(2))
	require.NoError(t, err)
	require.Len(t, dhcptest.Prefixes(pdOnly), 1)
	require.Empty(t, dhcptest.Addrs(pdOnly))

	dec, err := c.Decline(ctx, mustSARR(t, c, duid6(3)))
	require.NoError(t, err)
	require.Equal(t, iana.StatusSuccess, dec.Options.Status().StatusCode)

	info, err := c.InformationRequest(ctx, nil, dhcpv6.OptionDNSRecursiveNameServer)
	require.NoError(t, err)
	require.Equal(t, dhcpv6.MessageTypeReply, info.MessageType)
	require.Equal(t, int64(1), statValue(s, "pkt6-infrequest-received"))
}

func mustSARR(t *testing.T, c *dhcptest.Client6, duid []byte) *dhcpv6.Message {
	t.Helper()
	r, err := c.SARR(context.Background(), duid)
	require.NoError(t, err)
	return r
}

func statValue(s *dhcptest.Server6, name string) int64 {
	v, ok := s.Stats.Get(name)
	if !ok {
		return 0
	}
	return v.Int
}

func TestServer6KeaConfigRelayAndRapidCommit(t *testing.T) {
	ctx := context.Background()
	s := dhcptest.NewServer6(t, dhcptest.WithKeaConfig6(`{"Dhcp6": {
	  "option-data": [{"name": "dns-servers", "data": "2001:db8::53"}],
	  "subnet6": [
	    {"id": 1, "subnet": "2001:db8:1::/64", "rapid-commit": true, "pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::1ff"}]},
	    {"id": 2, "subnet": "2001:db8:2::/64", "pools": [{"pool": "2001:db8:2::100 - 2001:db8:2::1ff"}]}]}}`))
	c := s.Client()
	rc, err := c.Solicit(ctx, duid6(1), dhcpv6.WithRapidCommit, dhcpv6.WithRequestedOptions(dhcpv6.OptionDNSRecursiveNameServer))
	require.NoError(t, err)
	require.Equal(t, dhcpv6.MessageTypeReply, rc.MessageType)
	require.Len(t, rc.Options.DNS(), 1)

	c.LinkAddr = netip.MustParseAddr("2001:db8:2::1")
	c.InterfaceID = "port7"
	r, err := c.SARR(ctx, duid6(2))
	require.NoError(t, err)
	require.True(t, netip.MustParsePrefix("2001:db8:2::/64").Contains(dhcptest.Addrs(r)[0]))

	// Unknown link: CONFIRM is not answered.
	c.LinkAddr = netip.MustParseAddr("2001:db8:99::1")
	c.Timeout = 200 * time.Millisecond
	_, err = c.Confirm(ctx, duid6(2), dhcptest.Addrs(r)[0])
	require.True(t, errors.Is(err, dhcptest.ErrNoReply), "%v", err)
}

func TestServer6Parallel(t *testing.T) {
	s := dhcptest.NewServer6(t, dhcptest.WithLeaseFile6(""))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := s.Client()
			for i := range 10 {
				r, err := c.SARR(context.Background(), duid6(g*100+i))
				if err != nil || len(dhcptest.Addrs(r)) != 1 {
					t.Errorf("client %d/%d: %v", g, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	all, err := s.Leases().AllLeases6(context.Background())
	require.NoError(t, err)
	require.Len(t, all, 40)
}
