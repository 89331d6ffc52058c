package dhcp4srv

import (
	"context"
	"regexp"
	"strings"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// NameInfo is what a NameHandler learns about a request before the
// allocation engine runs.
type NameInfo struct {
	// Subnet is the subnet selected for the request.
	Subnet *cfgmgr.Subnet4
	// Host is the client's reservation in that subnet (or global), or nil.
	Host *hostmgr.Host
	// Hostname is the name the server would store without a handler: the
	// reservation's hostname, else the client's hostname option (12)
	// sanitized with hostname-char-set and hostname-char-replacement,
	// else "".
	Hostname string
	// Fake is true for a DHCPDISCOVER: nothing will be committed.
	Fake bool
	// Classes are the client classes of the request so far.
	Classes []string
}

// NameHandler decides the client's name and the DNS update flags stored in
// the lease (Kea's processClientName: hostname option 12 and client FQDN
// option 81). Adjust4 is called for DHCPDISCOVER, DHCPREQUEST and BOOTP
// requests before the allocation engine; it may add options 12 or 81 to
// reply (Server sends them whatever the parameter request list says).
// It returns the forward and reverse DNS update flags and the hostname the
// lease gets.
//
// Adjust4 is called from many goroutines at once and must not modify req.
// The DDNS support (package d2client) provides an implementation; without
// one the server stores NameInfo.Hostname with both flags false, echoes that
// hostname in option 12 when the client sent option 12 or has a reserved
// hostname, and answers nothing to option 81.
type NameHandler interface {
	Adjust4(ctx context.Context, req, reply *dhcpv4.DHCPv4, info NameInfo) (fwd, rev bool, hostname string)
}

// LeaseEventKind tells what happened to a lease.
type LeaseEventKind uint8

// Lease event kinds.
const (
	LeaseAdd     LeaseEventKind = iota + 1 // a client got a new address (DHCPACK)
	LeaseRenew                             // a client's lease was extended (DHCPACK)
	LeaseRelease                           // DHCPRELEASE
	LeaseExpire                            // reclamation of an expired lease
	LeaseDecline                           // DHCPDECLINE
)

var leaseEventNames = [...]string{"", "add", "renew", "release", "expire", "decline"}

// String returns "add", "renew", "release", "expire" or "decline".
func (k LeaseEventKind) String() string {
	if int(k) < len(leaseEventNames) {
		return leaseEventNames[k]
	}
	return "unknown"
}

// LeaseEvent is one change of a client's lease, reported to a
// LeaseObserver: what name change requests (NCRs) are made from.
type LeaseEvent struct {
	Kind LeaseEventKind
	// Old is the lease before the change (the client's previous lease on
	// add, the lease as it was on renew, release, decline and expire), or
	// nil.
	Old *leasemgr.Lease4
	// New is the lease after the change (nil on release and expire).
	New *leasemgr.Lease4
	// Reused is true when the lease reuse cache answered a renewal: the
	// lease was not written and DNS need not be updated.
	Reused bool
	// Subnet is the lease's subnet in the configuration the request was
	// handled with; nil for expirations.
	Subnet *cfgmgr.Subnet4
}

// LeaseObserver is told about lease changes after they are stored: the
// hook for DNS updates (Kea queues NCRs at these points). OnLease4 runs
// synchronously on the request's goroutine (or the reclamation's, for
// LeaseExpire), from many goroutines at once; it must not block for long
// and must not modify the leases.
type LeaseObserver interface {
	OnLease4(ctx context.Context, ev LeaseEvent)
}

// sanitizer replaces the characters of hostnames that hostname-char-set
// matches.
type sanitizer struct {
	re   *regexp.Regexp
	repl string
}

func (z *sanitizer) apply(s string) string {
	if z == nil || z.re == nil {
		return s
	}
	return z.re.ReplaceAllLiteralString(s, z.repl)
}

// clientHostname returns the hostname from option 12, trimmed and
// sanitized, lower-cased as Kea stores it, or "".
func clientHostname(req *dhcpv4.DHCPv4, z *sanitizer) string {
	b := req.Options.Get(dhcpv4.OptionHostName)
	if len(b) == 0 {
		return ""
	}
	s := strings.TrimRight(string(b), "\x00")
	s = strings.TrimSuffix(s, ".")
	s = z.apply(s)
	return strings.ToLower(s)
}
