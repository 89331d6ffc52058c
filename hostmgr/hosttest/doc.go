// Package hosttest is the conformance suite for hostmgr.DataSource
// implementations: the behaviour that Kea's generic_host_data_source tests
// check against every host backend (memory, MySQL, PostgreSQL), ported to
// Go. A backend's tests call Run with a function that opens an empty
// source:
//
//	func TestConformance(t *testing.T) {
//		hosttest.Run(t, func(t *testing.T) hostmgr.DataSource {
//			return openEmptyTestDatabase(t)
//		})
//	}
//
// Most scenarios need to add hosts and run only when the source implements
// hostmgr.Writer; the non-unique reservation scenarios run only when it
// implements hostmgr.IPReservationsUniqueSetter and accepts false.
package hosttest
