package dhcp6srv

import (
	"context"
	"log/slog"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv6"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
	"github.com/dhcpsrv/dhcpsrv/stats"
)

// Option sets an optional collaborator of a Transport.
type Option func(*Transport)

// WithLogger sets the transport's logger; the default discards.
func WithLogger(l *slog.Logger) Option {
	return func(t *Transport) {
		if l != nil {
			t.log = l
		}
	}
}

// WithStats sets the statistics manager the transport counts into (Kea's
// pkt6-* statistics); the default counts nowhere.
func WithStats(m *stats.Manager) Option {
	return func(t *Transport) { t.stats = m }
}

// ServerOption sets an optional collaborator or setting of a Server.
type ServerOption func(*serverOptions)

type serverOptions struct {
	log        *slog.Logger
	stats      *stats.Manager
	hosts      *hostmgr.Manager
	names      NameHandler
	observer   LeaseObserver
	transport  []func(*Config)
	dataDir    string
	dataDirSet bool
	serverID   []byte
	hooks      alloc.Hooks
	engineOpts []alloc.Option
}

func buildServerOptions(opts []ServerOption) *serverOptions {
	o := &serverOptions{log: slog.New(slog.DiscardHandler)}
	for _, f := range opts {
		if f != nil {
			f(o)
		}
	}
	return o
}

// WithServerLogger sets the logger of the server, its engine and its
// transport; the default discards.
func WithServerLogger(l *slog.Logger) ServerOption {
	return func(o *serverOptions) {
		if l != nil {
			o.log = l
		}
	}
}

// WithServerStats sets the statistics manager of the server, its engine
// (lease statistics) and its transport (pkt6-*); the default counts
// nowhere.
func WithServerStats(m *stats.Manager) ServerOption {
	return func(o *serverOptions) { o.stats = m }
}

// WithHosts sets the host manager the server looks reservations up in.
// The server installs the configuration's reservations as its primary
// source at NewServer and at every Reconfigure; alternate sources
// (databases) added to it are kept. The default is a Manager of its own.
func WithHosts(m *hostmgr.Manager) ServerOption {
	return func(o *serverOptions) { o.hosts = m }
}

// WithNameHandler sets the client FQDN (option 39) processing, for DDNS.
func WithNameHandler(h NameHandler) ServerOption {
	return func(o *serverOptions) { o.names = h }
}

// WithLeaseObserver sets the observer told about lease changes (the DDNS
// hook).
func WithLeaseObserver(lo LeaseObserver) ServerOption {
	return func(o *serverOptions) { o.observer = lo }
}

// WithTransportConfig lets the caller adjust the transport's Config built
// from the configuration's interfaces-config and multi-threading maps
// (ports as kea-dhcp6 -p/-P, SendToSource for tests, queue sizes).
func WithTransportConfig(f func(*Config)) ServerOption {
	return func(o *serverOptions) {
		if f != nil {
			o.transport = append(o.transport, f)
		}
	}
}

// WithDataDir sets the directory of the server DUID file
// (kea-dhcp6-serverid). The default is the configuration's
// "data-directory"; with neither, the DUID is not persisted.
func WithDataDir(dir string) ServerOption {
	return func(o *serverOptions) { o.dataDir, o.dataDirSet = dir, true }
}

// WithServerID sets the server's DUID, overriding the configuration's
// server-id map and the DUID file.
func WithServerID(duid []byte) ServerOption {
	return func(o *serverOptions) { o.serverID = append([]byte(nil), duid...) }
}

// WithEngineHooks installs allocation engine hooks (Kea's lease6_select,
// lease6_renew, lease6_rebind, lease6_expire, lease6_recover callouts).
// With a LeaseObserver, expirations the lease6_expire hook lets through
// are reported to it.
func WithEngineHooks(h alloc.Hooks) ServerOption {
	return func(o *serverOptions) { o.hooks = h }
}

// WithClock sets the engine's clock (alloc.WithClock), for tests.
func WithClock(now func() time.Time) ServerOption {
	return func(o *serverOptions) { o.engineOpts = append(o.engineOpts, alloc.WithClock(now)) }
}

// WithRegistry sets the registry the engine builds allocators from
// (alloc.WithRegistry), for custom allocators.
func WithRegistry(r *alloc.Registry) ServerOption {
	return func(o *serverOptions) { o.engineOpts = append(o.engineOpts, alloc.WithRegistry(r)) }
}

// WithEngineOptions passes further options to the allocation engine
// (alloc.WithAttempts, alloc.WithAllocators, ...).
func WithEngineOptions(opts ...alloc.Option) ServerOption {
	return func(o *serverOptions) { o.engineOpts = append(o.engineOpts, opts...) }
}

// NameInfo is what a NameHandler learns about a request before the
// allocation engine runs.
type NameInfo struct {
	// Subnet is the subnet selected for the request.
	Subnet *cfgmgr.Subnet6
	// Host is the client's reservation in that subnet (or global), or nil.
	Host *hostmgr.Host
	// Hostname is the name the server would store without a handler: the
	// reservation's hostname, else "".
	Hostname string
	// Fake is true for a SOLICIT without rapid commit: nothing will be
	// committed.
	Fake bool
	// Classes are the client classes of the request.
	Classes []string
}

// NameHandler decides the client's name and the DNS update flags stored in
// its leases (Kea's processClientFqdn: the client FQDN option 39, RFC
// 4704). Adjust6 is called for SOLICIT, REQUEST, RENEW and REBIND before the
// allocation engine; it may add option 39 to reply (the server sends it
// whatever the option request option says). It returns the forward and
// reverse DNS update flags and the hostname the leases get.
//
// Adjust6 is called from many goroutines at once and must not modify req.
// The DDNS support (package d2client) provides an implementation; without
// one the server stores NameInfo.Hostname with both flags false and
// answers nothing to option 39.
type NameHandler interface {
	Adjust6(ctx context.Context, req, reply *dhcpv6.Message, info NameInfo) (fwd, rev bool, hostname string)
}

// LeaseEventKind tells what happened to a lease.
type LeaseEventKind uint8

// Lease event kinds.
const (
	LeaseAdd     LeaseEventKind = iota + 1 // a client got a new address or prefix (REPLY)
	LeaseRenew                             // a client's lease was extended (RENEW, REBIND)
	LeaseRelease                           // RELEASE
	LeaseExpire                            // reclamation of an expired lease
	LeaseDecline                           // DECLINE
	LeaseRemove                            // the server took back a lease no longer valid for the client (sent with zero lifetimes)
)

var leaseEventNames = [...]string{"", "add", "renew", "release", "expire", "decline", "remove"}

// String returns "add", "renew", "release", "expire", "decline" or
// "remove".
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
	// Old is the lease before the change (the lease as it was on renew,
	// release, decline, expire and remove), or nil. On renew it is set
	// only when a LeaseObserver is installed (the server reads it before
	// the engine runs).
	Old *leasemgr.Lease6
	// New is the lease after the change (nil on release, expire and
	// remove).
	New *leasemgr.Lease6
	// Reused is true when the lease reuse cache answered a renewal: the
	// lease was not written and DNS need not be updated.
	Reused bool
	// Subnet is the lease's subnet in the configuration the request was
	// handled with; nil for expirations.
	Subnet *cfgmgr.Subnet6
}

// LeaseObserver is told about lease changes after they are stored: the
// hook for DNS updates (Kea queues NCRs at these points). OnLease6 runs
// synchronously on the request's goroutine (or the reclamation's, for
// LeaseExpire), from many goroutines at once; it must not block for long
// and must not modify the leases.
type LeaseObserver interface {
	OnLease6(ctx context.Context, ev LeaseEvent)
}
