package dhcp6srv

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
)

// ServerIDFile is the name of the file, in the data directory, that keeps
// the server's DUID across restarts (Kea's kea-dhcp6-serverid). It holds
// the DUID as colon-separated hex bytes on one line.
const ServerIDFile = "kea-dhcp6-serverid"

// ISCEnterpriseID is ISC's enterprise number, Kea's default for DUID-EN.
const ISCEnterpriseID = 2495

// DUID types (RFC 8415 §11).
const (
	duidLLT = 1
	duidEN  = 2
	duidLL  = 3
)

// duidEpoch is the DUID-LLT time origin: midnight UTC, January 1, 2000.
var duidEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// ErrBadDUID is returned (wrapped) for an unusable server-id configuration
// or DUID file.
var ErrBadDUID = errors.New("dhcp6srv: bad DUID")

// ServerDUID returns the server's DUID for the server-id map sid, as Kea's
// CfgDUID and DUIDFactory do:
//
//   - an "identifier" in the map builds the DUID from the map alone (type,
//     identifier, and htype, time or enterprise-id), and wins over the file;
//   - otherwise, when dataDir is not empty and "persist" is true, a DUID of
//     the configured type read from dataDir/kea-dhcp6-serverid is reused;
//   - otherwise a new one is generated: DUID-LLT (the default) or DUID-LL
//     from the hardware address of the first interface that has one (a
//     random one when none has), DUID-EN with the enterprise-id (ISC's 2495
//     by default) and a random 6-byte identifier. Unset map values (htype,
//     time) are filled: htype 1 (Ethernet), time now.
//
// With persist and a data directory, the DUID used is written to the file
// when it differs from what the file holds.
func ServerDUID(sid cfgmgr.ServerID, dataDir string) ([]byte, error) {
	typ := strings.ToUpper(sid.Type)
	if typ == "" {
		typ = "LLT"
	}
	var path string
	if dataDir != "" && sid.Persist {
		path = filepath.Join(dataDir, ServerIDFile)
	}
	var duid []byte
	if sid.Identifier != "" {
		id, err := parseHexID(sid.Identifier)
		if err != nil {
			return nil, fmt.Errorf("%w: server-id identifier %q: %v", ErrBadDUID, sid.Identifier, err)
		}
		duid, err = buildDUID(typ, sid, id)
		if err != nil {
			return nil, err
		}
	} else if path != "" {
		if b, err := os.ReadFile(path); err == nil {
			d, err := ParseDUID(strings.TrimSpace(string(b)))
			if err == nil && len(d) >= 2 && duidTypeName(binary.BigEndian.Uint16(d)) == typ && fileMatches(d, sid) {
				duid = d
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("dhcp6srv: read server DUID: %w", err)
		}
	}
	if duid == nil {
		var id []byte
		switch typ {
		case "EN":
			id = make([]byte, 6)
			_, _ = rand.Read(id)
		default:
			id = interfaceHWAddr()
		}
		var err error
		duid, err = buildDUID(typ, sid, id)
		if err != nil {
			return nil, err
		}
	}
	if path != "" {
		old, _ := os.ReadFile(path)
		text := FormatDUID(duid)
		if strings.TrimSpace(string(old)) != text {
			if err := writeFileAtomic(path, []byte(text+"\n")); err != nil {
				return nil, fmt.Errorf("dhcp6srv: write server DUID: %w", err)
			}
		}
	}
	return duid, nil
}

// fileMatches reports whether a DUID read from the file agrees with the
// values the server-id map sets (Kea regenerates when they differ).
func fileMatches(d []byte, sid cfgmgr.ServerID) bool {
	switch binary.BigEndian.Uint16(d) {
	case duidLLT:
		if len(d) < 8 {
			return false
		}
		return (sid.HType == 0 || binary.BigEndian.Uint16(d[2:]) == sid.HType) &&
			(sid.Time == 0 || binary.BigEndian.Uint32(d[4:]) == sid.Time)
	case duidEN:
		if len(d) < 6 {
			return false
		}
		return sid.EnterpriseID == 0 || binary.BigEndian.Uint32(d[2:]) == sid.EnterpriseID
	case duidLL:
		if len(d) < 4 {
			return false
		}
		return sid.HType == 0 || binary.BigEndian.Uint16(d[2:]) == sid.HType
	}
	return false
}

func duidTypeName(t uint16) string {
	switch t {
	case duidLLT:
		return "LLT"
	case duidEN:
		return "EN"
	case duidLL:
		return "LL"
	}
	return ""
}

func buildDUID(typ string, sid cfgmgr.ServerID, id []byte) ([]byte, error) {
	if len(id) == 0 {
		return nil, fmt.Errorf("%w: empty identifier", ErrBadDUID)
	}
	htype := sid.HType
	if htype == 0 {
		htype = 1
	}
	var b []byte
	switch typ {
	case "LLT":
		t := sid.Time
		if t == 0 {
			t = uint32(time.Since(duidEpoch) / time.Second)
		}
		b = binary.BigEndian.AppendUint16(b, duidLLT)
		b = binary.BigEndian.AppendUint16(b, htype)
		b = binary.BigEndian.AppendUint32(b, t)
	case "EN":
		en := sid.EnterpriseID
		if en == 0 {
			en = ISCEnterpriseID
		}
		b = binary.BigEndian.AppendUint16(b, duidEN)
		b = binary.BigEndian.AppendUint32(b, en)
	case "LL":
		b = binary.BigEndian.AppendUint16(b, duidLL)
		b = binary.BigEndian.AppendUint16(b, htype)
	default:
		return nil, fmt.Errorf("%w: server-id type %q", ErrBadDUID, sid.Type)
	}
	b = append(b, id...)
	if len(b) > 130 { // RFC 8415 §11.1: at most 128 octets after the type
		return nil, fmt.Errorf("%w: longer than 130 bytes", ErrBadDUID)
	}
	return b, nil
}

// interfaceHWAddr returns the hardware address of the first interface
// that has one of at least 6 bytes (Kea's DUIDFactory picks one the same
// way), else 6 random bytes.
func interfaceHWAddr() []byte {
	ifs, _ := net.Interfaces()
	for _, ni := range ifs {
		if ni.Flags&net.FlagLoopback != 0 || len(ni.HardwareAddr) < 6 {
			continue
		}
		if bytes.Equal(ni.HardwareAddr, make([]byte, len(ni.HardwareAddr))) {
			continue
		}
		return append([]byte(nil), ni.HardwareAddr...)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	b[0] = b[0]&^1 | 2 // locally administered unicast
	return b
}

// parseHexID parses an identifier as Kea writes it in the server-id map:
// hex digits, optionally separated by colons.
func parseHexID(s string) ([]byte, error) {
	s = strings.ReplaceAll(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"), ":", "")
	if len(s)%2 == 1 {
		s = "0" + s
	}
	return hex.DecodeString(s)
}

// ParseDUID parses a DUID written as colon-separated hex bytes
// ("00:01:00:01:...", Kea's DUID::fromText) or as plain hex digits.
func ParseDUID(s string) ([]byte, error) {
	if strings.Contains(s, ":") {
		var out []byte
		for _, part := range strings.Split(s, ":") {
			if len(part) == 0 || len(part) > 2 {
				return nil, fmt.Errorf("%w: %q", ErrBadDUID, s)
			}
			if len(part) == 1 {
				part = "0" + part
			}
			b, err := hex.DecodeString(part)
			if err != nil {
				return nil, fmt.Errorf("%w: %q", ErrBadDUID, s)
			}
			out = append(out, b...)
		}
		return out, nil
	}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, fmt.Errorf("%w: %q", ErrBadDUID, s)
	}
	return b, nil
}

// FormatDUID writes a DUID as Kea does: lowercase hex bytes joined by
// colons.
func FormatDUID(d []byte) string {
	var sb strings.Builder
	for i, c := range d {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteString(hex.EncodeToString([]byte{c}))
	}
	return sb.String()
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
