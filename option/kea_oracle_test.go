package option

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStandardAgainstKea checks the standard tables against the real
// kea-dhcp4/kea-dhcp6 (2.2) with "kea-dhcpX -t": for every definition, a
// value of the right type must be accepted under its name and code, a value
// of another type (where Kea can tell), a missing record field and, for an
// array, a bad extra element must be rejected. Kea cannot tell string, fqdn
// and tuple apart this way, nor see an encapsulated space.
//
// It runs only with DHCPSRV_KEA_ORACLE=1 (it starts about a thousand
// processes); the kea-dhcp4 and kea-dhcp6 binaries must be in PATH.
func TestStandardAgainstKea(t *testing.T) {
	if os.Getenv("DHCPSRV_KEA_ORACLE") != "1" {
		t.Skip("set DHCPSRV_KEA_ORACLE=1 to check the tables against kea-dhcp4/kea-dhcp6 -t")
	}
	dir := t.TempDir()
	for _, u := range []Universe{V4, V6} {
		bin := fmt.Sprintf("kea-dhcp%d", u)
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s not found: %v", bin, err)
		}
		for i, d := range Standard(u) {
			ix := stdFor(u)
			if ix.over[i] && d.Space == SpaceAgent {
				continue // not in Kea 2.2
			}
			t.Run(fmt.Sprintf("v%d/%s/%s", u, d.Space, d.Name), func(t *testing.T) {
				kea := func(data string) error {
					entry := map[string]any{"name": d.Name, "code": d.Code, "space": d.Space, "data": data}
					cfg := map[string]any{fmt.Sprintf("Dhcp%d", u): map[string]any{"option-data": []any{entry}}}
					b, err := json.Marshal(cfg)
					require.NoError(t, err)
					f := filepath.Join(dir, "kea.json")
					require.NoError(t, os.WriteFile(f, b, 0o600))
					out, err := exec.Command(bin, "-t", f).CombinedOutput()
					if err != nil {
						return fmt.Errorf("%v: %s", err, lastLine(out))
					}
					return nil
				}
				fields := d.fields()
				if d.Type == TypeEmpty {
					require.NoError(t, kea(""))
					require.Error(t, kea("01"), "empty option takes no data")
					return
				}
				good := make([]string, len(fields))
				for i, ft := range fields {
					good[i] = oracleGood(u, ft)
				}
				switch {
				case d.Space == SpaceDHCP4 && d.Code == 81, d.Space == SpaceDHCP6 && d.Code == 39:
					good[0] = "1" // Kea rejects the N and S flags together
				case d.Space == SpaceDHCP4 && d.Code == 124:
					good[1] = "020a0b" // a list of tuples
				case d.Space == SpaceDHCP6 && d.Code == 16:
					good[1] = "00020a0b"
				}
				require.NoError(t, kea(strings.Join(good, ", ")), "a value of the right type")
				for i, ft := range fields {
					bad, ok := oracleWrongType(ft)
					if !ok {
						continue
					}
					vals := append([]string(nil), good...)
					vals[i] = bad
					require.Error(t, kea(strings.Join(vals, ", ")), "field %d %s: %q must be rejected", i+1, ft, bad)
				}
				if d.Type == TypeRecord {
					require.Error(t, kea(strings.Join(good[:len(good)-1], ", ")), "a missing record field")
				}
				last := fields[len(fields)-1]
				if bad, ok := oracleBadElement(u, last); ok {
					err := kea(strings.Join(good, ", ") + ", " + bad)
					if d.Array {
						require.Error(t, err, "array: a bad extra element must be rejected")
					} else {
						require.NoError(t, err, "not an array: Kea ignores extra values")
					}
				}
			})
		}
	}
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// oracleGood is a value of type t that Kea accepts.
func oracleGood(u Universe, t Type) string {
	switch t {
	case TypeBinary:
		return "0a0b"
	case TypeBoolean:
		return "true"
	case TypeInt8:
		return "-128"
	case TypeInt16:
		return "-32768"
	case TypeInt32:
		return "-2147483648"
	case TypeUint8:
		return "255"
	case TypeUint16:
		return "65535"
	case TypeUint32:
		return "4294967295"
	case TypeIPv4Address:
		return "192.0.2.1"
	case TypeIPv6Address:
		return "2001:db8::1"
	case TypeIPv6Prefix:
		return "2001:db8::/48"
	case TypePSID:
		return "3/4"
	case TypeTuple:
		return "tuple"
	case TypeFQDN:
		return "a.example.org"
	}
	return "some text"
}

// oracleWrongType is a value Kea rejects for type t but accepts for some
// other type (so that the rejection tells the type).
func oracleWrongType(t Type) (string, bool) {
	switch t {
	case TypeBinary:
		return "zz", true
	case TypeBoolean:
		return "2", true
	case TypeInt8:
		return "128", true
	case TypeInt16:
		return "32768", true
	case TypeInt32:
		return "2147483648", true
	case TypeUint8:
		return "256", true
	case TypeUint16:
		return "65536", true
	case TypeUint32:
		return "4294967296", true
	case TypeIPv6Address:
		return "192.0.2.1", true
	case TypeIPv6Prefix:
		return "2001:db8::1", true
	case TypePSID:
		return "3", true
	}
	// Kea takes an IPv6 address for an ipv4-address, and any text for a
	// string, fqdn or tuple.
	return "", false
}

// oracleBadElement is a value Kea rejects for type t, used as an extra
// array element.
func oracleBadElement(u Universe, t Type) (string, bool) {
	switch t {
	case TypeString, TypeBinary:
		return "", false
	case TypeFQDN:
		return strings.Repeat("a.", 200), true
	case TypeTuple:
		if u == V4 {
			return strings.Repeat("a", 256), true
		}
		return "", false
	}
	return "not-a-value", true
}
