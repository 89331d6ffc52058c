package control

import (
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// Lease4JSON is a DHCPv4 lease as Kea's lease commands write it (Kea's
// Lease4::toElement): the arguments of lease4-get and the elements of
// "leases" lists. Hardware addresses and client identifiers are
// colon-separated lowercase hex; "cltt" is Unix seconds. The fields are in
// Kea's (alphabetical) order.
type Lease4JSON struct {
	ClientID    string         `json:"client-id,omitempty"`
	CLTT        int64          `json:"cltt"`
	FQDNFwd     bool           `json:"fqdn-fwd"`
	FQDNRev     bool           `json:"fqdn-rev"`
	Hostname    string         `json:"hostname"`
	HWAddress   string         `json:"hw-address"`
	IPAddress   string         `json:"ip-address"`
	PoolID      uint32         `json:"pool-id"`
	State       uint32         `json:"state"`
	SubnetID    uint32         `json:"subnet-id"`
	UserContext map[string]any `json:"user-context,omitempty"`
	ValidLft    uint32         `json:"valid-lft"`
}

// NewLease4JSON renders l in Kea's form.
func NewLease4JSON(l *leasemgr.Lease4) Lease4JSON {
	j := Lease4JSON{
		CLTT:        l.CLTT,
		FQDNFwd:     l.FQDNFwd,
		FQDNRev:     l.FQDNRev,
		Hostname:    l.Hostname,
		HWAddress:   l.HWAddr.String(),
		IPAddress:   l.Addr.String(),
		PoolID:      l.PoolID,
		State:       uint32(l.State),
		SubnetID:    l.SubnetID,
		UserContext: l.UserContext,
		ValidLft:    l.ValidLifetime,
	}
	if len(l.ClientID) > 0 {
		j.ClientID = leasemgr.FormatHex(l.ClientID)
	}
	if len(j.UserContext) == 0 {
		j.UserContext = nil
	}
	return j
}

// Lease6JSON is a DHCPv6 lease as Kea's lease commands write it (Kea's
// Lease6::toElement). "prefix-len" is present for IA_PD leases only and
// "hw-address" only when the lease has one.
type Lease6JSON struct {
	CLTT         int64          `json:"cltt"`
	DUID         string         `json:"duid"`
	FQDNFwd      bool           `json:"fqdn-fwd"`
	FQDNRev      bool           `json:"fqdn-rev"`
	Hostname     string         `json:"hostname"`
	HWAddress    string         `json:"hw-address,omitempty"`
	IAID         uint32         `json:"iaid"`
	IPAddress    string         `json:"ip-address"`
	PoolID       uint32         `json:"pool-id"`
	PreferredLft uint32         `json:"preferred-lft"`
	PrefixLen    uint8          `json:"prefix-len,omitempty"`
	State        uint32         `json:"state"`
	SubnetID     uint32         `json:"subnet-id"`
	Type         string         `json:"type"`
	UserContext  map[string]any `json:"user-context,omitempty"`
	ValidLft     uint32         `json:"valid-lft"`
}

// NewLease6JSON renders l in Kea's form.
func NewLease6JSON(l *leasemgr.Lease6) Lease6JSON {
	j := Lease6JSON{
		CLTT:         l.CLTT,
		DUID:         leasemgr.FormatHex(l.DUID),
		FQDNFwd:      l.FQDNFwd,
		FQDNRev:      l.FQDNRev,
		Hostname:     l.Hostname,
		HWAddress:    l.HWAddr.String(),
		IAID:         l.IAID,
		IPAddress:    l.Addr.String(),
		PoolID:       l.PoolID,
		PreferredLft: l.PreferredLifetime,
		State:        uint32(l.State),
		SubnetID:     l.SubnetID,
		Type:         l.Type.String(),
		UserContext:  l.UserContext,
		ValidLft:     l.ValidLifetime,
	}
	if l.Type == leasemgr.TypePD {
		j.PrefixLen = l.PrefixLen
	}
	if len(j.UserContext) == 0 {
		j.UserContext = nil
	}
	return j
}

func leases4JSON(ls []*leasemgr.Lease4) []Lease4JSON {
	out := make([]Lease4JSON, len(ls))
	for i, l := range ls {
		out[i] = NewLease4JSON(l)
	}
	return out
}

func leases6JSON(ls []*leasemgr.Lease6) []Lease6JSON {
	out := make([]Lease6JSON, len(ls))
	for i, l := range ls {
		out[i] = NewLease6JSON(l)
	}
	return out
}
