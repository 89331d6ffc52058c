package dhcp4srv_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/d2client"
	"github.com/dhcpsrv/dhcpsrv/dhcp4srv"
	"github.com/dhcpsrv/dhcpsrv/dhcptest"
)

// captureSender records the NCRs instead of sending them.
type captureSender struct {
	mu   sync.Mutex
	ncrs []*d2client.NCR
}

func (c *captureSender) Send(_ context.Context, n *d2client.NCR) error {
	if err := n.Validate(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ncrs = append(c.ncrs, n)
	return nil
}

func (c *captureSender) Close() error { return nil }

// take returns and forgets the NCRs sent so far.
func (c *captureSender) take() []*d2client.NCR {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.ncrs
	c.ncrs = nil
	return out
}

// clock is a settable clock for the server and the engine.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const ddnsConfig4 = `{"Dhcp4": {
	"valid-lifetime": 3600,
	"dhcp-ddns": {"enable-updates": true},
	"ddns-qualifying-suffix": "example.org.",
	%s
	"subnet4": [
		{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.10 - 192.0.2.20"}] %s}
	]}}`

func ddnsServer(t *testing.T, globals, subnet string) (*dhcptest.Server4, *captureSender, *clock) {
	t.Helper()
	cs := &captureSender{}
	clk := &clock{t: time.Now().Truncate(time.Second)}
	if !strings.Contains(globals, "cache-threshold") {
		// Renewals go through the engine, not the reuse cache.
		globals += `"cache-threshold": 0,`
	}
	s := dhcptest.NewServer4(t,
		dhcptest.WithKeaConfig(fmt.Sprintf(ddnsConfig4, globals, subnet)),
		dhcptest.WithServerOptions(dhcp4srv.WithDDNS(dhcp4srv.NewDDNS(cs)), dhcp4srv.WithClock(clk.now)))
	return s, cs, clk
}

// after returns the NCRs sent for the requests of client hw so far: a
// DHCPDISCOVER of the same client (which sends none) goes through the
// server after them, as the server handles one client's requests in order
// and tells the observer before it takes the next one.
func (c *captureSender) after(t *testing.T, cl *dhcptest.Client, hw net.HardwareAddr) []*d2client.NCR {
	t.Helper()
	_, _ = cl.Discover(context.Background(), hw)
	return c.take()
}

func hwAddr(i byte) net.HardwareAddr { return net.HardwareAddr{0x02, 0, 0, 0, 0, i} }

// withFQDN adds option 81 with the given flags and name.
func withFQDN(flags uint8, name string, partial bool) dhcpv4.Modifier {
	f := d2client.FQDN4{Flags: flags | d2client.FlagE4, Name: name, Partial: partial}
	b, err := f.MarshalBinary()
	if err != nil {
		panic(err)
	}
	return dhcpv4.WithGeneric(dhcpv4.GenericOptionCode(d2client.OptionFQDN4), b)
}

func replyFQDN(t *testing.T, m *dhcpv4.DHCPv4) d2client.FQDN4 {
	t.Helper()
	b := m.Options.Get(dhcpv4.GenericOptionCode(d2client.OptionFQDN4))
	require.NotNil(t, b, "no option 81 in the reply")
	var f d2client.FQDN4
	require.NoError(t, f.UnmarshalBinary(b))
	return f
}

func addrOf(m *dhcpv4.DHCPv4) netip.Addr {
	a, _ := netip.AddrFromSlice(m.YourIPAddr.To4())
	return a
}

func TestDDNSFQDNServerUpdates(t *testing.T) {
	s, cs, _ := ddnsServer(t, "", "")
	c := s.Client()
	ctx := context.Background()
	hw := hwAddr(1)

	ack, err := c.DORA(ctx, hw, withFQDN(d2client.FlagS, "laptop", true))
	require.NoError(t, err)
	f := replyFQDN(t, ack)
	require.Equal(t, "laptop.example.org", f.Name)
	require.False(t, f.Partial)
	require.Equal(t, d2client.FlagS, f.Flags&(d2client.FlagS|d2client.FlagO|d2client.FlagN4))
	require.Nil(t, ack.Options.Get(dhcpv4.OptionHostName), "no option 12 with option 81")

	addr := addrOf(ack)
	ncrs := cs.after(t, c, hw)
	require.Len(t, ncrs, 1)
	n := ncrs[0]
	require.Equal(t, d2client.ChangeAdd, n.ChangeType)
	require.True(t, n.Forward)
	require.True(t, n.Reverse)
	require.Equal(t, "laptop.example.org.", n.FQDN)
	require.Equal(t, addr, n.IPAddress)
	want, err := d2client.DHCIDFromHWAddr(1, hw, "laptop.example.org.")
	require.NoError(t, err)
	require.Equal(t, want, n.DHCID, "no client-id: DHCID from the hardware address")
	require.Equal(t, uint32(1200), n.LeaseLength)

	// The lease keeps the name and the flags.
	l, err := s.Leases().Lease4(ctx, addr)
	require.NoError(t, err)
	require.Equal(t, "laptop.example.org.", l.Hostname)
	require.True(t, l.FQDNFwd)
	require.True(t, l.FQDNRev)

	// Renewal without change: no NCR.
	_, err = c.Renew(ctx, ack, withFQDN(d2client.FlagS, "laptop", true))
	require.NoError(t, err)
	require.Empty(t, cs.after(t, c, hw))

	// Renewal with a new name: remove the old, add the new.
	ack2, err := c.Renew(ctx, ack, withFQDN(d2client.FlagS, "desktop", true))
	require.NoError(t, err)
	require.Equal(t, "desktop.example.org", replyFQDN(t, ack2).Name)
	ncrs = cs.after(t, c, hw)
	require.Len(t, ncrs, 2)
	require.Equal(t, d2client.ChangeRemove, ncrs[0].ChangeType)
	require.Equal(t, "laptop.example.org.", ncrs[0].FQDN)
	require.Equal(t, d2client.ChangeAdd, ncrs[1].ChangeType)
	require.Equal(t, "desktop.example.org.", ncrs[1].FQDN)

	// Release: remove.
	require.NoError(t, c.Release(ctx, ack2))
	ncrs = cs.after(t, c, hw)
	require.Len(t, ncrs, 1)
	require.Equal(t, d2client.ChangeRemove, ncrs[0].ChangeType)
	require.Equal(t, "desktop.example.org.", ncrs[0].FQDN)
	require.Equal(t, addr, ncrs[0].IPAddress)
}

func TestDDNSFQDNClientUpdatesAndClientID(t *testing.T) {
	s, cs, _ := ddnsServer(t, "", "")
	c := s.Client()
	ctx := context.Background()
	cid := []byte{1, 2, 0, 0, 0, 0, 9}
	// S=0: the client does the forward update, the server the reverse.
	ack, err := c.DORA(ctx, hwAddr(2), withFQDN(0, "phone.example.org", false),
		dhcpv4.WithGeneric(dhcpv4.OptionClientIdentifier, cid))
	require.NoError(t, err)
	f := replyFQDN(t, ack)
	require.Equal(t, "phone.example.org", f.Name)
	require.Zero(t, f.Flags&(d2client.FlagS|d2client.FlagN4))
	ncrs := cs.after(t, c, hwAddr(2))
	require.Len(t, ncrs, 1)
	require.False(t, ncrs[0].Forward)
	require.True(t, ncrs[0].Reverse)
	want, err := d2client.DHCIDFromClientID(cid, "phone.example.org.")
	require.NoError(t, err)
	require.Equal(t, want, ncrs[0].DHCID, "DHCID from the client identifier")
	require.Equal(t, d2client.DHCIDTypeClientID, ncrs[0].DHCID.IdentifierType())

	// N=1: no update at all.
	_, err = c.DORA(ctx, hwAddr(3), withFQDN(d2client.FlagN4, "quiet", true))
	require.NoError(t, err)
	require.Empty(t, cs.after(t, c, hwAddr(3)))
}

func TestDDNSHostnameOption(t *testing.T) {
	s, cs, _ := ddnsServer(t, "", "")
	c := s.Client()
	ctx := context.Background()
	ack, err := c.DORA(ctx, hwAddr(4), dhcpv4.WithOption(dhcpv4.OptHostName("My_Box")))
	require.NoError(t, err)
	// Sanitized (the default hostname-char-set removes '_'), lowercased
	// and qualified, no trailing dot in option 12.
	require.Equal(t, "mybox.example.org", string(ack.Options.Get(dhcpv4.OptionHostName)))
	ncrs := cs.after(t, c, hwAddr(4))
	require.Len(t, ncrs, 1)
	require.Equal(t, "mybox.example.org.", ncrs[0].FQDN)
	require.True(t, ncrs[0].Forward)
	require.True(t, ncrs[0].Reverse)

	// A name that sanitizes to nothing: no option 12, no update.
	_, err = c.DORA(ctx, hwAddr(5), dhcpv4.WithOption(dhcpv4.OptHostName("___")))
	require.NoError(t, err)
	require.Empty(t, cs.after(t, c, hwAddr(5)))

	// No name at all: nothing.
	ack, err = c.DORA(ctx, hwAddr(6))
	require.NoError(t, err)
	require.Nil(t, ack.Options.Get(dhcpv4.OptionHostName))
	require.Empty(t, cs.after(t, c, hwAddr(6)))
}

func TestDDNSReplaceAlwaysGeneratesFromLeasedAddress(t *testing.T) {
	s, cs, _ := ddnsServer(t, `"ddns-replace-client-name": "always", "ddns-generated-prefix": "host",`, "")
	c := s.Client()
	ctx := context.Background()

	offer, err := c.Discover(ctx, hwAddr(7), withFQDN(d2client.FlagS, "ignored", true))
	require.NoError(t, err)
	gen := fmt.Sprintf("host-%s.example.org", dashed(addrOf(offer)))
	require.Equal(t, gen, replyFQDN(t, offer).Name, "the offer carries the generated name")
	require.Empty(t, cs.after(t, c, hwAddr(7)), "no NCR for an offer")

	ack, err := c.Request(ctx, offer, withFQDN(d2client.FlagS, "ignored", true))
	require.NoError(t, err)
	require.Equal(t, gen, replyFQDN(t, ack).Name)
	ncrs := cs.after(t, c, hwAddr(7))
	require.Len(t, ncrs, 1)
	require.Equal(t, gen+".", ncrs[0].FQDN)
	l, err := s.Leases().Lease4(ctx, addrOf(ack))
	require.NoError(t, err)
	require.Equal(t, gen+".", l.Hostname, "the generated name is stored")

	// Option 12 with when-not-present: a client without a name gets one.
	ack, err = c.DORA(ctx, hwAddr(8), dhcpv4.WithOption(dhcpv4.OptHostName("kept")))
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("host-%s.example.org", dashed(addrOf(ack))), string(ack.Options.Get(dhcpv4.OptionHostName)))
	require.Len(t, cs.after(t, c, hwAddr(8)), 1)
}

func TestDDNSReplaceWhenNotPresent(t *testing.T) {
	s, cs, _ := ddnsServer(t, `"ddns-replace-client-name": "when-not-present",`, "")
	c := s.Client()
	ctx := context.Background()
	ack, err := c.DORA(ctx, hwAddr(9), withFQDN(d2client.FlagS, "", true))
	require.NoError(t, err)
	gen := fmt.Sprintf("myhost-%s.example.org", dashed(addrOf(ack)))
	require.Equal(t, gen, replyFQDN(t, ack).Name)
	ncrs := cs.after(t, c, hwAddr(9))
	require.Len(t, ncrs, 1)
	require.Equal(t, gen+".", ncrs[0].FQDN)
	// Renewal: the name generated before allocation is the stored one, so
	// nothing changes and no NCR goes out.
	_, err = c.Renew(ctx, ack, withFQDN(d2client.FlagS, "", true))
	require.NoError(t, err)
	require.Empty(t, cs.after(t, c, hwAddr(9)))

	// A client that sends a name keeps it.
	ack, err = c.DORA(ctx, hwAddr(10), withFQDN(d2client.FlagS, "named", true))
	require.NoError(t, err)
	require.Equal(t, "named.example.org", replyFQDN(t, ack).Name)
}

func dashed(a netip.Addr) string {
	b := []byte(a.String())
	for i, c := range b {
		if c == '.' || c == ':' {
			b[i] = '-'
		}
	}
	return string(b)
}

func TestDDNSNoNCROnReuse(t *testing.T) {
	s, cs, clk := ddnsServer(t, `"cache-threshold": 0.25,`, "")
	c := s.Client()
	ctx := context.Background()
	ack, err := c.DORA(ctx, hwAddr(11), withFQDN(d2client.FlagS, "cached", true))
	require.NoError(t, err)
	require.Len(t, cs.after(t, c, hwAddr(11)), 1)
	clk.add(10 * time.Second)
	ack2, err := c.Renew(ctx, ack, withFQDN(d2client.FlagS, "cached", true))
	require.NoError(t, err)
	lt := ack2.IPAddressLeaseTime(0)
	require.Less(t, lt, time.Hour, "the reuse cache answered")
	require.Equal(t, "cached.example.org", replyFQDN(t, ack2).Name)
	require.Empty(t, cs.after(t, c, hwAddr(11)))
}

func TestDDNSUpdateOnRenew(t *testing.T) {
	s, cs, _ := ddnsServer(t, `"ddns-update-on-renew": true,`, "")
	c := s.Client()
	ctx := context.Background()
	ack, err := c.DORA(ctx, hwAddr(12), withFQDN(d2client.FlagS, "again", true))
	require.NoError(t, err)
	require.Len(t, cs.after(t, c, hwAddr(12)), 1)
	_, err = c.Renew(ctx, ack, withFQDN(d2client.FlagS, "again", true))
	require.NoError(t, err)
	ncrs := cs.after(t, c, hwAddr(12))
	require.Len(t, ncrs, 1)
	require.Equal(t, d2client.ChangeAdd, ncrs[0].ChangeType)
}

func TestDDNSSendUpdatesFalse(t *testing.T) {
	s, cs, _ := ddnsServer(t, "", `, "ddns-send-updates": false`)
	c := s.Client()
	ctx := context.Background()
	ack, err := c.DORA(ctx, hwAddr(13), withFQDN(d2client.FlagS, "silent", true))
	require.NoError(t, err)
	f := replyFQDN(t, ack)
	require.Equal(t, d2client.FlagN4|d2client.FlagO, f.Flags&(d2client.FlagS|d2client.FlagO|d2client.FlagN4))
	require.Empty(t, cs.after(t, c, hwAddr(13)))
}

func TestDDNSDisabledGlobally(t *testing.T) {
	cs := &captureSender{}
	s := dhcptest.NewServer4(t,
		dhcptest.WithKeaConfig(`{"Dhcp4": {"subnet4": [{"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.10 - 192.0.2.20"}]}]}}`),
		dhcptest.WithServerOptions(dhcp4srv.WithDDNS(dhcp4srv.NewDDNS(cs))))
	c := s.Client()
	ack, err := c.DORA(context.Background(), hwAddr(14), withFQDN(d2client.FlagS, "x", true))
	require.NoError(t, err)
	f := replyFQDN(t, ack)
	require.Equal(t, d2client.FlagN4, f.Flags&(d2client.FlagS|d2client.FlagN4))
	require.Empty(t, cs.after(t, c, hwAddr(14)))
}

func TestDDNSDeclineAndReclaim(t *testing.T) {
	s, cs, clk := ddnsServer(t, "", "")
	c := s.Client()
	ctx := context.Background()
	ack, err := c.DORA(ctx, hwAddr(15), withFQDN(d2client.FlagS, "bad", true))
	require.NoError(t, err)
	require.Len(t, cs.after(t, c, hwAddr(15)), 1)
	require.NoError(t, c.Decline(ctx, ack))
	ncrs := cs.after(t, c, hwAddr(15))
	require.Len(t, ncrs, 1)
	require.Equal(t, d2client.ChangeRemove, ncrs[0].ChangeType)
	require.Equal(t, "bad.example.org.", ncrs[0].FQDN)

	// Expiry: reclamation with the server's clock sends the remove.
	ack, err = c.DORA(ctx, hwAddr(16), withFQDN(d2client.FlagS, "gone", true))
	require.NoError(t, err)
	require.Len(t, cs.after(t, c, hwAddr(16)), 1)
	clk.add(2 * time.Hour)
	_, err = s.Engine().ReclaimExpired4(ctx, 0, 0, false)
	require.NoError(t, err)
	ncrs = cs.take()
	require.Len(t, ncrs, 1)
	require.Equal(t, d2client.ChangeRemove, ncrs[0].ChangeType)
	require.Equal(t, "gone.example.org.", ncrs[0].FQDN)
	require.Equal(t, addrOf(ack), ncrs[0].IPAddress)
}

func TestDDNSReservedHostname(t *testing.T) {
	s, cs, _ := ddnsServer(t, "", `, "reservations": [{"hw-address": "02:00:00:00:00:11", "hostname": "Printer"}]`)
	c := s.Client()
	ctx := context.Background()
	ack, err := c.DORA(ctx, hwAddr(0x11), withFQDN(d2client.FlagS, "whatever", true))
	require.NoError(t, err)
	require.Equal(t, "printer.example.org", replyFQDN(t, ack).Name)
	ncrs := cs.after(t, c, hwAddr(0x11))
	require.Len(t, ncrs, 1)
	require.Equal(t, "printer.example.org.", ncrs[0].FQDN)
}
