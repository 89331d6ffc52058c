package alloctest_test

import (
	"testing"

	"github.com/dhcpsrv/dhcpsrv/alloc"
	"github.com/dhcpsrv/dhcpsrv/alloc/alloctest"
	"github.com/dhcpsrv/dhcpsrv/leasemgr"
)

// TestRunIterative runs the suite against the default allocator, and with
// a narrowed Options as an allocator supporting only IPv4 would.
func TestRunIterative(t *testing.T) {
	newAlloc := func(t *testing.T, spec alloc.Spec) alloc.Allocator {
		a, err := alloc.NewIterative(spec)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	alloctest.Run(t, newAlloc, alloctest.Options{})
	alloctest.Run(t, newAlloc, alloctest.Options{Types: []leasemgr.LeaseType{leasemgr.TypeV4}, MaxPoolSize: 1 << 16})
}
