package dhcp6srv_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/dhcp6srv"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
)

func TestServerDUIDPersisted(t *testing.T) {
	dir := t.TempDir()
	sid := cfgmgr.ServerID{Type: "LLT", Persist: true}
	d1, err := dhcp6srv.ServerDUID(sid, dir)
	require.NoError(t, err)
	require.Equal(t, []byte{0, 1, 0, 1}, d1[:4]) // DUID-LLT, Ethernet
	b, err := os.ReadFile(filepath.Join(dir, dhcp6srv.ServerIDFile))
	require.NoError(t, err)
	require.Equal(t, dhcp6srv.FormatDUID(d1), strings.TrimSpace(string(b)))
	require.Regexp(t, `^([0-9a-f]{2}:)+[0-9a-f]{2}\n$`, string(b))

	// Restart: the same DUID is read back.
	d2, err := dhcp6srv.ServerDUID(sid, dir)
	require.NoError(t, err)
	require.Equal(t, d1, d2)

	// A Kea-written file is used as it is.
	kea := "00:01:00:01:2a:3b:4c:5d:08:00:27:aa:bb:cc"
	require.NoError(t, os.WriteFile(filepath.Join(dir, dhcp6srv.ServerIDFile), []byte(kea+"\n"), 0o644))
	d3, err := dhcp6srv.ServerDUID(sid, dir)
	require.NoError(t, err)
	require.Equal(t, kea, dhcp6srv.FormatDUID(d3))

	// A configured identifier wins over the file, and is written to it.
	d4, err := dhcp6srv.ServerDUID(cfgmgr.ServerID{Type: "EN", EnterpriseID: 2495, Identifier: "0102030405", Persist: true}, dir)
	require.NoError(t, err)
	require.Equal(t, "00:02:00:00:09:bf:01:02:03:04:05", dhcp6srv.FormatDUID(d4))
	b, err = os.ReadFile(filepath.Join(dir, dhcp6srv.ServerIDFile))
	require.NoError(t, err)
	require.Equal(t, "00:02:00:00:09:bf:01:02:03:04:05\n", string(b))

	// A file of another type than configured is replaced.
	d5, err := dhcp6srv.ServerDUID(cfgmgr.ServerID{Type: "LL", Persist: true}, dir)
	require.NoError(t, err)
	require.Equal(t, []byte{0, 3, 0, 1}, d5[:4])

	// persist false: no file written.
	dir2 := t.TempDir()
	_, err = dhcp6srv.ServerDUID(cfgmgr.ServerID{Type: "EN", Persist: false}, dir2)
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(dir2, dhcp6srv.ServerIDFile))
	require.True(t, os.IsNotExist(err))
}

func TestServerDUIDAcrossServerRestarts(t *testing.T) {
	dir := t.TempDir()
	start := func() []byte {
		lm, err := memfile.Open(bg, memfile.Config{Universe: leasemgr.V6, InMemory: true})
		require.NoError(t, err)
		defer lm.Close()
		srv, err := dhcp6srv.NewServer(parse(t, cfgBase), lm, dhcp6srv.WithDataDir(dir))
		require.NoError(t, err)
		return srv.ServerID()
	}
	a := start()
	b := start()
	require.Equal(t, a, b)
	// data-directory in the configuration works too.
	js := strings.Replace(cfgBase, `"valid-lifetime": 4000,`, `"valid-lifetime": 4000, "data-directory": "`+dir+`",`, 1)
	lm, err := memfile.Open(bg, memfile.Config{Universe: leasemgr.V6, InMemory: true})
	require.NoError(t, err)
	defer lm.Close()
	srv, err := dhcp6srv.NewServer(parse(t, js), lm)
	require.NoError(t, err)
	require.Equal(t, a, srv.ServerID())
}

func TestParseDUID(t *testing.T) {
	d, err := dhcp6srv.ParseDUID("0:1:0:1:a:b")
	require.NoError(t, err)
	require.Equal(t, []byte{0, 1, 0, 1, 0xa, 0xb}, d)
	_, err = dhcp6srv.ParseDUID("00::01")
	require.ErrorIs(t, err, dhcp6srv.ErrBadDUID)
	_, err = dhcp6srv.ParseDUID("zz")
	require.ErrorIs(t, err, dhcp6srv.ErrBadDUID)
}
