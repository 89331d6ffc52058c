package alloc_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// TestConcurrentClientsNeverShareAnAddress runs many goroutines that
// allocate, renew, release and decline at random (each goroutine owns its
// clients, as servers serialize one client's packets), while another
// advances the clock and reclaims. Whenever a client is acknowledged an
// address, no other client may hold an unexpired acknowledgement for it;
// at the end the statistics must match the lease database.
func TestConcurrentClientsNeverShareAnAddress(t *testing.T) {
	for _, allocator := range []string{"iterative", "random", "flq"} {
		t.Run(allocator, func(t *testing.T) {
			f := newFixture(t, fmt.Sprintf(`{"Dhcp4": {"valid-lifetime": 60, "decline-probation-period": 20,
			  "allocator": %q, "cache-threshold": 0.25,
			  "subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.10 - 192.0.2.49"}],
			    "reservations": [{"hw-address": "00:0c:01:02:03:07", "ip-address": "192.0.2.20"}]}]}}`, allocator))
			type hold struct {
				client int
				exp    int64
			}
			var mu sync.Mutex
			held := map[netip.Addr]hold{}
			ack := func(client int, l *leasemgr.Lease4) {
				mu.Lock()
				defer mu.Unlock()
				if h, ok := held[l.Addr]; ok && h.client != client && h.exp >= l.CLTT {
					t.Errorf("%s acknowledged to client %d while client %d holds it until %d (now %d)", l.Addr, client, h.client, h.exp, l.CLTT)
				}
				for a, h := range held {
					if h.client == client {
						delete(held, a)
					}
				}
				held[l.Addr] = hold{client, l.CLTT + int64(l.ValidLifetime)}
			}
			forget := func(client int, addr netip.Addr) {
				mu.Lock()
				defer mu.Unlock()
				if h, ok := held[addr]; ok && h.client == client {
					delete(held, addr)
				}
			}
			const workers, clientsPer, ops = 6, 10, 250
			var wg sync.WaitGroup
			stop := make(chan struct{})
			var reclaimWG sync.WaitGroup
			reclaimWG.Add(1)
			go func() {
				defer reclaimWG.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					f.clock.Advance(time.Second)
					_, err := f.eng.ReclaimExpired4(bg, 5, 0, false)
					if err != nil {
						t.Error(err)
					}
					time.Sleep(200 * time.Microsecond)
				}
			}()
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(uint64(w), 42))
					mine := map[int]netip.Addr{}
					for i := 0; i < ops; i++ {
						id := w*clientsPer + rng.IntN(clientsPer)
						c := f.ctx4(1, mac(byte(id)))
						switch op := rng.IntN(10); {
						case op < 6: // DISCOVER then REQUEST of the offer, or a renewal
							if a, ok := mine[id]; ok && rng.IntN(2) == 0 {
								c.RequestedAddr = a
							} else {
								o, err := f.eng.Discover4(bg, c)
								if err != nil {
									continue
								}
								c = f.ctx4(1, mac(byte(id)))
								c.RequestedAddr = o.Addr
							}
							l, err := f.eng.Request4(bg, c)
							if err != nil {
								if !errors.Is(err, alloc.ErrNoAddressAvailable) && !errors.Is(err, alloc.ErrLeaseInUse) &&
									!errors.Is(err, alloc.ErrReservedForOther) && !errors.Is(err, leasemgr.ErrConflict) &&
									!errors.Is(err, alloc.ErrReservedElsewhere) {
									t.Errorf("request: %v", err)
								}
								continue
							}
							ack(id, l)
							mine[id] = l.Addr
						case op < 8: // RELEASE
							a, ok := mine[id]
							if !ok {
								continue
							}
							forget(id, a)
							delete(mine, id)
							c.RequestedAddr = a
							_, _ = f.eng.Release4(bg, c)
						default: // DECLINE
							a, ok := mine[id]
							if !ok {
								continue
							}
							forget(id, a)
							delete(mine, id)
							c.RequestedAddr = a
							_, _ = f.eng.Decline4(bg, c)
						}
					}
				}(w)
			}
			wg.Wait()
			close(stop)
			reclaimWG.Wait()
			require.False(t, t.Failed())
			f.checkStats4()
			// Every unexpired acknowledged lease is in the database with its owner.
			now := f.clock.Now().Unix()
			for a, h := range held {
				l, err := f.leases.Lease4(bg, a)
				if h.exp < now {
					continue
				}
				require.NoError(t, err, a.String())
				require.Equal(t, mac(byte(h.client)).Addr, l.HWAddr.Addr, a.String())
			}
		})
	}
}
