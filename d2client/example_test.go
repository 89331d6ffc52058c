package d2client_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/dhcpsrv/dhcpsrv/d2client"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// A DHCPv4 server's handling of a client FQDN option 81.
func ExampleAdjustFQDN4() {
	p := d2client.DefaultParams(true)
	p.QualifyingSuffix = "example.org"

	var client d2client.FQDN4
	_ = client.UnmarshalBinary([]byte("\x05\x00\x00\x06laptop")) // S=1 E=1, partial "laptop"
	reply, err := d2client.AdjustFQDN4(p, client)
	if err != nil {
		fmt.Println("drop the query:", err)
		return
	}
	wire, _ := reply.MarshalBinary()
	fmt.Println(reply.FQDN(), reply.Forward(), reply.Reverse())
	fmt.Printf("%q\n", wire)
	// Output:
	// laptop.example.org. true true
	// "\x05\xff\xff\x06laptop\aexample\x03org\x00"
}

// A generated name for a client that sent none (or when the replace mode
// says so).
func ExampleGenerateName() {
	p := d2client.DefaultParams(true)
	p.QualifyingSuffix = "example.org"
	fmt.Println(d2client.GenerateName(p, netip.MustParseAddr("192.0.2.10"), true))
	fmt.Println(d2client.GenerateName(p, netip.MustParseAddr("2001:db8::1"), true))
	// Output:
	// myhost-192-0-2-10.example.org.
	// myhost-2001-db8--1.example.org.
}

// The NCR for a committed DHCPv4 lease, in Kea's JSON.
func ExampleNCRForLease4() {
	lease := &leasemgr.Lease4{
		Addr:          netip.MustParseAddr("192.0.2.10"),
		HWAddr:        leasemgr.HWAddr{Addr: []byte{0, 1, 2, 3, 4, 5, 6}, Type: 1},
		ValidLifetime: 3600,
		CLTT:          time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC).Unix(),
		FQDNFwd:       true,
		FQDNRev:       true,
		Hostname:      "myhost.example.com.",
	}
	ncr, err := d2client.NCRForLease4(lease, d2client.DefaultParams(true), d2client.ChangeAdd)
	if err != nil || ncr == nil {
		return
	}
	b, _ := ncr.MarshalJSON()
	fmt.Println(string(b))
	// Output:
	// {"change-type":0,"forward-change":true,"reverse-change":true,"fqdn":"myhost.example.com.","ip-address":"192.0.2.10","dhcid":"0000012247F6DC4423C3E8627434A9D6868609D88948F78018B215EDCAA30C0C135035","lease-expires-on":"20250101122000","lease-length":1200,"use-conflict-resolution":true,"conflict-resolution-mode":"check-with-dhcid"}
}

// Sending NCRs to kea-dhcp-ddns (here a stand-in UDP listener).
func ExampleUDPSender() {
	d2, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer d2.Close()

	s, err := d2client.NewUDPSender(d2client.UDPConfig{
		Server: d2.LocalAddr().(*net.UDPAddr).AddrPort(),
		Local:  netip.MustParseAddrPort("127.0.0.1:0"),
		Queue:  d2client.QueueConfig{MaxQueueSize: 1024, Policy: d2client.PolicyRetry},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	id, _ := d2client.DHCIDFromDUID([]byte{0, 1, 2, 3, 4, 5, 6}, "host.example.org.")
	_ = s.Send(context.Background(), &d2client.NCR{
		ChangeType: d2client.ChangeAdd, Forward: true, Reverse: true,
		FQDN: "host.example.org.", IPAddress: netip.MustParseAddr("2001:db8::10"),
		DHCID: id, LeaseLength: 1200, LeaseExpiresOn: time.Now().Add(20 * time.Minute),
	})

	buf := make([]byte, d2client.MaxNCRSize)
	_ = d2.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, _ := d2.ReadFromUDP(buf)
	ncr, err := d2client.ParseWire(buf[:n])
	fmt.Println(ncr.FQDN, ncr.IPAddress, ncr.DHCID.IdentifierType(), err)
	// Output:
	// host.example.org. 2001:db8::10 2 <nil>
}

// A DNSUpdater configured like kea-dhcp-ddns, without running it.
func ExampleNewDNSUpdater() {
	server := netip.MustParseAddrPort("127.0.0.1:53")
	u, err := d2client.NewDNSUpdater(d2client.DNSConfig{
		Forward: []d2client.Domain{{Name: "example.org.", KeyName: "ddns-key",
			Servers: []d2client.DNSServer{{Addr: server}}}},
		Reverse: []d2client.Domain{{Name: "2.0.192.in-addr.arpa.", KeyName: "ddns-key",
			Servers: []d2client.DNSServer{{Addr: server}}}},
		Keys: []d2client.TSIGKey{{Name: "ddns-key", Algorithm: "HMAC-SHA256",
			Secret: "c2VjcmV0LWZvci1kZG5zLXRlc3RzLW9ubHktMzJieXQ="}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer u.Close()
	fmt.Println(d2client.ReverseName(netip.MustParseAddr("192.0.2.10")))
	// Output:
	// 10.2.0.192.in-addr.arpa.
}
