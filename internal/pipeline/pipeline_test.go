package pipeline

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// noLeak fails the test if goroutines started during it are still running
// at its end.
func noLeak(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				buf = buf[:runtime.Stack(buf, true)]
				t.Fatalf("goroutine leak: %d before, %d after\n%s", before, n, buf)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

type item struct {
	key, seq int
}

func TestOrderPerKey(t *testing.T) {
	noLeak(t)
	const keys, perKey, submitters = 64, 200, 4
	var mu sync.Mutex
	last := make(map[int]int)
	var bad atomic.Int64
	p := New(Config{Workers: 4, QueueSize: 4 * keys * perKey}, func(_ context.Context, it item) {
		mu.Lock()
		if last[it.key] != it.seq-1 {
			bad.Add(1)
		}
		last[it.key] = it.seq
		mu.Unlock()
	}, Hooks[item]{})
	// Each submitter owns a disjoint set of keys, so per-key submission
	// order is well defined while submitters run concurrently.
	var wg sync.WaitGroup
	for s := range submitters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := 1; seq <= perKey; seq++ {
				for k := s; k < keys; k += submitters {
					require.True(t, p.Submit(Mix(Key([]byte{byte(k)})), item{k, seq}))
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(t, p.Close(context.Background()))
	require.Zero(t, bad.Load(), "items of one key handled out of order")
	for k := range keys {
		require.Equal(t, perKey, last[k])
	}
	st := p.Stats()
	require.EqualValues(t, keys*perKey, st.Submitted)
	require.EqualValues(t, keys*perKey, st.Handled)
	require.Zero(t, st.Dropped)
}

func TestSameKeyNeverConcurrent(t *testing.T) {
	noLeak(t)
	var inflight [8]atomic.Int32
	var overlap atomic.Int32
	p := New(Config{Workers: 4, QueueSize: 1 << 12}, func(_ context.Context, k int) {
		if inflight[k].Add(1) > 1 {
			overlap.Add(1)
		}
		runtime.Gosched()
		inflight[k].Add(-1)
	}, Hooks[int]{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				k := i % 8
				p.Submit(uint64(k), k)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, p.Close(context.Background()))
	require.Zero(t, overlap.Load())
}

func TestQueueFullDropNewest(t *testing.T) {
	noLeak(t)
	block := make(chan struct{})
	started := make(chan struct{}, 1)
	var dropped []int
	var mu sync.Mutex
	p := New(Config{Workers: 1, QueueSize: 3, DropNewest: true}, func(_ context.Context, v int) {
		if v == 0 {
			started <- struct{}{}
			<-block
		}
	}, Hooks[int]{Drop: func(v int, r DropReason) {
		require.Equal(t, DropQueueFull, r)
		mu.Lock()
		dropped = append(dropped, v)
		mu.Unlock()
	}})
	require.True(t, p.Submit(0, 0))
	<-started // the worker holds item 0; the queue is empty
	for i := 1; i <= 3; i++ {
		require.True(t, p.Submit(0, i))
	}
	require.False(t, p.Submit(0, 4))
	require.False(t, p.Submit(0, 5))
	close(block)
	require.NoError(t, p.Close(context.Background()))
	require.Equal(t, []int{4, 5}, dropped)
	st := p.Stats()
	require.EqualValues(t, 2, st.QueueFull)
	require.EqualValues(t, 2, st.Dropped)
	require.EqualValues(t, 4, st.Handled)
}

func TestQueueFullDropOldest(t *testing.T) {
	noLeak(t)
	block := make(chan struct{})
	started := make(chan struct{}, 1)
	var handled, dropped []int
	var mu sync.Mutex
	p := New(Config{Workers: 1, QueueSize: 3}, func(_ context.Context, v int) {
		if v == 0 {
			started <- struct{}{}
			<-block
		}
		mu.Lock()
		handled = append(handled, v)
		mu.Unlock()
	}, Hooks[int]{Drop: func(v int, r DropReason) {
		mu.Lock()
		dropped = append(dropped, v)
		mu.Unlock()
	}})
	require.True(t, p.Submit(0, 0))
	<-started
	for i := 1; i <= 5; i++ {
		require.True(t, p.Submit(0, i))
	}
	close(block)
	require.NoError(t, p.Close(context.Background()))
	require.Equal(t, []int{1, 2}, dropped)
	require.Equal(t, []int{0, 3, 4, 5}, handled)
	require.EqualValues(t, 2, p.Stats().QueueFull)
}

func TestCloseDrains(t *testing.T) {
	noLeak(t)
	var n atomic.Int64
	p := New(Config{Workers: 2, QueueSize: 1000}, func(_ context.Context, _ int) {
		time.Sleep(100 * time.Microsecond)
		n.Add(1)
	}, Hooks[int]{})
	for i := range 500 {
		require.True(t, p.Submit(uint64(i), i))
	}
	require.NoError(t, p.Close(context.Background()))
	require.EqualValues(t, 500, n.Load())
	require.False(t, p.Submit(1, 1), "submit after close")
	require.EqualValues(t, 1, p.Stats().Dropped)
}

func TestCloseDeadline(t *testing.T) {
	noLeak(t)
	var handled, dropped, cancelled atomic.Int64
	p := New(Config{Workers: 1, QueueSize: 100}, func(ctx context.Context, _ int) {
		select {
		case <-ctx.Done():
			cancelled.Add(1)
		case <-time.After(20 * time.Millisecond):
		}
		handled.Add(1)
	}, Hooks[int]{Drop: func(_ int, r DropReason) {
		if r == DropShutdown {
			dropped.Add(1)
		}
	}})
	for i := range 50 {
		require.True(t, p.Submit(0, i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, p.Close(ctx), context.DeadlineExceeded)
	<-p.Done()
	require.EqualValues(t, 50, handled.Load()+dropped.Load())
	require.Positive(t, dropped.Load())
	require.LessOrEqual(t, cancelled.Load(), int64(1))
}

func TestPanicKeepsWorker(t *testing.T) {
	noLeak(t)
	var panics, ok atomic.Int64
	p := New(Config{Workers: 1, QueueSize: 10}, func(_ context.Context, v int) {
		if v%2 == 0 {
			panic("boom")
		}
		ok.Add(1)
	}, Hooks[int]{Panic: func(int, any) { panics.Add(1) }})
	for i := range 10 {
		p.Submit(0, i)
	}
	require.NoError(t, p.Close(context.Background()))
	require.EqualValues(t, 5, panics.Load())
	require.EqualValues(t, 5, ok.Load())
	require.EqualValues(t, 5, p.Stats().Panics)
}

func TestSizing(t *testing.T) {
	noLeak(t)
	p := New(Config{Workers: 3, QueueSize: 64}, func(context.Context, int) {}, Hooks[int]{})
	require.Equal(t, 3, p.Workers())
	require.Equal(t, 22, p.QueueCap())
	require.NoError(t, p.Close(context.Background()))
	p = New(Config{}, func(context.Context, int) {}, Hooks[int]{})
	require.Equal(t, runtime.GOMAXPROCS(0), p.Workers())
	require.NoError(t, p.Close(context.Background()))
}

func TestKeySpread(t *testing.T) {
	var counts [4]int
	for i := range 4096 {
		mac := []byte{0x02, 0, 0, 0, byte(i >> 8), byte(i)}
		counts[Mix(Key(mac))&3]++
	}
	for _, c := range counts {
		require.InDelta(t, 1024, c, 150)
	}
	require.Zero(t, testing.AllocsPerRun(100, func() { _ = Mix(Key([]byte("abcdef"))) }))
}

func BenchmarkSubmit(b *testing.B) {
	for _, workers := range []int{1, 2, 4} {
		b.Run("workers="+string(rune('0'+workers)), func(b *testing.B) {
			var n atomic.Int64
			p := New(Config{Workers: workers, QueueSize: 4096, DropNewest: true}, func(context.Context, int) { n.Add(1) }, Hooks[int]{})
			b.ReportAllocs()
			var seq atomic.Uint64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					k := seq.Add(1)
					for !p.Submit(Mix(k), 1) {
						runtime.Gosched() // queue full: let the workers run
					}
				}
			})
			p.Close(context.Background())
			b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "items/s")
		})
	}
}
