package dhcp4srv_test

import (
	"net"
	"testing"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/stretchr/testify/require"
)

// A class with a real Kea test (substring of option 60) guards a pool and
// gives its option-data; a test depending on KNOWN is evaluated after the
// host lookup.
func TestClassTestSelectsPool(t *testing.T) {
	h := newHarness(t, `{"Dhcp4": {
	  "client-classes": [
	    {"name": "pxe", "test": "substring(option[60].hex,0,9) == 'PXEClient'",
	     "option-data": [{"name": "boot-file-name", "data": "pxelinux.0", "always-send": true}]},
	    {"name": "known-pxe", "test": "member('pxe') and known",
	     "option-data": [{"name": "domain-name", "data": "known.example"}]},
	    {"name": "vendor-any", "test": "option[vendor-class-identifier].exists and not member('pxe')",
	     "option-data": [{"name": "domain-name", "data": "vendor.example"}]}],
	  "subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [
	    {"pool": "192.0.2.100 - 192.0.2.109", "client-class": "pxe"},
	    {"pool": "192.0.2.200 - 192.0.2.209"}],
	    "reservations": [{"hw-address": "02:00:00:00:00:09", "hostname": "r"}]}]}}`)
	pxe := dhcpv4.WithOption(dhcpv4.OptClassIdentifier("PXEClient:Arch:00007:UNDI:003016"))

	ack := h.dora(net.HardwareAddr{2, 0, 0, 0, 0, 1}, pxe)
	require.Equal(t, "192.0.2.100", ack.YourIPAddr.String())
	require.Equal(t, "pxelinux.0", string(ack.Options.Get(dhcpv4.OptionBootfileName)))
	require.False(t, ack.Options.Has(dhcpv4.OptionDomainName))

	ack = h.dora(net.HardwareAddr{2, 0, 0, 0, 0, 2}, dhcpv4.WithOption(dhcpv4.OptClassIdentifier("MSFT 5.0")))
	require.Equal(t, "192.0.2.200", ack.YourIPAddr.String())
	require.False(t, ack.Options.Has(dhcpv4.OptionBootfileName))
	require.Equal(t, "vendor.example", string(ack.Options.Get(dhcpv4.OptionDomainName)))

	// KNOWN-dependent class: the reserved PXE client gets it.
	ack = h.dora(net.HardwareAddr{2, 0, 0, 0, 0, 9}, pxe)
	require.Equal(t, "pxelinux.0", string(ack.Options.Get(dhcpv4.OptionBootfileName)))
	require.Equal(t, "known.example", string(ack.Options.Get(dhcpv4.OptionDomainName)))
}
