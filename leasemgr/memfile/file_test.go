package memfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/leasetest"
	"github.com/dhcpsrv/dhcpsrv/leasemgr/memfile"
)

const (
	hdr4   = "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context,pool_id\n"
	hdr4v2 = "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context\n"
	hdr6   = "address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid,prefix_len,fqdn_fwd,fqdn_rev,hostname,hwaddr,state,user_context,hwtype,hwaddr_source,pool_id\n"
	hdr6v2 = "address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid,prefix_len,fqdn_fwd,fqdn_rev,hostname,hwaddr,state,user_context,hwtype,hwaddr_source\n"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func open4(t *testing.T, dir string, mod ...func(*memfile.Config)) *memfile.Manager {
	t.Helper()
	cfg := memfile.Config{Universe: leasemgr.V4, Dir: dir}
	for _, f := range mod {
		f(&cfg)
	}
	m, err := memfile.Open(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

func all4(t *testing.T, m leasemgr.Manager) map[string]*leasemgr.Lease4 {
	t.Helper()
	ls, err := m.AllLeases4(ctx)
	require.NoError(t, err)
	out := map[string]*leasemgr.Lease4{}
	for _, l := range ls {
		out[l.Addr.String()] = l
	}
	return out
}

func keys[V any](m map[string]V) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	return k
}

func row4(addr string, valid, expire int64, extra string) string {
	return addr + ",00:01:02:03:04:05,," + strconv.FormatInt(valid, 10) + "," + strconv.FormatInt(expire, 10) + ",1,0,0," + extra + "\n"
}

func TestLoadOrderAndDeletes(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "kea-leases4.csv")
	// .2 then .1 then the active file; the last row of an address wins; a
	// valid lifetime 0 deletes; a first-seen deletion is ignored.
	write(t, base+".2", hdr4v2+
		row4("192.0.2.1", 100, 2000000000, "two,0,")+
		row4("192.0.2.2", 100, 2000000000, "two,0,")+
		row4("192.0.2.3", 100, 2000000000, "two,0,"))
	write(t, base+".1", hdr4+
		row4("192.0.2.2", 200, 2000000000, "one,0,,5")+
		row4("192.0.2.3", 0, 1999999900, "two,0,,0")+
		row4("192.0.2.9", 0, 1999999900, ",0,,0"))
	write(t, base, hdr4+
		row4("192.0.2.1", 300, 2000000000, "active,0,,6")+
		row4("192.0.2.4", 300, 2000000000, "active,0,,6"))
	m := open4(t, dir)
	got := all4(t, m)
	require.ElementsMatch(t, []string{"192.0.2.1", "192.0.2.2", "192.0.2.4"}, keys(got))
	require.Equal(t, "active", got["192.0.2.1"].Hostname)
	require.EqualValues(t, 6, got["192.0.2.1"].PoolID)
	require.Equal(t, "one", got["192.0.2.2"].Hostname)
	require.EqualValues(t, 2000000000-200, got["192.0.2.2"].CLTT)
	require.Empty(t, m.RowErrors())
	require.NoError(t, m.Close())

	// With <file>.completed present, .2 and .1 are ignored.
	write(t, base+".completed", hdr4+row4("192.0.2.7", 100, 2000000000, "done,0,,0"))
	m = open4(t, dir)
	require.ElementsMatch(t, []string{"192.0.2.1", "192.0.2.4", "192.0.2.7"}, keys(all4(t, m)))
}

func TestBadRows(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "kea-leases4.csv")
	write(t, base, hdr4+
		row4("192.0.2.1", 100, 2000000000, "ok,0,,0")+
		"192.0.2.2,00:01,,100\n"+ // line 3: wrong column count
		row4("192.0.2.300", 100, 2000000000, ",0,,0")+ // 4: bad address
		"192.0.2.4,zz,,100,2000000000,1,0,0,,0,,0\n"+ // 5: bad hex
		row4("192.0.2.5", 100, 2000000000, ",x,,0")+ // 6: bad state number
		row4("192.0.2.6", 100, 2000000000, ",0,{bad},0")+ // 7: bad JSON
		row4("192.0.2.7", 100, 2000000000, ",9,,0")+ // 8: unknown state
		"\n"+ // 9: blank, skipped
		row4("192.0.2.10", 100, 2000000000, "ok,0,,0"))
	m := open4(t, dir)
	require.ElementsMatch(t, []string{"192.0.2.1", "192.0.2.10"}, keys(all4(t, m)))
	errs := m.RowErrors()
	require.Len(t, errs, 6)
	for i, want := range []string{"4 columns, the header has 12", "address", "hwaddr", "state", "user context", "unknown state"} {
		require.Equal(t, base, errs[i].File)
		require.Equal(t, i+3, errs[i].Line)
		require.Contains(t, errs[i].String(), want)
	}
	require.NoError(t, m.Close())

	// Beyond max-row-errors the open fails with the report.
	_, err := memfile.Open(ctx, memfile.Config{Universe: leasemgr.V4, Dir: dir, MaxRowErrors: 5})
	var le *memfile.LoadError
	require.ErrorAs(t, err, &le)
	require.ErrorIs(t, err, memfile.ErrBadFile)
	require.Equal(t, 6, le.Count)
	require.Equal(t, base, le.File)
	require.Contains(t, err.Error(), base+":3:")
	m = open4(t, dir, func(c *memfile.Config) { c.MaxRowErrors = 6 })
	require.Len(t, all4(t, m), 2)
}

func TestBadHeaders(t *testing.T) {
	for _, h := range []string{
		"address,hwaddr,client_id\n",
		"addr,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname\n",
		"192.0.2.1,00:01,,100,2000000000,1,0,0,,0,,0\n",
		hdr6,
	} {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "kea-leases4.csv"), h)
		_, err := memfile.Open(ctx, memfile.Config{Universe: leasemgr.V4, Dir: dir})
		require.ErrorIs(t, err, memfile.ErrBadFile, h)
		// Nothing was overwritten.
		require.Equal(t, h, read(t, filepath.Join(dir, "kea-leases4.csv")))
	}
}

func TestHeaderVersions(t *testing.T) {
	// Schema 1.0 (9 columns), 2.2 (11), latest (12), and a future one with
	// an extra column, which is ignored.
	for _, tc := range []struct{ hdr, row string }{
		{"address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname\n",
			"192.0.2.1,00:01,,100,2000000000,1,0,0,h\n"},
		{hdr4v2, "192.0.2.1,00:01,,100,2000000000,1,0,0,h,0,\n"},
		{hdr4, "192.0.2.1,00:01,,100,2000000000,1,0,0,h,0,,0\n"},
		{strings.TrimSuffix(hdr4, "\n") + ",future\n", "192.0.2.1,00:01,,100,2000000000,1,0,0,h,0,,0,zz\n"},
	} {
		dir := t.TempDir()
		base := filepath.Join(dir, "kea-leases4.csv")
		write(t, base, tc.hdr+tc.row)
		m := open4(t, dir)
		got := all4(t, m)
		require.Len(t, got, 1, tc.hdr)
		require.Equal(t, "h", got["192.0.2.1"].Hostname)
		require.Empty(t, m.RowErrors())
		// A file in another schema is rewritten by a cleanup at open, so
		// the active file has our header and we append matching rows.
		if tc.hdr != hdr4 {
			require.Equal(t, hdr4, read(t, base), tc.hdr)
			require.FileExists(t, base+".2")
		} else {
			require.Equal(t, tc.hdr+tc.row, read(t, base))
		}
		require.NoError(t, m.AddLease4(ctx, leasetest.Lease4(9)))
		require.NoError(t, m.Close())
		m = open4(t, dir)
		require.Len(t, all4(t, m), 2)
		require.NoError(t, m.Close())
		// Kea 2.2's format on request: the same dance the other way.
		m = open4(t, dir, func(c *memfile.Config) { c.Schema = memfile.Schema22 })
		require.Len(t, all4(t, m), 2)
		require.Equal(t, hdr4v2, read(t, base))
		require.True(t, strings.HasPrefix(read(t, base+".2"), hdr4v2))
	}
}

func TestTornLastRow(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "kea-leases4.csv")
	good := row4("192.0.2.1", 100, 2000000000, "ok,0,,0")
	write(t, base, hdr4+good+"192.0.2.2,00:01:02:0")
	m := open4(t, dir)
	require.ElementsMatch(t, []string{"192.0.2.1"}, keys(all4(t, m)))
	require.Empty(t, m.RowErrors(), "a torn last row is a crash artefact, not a bad row")
	require.Equal(t, hdr4+good, read(t, base), "the torn row is cut off before appending")
	require.NoError(t, m.AddLease4(ctx, leasetest.Lease4(3)))
	require.NoError(t, m.Close())
	m = open4(t, dir)
	require.ElementsMatch(t, []string{"192.0.2.1", "192.0.2.3"}, keys(all4(t, m)))
	require.NoError(t, m.Close())

	// A complete last row without its newline (a hand-made file) is kept.
	write(t, base, hdr4+strings.TrimSuffix(good, "\n"))
	m = open4(t, dir)
	require.ElementsMatch(t, []string{"192.0.2.1"}, keys(all4(t, m)))
	require.NoError(t, m.AddLease4(ctx, leasetest.Lease4(3)))
	require.NoError(t, m.Close())
	m = open4(t, dir)
	require.ElementsMatch(t, []string{"192.0.2.1", "192.0.2.3"}, keys(all4(t, m)))
	require.Empty(t, m.RowErrors())
}

func TestRefuseWhileLFCRuns(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "kea-leases4.csv")
	// Our own PID stands for a live kea-lfc.
	write(t, base+".pid", strconv.Itoa(os.Getpid())+"\n")
	_, err := memfile.Open(ctx, memfile.Config{Universe: leasemgr.V4, Dir: dir})
	require.ErrorIs(t, err, memfile.ErrLFCRunning)
	// A stale PID file (dead process) is no obstacle.
	write(t, base+".pid", "2147483000\n")
	m := open4(t, dir)
	require.NoError(t, m.Close())
}

func TestInMemoryWritesNothing(t *testing.T) {
	dir := t.TempDir()
	m := open4(t, dir, func(c *memfile.Config) { c.InMemory = true })
	require.NoError(t, m.AddLease4(ctx, leasetest.Lease4(1)))
	require.NoError(t, m.Compact(ctx))
	require.NoError(t, m.Close())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries)
	require.Equal(t, "", m.Path(leasemgr.V4))
}

func TestCompact(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "kea-leases4.csv")
	m := open4(t, dir)
	expired := leasetest.Lease4(1)
	expired.CLTT = time.Now().Add(-48 * time.Hour).Unix()
	require.NoError(t, m.AddLease4(ctx, expired))
	for n := byte(2); n <= 10; n++ {
		l := leasetest.Lease4(n)
		require.NoError(t, m.AddLease4(ctx, l))
		l.CLTT += 10
		require.NoError(t, m.UpdateLease4(ctx, l))
		if n%2 == 0 {
			require.NoError(t, m.DeleteLease4(ctx, l))
		}
	}
	want := all4(t, m)
	require.Len(t, want, 5)
	require.NoError(t, m.Compact(ctx))
	require.Equal(t, hdr4, read(t, base))
	for _, suffix := range []string{".1", ".output", ".completed", ".pid"} {
		require.NoFileExists(t, base+suffix)
	}
	require.Equal(t, 6, strings.Count(read(t, base+".2"), "\n"), "header and one row per lease")
	// Changes go on into the new active file; a second cleanup merges .2 and .1.
	require.NoError(t, m.AddLease4(ctx, leasetest.Lease4(20)))
	require.NoError(t, m.Compact(ctx))
	want = all4(t, m)
	require.NoError(t, m.Close())
	m = open4(t, dir)
	got := all4(t, m)
	require.Len(t, got, 6)
	for k, l := range want {
		require.True(t, l.Equal(got[k]), k)
	}
	require.Contains(t, got, "192.0.2.1", "expired leases survive cleanup")
}

func TestLFCInterval(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "kea-leases4.csv")
	m := open4(t, dir, func(c *memfile.Config) { c.LFCInterval = 20 * time.Millisecond })
	require.NoError(t, m.AddLease4(ctx, leasetest.Lease4(1)))
	require.Eventually(t, func() bool { return exists(base + ".2") }, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, m.Close())
	m = open4(t, dir)
	require.Len(t, all4(t, m), 1)
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func TestOpenFromParams(t *testing.T) {
	dir := t.TempDir()
	m, err := leasemgr.Open(ctx, leasemgr.Params{
		Universe: leasemgr.V6,
		Database: map[string]any{"type": "memfile", "lfc-interval": 0.0, "max-row-errors": 10.0, "name": "leases6.csv", "durability": "fsync"},
		DataDir:  dir,
	})
	require.NoError(t, err)
	require.NoError(t, m.AddLease6(ctx, leasetest.Lease6(1)))
	require.ErrorIs(t, m.AddLease4(ctx, leasetest.Lease4(1)), leasemgr.ErrInvalid, "a v6 database has no v4 leases")
	require.NoError(t, m.Close())
	require.ErrorIs(t, m.AddLease6(ctx, leasetest.Lease6(2)), leasemgr.ErrClosed)
	require.True(t, strings.HasPrefix(read(t, filepath.Join(dir, "leases6.csv")), hdr6))

	for _, bad := range []map[string]any{
		{"type": "memfile", "persist": "yes"},
		{"type": "memfile", "lfc-interval": -1.0},
		{"type": "memfile", "lfc-interval": 1.5},
		{"type": "memfile", "max-reconnect-tries": 3.0},
		{"type": "memfile", "schema": "1.0"},
		{"type": "memfile", "durability": "maybe"},
		{"type": "memfile", "host": "localhost"},
	} {
		_, err := leasemgr.Open(ctx, leasemgr.Params{Universe: leasemgr.V4, Database: bad, DataDir: dir})
		require.ErrorIs(t, err, leasemgr.ErrInvalid, "%v", bad)
	}
	cfg, err := memfile.ConfigFromParams(leasemgr.Params{Universe: leasemgr.V4, Database: map[string]any{"type": "memfile", "persist": false}})
	require.NoError(t, err)
	require.True(t, cfg.InMemory)
	require.Equal(t, time.Hour, cfg.LFCInterval, "Kea's default lfc-interval")
	cfg, err = memfile.ConfigFromParams(leasemgr.Params{Universe: leasemgr.V4, DataDir: "/var/lib/kea", Database: map[string]any{"type": "memfile", "schema": "2.2"}})
	require.NoError(t, err)
	require.Equal(t, "/var/lib/kea/kea-leases4.csv", cfg.Path(leasemgr.V4))
	require.Equal(t, memfile.Schema22, cfg.Schema)
}

func TestUnwritableLeaseLeavesMemoryUnchanged(t *testing.T) {
	dir := t.TempDir()
	m := open4(t, dir)
	require.NoError(t, m.AddLease4(ctx, leasetest.Lease4(1)))
	// A user context that has no JSON form is refused before anything
	// is written or changed.
	l := leasetest.Lease4(2)
	l.UserContext = leasemgr.UserContext{"bad": make(chan int)}
	err := m.AddLease4(ctx, l)
	require.ErrorIs(t, err, leasemgr.ErrInvalid)
	_, err = m.Lease4(ctx, l.Addr)
	require.True(t, errors.Is(err, leasemgr.ErrNotFound))
}
