package dhcp6srv_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/insomniacslk/dhcp/dhcpv6"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/d2client"
	"github.com/dhcpsrv/dhcpsrv/dhcp6srv"
	"github.com/dhcpsrv/dhcpsrv/dhcptest"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// ddnsCapture records the NCRs instead of sending them.
type ddnsCapture struct {
	mu   sync.Mutex
	ncrs []*d2client.NCR
}

func (c *ddnsCapture) Send(_ context.Context, n *d2client.NCR) error {
	if err := n.Validate(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ncrs = append(c.ncrs, n)
	return nil
}

func (c *ddnsCapture) Close() error { return nil }

func (c *ddnsCapture) take() []*d2client.NCR {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.ncrs
	c.ncrs = nil
	return out
}

const ddnsConfig6 = `{"Dhcp6": {
	"dhcp-ddns": {"enable-updates": true},
	"ddns-qualifying-suffix": "example.org.",
	"cache-threshold": 0,
	%s
	"subnet6": [{"id": 1, "subnet": "2001:db8:1::/64",
		"pools": [{"pool": "2001:db8:1::100 - 2001:db8:1::1ff"}],
		"pd-pools": [{"prefix": "2001:db8:8000::", "prefix-len": 40, "delegated-len": 56}]}]}}`

func ddnsServer6(t *testing.T, globals string) (*dhcptest.Server6, *ddnsCapture) {
	t.Helper()
	cs := &ddnsCapture{}
	s := dhcptest.NewServer6(t, dhcptest.WithKeaConfig6(fmt.Sprintf(ddnsConfig6, globals)),
		dhcptest.WithServerOptions6(dhcp6srv.WithDDNS(dhcp6srv.NewDDNS(cs))))
	return s, cs
}

func withFQDN6(flags uint8, name string, partial bool) dhcpv6.Modifier {
	f := d2client.FQDN6{Flags: flags, Name: name, Partial: partial}
	b, err := f.MarshalBinary()
	if err != nil {
		panic(err)
	}
	return dhcpv6.WithOption(&dhcpv6.OptionGeneric{OptionCode: dhcpv6.OptionFQDN, OptionData: b})
}

func replyFQDN6(t *testing.T, m *dhcpv6.Message) d2client.FQDN6 {
	t.Helper()
	o := m.GetOneOption(dhcpv6.OptionFQDN)
	require.NotNil(t, o, "no option 39 in the reply")
	var f d2client.FQDN6
	require.NoError(t, f.UnmarshalBinary(o.ToBytes()))
	return f
}

func TestDDNS6SARRRenewRelease(t *testing.T) {
	s, cs := ddnsServer6(t, "")
	c := s.Client()
	ctx := context.Background()
	duid := []byte{0, 3, 0, 1, 2, 0, 0, 0, 0, 1}

	reply, err := c.SARR(ctx, duid, withFQDN6(d2client.FlagS, "ws", true))
	require.NoError(t, err)
	f := replyFQDN6(t, reply)
	require.Equal(t, "ws.example.org", f.Name)
	require.Equal(t, d2client.FlagS, f.Flags&(d2client.FlagS|d2client.FlagO|d2client.FlagN6))
	addrs := dhcptest.Addrs(reply)
	require.Len(t, addrs, 1)
	// The reply is sent after the observer ran.
	ncrs := cs.take()
	require.Len(t, ncrs, 1)
	require.Equal(t, d2client.ChangeAdd, ncrs[0].ChangeType)
	require.Equal(t, "ws.example.org.", ncrs[0].FQDN)
	require.Equal(t, addrs[0], ncrs[0].IPAddress)
	want, err := d2client.DHCIDFromDUID(duid, "ws.example.org.")
	require.NoError(t, err)
	require.Equal(t, want, ncrs[0].DHCID)

	l, err := s.Leases().Lease6(ctx, leasemgr.TypeNA, addrs[0])
	require.NoError(t, err)
	require.Equal(t, "ws.example.org.", l.Hostname)
	require.True(t, l.FQDNFwd && l.FQDNRev)

	// Renew, same name: nothing. New name: remove + add.
	reply, err = c.Renew(ctx, reply, withFQDN6(d2client.FlagS, "ws", true))
	require.NoError(t, err)
	require.Empty(t, cs.take())
	reply, err = c.Renew(ctx, reply, withFQDN6(d2client.FlagS, "ws2", true))
	require.NoError(t, err)
	ncrs = cs.take()
	require.Len(t, ncrs, 2)
	require.Equal(t, d2client.ChangeRemove, ncrs[0].ChangeType)
	require.Equal(t, "ws.example.org.", ncrs[0].FQDN)
	require.Equal(t, d2client.ChangeAdd, ncrs[1].ChangeType)
	require.Equal(t, "ws2.example.org.", ncrs[1].FQDN)

	_, err = c.Release(ctx, reply)
	require.NoError(t, err)
	ncrs = cs.take()
	require.Len(t, ncrs, 1)
	require.Equal(t, d2client.ChangeRemove, ncrs[0].ChangeType)
	require.Equal(t, "ws2.example.org.", ncrs[0].FQDN)
	require.Equal(t, addrs[0], ncrs[0].IPAddress)
}

func TestDDNS6GeneratedNameAndNoPD(t *testing.T) {
	s, cs := ddnsServer6(t, `"ddns-replace-client-name": "always",`)
	c := s.Client()
	ctx := context.Background()
	duid := []byte{0, 3, 0, 1, 2, 0, 0, 0, 0, 2}
	adv, err := c.Solicit(ctx, duid, withFQDN6(d2client.FlagS, "mine", true))
	require.NoError(t, err)
	a := dhcptest.Addrs(adv)
	require.Len(t, a, 1)
	gen := "myhost-" + strings.ReplaceAll(a[0].String(), ":", "-") + ".example.org"
	require.Equal(t, gen, replyFQDN6(t, adv).Name)
	require.Empty(t, cs.take(), "no NCR for an ADVERTISE")
	reply, err := c.Request(ctx, adv, withFQDN6(d2client.FlagS, "mine", true))
	require.NoError(t, err)
	require.Equal(t, gen, replyFQDN6(t, reply).Name)
	ncrs := cs.take()
	require.Len(t, ncrs, 1)
	require.Equal(t, gen+".", ncrs[0].FQDN)
	l, err := s.Leases().Lease6(ctx, leasemgr.TypeNA, a[0])
	require.NoError(t, err)
	require.Equal(t, gen+".", l.Hostname)

	// A prefix delegation gets no NCR.
	_, err = c.SARRPD(ctx, []byte{0, 3, 0, 1, 2, 0, 0, 0, 0, 3}, withFQDN6(d2client.FlagS, "router", true))
	require.NoError(t, err)
	require.Empty(t, cs.take())
}
