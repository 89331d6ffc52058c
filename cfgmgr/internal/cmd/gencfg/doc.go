// Command gencfg writes a large Kea Dhcp4 configuration, to time
// cfgmgr.Parse against `kea-dhcp4 -t`:
//
//	go run ./cfgmgr/internal/cmd/gencfg -subnets 10000 -reservations 100000 > /tmp/big4.json
//	time kea-dhcp4 -t /tmp/big4.json
package main
