package option

import "sync"

// Names of the standard option spaces besides dhcp4 and dhcp6.
const (
	// SpaceAgent holds the sub-options of the v4 Relay Agent Information
	// option 82 (dhcp-agent-options).
	SpaceAgent = "dhcp-agent-options-space"
	// SpaceVendorEncapsulated holds the sub-options of the v4
	// Vendor-Specific Information option 43 (vendor-encapsulated-options);
	// it has no standard definitions.
	SpaceVendorEncapsulated = "vendor-encapsulated-options-space"
	// SpaceDOCSIS is the vendor space of CableLabs (enterprise 4491), in v4
	// and in v6.
	SpaceDOCSIS = "vendor-4491"
	// SpaceDOCSIS4 and SpaceDOCSIS6 are Kea's other names of the DOCSIS
	// definitions: Kea accepts option-data in "docsis3-v4"/"docsis3-v6" as
	// well as in "vendor-4491" (its all-options.json examples use them).
	SpaceDOCSIS4 = "docsis3-v4"
	SpaceDOCSIS6 = "docsis3-v6"
	// SpaceISC is the vendor space of ISC (enterprise 2495): the DHCPv4o6
	// sub-options 4o6-interface, 4o6-source-address and 4o6-source-port.
	SpaceISC = "vendor-2495"
	// SpaceRSOO holds the sub-options of the v6 rsoo option (66).
	SpaceRSOO = "rsoo-opts"
	// The softwire (RFC 7598) container and nested spaces of DHCPv6.
	SpaceS46MAPE     = "s46-cont-mape-options"
	SpaceS46MAPT     = "s46-cont-mapt-options"
	SpaceS46LW       = "s46-cont-lw-options"
	SpaceS46Rule     = "s46-rule-options"
	SpaceS46V4V6Bind = "s46-v4v6bind-options"
)

// Short names for the table below.
const (
	tEmpty  = TypeEmpty
	tBin    = TypeBinary
	tBool   = TypeBoolean
	tI32    = TypeInt32
	tU8     = TypeUint8
	tU16    = TypeUint16
	tU32    = TypeUint32
	tV4     = TypeIPv4Address
	tV6     = TypeIPv6Address
	tPrefix = TypeIPv6Prefix
	tPSID   = TypePSID
	tStr    = TypeString
	tFQDN   = TypeFQDN
	tTuple  = TypeTuple
	tRec    = TypeRecord
)

// stdDef is one row of the tables: a definition plus whether a custom
// option-def may replace it: Kea's "last resort" definition of v4 option
// 43, the RAI sub-options (which Kea 2.2 does not define) and the DOCSIS
// vendor options (which Kea lets an option-def redefine).
type stdDef struct {
	Definition
	overridable bool
}

func def(space string, code uint16, name string, t Type, array bool, encap string, rec ...Type) stdDef {
	return stdDef{Definition: Definition{Name: name, Code: code, Space: space, Type: t, Array: array, RecordTypes: rec, Encapsulate: encap}}
}

func overridable(d stdDef) stdDef { d.overridable = true; return d }

const (
	arr = true
	one = false
)

// stdV4 holds the standard DHCPv4 definitions, as Kea 2.2 names them
// (std_option_defs.h and docsis3_option_defs.h), checked against
// kea-dhcp4 2.2 (see kea_test.go).
var stdV4 = []stdDef{
	def(SpaceDHCP4, 1, "subnet-mask", tV4, one, ""),
	def(SpaceDHCP4, 2, "time-offset", tI32, one, ""),
	def(SpaceDHCP4, 3, "routers", tV4, arr, ""),
	def(SpaceDHCP4, 4, "time-servers", tV4, arr, ""),
	def(SpaceDHCP4, 5, "name-servers", tV4, arr, ""),
	def(SpaceDHCP4, 6, "domain-name-servers", tV4, arr, ""),
	def(SpaceDHCP4, 7, "log-servers", tV4, arr, ""),
	def(SpaceDHCP4, 8, "cookie-servers", tV4, arr, ""),
	def(SpaceDHCP4, 9, "lpr-servers", tV4, arr, ""),
	def(SpaceDHCP4, 10, "impress-servers", tV4, arr, ""),
	def(SpaceDHCP4, 11, "resource-location-servers", tV4, arr, ""),
	def(SpaceDHCP4, 12, "host-name", tStr, one, ""),
	def(SpaceDHCP4, 13, "boot-size", tU16, one, ""),
	def(SpaceDHCP4, 14, "merit-dump", tStr, one, ""),
	def(SpaceDHCP4, 15, "domain-name", tStr, one, ""), // a plain string (RFC 2132), as Kea 2.x
	def(SpaceDHCP4, 16, "swap-server", tV4, one, ""),
	def(SpaceDHCP4, 17, "root-path", tStr, one, ""),
	def(SpaceDHCP4, 18, "extensions-path", tStr, one, ""),
	def(SpaceDHCP4, 19, "ip-forwarding", tBool, one, ""),
	def(SpaceDHCP4, 20, "non-local-source-routing", tBool, one, ""),
	def(SpaceDHCP4, 21, "policy-filter", tV4, arr, ""),
	def(SpaceDHCP4, 22, "max-dgram-reassembly", tU16, one, ""),
	def(SpaceDHCP4, 23, "default-ip-ttl", tU8, one, ""),
	def(SpaceDHCP4, 24, "path-mtu-aging-timeout", tU32, one, ""),
	def(SpaceDHCP4, 25, "path-mtu-plateau-table", tU16, arr, ""),
	def(SpaceDHCP4, 26, "interface-mtu", tU16, one, ""),
	def(SpaceDHCP4, 27, "all-subnets-local", tBool, one, ""),
	def(SpaceDHCP4, 28, "broadcast-address", tV4, one, ""),
	def(SpaceDHCP4, 29, "perform-mask-discovery", tBool, one, ""),
	def(SpaceDHCP4, 30, "mask-supplier", tBool, one, ""),
	def(SpaceDHCP4, 31, "router-discovery", tBool, one, ""),
	def(SpaceDHCP4, 32, "router-solicitation-address", tV4, one, ""),
	def(SpaceDHCP4, 33, "static-routes", tV4, arr, ""),
	def(SpaceDHCP4, 34, "trailer-encapsulation", tBool, one, ""),
	def(SpaceDHCP4, 35, "arp-cache-timeout", tU32, one, ""),
	def(SpaceDHCP4, 36, "ieee802-3-encapsulation", tBool, one, ""),
	def(SpaceDHCP4, 37, "default-tcp-ttl", tU8, one, ""),
	def(SpaceDHCP4, 38, "tcp-keepalive-interval", tU32, one, ""),
	def(SpaceDHCP4, 39, "tcp-keepalive-garbage", tBool, one, ""),
	def(SpaceDHCP4, 40, "nis-domain", tStr, one, ""),
	def(SpaceDHCP4, 41, "nis-servers", tV4, arr, ""),
	def(SpaceDHCP4, 42, "ntp-servers", tV4, arr, ""),
	// Kea's last-resort definition: an option-def (global or in a client
	// class) may redefine option 43, e.g. as binary or with another space.
	overridable(def(SpaceDHCP4, 43, "vendor-encapsulated-options", tEmpty, one, SpaceVendorEncapsulated)),
	def(SpaceDHCP4, 44, "netbios-name-servers", tV4, arr, ""),
	def(SpaceDHCP4, 45, "netbios-dd-server", tV4, arr, ""),
	def(SpaceDHCP4, 46, "netbios-node-type", tU8, one, ""),
	def(SpaceDHCP4, 47, "netbios-scope", tStr, one, ""),
	def(SpaceDHCP4, 48, "font-servers", tV4, arr, ""),
	def(SpaceDHCP4, 49, "x-display-manager", tV4, arr, ""),
	def(SpaceDHCP4, 50, "dhcp-requested-address", tV4, one, ""),
	def(SpaceDHCP4, 51, "dhcp-lease-time", tU32, one, ""),
	def(SpaceDHCP4, 52, "dhcp-option-overload", tU8, one, ""),
	def(SpaceDHCP4, 53, "dhcp-message-type", tU8, one, ""),
	def(SpaceDHCP4, 54, "dhcp-server-identifier", tV4, one, ""),
	def(SpaceDHCP4, 55, "dhcp-parameter-request-list", tU8, arr, ""),
	def(SpaceDHCP4, 56, "dhcp-message", tStr, one, ""),
	def(SpaceDHCP4, 57, "dhcp-max-message-size", tU16, one, ""),
	def(SpaceDHCP4, 58, "dhcp-renewal-time", tU32, one, ""),
	def(SpaceDHCP4, 59, "dhcp-rebinding-time", tU32, one, ""),
	def(SpaceDHCP4, 60, "vendor-class-identifier", tStr, one, ""),
	def(SpaceDHCP4, 61, "dhcp-client-identifier", tBin, one, ""),
	def(SpaceDHCP4, 62, "nwip-domain-name", tStr, one, ""),
	def(SpaceDHCP4, 63, "nwip-suboptions", tBin, one, ""),
	def(SpaceDHCP4, 64, "nisplus-domain-name", tStr, one, ""),
	def(SpaceDHCP4, 65, "nisplus-servers", tV4, arr, ""),
	def(SpaceDHCP4, 66, "tftp-server-name", tStr, one, ""),
	def(SpaceDHCP4, 67, "boot-file-name", tStr, one, ""),
	def(SpaceDHCP4, 68, "mobile-ip-home-agent", tV4, arr, ""),
	def(SpaceDHCP4, 69, "smtp-server", tV4, arr, ""),
	def(SpaceDHCP4, 70, "pop-server", tV4, arr, ""),
	def(SpaceDHCP4, 71, "nntp-server", tV4, arr, ""),
	def(SpaceDHCP4, 72, "www-server", tV4, arr, ""),
	def(SpaceDHCP4, 73, "finger-server", tV4, arr, ""),
	def(SpaceDHCP4, 74, "irc-server", tV4, arr, ""),
	def(SpaceDHCP4, 75, "streettalk-server", tV4, arr, ""),
	def(SpaceDHCP4, 76, "streettalk-directory-assistance-server", tV4, arr, ""),
	def(SpaceDHCP4, 77, "user-class", tBin, one, ""),
	def(SpaceDHCP4, 78, "slp-directory-agent", tRec, arr, "", tBool, tV4),
	def(SpaceDHCP4, 79, "slp-service-scope", tRec, one, "", tBool, tStr),
	def(SpaceDHCP4, 81, "fqdn", tRec, one, "", tU8, tU8, tU8, tFQDN),
	def(SpaceDHCP4, 82, "dhcp-agent-options", tEmpty, one, SpaceAgent),
	def(SpaceDHCP4, 85, "nds-servers", tV4, arr, ""),
	def(SpaceDHCP4, 86, "nds-tree-name", tStr, one, ""),
	def(SpaceDHCP4, 87, "nds-context", tStr, one, ""),
	def(SpaceDHCP4, 88, "bcms-controller-names", tFQDN, arr, ""),
	def(SpaceDHCP4, 89, "bcms-controller-address", tV4, arr, ""),
	def(SpaceDHCP4, 90, "authenticate", tBin, one, ""),
	def(SpaceDHCP4, 91, "client-last-transaction-time", tU32, one, ""),
	def(SpaceDHCP4, 92, "associated-ip", tV4, arr, ""),
	def(SpaceDHCP4, 93, "client-system", tU16, arr, ""),
	def(SpaceDHCP4, 94, "client-ndi", tRec, one, "", tU8, tU8, tU8),
	def(SpaceDHCP4, 97, "uuid-guid", tRec, one, "", tU8, tBin),
	def(SpaceDHCP4, 98, "uap-servers", tStr, one, ""),
	def(SpaceDHCP4, 99, "geoconf-civic", tBin, one, ""),
	def(SpaceDHCP4, 100, "pcode", tStr, one, ""),
	def(SpaceDHCP4, 101, "tcode", tStr, one, ""),
	def(SpaceDHCP4, 108, "v6-only-preferred", tU32, one, ""),
	def(SpaceDHCP4, 112, "netinfo-server-address", tV4, arr, ""),
	def(SpaceDHCP4, 113, "netinfo-server-tag", tStr, one, ""),
	def(SpaceDHCP4, 114, "v4-captive-portal", tStr, one, ""),
	def(SpaceDHCP4, 116, "auto-config", tU8, one, ""),
	def(SpaceDHCP4, 117, "name-service-search", tU16, arr, ""),
	def(SpaceDHCP4, 118, "subnet-selection", tV4, one, ""),
	def(SpaceDHCP4, 119, "domain-search", tFQDN, arr, ""),
	// Enterprise number, then the vendor class tuples (RFC 3925) in hex.
	def(SpaceDHCP4, 124, "vivco-suboptions", tRec, one, "", tU32, tBin),
	// Enterprise number; sub-options in space "vendor-<enterprise>".
	def(SpaceDHCP4, 125, "vivso-suboptions", tU32, one, ""),
	def(SpaceDHCP4, 136, "pana-agent", tV4, arr, ""),
	def(SpaceDHCP4, 137, "v4-lost", tFQDN, one, ""),
	def(SpaceDHCP4, 138, "capwap-ac-v4", tV4, arr, ""),
	def(SpaceDHCP4, 141, "sip-ua-cs-domains", tFQDN, arr, ""),
	def(SpaceDHCP4, 146, "rdnss-selection", tRec, arr, "", tU8, tV4, tV4, tFQDN),
	def(SpaceDHCP4, 159, "v4-portparams", tRec, one, "", tU8, tPSID),
	def(SpaceDHCP4, 212, "option-6rd", tRec, arr, "", tU8, tU8, tV6, tV4),
	def(SpaceDHCP4, 213, "v4-access-domain", tFQDN, one, ""),

	// Relay Agent Information sub-options (RFC 3046 and later). Kea 2.2
	// has no definitions in this space (later Kea releases do, with these
	// names); they are overridable so that a Kea 2.2 configuration which
	// defines them itself still loads.
	overridable(def(SpaceAgent, 1, "circuit-id", tBin, one, "")),
	overridable(def(SpaceAgent, 2, "remote-id", tBin, one, "")),
	overridable(def(SpaceAgent, 4, "docsis-device-class", tU32, one, "")),
	overridable(def(SpaceAgent, 5, "link-selection", tV4, one, "")),
	overridable(def(SpaceAgent, 6, "subscriber-id", tBin, one, "")),
	overridable(def(SpaceAgent, 7, "radius", tBin, one, "")),
	overridable(def(SpaceAgent, 8, "auth", tBin, one, "")),
	overridable(def(SpaceAgent, 9, "vendor-specific-info", tBin, one, "")),
	overridable(def(SpaceAgent, 10, "relay-flags", tBin, one, "")),
	overridable(def(SpaceAgent, 11, "server-id-override", tV4, one, "")),
	overridable(def(SpaceAgent, 12, "relay-id", tBin, one, "")),
	overridable(def(SpaceAgent, 13, "access-techno-type", tU16, one, "")),
	overridable(def(SpaceAgent, 14, "access-network-name", tBin, one, "")),
	overridable(def(SpaceAgent, 15, "access-point-name", tBin, one, "")),
	overridable(def(SpaceAgent, 16, "access-point-bssid", tBin, one, "")),
	overridable(def(SpaceAgent, 17, "operator-id", tU32, one, "")),
	overridable(def(SpaceAgent, 18, "operator-realm", tBin, one, "")),
	overridable(def(SpaceAgent, 19, "relay-port", tU16, one, "")),
	overridable(def(SpaceAgent, 151, "virtual-subnet-select", tBin, one, "")),
	overridable(def(SpaceAgent, 152, "virtual-subnet-select-ctrl", tBin, one, "")),

	// CableLabs DOCSIS 3 (enterprise 4491), carried in vivso-suboptions.
	overridable(def(SpaceDOCSIS, 1, "oro", tU8, arr, "")),
	overridable(def(SpaceDOCSIS, 2, "tftp-servers", tV4, arr, "")),
}

// stdV6 holds the standard DHCPv6 definitions, as Kea 2.2 names them,
// checked against kea-dhcp6 2.2 (see kea_test.go).
var stdV6 = []stdDef{
	def(SpaceDHCP6, 1, "clientid", tBin, one, ""),
	def(SpaceDHCP6, 2, "serverid", tBin, one, ""),
	def(SpaceDHCP6, 3, "ia-na", tRec, one, SpaceDHCP6, tU32, tU32, tU32),
	def(SpaceDHCP6, 4, "ia-ta", tU32, one, SpaceDHCP6),
	def(SpaceDHCP6, 5, "iaaddr", tRec, one, SpaceDHCP6, tV6, tU32, tU32),
	def(SpaceDHCP6, 6, "oro", tU16, arr, ""),
	def(SpaceDHCP6, 7, "preference", tU8, one, ""),
	def(SpaceDHCP6, 8, "elapsed-time", tU16, one, ""),
	def(SpaceDHCP6, 9, "relay-msg", tBin, one, ""),
	def(SpaceDHCP6, 11, "auth", tBin, one, ""),
	def(SpaceDHCP6, 12, "unicast", tV6, one, ""),
	def(SpaceDHCP6, 13, "status-code", tRec, one, "", tU16, tStr),
	def(SpaceDHCP6, 14, "rapid-commit", tEmpty, one, ""),
	def(SpaceDHCP6, 15, "user-class", tBin, one, ""),
	// Enterprise number, then the vendor class tuples (RFC 8415) in hex.
	def(SpaceDHCP6, 16, "vendor-class", tRec, one, "", tU32, tBin),
	// Enterprise number; sub-options in space "vendor-<enterprise>".
	def(SpaceDHCP6, 17, "vendor-opts", tU32, one, ""),
	def(SpaceDHCP6, 18, "interface-id", tBin, one, ""),
	def(SpaceDHCP6, 19, "reconf-msg", tU8, one, ""),
	def(SpaceDHCP6, 20, "reconf-accept", tEmpty, one, ""),
	def(SpaceDHCP6, 21, "sip-server-dns", tFQDN, arr, ""),
	def(SpaceDHCP6, 22, "sip-server-addr", tV6, arr, ""),
	def(SpaceDHCP6, 23, "dns-servers", tV6, arr, ""),
	def(SpaceDHCP6, 24, "domain-search", tFQDN, arr, ""),
	def(SpaceDHCP6, 25, "ia-pd", tRec, one, SpaceDHCP6, tU32, tU32, tU32),
	def(SpaceDHCP6, 26, "iaprefix", tRec, one, SpaceDHCP6, tU32, tU32, tU8, tV6),
	def(SpaceDHCP6, 27, "nis-servers", tV6, arr, ""),
	def(SpaceDHCP6, 28, "nisp-servers", tV6, arr, ""),
	def(SpaceDHCP6, 29, "nis-domain-name", tFQDN, arr, ""),
	def(SpaceDHCP6, 30, "nisp-domain-name", tFQDN, arr, ""),
	def(SpaceDHCP6, 31, "sntp-servers", tV6, arr, ""),
	def(SpaceDHCP6, 32, "information-refresh-time", tU32, one, ""),
	def(SpaceDHCP6, 33, "bcmcs-server-dns", tFQDN, arr, ""),
	def(SpaceDHCP6, 34, "bcmcs-server-addr", tV6, arr, ""),
	def(SpaceDHCP6, 36, "geoconf-civic", tRec, one, "", tU8, tU16, tBin),
	def(SpaceDHCP6, 37, "remote-id", tRec, one, "", tU32, tBin),
	def(SpaceDHCP6, 38, "subscriber-id", tBin, one, ""),
	def(SpaceDHCP6, 39, "client-fqdn", tRec, one, "", tU8, tFQDN),
	def(SpaceDHCP6, 40, "pana-agent", tV6, arr, ""),
	def(SpaceDHCP6, 41, "new-posix-timezone", tStr, one, ""),
	def(SpaceDHCP6, 42, "new-tzdb-timezone", tStr, one, ""),
	def(SpaceDHCP6, 43, "ero", tU16, arr, ""),
	def(SpaceDHCP6, 44, "lq-query", tRec, one, SpaceDHCP6, tU8, tV6),
	def(SpaceDHCP6, 45, "client-data", tEmpty, one, SpaceDHCP6),
	def(SpaceDHCP6, 46, "clt-time", tU32, one, ""),
	def(SpaceDHCP6, 47, "lq-relay-data", tRec, one, "", tV6, tBin),
	def(SpaceDHCP6, 48, "lq-client-link", tV6, arr, ""),
	def(SpaceDHCP6, 51, "v6-lost", tFQDN, one, ""),
	def(SpaceDHCP6, 52, "capwap-ac-v6", tV6, arr, ""),
	def(SpaceDHCP6, 53, "relay-id", tBin, one, ""),
	def(SpaceDHCP6, 57, "v6-access-domain", tFQDN, one, ""),
	def(SpaceDHCP6, 58, "sip-ua-cs-list", tFQDN, arr, ""),
	def(SpaceDHCP6, 59, "bootfile-url", tStr, one, ""),
	def(SpaceDHCP6, 60, "bootfile-param", tTuple, arr, ""),
	def(SpaceDHCP6, 61, "client-arch-type", tU16, arr, ""),
	def(SpaceDHCP6, 62, "nii", tRec, one, "", tU8, tU8, tU8),
	def(SpaceDHCP6, 64, "aftr-name", tFQDN, one, ""),
	def(SpaceDHCP6, 65, "erp-local-domain-name", tFQDN, one, ""),
	def(SpaceDHCP6, 66, "rsoo", tEmpty, one, SpaceRSOO),
	def(SpaceDHCP6, 67, "pd-exclude", tPrefix, one, ""),
	def(SpaceDHCP6, 74, "rdnss-selection", tRec, arr, "", tV6, tU8, tFQDN),
	def(SpaceDHCP6, 79, "client-linklayer-addr", tBin, one, ""),
	def(SpaceDHCP6, 80, "link-address", tV6, one, ""),
	def(SpaceDHCP6, 82, "solmax-rt", tU32, one, ""),
	def(SpaceDHCP6, 83, "inf-max-rt", tU32, one, ""),
	def(SpaceDHCP6, 87, "dhcpv4-message", tBin, one, ""),
	def(SpaceDHCP6, 88, "dhcp4o6-server-addr", tV6, arr, ""),
	def(SpaceDHCP6, 94, "s46-cont-mape", tEmpty, one, SpaceS46MAPE),
	def(SpaceDHCP6, 95, "s46-cont-mapt", tEmpty, one, SpaceS46MAPT),
	def(SpaceDHCP6, 96, "s46-cont-lw", tEmpty, one, SpaceS46LW),
	def(SpaceDHCP6, 103, "v6-captive-portal", tStr, one, ""),
	def(SpaceDHCP6, 135, "relay-source-port", tU16, one, ""),
	def(SpaceDHCP6, 143, "ipv6-address-andsf", tV6, arr, ""),

	// Softwire 4over6 (RFC 7598) sub-options, by container.
	def(SpaceS46MAPE, 89, "s46-rule", tRec, one, SpaceS46Rule, tU8, tU8, tU8, tV4, tPrefix),
	def(SpaceS46MAPE, 90, "s46-br", tV6, one, ""),
	def(SpaceS46MAPT, 89, "s46-rule", tRec, one, SpaceS46Rule, tU8, tU8, tU8, tV4, tPrefix),
	def(SpaceS46MAPT, 91, "s46-dmr", tPrefix, one, ""),
	def(SpaceS46LW, 90, "s46-br", tV6, one, ""),
	def(SpaceS46LW, 92, "s46-v4v6bind", tRec, one, SpaceS46V4V6Bind, tV4, tPrefix),
	def(SpaceS46Rule, 93, "s46-portparams", tRec, one, "", tU8, tPSID),
	def(SpaceS46V4V6Bind, 93, "s46-portparams", tRec, one, "", tU8, tPSID),

	// CableLabs DOCSIS 3 (enterprise 4491), carried in vendor-opts.
	overridable(def(SpaceDOCSIS, 1, "oro", tU16, arr, "")),
	overridable(def(SpaceDOCSIS, 2, "device-type", tStr, one, "")),
	overridable(def(SpaceDOCSIS, 10, "vendor-type", tStr, one, "")),
	overridable(def(SpaceDOCSIS, 32, "tftp-servers", tV6, arr, "")),
	overridable(def(SpaceDOCSIS, 33, "config-file", tStr, one, "")),
	overridable(def(SpaceDOCSIS, 34, "syslog-servers", tV6, arr, "")),
	overridable(def(SpaceDOCSIS, 36, "device-id", tBin, one, "")),
	overridable(def(SpaceDOCSIS, 37, "time-servers", tV6, arr, "")),
	overridable(def(SpaceDOCSIS, 38, "time-offset", tI32, one, "")),
	overridable(def(SpaceDOCSIS, 1026, "cmts-cm-mac", tBin, one, "")),

	// ISC (enterprise 2495): DHCPv4-over-DHCPv6 between kea-dhcp6 and
	// kea-dhcp4.
	def(SpaceISC, 60000, "4o6-interface", tStr, one, ""),
	def(SpaceISC, 60001, "4o6-source-address", tV6, one, ""),
	def(SpaceISC, 60002, "4o6-source-port", tU16, one, ""),
}

// stdSpaceUniverse tells the universe of a standard space name that only
// exists in one universe, or 0.
func stdSpaceUniverse(space string) Universe {
	switch space {
	case SpaceDHCP4, SpaceAgent, SpaceVendorEncapsulated, SpaceDOCSIS4:
		return V4
	case SpaceDHCP6, SpaceDOCSIS6, SpaceRSOO, SpaceS46MAPE, SpaceS46MAPT, SpaceS46LW, SpaceS46Rule, SpaceS46V4V6Bind, SpaceISC:
		return V6
	}
	return 0
}

// stdIndex is the lookup structure of one universe's standard tables.
type stdIndex struct {
	defs   []Definition // in table order
	over   []bool       // overridable, parallel to defs
	byName map[spaceKey]int
	byCode map[spaceCode]int
}

type spaceKey struct{ space, name string }

type spaceCode struct {
	space string
	code  uint16
}

var (
	stdIndexV4 = sync.OnceValue(func() *stdIndex { return buildIndex(V4, stdV4) })
	stdIndexV6 = sync.OnceValue(func() *stdIndex { return buildIndex(V6, stdV6) })
)

func buildIndex(u Universe, rows []stdDef) *stdIndex {
	// The DOCSIS definitions also live under Kea's internal space names.
	alias := SpaceDOCSIS4
	if u == V6 {
		alias = SpaceDOCSIS6
	}
	var extra []stdDef
	for _, r := range rows {
		if r.Space == SpaceDOCSIS {
			r.Space = alias
			extra = append(extra, r)
		}
	}
	rows = append(rows[:len(rows):len(rows)], extra...)
	ix := &stdIndex{
		defs:   make([]Definition, len(rows)),
		over:   make([]bool, len(rows)),
		byName: make(map[spaceKey]int, len(rows)),
		byCode: make(map[spaceCode]int, len(rows)),
	}
	for i, r := range rows {
		d := r.Definition
		d.Universe = u
		ix.defs[i] = d
		ix.over[i] = r.overridable
		ix.byName[spaceKey{d.Space, d.Name}] = i
		ix.byCode[spaceCode{d.Space, d.Code}] = i
	}
	return ix
}

func stdFor(u Universe) *stdIndex {
	if u == V6 {
		return stdIndexV6()
	}
	return stdIndexV4()
}

// Standard returns a copy of the standard definitions of a universe, in
// table order (dhcp4 or dhcp6 first by code, then the other standard
// spaces). It is meant for listing and documentation; lookups go through a
// DefSet.
func Standard(u Universe) []Definition {
	ix := stdFor(u)
	out := make([]Definition, len(ix.defs))
	copy(out, ix.defs)
	for i := range out {
		out[i].RecordTypes = append([]Type(nil), out[i].RecordTypes...)
	}
	return out
}

// StandardSpaces returns the names of the standard option spaces of a
// universe that have definitions or are the encapsulated space of a
// standard option.
func StandardSpaces(u Universe) []string {
	if u == V6 {
		return []string{SpaceDHCP6, SpaceRSOO, SpaceS46MAPE, SpaceS46MAPT, SpaceS46LW, SpaceS46Rule, SpaceS46V4V6Bind, SpaceDOCSIS, SpaceDOCSIS6, SpaceISC}
	}
	return []string{SpaceDHCP4, SpaceAgent, SpaceVendorEncapsulated, SpaceDOCSIS, SpaceDOCSIS4}
}
