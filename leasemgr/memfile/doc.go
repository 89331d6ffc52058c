// Package memfile is the embedded lease backend: Kea's Memfile_LeaseMgr.
// Every lease lives in memory, indexed for each leasemgr.Manager query, and
// every change is appended to a CSV lease file in Kea's format, so a Kea
// server and this package can use each other's lease files, and Kea's
// kea-lfc can clean up ours and the other way round.
//
// # Registration
//
// Importing the package registers the "memfile" lease-database type with
// leasemgr.Open (ConfigFromParams documents the map keys). Open with a
// Config is the typed way.
//
// # Files
//
// The lease file is <Dir>/kea-leases4.csv or kea-leases6.csv unless Name
// says otherwise. Both of Kea's formats are read: Kea 2.2's (v4 schema 2.1,
// v6 4.0) and 2.4+'s with pool_id (v4 3.0, v6 5.0), as well as older and
// newer headers under Kea's rules (missing columns take defaults, unknown
// trailing columns are ignored). The newest format is written unless
// Schema22 is asked for; a file found in the other format is rewritten by a
// cleanup on Open, as Kea does. Hostnames and user contexts use Kea's
// &#xHH escaping, extended (as in Kea after 3.2.0) to control bytes and
// bytes above 0x7e, so that no value can break a row. Note that Kea 2.2's
// kea-lfc unescapes such bytes and writes them back raw: a hostname with a
// newline in it does not survive Kea 2.2's cleanup, whoever wrote it.
//
// Loading follows Kea: <file>.completed if it exists, else <file>.2 then
// <file>.1; then <file>. The last row of an address wins; a row with valid
// lifetime 0 deletes the address. Bad rows (wrong column count, bad
// address, hex, number, state or user context) are skipped and reported
// (RowErrors) with file, line and reason; beyond MaxRowErrors Open fails
// with a *LoadError. An incomplete last row, which only a crash in the
// middle of a write leaves and which was never acknowledged, is cut off.
//
// # Writes and durability
//
// A change is checked against memory, its row is appended with one
// write(2), and only then is memory changed, the watchers called and the
// caller answered; a failed write changes nothing. A deletion is Kea's
// row with valid lifetime 0. With the default FlushEachChange an
// acknowledged change survives kill -9 of the process (Kea's guarantee);
// SyncGroupCommit also survives power loss, with one fsync shared by all
// changes waiting at the time. Changes of one family are serialized in file
// order; readers wait only while memory is updated, not during the write.
//
// # Lease file cleanup
//
// Compact (and the LFCInterval ticker) runs Kea's LFC in-process and in the
// background, with Kea's file protocol (.1, .2, .output, .completed, .pid):
// the active file is renamed to <file>.1 and a new one started, then .2 and
// .1 are merged into .output, which becomes .completed and then .2. Only
// superseded rows and deleted leases go; expired leases stay. A crash at any
// step loses nothing: every intermediate state loads to the same leases,
// and the next cleanup (ours or kea-lfc) finishes the interrupted one.
//
// # Memory and speed
//
// Leases are kept in Go structs (about 340 bytes per DHCPv4 lease with all
// indexes); the secondary indexes are sorted arrays of pointer-free entries
// in chunks, so that expired-lease queries and paged gets cost O(log n) plus
// the result, and a million leases load in a few seconds.
package memfile
