package memfile

import (
	"cmp"
	"fmt"
	"net/netip"

	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// family adapts the generic table, store and file code to one lease type.
type family[K comparable, L any] struct {
	universe  leasemgr.Universe
	defName   string // default file name
	key       func(*L) K
	keyOf     func(netip.Addr) (K, bool)
	cmpKey    func(a, b K) int
	subnet    func(*L) uint32
	pool      func(*L) uint32
	typ       func(*L) leasemgr.LeaseType
	hostname  func(*L) string
	times     func(*L) (cltt int64, valid uint32)
	state     func(*L) leasemgr.State
	idents    []func(*L) []byte // secondary identifier indexes (empty = not indexed)
	addr      func(*L) netip.Addr
	clone     func(*L) *L
	mark      func(*L) // MarkLoaded
	loaded    func(*L) (cltt int64, valid uint32, ok bool)
	validate  func(*L) error
	normalize func(*L) // the stored form, equal to what the file gives back
	appendRow func(dst []byte, l *L, s Schema, del bool) ([]byte, error)
	decode    func(f [][]byte, known int) (*L, error)
	event     func(op leasemgr.Op, l *L) leasemgr.Event
	columns   []string
	minCols   int
	writeCols func(Schema) int
}

// Index numbers in family.idents.
const (
	idxHW4       = 0
	idxClientID4 = 1
	idxDUID6     = 0
	idxHW6       = 1
)

type key6 struct{ hi, lo uint64 }

func key6Of(a netip.Addr) key6 {
	b := a.As16()
	var k key6
	for i := 0; i < 8; i++ {
		k.hi = k.hi<<8 | uint64(b[i])
		k.lo = k.lo<<8 | uint64(b[i+8])
	}
	return k
}

func cmpKey6(a, b key6) int {
	if c := cmp.Compare(a.hi, b.hi); c != 0 {
		return c
	}
	return cmp.Compare(a.lo, b.lo)
}

func key4Of(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", leasemgr.ErrInvalid, fmt.Sprintf(format, args...))
}

func validateCommon(cltt int64, valid uint32, st leasemgr.State, hw []byte) error {
	if cltt+int64(valid) < 0 {
		return invalid("cltt %d + valid lifetime %d is before 1970", cltt, valid)
	}
	if cltt > 1<<40 {
		return invalid("cltt %d out of range", cltt)
	}
	if st > leasemgr.MaxState {
		return invalid("unknown state %d", st)
	}
	if len(hw) > leasemgr.MaxHWAddrLen {
		return invalid("hardware address longer than %d bytes", leasemgr.MaxHWAddrLen)
	}
	return nil
}

var family4 = &family[uint32, leasemgr.Lease4]{
	universe: leasemgr.V4,
	defName:  "kea-leases4.csv",
	key:      func(l *leasemgr.Lease4) uint32 { return key4Of(l.Addr) },
	keyOf: func(a netip.Addr) (uint32, bool) {
		if !a.Is4() {
			return 0, false
		}
		return key4Of(a), true
	},
	cmpKey:   cmp.Compare[uint32],
	subnet:   func(l *leasemgr.Lease4) uint32 { return l.SubnetID },
	pool:     func(l *leasemgr.Lease4) uint32 { return l.PoolID },
	typ:      func(*leasemgr.Lease4) leasemgr.LeaseType { return leasemgr.TypeV4 },
	hostname: func(l *leasemgr.Lease4) string { return l.Hostname },
	times:    func(l *leasemgr.Lease4) (int64, uint32) { return l.CLTT, l.ValidLifetime },
	state:    func(l *leasemgr.Lease4) leasemgr.State { return l.State },
	idents: []func(*leasemgr.Lease4) []byte{
		idxHW4:       func(l *leasemgr.Lease4) []byte { return l.HWAddr.Addr },
		idxClientID4: func(l *leasemgr.Lease4) []byte { return l.ClientID },
	},
	addr:   func(l *leasemgr.Lease4) netip.Addr { return l.Addr },
	clone:  (*leasemgr.Lease4).Clone,
	mark:   (*leasemgr.Lease4).MarkLoaded,
	loaded: (*leasemgr.Lease4).Loaded,
	validate: func(l *leasemgr.Lease4) error {
		if !l.Addr.Is4() {
			return invalid("%v is not an IPv4 address", l.Addr)
		}
		if n := len(l.ClientID); n == 1 || n > maxClientIDLen {
			return invalid("client identifier length %d not in [2, %d]", n, maxClientIDLen)
		}
		if len(l.HWAddr.Addr) == 0 && len(l.ClientID) == 0 && l.State != leasemgr.StateDeclined {
			return invalid("a lease that is not declined needs a hardware address or a client identifier")
		}
		return validateCommon(l.CLTT, l.ValidLifetime, l.State, l.HWAddr.Addr)
	},
	normalize: func(l *leasemgr.Lease4) {
		// Kea's v4 lease file keeps neither the hardware type nor the
		// source: store what a reload gives back.
		if len(l.HWAddr.Addr) == 0 {
			l.HWAddr = leasemgr.HWAddr{}
		} else {
			l.HWAddr.Type, l.HWAddr.Source = leasemgr.HTypeEthernet, 0
		}
		if len(l.ClientID) == 0 {
			l.ClientID = nil
		}
		if len(l.UserContext) == 0 {
			l.UserContext = nil
		}
		l.ForgetLoaded()
	},
	appendRow: appendRow4,
	decode:    decodeRow4,
	event: func(op leasemgr.Op, l *leasemgr.Lease4) leasemgr.Event {
		return leasemgr.Event{Op: op, Lease4: l.Clone()}
	},
	columns:   columns4,
	minCols:   minColumns4,
	writeCols: writeColumns4,
}

var family6 = &family[key6, leasemgr.Lease6]{
	universe: leasemgr.V6,
	defName:  "kea-leases6.csv",
	key:      func(l *leasemgr.Lease6) key6 { return key6Of(l.Addr) },
	keyOf: func(a netip.Addr) (key6, bool) {
		if !a.Is6() {
			return key6{}, false
		}
		return key6Of(a), true
	},
	cmpKey:   cmpKey6,
	subnet:   func(l *leasemgr.Lease6) uint32 { return l.SubnetID },
	pool:     func(l *leasemgr.Lease6) uint32 { return l.PoolID },
	typ:      func(l *leasemgr.Lease6) leasemgr.LeaseType { return l.Type },
	hostname: func(l *leasemgr.Lease6) string { return l.Hostname },
	times:    func(l *leasemgr.Lease6) (int64, uint32) { return l.CLTT, l.ValidLifetime },
	state:    func(l *leasemgr.Lease6) leasemgr.State { return l.State },
	idents: []func(*leasemgr.Lease6) []byte{
		idxDUID6: func(l *leasemgr.Lease6) []byte { return l.DUID },
		idxHW6:   func(l *leasemgr.Lease6) []byte { return l.HWAddr.Addr },
	},
	addr:   func(l *leasemgr.Lease6) netip.Addr { return l.Addr },
	clone:  (*leasemgr.Lease6).Clone,
	mark:   (*leasemgr.Lease6).MarkLoaded,
	loaded: (*leasemgr.Lease6).Loaded,
	validate: func(l *leasemgr.Lease6) error {
		if !l.Addr.Is6() || l.Addr.Zone() != "" {
			return invalid("%v is not an IPv6 address without zone", l.Addr)
		}
		if l.Type > leasemgr.TypePD {
			return invalid("lease type %d is not NA, TA or PD", l.Type)
		}
		if l.PrefixLen > 128 {
			return invalid("prefix length %d", l.PrefixLen)
		}
		if n := len(l.DUID); n == 0 || n > maxDUIDLen {
			return invalid("DUID length %d not in [1, %d] (declined leases use leasemgr.DeclinedDUID)", n, maxDUIDLen)
		}
		return validateCommon(l.CLTT, l.ValidLifetime, l.State, l.HWAddr.Addr)
	},
	normalize: func(l *leasemgr.Lease6) {
		if len(l.HWAddr.Addr) == 0 {
			l.HWAddr = leasemgr.HWAddr{}
		}
		if len(l.UserContext) == 0 {
			l.UserContext = nil
		}
		l.ForgetLoaded()
	},
	appendRow: appendRow6,
	decode:    decodeRow6,
	event: func(op leasemgr.Op, l *leasemgr.Lease6) leasemgr.Event {
		return leasemgr.Event{Op: op, Lease6: l.Clone()}
	},
	columns:   columns6,
	minCols:   minColumns6,
	writeCols: writeColumns6,
}
