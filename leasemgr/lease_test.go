package leasemgr_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

func TestLease4Expiry(t *testing.T) {
	l := &leasemgr.Lease4{Addr: netip.MustParseAddr("192.0.2.1"), ValidLifetime: 100, CLTT: 1000}
	require.Equal(t, time.Unix(1100, 0), l.ExpiresAt())
	require.False(t, l.Expired(time.Unix(1100, 0)), "expiring now is not expired (Kea: expire < now)")
	require.True(t, l.Expired(time.Unix(1101, 0)))
	l.ValidLifetime = leasemgr.InfiniteLifetime
	require.Equal(t, leasemgr.Never, l.ExpiresAt())
	require.False(t, l.Expired(time.Unix(1<<40, 0)))
}

func TestLeaseCloneEqual(t *testing.T) {
	l := &leasemgr.Lease4{
		Addr:        netip.MustParseAddr("192.0.2.1"),
		HWAddr:      leasemgr.HWAddr{Addr: []byte{1, 2, 3, 4, 5, 6}, Type: leasemgr.HTypeEthernet},
		ClientID:    []byte{1, 1, 2, 3, 4, 5, 6},
		UserContext: leasemgr.UserContext{"ISC": map[string]any{"n": json.Number("1"), "l": []any{"x"}}},
	}
	l.MarkLoaded()
	c := l.Clone()
	require.True(t, l.Equal(c))
	_, _, ok := c.Loaded()
	require.True(t, ok)
	c.HWAddr.Addr[0] = 9
	c.UserContext["ISC"].(map[string]any)["l"].([]any)[0] = "y"
	require.Equal(t, byte(1), l.HWAddr.Addr[0], "clone shares hwaddr bytes")
	require.Equal(t, "x", l.UserContext["ISC"].(map[string]any)["l"].([]any)[0], "clone shares user context")
	require.False(t, l.Equal(c))

	a := leasemgr.UserContext{"n": 1.0}
	b := leasemgr.UserContext{"n": json.Number("1")}
	require.True(t, leasemgr.UserContextEqual(a, b))
	require.True(t, leasemgr.UserContextEqual(nil, leasemgr.UserContext{}))

	l6 := &leasemgr.Lease6{Type: leasemgr.TypePD, Addr: netip.MustParseAddr("2001:db8:1::"), PrefixLen: 56, DUID: []byte{1, 2, 3}}
	require.Equal(t, netip.MustParsePrefix("2001:db8:1::/56"), l6.Prefix())
	require.True(t, l6.Equal(l6.Clone()))
}

func TestParams(t *testing.T) {
	p := leasemgr.Params{Database: map[string]any{
		"type": "memfile", "lfc-interval": 3600.0, "max-row-errors": json.Number("5"),
		"persist": false, "bad": 1.5, "n": 7,
	}}
	n, ok, err := p.Int("lfc-interval", 0, 1<<32)
	require.NoError(t, err)
	require.True(t, ok)
	require.EqualValues(t, 3600, n)
	n, _, err = p.Int("max-row-errors", 0, 1<<32)
	require.NoError(t, err)
	require.EqualValues(t, 5, n)
	n, _, err = p.Int("n", 0, 10)
	require.NoError(t, err)
	require.EqualValues(t, 7, n)
	_, _, err = p.Int("bad", 0, 10)
	require.ErrorIs(t, err, leasemgr.ErrInvalid)
	_, _, err = p.Int("n", 0, 5)
	require.ErrorIs(t, err, leasemgr.ErrInvalid)
	_, _, err = p.String("persist")
	require.ErrorIs(t, err, leasemgr.ErrInvalid)
	b, ok, err := p.Bool("persist")
	require.NoError(t, err)
	require.True(t, ok)
	require.False(t, b)
	require.ErrorIs(t, p.CheckKeys("type"), leasemgr.ErrInvalid)
}

func TestOpenUnknownType(t *testing.T) {
	_, err := leasemgr.Open(context.Background(), leasemgr.Params{Universe: leasemgr.V4, Database: map[string]any{"type": "nosuch"}})
	require.True(t, errors.Is(err, leasemgr.ErrInvalid), err)
	_, err = leasemgr.Open(context.Background(), leasemgr.Params{Universe: leasemgr.V4, Database: map[string]any{}})
	require.ErrorIs(t, err, leasemgr.ErrInvalid)
}
