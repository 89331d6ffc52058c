package cfgmgr

import (
	"net/netip"
	"sort"
	"time"

	"github.com/dhcpsrv/dhcpsrv/hostmgr"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// SubnetID identifies a subnet (Kea's SubnetID, a uint32).
type SubnetID = hostmgr.SubnetID

// Subnet id limits, as in Kea.
const (
	// SubnetIDMax is the largest id a configured subnet may have.
	SubnetIDMax SubnetID = 0xfffffffe
)

// Triplet is a lifetime with its bounds (Kea's Triplet<uint32_t>): the value
// the server uses by default and the range a client's request is clamped to.
type Triplet struct {
	Min, Default, Max uint32
}

// Clamp returns v limited to [t.Min, t.Max].
func (t Triplet) Clamp(v uint32) uint32 {
	if v < t.Min {
		return t.Min
	}
	if v > t.Max {
		return t.Max
	}
	return v
}

// Params holds the inheritable parameters of one level (global, shared
// network or subnet) exactly as configured there: a nil pointer or nil slice
// means "not set at this level". The effective value of a parameter is found
// by the methods of Scope, which look at the subnet, then its shared
// network, then the globals, then Kea's default.
//
// The kea tag names the JSON key; "v4"/"v6" restrict a key to one family
// and "net" to shared networks and subnets.
type Params struct {
	ValidLifetime        *uint32 `kea:"valid-lifetime"`
	MinValidLifetime     *uint32 `kea:"min-valid-lifetime"`
	MaxValidLifetime     *uint32 `kea:"max-valid-lifetime"`
	PreferredLifetime    *uint32 `kea:"preferred-lifetime,v6"`
	MinPreferredLifetime *uint32 `kea:"min-preferred-lifetime,v6"`
	MaxPreferredLifetime *uint32 `kea:"max-preferred-lifetime,v6"`
	OfferLifetime        *uint32 `kea:"offer-lifetime,v4"`

	RenewTimer        *uint32  `kea:"renew-timer"`
	RebindTimer       *uint32  `kea:"rebind-timer"`
	CalculateTeeTimes *bool    `kea:"calculate-tee-times"`
	T1Percent         *float64 `kea:"t1-percent"`
	T2Percent         *float64 `kea:"t2-percent"`

	MatchClientID  *bool       `kea:"match-client-id,v4"`
	Authoritative  *bool       `kea:"authoritative,v4"`
	NextServer     *netip.Addr `kea:"next-server,v4,ip4"`
	ServerHostname *string     `kea:"server-hostname,v4"`
	BootFileName   *string     `kea:"boot-file-name,v4"`

	ReservationsGlobal    *bool `kea:"reservations-global"`
	ReservationsInSubnet  *bool `kea:"reservations-in-subnet"`
	ReservationsOutOfPool *bool `kea:"reservations-out-of-pool"`

	CacheThreshold *float64 `kea:"cache-threshold"`
	CacheMaxAge    *uint32  `kea:"cache-max-age"`
	// Allocator and PDAllocator name the allocator of a subnet's address
	// and prefix pools: Kea's "iterative", "random" and "flq", and this
	// SDK's "hashed" (see package alloc). Kea rejects "hashed".
	Allocator         *string `kea:"allocator,oneof=iterative|random|flq|hashed"`
	PDAllocator       *string `kea:"pd-allocator,v6,oneof=iterative|random|flq|hashed"`
	StoreExtendedInfo *bool   `kea:"store-extended-info"`

	DDNSSendUpdates            *bool    `kea:"ddns-send-updates"`
	DDNSOverrideNoUpdate       *bool    `kea:"ddns-override-no-update"`
	DDNSOverrideClientUpdate   *bool    `kea:"ddns-override-client-update"`
	DDNSReplaceClientName      *string  `kea:"ddns-replace-client-name,oneof=never|always|when-present|when-not-present"`
	DDNSGeneratedPrefix        *string  `kea:"ddns-generated-prefix"`
	DDNSQualifyingSuffix       *string  `kea:"ddns-qualifying-suffix"`
	DDNSUpdateOnRenew          *bool    `kea:"ddns-update-on-renew"`
	DDNSUseConflictResolution  *bool    `kea:"ddns-use-conflict-resolution"`
	DDNSConflictResolutionMode *string  `kea:"ddns-conflict-resolution-mode,oneof=check-with-dhcid|no-check-with-dhcid|check-exists-with-dhcid|no-check-without-dhcid"`
	DDNSTTLPercent             *float64 `kea:"ddns-ttl-percent"`
	DDNSTTL                    *uint32  `kea:"ddns-ttl"`
	DDNSTTLMin                 *uint32  `kea:"ddns-ttl-min"`
	DDNSTTLMax                 *uint32  `kea:"ddns-ttl-max"`
	HostnameCharSet            *string  `kea:"hostname-char-set"`
	HostnameCharReplacement    *string  `kea:"hostname-char-replacement"`

	Interface            *string  `kea:"interface,net"`
	InterfaceID          *string  `kea:"interface-id,v6,net"`
	RapidCommit          *bool    `kea:"rapid-commit,v6,net"`
	ClientClass          *string  `kea:"client-class,net"`
	RequireClientClasses []string `kea:"require-client-classes,net"`
	// RelayAddresses is "relay": {"ip-addresses": [...]} (Kea 2.2 also
	// accepts "ip-address"); nil when not configured at this level.
	RelayAddresses []netip.Addr `kea:"-"`
}

// Globals holds the global parameters as configured (nil = not set). The
// inheritable ones are in Params; the methods of Config give effective
// values of the global-only ones.
type Globals struct {
	Params Params `kea:",inline"`

	DeclineProbationPeriod        *uint32  `kea:"decline-probation-period"`
	EchoClientID                  *bool    `kea:"echo-client-id,v4"`
	DHCP4o6Port                   *uint16  `kea:"dhcp4o6-port"`
	ServerTag                     *string  `kea:"server-tag"`
	EarlyGlobalReservationsLookup *bool    `kea:"early-global-reservations-lookup"`
	IPReservationsUnique          *bool    `kea:"ip-reservations-unique"`
	ReservationsLookupFirst       *bool    `kea:"reservations-lookup-first"`
	StatisticDefaultSampleCount   *uint32  `kea:"statistic-default-sample-count"`
	StatisticDefaultSampleAge     *uint32  `kea:"statistic-default-sample-age"`
	ParkedPacketLimit             *uint32  `kea:"parked-packet-limit"`
	DataDirectory                 *string  `kea:"data-directory"`
	HostReservationIdentifiers    []string `kea:"host-reservation-identifiers"`
	MACSources                    []string `kea:"mac-sources,v6"`
	RelaySuppliedOptions          []string `kea:"relay-supplied-options,v6"`
}

// Config is one whole server configuration: the Dhcp4 or Dhcp6 map of a Kea
// configuration file, parsed and validated (Kea's SrvConfig).
//
// A Config returned by Parse may be changed by its owner until it is handed
// to Manager.Stage; once committed it is immutable and safe for concurrent
// readers without locking. Code that builds or edits a Config by hand calls
// Validate before use, which also links subnets to their shared network and
// to the globals for inheritance.
type Config struct {
	// Family is option.V4 for a Dhcp4 config and option.V6 for Dhcp6.
	Family option.Universe

	Globals Globals

	Interfaces     InterfacesConfig
	LeaseDatabase  *Database   // nil: not configured (memfile with defaults)
	HostsDatabases []*Database // hosts-database / hosts-databases, in order
	// HostsDatabasesSingle records that the config used the singular
	// "hosts-database" key, so marshalling writes it back the same way.
	HostsDatabasesSingle bool

	ExpiredLeases  ExpiredLeasesProcessing
	DHCPDDNS       DDNSConfig
	MultiThreading MultiThreading
	QueueControl   QueueControl
	SanityChecks   SanityChecks
	Compatibility  Compatibility
	ServerID       ServerID       // v6 only
	ControlSocket  *ControlSocket // nil when not configured

	Subnets4        []*Subnet4 // sorted by ID, including those in shared networks
	Subnets6        []*Subnet6 // sorted by ID, including those in shared networks
	SharedNetworks4 []*SharedNetwork4
	SharedNetworks6 []*SharedNetwork6

	ClientClasses []*ClientClass
	// OptionDefs are the custom option definitions ("option-def").
	OptionDefs []option.Definition
	// Options are the global option-data.
	Options []option.Data
	// Reservations are the global host reservations (subnet id 0).
	Reservations []*hostmgr.Host

	// Unsupported keeps, by key, the sections a Go SDK cannot honour
	// (hooks-libraries, loggers, config-control, ...), so marshalling writes
	// them back. Parse reports each with a Warning.
	Unsupported map[string]any

	UserContext map[string]any

	// Sequence and CommitTime are set by Manager.Commit.
	Sequence   uint64
	CommitTime time.Time

	defs        *option.DefSet
	subnet4ByID map[SubnetID]*Subnet4
	subnet6ByID map[SubnetID]*Subnet6
}

// InterfacesConfig is "interfaces-config".
type InterfacesConfig struct {
	// Interfaces lists "eth0", "eth0/192.0.2.1" (v4: that address only),
	// "eth0/2001:db8::1" (v6: unicast) or "*".
	Interfaces                  []string `kea:"interfaces"`
	DHCPSocketType              string   `kea:"dhcp-socket-type,v4,default=raw,oneof=raw|udp"`
	OutboundInterface           string   `kea:"outbound-interface,v4,default=same-as-inbound,oneof=same-as-inbound|use-routing"`
	ReDetect                    bool     `kea:"re-detect,default=true"`
	ServiceSocketsRequireAll    bool     `kea:"service-sockets-require-all"`
	ServiceSocketsMaxRetries    uint32   `kea:"service-sockets-max-retries"`
	ServiceSocketsRetryWaitTime uint32   `kea:"service-sockets-retry-wait-time,default=5000"`
	UserContext                 map[string]any
}

// Database is a "lease-database" or a "hosts-database(s)" entry. The typed
// fields hold the common keys with Kea's defaults; Raw holds every key as
// configured, so a backend can read keys of its own.
type Database struct {
	Type              string `kea:"type,oneof=memfile|mysql|postgresql|cql"`
	Name              string `kea:"name"`
	Persist           bool   `kea:"persist,default=true"`
	LFCInterval       uint32 `kea:"lfc-interval,default=3600"`
	MaxRowErrors      uint32 `kea:"max-row-errors"`
	Host              string `kea:"host"`
	Port              uint16 `kea:"port"`
	User              string `kea:"user"`
	Password          string `kea:"password"`
	ConnectTimeout    uint32 `kea:"connect-timeout"`
	ReadTimeout       uint32 `kea:"read-timeout"`
	WriteTimeout      uint32 `kea:"write-timeout"`
	TCPUserTimeout    uint32 `kea:"tcp-user-timeout"`
	ReconnectWaitTime uint32 `kea:"reconnect-wait-time,default=0"`
	MaxReconnectTries uint32 `kea:"max-reconnect-tries"`
	OnFail            string `kea:"on-fail,default=stop-retry-exit,oneof=stop-retry-exit|serve-retry-exit|serve-retry-continue"`
	RetryOnStartup    bool   `kea:"retry-on-startup"`
	ReadOnly          bool   `kea:"readonly"`
	TrustAnchor       string `kea:"trust-anchor"`
	CertFile          string `kea:"cert-file"`
	KeyFile           string `kea:"key-file"`
	CipherList        string `kea:"cipher-list"`
	// Kea's CQL keys (contact-points, keyspace, ...) are accepted into Raw.
	Raw map[string]any
}

// ExpiredLeasesProcessing is "expired-leases-processing" (Kea's
// CfgExpiration), all values in seconds except MaxReclaimTime (ms).
type ExpiredLeasesProcessing struct {
	ReclaimTimerWaitTime        uint32 `kea:"reclaim-timer-wait-time,default=10,max=65535"`
	FlushReclaimedTimerWaitTime uint32 `kea:"flush-reclaimed-timer-wait-time,default=25,max=65535"`
	HoldReclaimedTime           uint32 `kea:"hold-reclaimed-time,default=3600"`
	MaxReclaimLeases            uint32 `kea:"max-reclaim-leases,default=100"`
	MaxReclaimTime              uint32 `kea:"max-reclaim-time,default=250,max=10000"`
	UnwarnedReclaimCycles       uint32 `kea:"unwarned-reclaim-cycles,default=5"`
	UserContext                 map[string]any
}

// DDNSConfig is the "dhcp-ddns" map (Kea's D2ClientConfig). Kea 2.2's
// name-handling keys inside it are moved to the ddns-* globals by Parse.
type DDNSConfig struct {
	EnableUpdates bool       `kea:"enable-updates"`
	ServerIP      netip.Addr `kea:"server-ip,default=127.0.0.1"`
	ServerPort    uint16     `kea:"server-port,default=53001"`
	// SenderIP is the zero Addr when not configured (then 0.0.0.0 or ::
	// by the family of ServerIP).
	SenderIP     netip.Addr `kea:"sender-ip"`
	SenderPort   uint16     `kea:"sender-port"`
	MaxQueueSize uint32     `kea:"max-queue-size,default=1024"`
	NCRProtocol  string     `kea:"ncr-protocol,default=UDP,oneof=UDP|TCP"`
	NCRFormat    string     `kea:"ncr-format,default=JSON,oneof=JSON"`
	UserContext  map[string]any
}

// MultiThreading is "multi-threading". Defaults follow current Kea
// (enabled since 2.3.5; Kea 2.2 defaulted to false).
type MultiThreading struct {
	EnableMultiThreading bool   `kea:"enable-multi-threading,default=true"`
	ThreadPoolSize       uint32 `kea:"thread-pool-size"`
	PacketQueueSize      uint32 `kea:"packet-queue-size,default=64"`
}

// QueueControl is "dhcp-queue-control". Keys other than the three typed
// ones are kept in Extra (Kea passes them to the queue implementation).
type QueueControl struct {
	EnableQueue bool   `kea:"enable-queue"`
	QueueType   string `kea:"queue-type,default4=kea-ring4,default6=kea-ring6"`
	Capacity    uint32 `kea:"capacity,default=64"`
	Extra       map[string]any
}

// SanityChecks is "sanity-checks" (Kea's CfgConsistency).
type SanityChecks struct {
	LeaseChecks        string `kea:"lease-checks,default=warn,oneof=none|warn|fix|fix-del|del"`
	ExtendedInfoChecks string `kea:"extended-info-checks,default=fix,oneof=none|fix|strict|pedantic"`
}

// Compatibility is "compatibility".
type Compatibility struct {
	LenientOptionParsing       bool `kea:"lenient-option-parsing"`
	IgnoreDHCPServerIdentifier bool `kea:"ignore-dhcp-server-identifier,v4"`
	IgnoreRAILinkSelection     bool `kea:"ignore-rai-link-selection,v4"`
	ExcludeFirstLast24         bool `kea:"exclude-first-last-24,v4"`
}

// ServerID is the v6 "server-id" map (Kea's CfgDUID).
type ServerID struct {
	Type         string `kea:"type,default=LLT,oneof=LLT|EN|LL"`
	Identifier   string `kea:"identifier"`
	Time         uint32 `kea:"time"`
	HType        uint16 `kea:"htype"`
	EnterpriseID uint32 `kea:"enterprise-id"`
	Persist      bool   `kea:"persist,default=true"`
	UserContext  map[string]any
}

// ControlSocket is "control-socket".
type ControlSocket struct {
	SocketType  string `kea:"socket-type,oneof=unix"`
	SocketName  string `kea:"socket-name"`
	UserContext map[string]any
}

// Subnet4 is one "subnet4" entry.
type Subnet4 struct {
	ID     SubnetID
	Prefix netip.Prefix
	// Params are the inheritable parameters set on this subnet; use the
	// methods of the embedded Scope for effective values.
	Params Params
	Scope

	Pools        []*Pool4
	Options      []option.Data
	Reservations []*hostmgr.Host

	// DHCPv4-over-DHCPv6 selectors ("4o6-subnet", "4o6-interface",
	// "4o6-interface-id"); zero when not configured.
	Subnet4o6      netip.Prefix
	Interface4o6   string
	InterfaceID4o6 string

	UserContext map[string]any

	// Network is the shared network the subnet belongs to, or nil.
	Network *SharedNetwork4
}

// Subnet6 is one "subnet6" entry.
type Subnet6 struct {
	ID     SubnetID
	Prefix netip.Prefix
	// Params are the inheritable parameters set on this subnet; use the
	// methods of the embedded Scope for effective values.
	Params Params
	Scope

	Pools        []*Pool6
	PDPools      []*PDPool
	Options      []option.Data
	Reservations []*hostmgr.Host

	UserContext map[string]any

	// Network is the shared network the subnet belongs to, or nil.
	Network *SharedNetwork6
}

// SharedNetwork4 is one v4 "shared-networks" entry.
type SharedNetwork4 struct {
	Name   string
	Params Params
	Scope
	Options     []option.Data
	Subnets     []*Subnet4 // in configuration order
	UserContext map[string]any
}

// SharedNetwork6 is one v6 "shared-networks" entry.
type SharedNetwork6 struct {
	Name   string
	Params Params
	Scope
	Options     []option.Data
	Subnets     []*Subnet6 // in configuration order
	UserContext map[string]any
}

// PoolCommon holds what v4 and v6 address pools and pd-pools share.
type PoolCommon struct {
	// ID is "pool-id" (0 when not configured).
	ID                   uint32
	ClientClass          string
	RequireClientClasses []string
	Options              []option.Data
	UserContext          map[string]any
}

// Pool4 is an address range of a v4 subnet (both ends included).
type Pool4 struct {
	First, Last netip.Addr
	PoolCommon
}

// Pool6 is an address range of a v6 subnet (both ends included).
type Pool6 struct {
	First, Last netip.Addr
	PoolCommon
}

// PDPool is a prefix delegation pool: prefixes of length DelegatedLen carved
// out of Prefix, minus Excluded (RFC 6603) if valid.
type PDPool struct {
	Prefix       netip.Prefix
	DelegatedLen int
	Excluded     netip.Prefix
	PoolCommon
}

// ClientClass is one "client-classes" definition (Kea's ClientClassDef).
type ClientClass struct {
	Name string
	// Test is the classification expression as written; evaluating it is
	// the job of the servers.
	Test           string
	OnlyIfRequired bool
	OptionDefs     []option.Definition // v4 only
	Options        []option.Data
	NextServer     netip.Addr // zero when not configured (v4)
	ServerHostname string     // v4
	BootFileName   string     // v4
	Lifetimes      ClassLifetimes
	UserContext    map[string]any
}

// ClassLifetimes are the lifetimes a client class may set (nil = not set).
type ClassLifetimes struct {
	Valid        *uint32 `kea:"valid-lifetime"`
	MinValid     *uint32 `kea:"min-valid-lifetime"`
	MaxValid     *uint32 `kea:"max-valid-lifetime"`
	Preferred    *uint32 `kea:"preferred-lifetime,v6"`
	MinPreferred *uint32 `kea:"min-preferred-lifetime,v6"`
	MaxPreferred *uint32 `kea:"max-preferred-lifetime,v6"`
	Offer        *uint32 `kea:"offer-lifetime,v4"`
}

// ValidLifetime returns the class's valid lifetime, if it sets one.
func (c *ClientClass) ValidLifetime() (Triplet, bool) {
	return makeTriplet(c.Lifetimes.Valid, c.Lifetimes.MinValid, c.Lifetimes.MaxValid)
}

// PreferredLifetime returns the class's preferred lifetime, if it sets one.
func (c *ClientClass) PreferredLifetime() (Triplet, bool) {
	return makeTriplet(c.Lifetimes.Preferred, c.Lifetimes.MinPreferred, c.Lifetimes.MaxPreferred)
}

// Subnet4 returns the v4 subnet with the given id, or nil.
func (c *Config) Subnet4(id SubnetID) *Subnet4 {
	if c.subnet4ByID != nil {
		return c.subnet4ByID[id]
	}
	i := sort.Search(len(c.Subnets4), func(i int) bool { return c.Subnets4[i].ID >= id })
	if i < len(c.Subnets4) && c.Subnets4[i].ID == id {
		return c.Subnets4[i]
	}
	return nil
}

// Subnet6 returns the v6 subnet with the given id, or nil.
func (c *Config) Subnet6(id SubnetID) *Subnet6 {
	if c.subnet6ByID != nil {
		return c.subnet6ByID[id]
	}
	i := sort.Search(len(c.Subnets6), func(i int) bool { return c.Subnets6[i].ID >= id })
	if i < len(c.Subnets6) && c.Subnets6[i].ID == id {
		return c.Subnets6[i]
	}
	return nil
}

// SharedNetwork4 returns the v4 shared network with the given name, or nil.
func (c *Config) SharedNetwork4(name string) *SharedNetwork4 {
	for _, n := range c.SharedNetworks4 {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// SharedNetwork6 returns the v6 shared network with the given name, or nil.
func (c *Config) SharedNetwork6(name string) *SharedNetwork6 {
	for _, n := range c.SharedNetworks6 {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// ClientClass returns the client class with the given name, or nil.
func (c *Config) ClientClass(name string) *ClientClass {
	for _, cc := range c.ClientClasses {
		if cc.Name == name {
			return cc
		}
	}
	return nil
}

// AllHosts returns every reservation of the config: the global ones first,
// then those of each subnet in ascending subnet id. The hosts are shared
// with the config and must not be modified.
func (c *Config) AllHosts() []*hostmgr.Host {
	n := len(c.Reservations)
	for _, s := range c.Subnets4 {
		n += len(s.Reservations)
	}
	for _, s := range c.Subnets6 {
		n += len(s.Reservations)
	}
	out := make([]*hostmgr.Host, 0, n)
	out = append(out, c.Reservations...)
	for _, s := range c.Subnets4 {
		out = append(out, s.Reservations...)
	}
	for _, s := range c.Subnets6 {
		out = append(out, s.Reservations...)
	}
	return out
}

// Warning is something Parse accepted but will not honour, or a deprecated
// form it converted: the JSON path and a message.
type Warning struct {
	Path    string
	Message string
}

func (w Warning) String() string { return w.Path + ": " + w.Message }
