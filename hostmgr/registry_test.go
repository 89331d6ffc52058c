package hostmgr_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/hostmgr"
)

func TestRegistry(t *testing.T) {
	ctx := context.Background()
	var got map[string]any
	hostmgr.Register("test-registry", func(_ context.Context, p map[string]any) (hostmgr.DataSource, error) {
		got = p
		if p["name"] == "bad" {
			return nil, errors.New("cannot connect")
		}
		return hostmgr.NewCfgHosts(), nil
	})
	require.Contains(t, hostmgr.Types(), "test-registry")

	params := map[string]any{"type": "test-registry", "name": "kea", "port": 5432.0}
	ds, err := hostmgr.Open(ctx, params)
	require.NoError(t, err)
	require.Equal(t, "config", ds.Type())
	require.Equal(t, params, got)

	_, err = hostmgr.Open(ctx, map[string]any{"type": "test-registry", "name": "bad"})
	require.ErrorContains(t, err, `hostmgr: open hosts-database "test-registry": cannot connect`)

	_, err = hostmgr.Open(ctx, map[string]any{"type": "nosuch"})
	require.ErrorIs(t, err, hostmgr.ErrNotSupported)
	require.ErrorContains(t, err, `"nosuch" is not registered`)
	require.ErrorContains(t, err, "test-registry")

	_, err = hostmgr.Open(ctx, map[string]any{"name": "kea"})
	require.ErrorContains(t, err, `missing "type"`)
	_, err = hostmgr.Open(ctx, map[string]any{"type": 3.0})
	require.ErrorContains(t, err, "non-empty string")
	_, err = hostmgr.Open(ctx, nil)
	require.Error(t, err)

	require.Panics(t, func() {
		hostmgr.Register("test-registry", func(context.Context, map[string]any) (hostmgr.DataSource, error) { return nil, nil })
	})
	require.Panics(t, func() { hostmgr.Register("test-nil", nil) })
}
