package stats_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/dhcpsrv/dhcpsrv/stats"
)

// Take handles once, count through them on the packet path.
func Example() {
	m := stats.New()
	assigned := m.Int(stats.SubnetName(1, stats.AssignedAddresses))
	poolAssigned := m.Int(stats.PoolName(1, 0, stats.AssignedAddresses))
	failNoPools := m.Int(stats.V4AllocationFailNoPools)

	// Per packet:
	assigned.Add(1)
	poolAssigned.Add(1)
	failNoPools.Inc()

	for _, s := range m.GetAll() {
		fmt.Println(s.Name, s.Int)
	}
	// Output:
	// subnet[1].assigned-addresses 1
	// subnet[1].pool[0].assigned-addresses 1
	// v4-allocation-fail-no-pools 1
}

// The arguments of Kea's statistic-get-all answer, for a control socket.
func ExampleManager_KeaGetAll() {
	at := time.Date(2026, 12, 4, 21, 8, 59, 123456000, time.UTC)
	m := stats.New(stats.WithClock(func() time.Time { return at }), stats.WithLocation(time.UTC))
	m.Int("pkt4-received").Add(125)
	m.Int(stats.SubnetName(1, stats.TotalAddresses)).Set(200)

	answer, _ := json.Marshal(map[string]any{"result": 0, "arguments": m.KeaGetAll()})
	fmt.Println(string(answer))
	// Output:
	// {"arguments":{"pkt4-received":[[125,"2026-12-04 21:08:59.123456"]],"subnet[1].total-addresses":[[200,"2026-12-04 21:08:59.123456"]]},"result":0}
}

// An exporter pulls at scrape time and turns names into labels.
func ExampleManager_Each() {
	m := stats.New()
	m.Int(stats.SubnetName(1, stats.AssignedAddresses)).Set(7)
	m.Int(stats.PDPoolName(2, 0, stats.AssignedPDs)).Set(3)
	m.Int(stats.ReclaimedLeases).Set(1)

	m.Each(func(name string, v stats.Value) {
		n := stats.ParseName(name)
		metric := "kea_" + strings.ReplaceAll(n.Stat, "-", "_")
		switch {
		case n.PoolKind != "":
			fmt.Printf("%s{subnet=\"%d\",%s=\"%d\"} %d\n", metric, n.Subnet, strings.ReplaceAll(n.PoolKind, "-", "_"), n.Pool, v.Int)
		case n.HasSubnet:
			fmt.Printf("%s{subnet=\"%d\"} %d\n", metric, n.Subnet, v.Int)
		default:
			fmt.Printf("%s %d\n", metric, v.Int)
		}
	})
	// Output:
	// kea_reclaimed_leases 1
	// kea_assigned_addresses{subnet="1"} 7
	// kea_assigned_pds{subnet="2",pd_pool="0"} 3
}

// A removed statistic's handle keeps working but is no longer reported;
// take a new handle.
func ExampleManager_Remove() {
	m := stats.New()
	h := m.Int(stats.SubnetName(1, stats.AssignedAddresses))
	h.Add(2)
	m.Remove(stats.SubnetName(1, stats.AssignedAddresses))
	h.Add(1) // detached: harmless, not reported
	_, ok := m.Get(stats.SubnetName(1, stats.AssignedAddresses))
	fmt.Println(ok, h.Removed())

	h = m.Int(stats.SubnetName(1, stats.AssignedAddresses))
	fmt.Println(h.Load())
	// Output:
	// false true
	// 0
}
