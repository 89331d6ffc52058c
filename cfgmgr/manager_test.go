package cfgmgr

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func mustParse(t testing.TB, data []byte) *Config {
	t.Helper()
	cfg, _, err := Parse(data)
	require.NoError(t, err)
	return cfg
}

func tagged(t testing.TB, tag string) *Config {
	return mustParse(t, v4cfg(`"server-tag": "`+tag+`"`))
}

func TestManagerCommitDiscard(t *testing.T) {
	clock := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	m := NewManager(WithClock(func() time.Time { return clock }))
	require.Nil(t, m.Current())
	_, err := m.Commit()
	require.ErrorIs(t, err, ErrNoStaging)

	a := tagged(t, "a")
	m.Stage(a)
	require.Same(t, a, m.Staging())
	require.Equal(t, uint64(1), a.Sequence)
	require.Nil(t, m.Current(), "staging is not visible before commit")
	c, err := m.Commit()
	require.NoError(t, err)
	require.Same(t, a, c)
	require.Same(t, a, m.Current())
	require.Nil(t, m.Staging())
	require.Equal(t, clock, a.CommitTime)

	m.Stage(tagged(t, "b"))
	m.Discard()
	require.Nil(t, m.Staging())
	require.Same(t, a, m.Current())

	w, err := m.StageBytes(v4cfg(`"server-tag": "c"`), ParseOptions{})
	require.NoError(t, err)
	require.Empty(t, w)
	c, err = m.Commit()
	require.NoError(t, err)
	require.Equal(t, "c", c.ServerTag())
	require.Equal(t, uint64(2), c.Sequence)
	require.Equal(t, []*Config{a}, m.History())

	_, err = m.StageBytes(v4cfg(`"valid-lifetime": "bad"`), ParseOptions{})
	require.Error(t, err)
	require.Nil(t, m.Staging(), "a bad config is not staged")
}

func TestManagerHistoryRevert(t *testing.T) {
	m := NewManager(WithHistorySize(3))
	var cfgs []*Config
	for _, tag := range []string{"1", "2", "3", "4", "5"} {
		c := tagged(t, tag)
		cfgs = append(cfgs, c)
		m.Stage(c)
		_, err := m.Commit()
		require.NoError(t, err)
	}
	h := m.History()
	require.Len(t, h, 3, "bounded")
	require.Equal(t, []string{"4", "3", "2"}, []string{h[0].ServerTag(), h[1].ServerTag(), h[2].ServerTag()})

	r, err := m.Revert(1)
	require.NoError(t, err)
	require.Equal(t, "4", r.ServerTag())
	require.Equal(t, uint64(6), r.Sequence, "a revert is a new commit")
	require.Equal(t, uint64(4), cfgs[3].Sequence, "the old config is not modified")
	require.Same(t, r, m.Current())
	h = m.History()
	require.Equal(t, "5", h[0].ServerTag())

	r, err = m.Revert(3)
	require.NoError(t, err)
	require.Equal(t, "3", r.ServerTag())

	_, err = m.Revert(4)
	require.ErrorIs(t, err, ErrNoHistory)
	_, err = m.Revert(0)
	require.ErrorIs(t, err, ErrNoHistory)

	m0 := NewManager(WithHistorySize(0))
	m0.Stage(tagged(t, "x"))
	_, _ = m0.Commit()
	m0.Stage(tagged(t, "y"))
	_, _ = m0.Commit()
	require.Empty(t, m0.History())
}

// TestManagerConcurrentReaders runs readers against commits (go test -race):
// a reader always sees a whole config, and the one it loaded stays intact.
func TestManagerConcurrentReaders(t *testing.T) {
	m := NewManager()
	cfgs := make([]*Config, 20)
	for i := range cfgs {
		cfgs[i] = mustParse(t, v4cfg(`"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "valid-lifetime": `+itoa(1000+i)+`}], "server-tag": "`+itoa(1000+i)+`"`))
	}
	m.Stage(cfgs[0])
	_, _ = m.Commit()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				c := m.Current()
				lt := c.Subnet4(1).ValidLifetime().Default
				if itoa(int(lt)) != c.ServerTag() {
					t.Errorf("torn config: %d vs %s", lt, c.ServerTag())
					return
				}
			}
		}()
	}
	for _, c := range cfgs[1:] {
		m.Stage(c)
		_, err := m.Commit()
		require.NoError(t, err)
	}
	close(stop)
	wg.Wait()
	require.Equal(t, "1019", m.Current().ServerTag())
}

func itoa(i int) string {
	return string(appendInt(nil, i))
}

func appendInt(b []byte, i int) []byte {
	if i >= 10 {
		b = appendInt(b, i/10)
	}
	return append(b, byte('0'+i%10))
}

// TestTwoManagers checks there is no shared state between managers.
func TestTwoManagers(t *testing.T) {
	m1, m2 := NewManager(), NewManager()
	m1.Stage(tagged(t, "one"))
	_, _ = m1.Commit()
	require.Nil(t, m2.Current())
	m2.Stage(tagged(t, "two"))
	_, _ = m2.Commit()
	require.Equal(t, "one", m1.Current().ServerTag())
	require.Equal(t, uint64(1), m2.Current().Sequence)
}
