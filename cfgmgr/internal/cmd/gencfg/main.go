package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr/internal/gen"
)

func main() {
	subnets := flag.Int("subnets", 10000, "number of subnets")
	resv := flag.Int("reservations", 100000, "number of reservations")
	flag.Parse()
	if err := gen.Config4(os.Stdout, *subnets, *resv); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
