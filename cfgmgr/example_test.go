package cfgmgr_test

import (
	"errors"
	"fmt"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
)

func Example() {
	cfg, warnings, err := cfgmgr.Parse([]byte(`{
	  // Kea syntax: comments are allowed.
	  "Dhcp4": {
	    "valid-lifetime": 4000,
	    "subnet4": [{
	      "id": 1,
	      "subnet": "192.0.2.0/24",
	      "pools": [{ "pool": "192.0.2.10 - 192.0.2.200" }],
	      "reservations": [{ "hw-address": "1a:1b:1c:1d:1e:1f", "ip-address": "192.0.2.201" }]
	    }],
	    "loggers": [{ "name": "kea-dhcp4" }]
	  }
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, w := range warnings {
		fmt.Println("warning:", w)
	}
	s := cfg.Subnet4(1)
	fmt.Println(s.Prefix, s.Pools[0].First, s.Pools[0].Last, s.ValidLifetime().Default)
	fmt.Println(s.Reservations[0].IdentifierText(), s.Reservations[0].IPv4Address)
	// Output:
	// warning: Dhcp4/loggers: ignored: dhcpsrv logs through log/slog
	// 192.0.2.0/24 192.0.2.10 192.0.2.200 4000
	// 1a:1b:1c:1d:1e:1f 192.0.2.201
}

func ExampleParse_errors() {
	_, _, err := cfgmgr.Parse([]byte(`{"Dhcp4": {
	  "subnet4": [
	    {"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.10 - 192.0.1.5"}]},
	    {"id": 2, "subnet": "192.0.3.0/24", "renew-timer": 100, "rebind-timer": 50}
	  ]}}`))
	var list cfgmgr.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Println(e)
		}
	}
	fmt.Println(errors.Is(err, cfgmgr.ErrValue))
	// Output:
	// Dhcp4/subnet4[0]/pools[0]/pool: "192.0.2.10 - 192.0.1.5": range end before start
	// Dhcp4/subnet4[1]/renew-timer: 100: greater than rebind-timer (50)
	// true
}

func ExampleManager() {
	m := cfgmgr.NewManager()
	for _, lifetime := range []string{"1000", "2000"} {
		if _, err := m.StageBytes([]byte(`{"Dhcp4": {"valid-lifetime": `+lifetime+`}}`), cfgmgr.ParseOptions{}); err != nil {
			fmt.Println(err)
			return
		}
		if _, err := m.Commit(); err != nil {
			fmt.Println(err)
			return
		}
	}
	cur := m.Current() // lock-free; immutable; safe to keep for a whole request
	fmt.Println(cur.Sequence, cur.GlobalScope().ValidLifetime().Default)

	old, _ := m.Revert(1) // back to the previous config, as a new commit
	fmt.Println(old.Sequence, old.GlobalScope().ValidLifetime().Default)
	// Output:
	// 2 2000
	// 3 1000
}

func ExampleScope() {
	cfg, _, err := cfgmgr.Parse([]byte(`{"Dhcp4": {
	  "valid-lifetime": 1000, "match-client-id": false,
	  "shared-networks": [{
	    "name": "office", "valid-lifetime": 2000, "interface": "eth1",
	    "subnet4": [
	      {"id": 1, "subnet": "10.0.1.0/24"},
	      {"id": 2, "subnet": "10.0.2.0/24", "valid-lifetime": 3000}
	    ]}],
	  "subnet4": [{"id": 3, "subnet": "10.0.3.0/24"}]
	}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range cfg.Subnets4 {
		// subnet → shared network → global → Kea default
		fmt.Println(s.ID, s.ValidLifetime().Default, s.Interface(), s.MatchClientID(), s.Allocator())
	}
	// Output:
	// 1 2000 eth1 false iterative
	// 2 3000 eth1 false iterative
	// 3 1000  false iterative
}
