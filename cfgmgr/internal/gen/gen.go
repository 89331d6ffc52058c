package gen

import (
	"bufio"
	"fmt"
	"io"
)

// Config4 writes a Dhcp4 config with the given number of subnets (at most
// 65536, 10.x.y.0/24 each with one pool) and reservations spread evenly
// over them (at most 150 per subnet).
func Config4(w io.Writer, subnets, reservations int) error {
	if subnets < 1 || subnets > 65536 {
		return fmt.Errorf("gen: subnets must be 1..65536")
	}
	per := (reservations + subnets - 1) / subnets
	if per > 150 {
		return fmt.Errorf("gen: at most 150 reservations per subnet")
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprint(bw, `{"Dhcp4": {
  "interfaces-config": {"interfaces": ["*"]},
  "lease-database": {"type": "memfile", "persist": false},
  "valid-lifetime": 4000, "renew-timer": 1000, "rebind-timer": 2000,
  "option-data": [{"name": "domain-name-servers", "data": "192.0.2.1, 192.0.2.2"}],
  "subnet4": [
`)
	left := reservations
	for i := 0; i < subnets; i++ {
		x, y := i/256, i%256
		if i > 0 {
			fmt.Fprint(bw, ",\n")
		}
		fmt.Fprintf(bw, `    {"id": %d, "subnet": "10.%d.%d.0/24", "pools": [{"pool": "10.%d.%d.100 - 10.%d.%d.250"}],
     "option-data": [{"name": "routers", "data": "10.%d.%d.1"}],
     "reservations": [`, i+1, x, y, x, y, x, y, x, y)
		n := per
		if n > left {
			n = left
		}
		left -= n
		for j := 0; j < n; j++ {
			if j > 0 {
				fmt.Fprint(bw, ",")
			}
			fmt.Fprintf(bw, "\n       {\"hw-address\": \"02:%02x:%02x:%02x:00:%02x\", \"ip-address\": \"10.%d.%d.%d\", \"hostname\": \"h-%d-%d\"}",
				x, y, j, i%7, x, y, j+2, i, j)
		}
		fmt.Fprint(bw, "]}")
	}
	fmt.Fprint(bw, "\n  ]\n}}\n")
	return bw.Flush()
}
