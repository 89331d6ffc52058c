package refsrvtest

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var perfLine = regexp.MustCompile(`^([a-z ]+): ([0-9]+)$`)

// ParsePerfdhcp reads the counters of Kea perfdhcp's per-exchange reports
// ("***Statistics for: REQUEST-ACK***" followed by "sent packets: N",
// "received packets: N", "drops: N", "non unique addresses: N"...), keyed
// by exchange then counter. It fails the test if an exchange named in want
// (e.g. "DISCOVER-OFFER", "REQUEST-ACK"; "SOLICIT-ADVERTISE",
// "REQUEST-REPLY" for -6) has no report.
func ParsePerfdhcp(t testing.TB, out string, want ...string) map[string]map[string]int {
	t.Helper()
	rep := map[string]map[string]int{}
	var cur map[string]int
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "***Statistics for: ") {
			name := strings.TrimSuffix(strings.TrimPrefix(line, "***Statistics for: "), "***")
			cur = map[string]int{}
			rep[name] = cur
			continue
		}
		if m := perfLine.FindStringSubmatch(line); m != nil && cur != nil {
			n, _ := strconv.Atoi(m[2])
			cur[m[1]] = n
		}
	}
	for _, ex := range want {
		require.Contains(t, rep, ex, "perfdhcp printed no %s report:\n%s", ex, out)
	}
	return rep
}
