package classify_test

import (
	"fmt"
	"net"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"github.com/dhcpsrv/dhcpsrv/classify"
	"github.com/dhcpsrv/dhcpsrv/option"
)

func Example() {
	// Compile once per configuration...
	pxe, err := classify.Compile("substring(option[vendor-class-identifier].hex,0,9) == 'PXEClient' and not known",
		nil, option.V4)
	if err != nil {
		panic(err)
	}
	fmt.Println("depends on KNOWN/UNKNOWN:", pxe.DependsOnKnown())

	// ... and evaluate per packet.
	req, _ := dhcpv4.NewDiscovery(net.HardwareAddr{2, 0, 0, 0, 0, 1},
		dhcpv4.WithOption(dhcpv4.OptClassIdentifier("PXEClient:Arch:00007")))
	p := &classify.Packet4{Msg: req, Classes: []string{"ALL", "UNKNOWN"}}
	fmt.Println("PXE:", pxe.Eval(p))

	_, err = classify.Compile("option[60].hex = 'x'", nil, option.V4)
	fmt.Println(err)
	// Output:
	// depends on KNOWN/UNKNOWN: true
	// PXE: true
	// classify: 1:16: unexpected '=' (did you mean '=='?)
}
