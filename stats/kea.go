package stats

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// KeaTimeLayout is the layout of Kea's sample timestamps,
// "2026-12-04 21:08:59.123456" (Kea prints local time).
const KeaTimeLayout = "2006-01-02 15:04:05.000000"

// Kea's defaults for statistic-default-sample-count and
// statistic-default-sample-age. The Manager keeps only the latest sample
// of each statistic, as if the sample count were 1; see the package
// documentation.
const (
	KeaDefaultSampleCount = 20
	KeaDefaultSampleAge   = 0
)

// KeaStatistics renders statistics as the "arguments" of Kea's
// statistic-get and statistic-get-all answers:
//
//	{"pkt4-received": [[125, "2026-12-04 21:08:59.123456"]], ...}
//
// Each statistic has a list of one sample (its latest), [value,
// timestamp]; integers and floats are JSON numbers, durations strings
// "HH:MM:SS.ffffff". Keys appear in the slice's order (GetAll's: by name).
type KeaStatistics []Statistic

// KeaGet returns the arguments of Kea's statistic-get for name: the
// statistic, or an empty object if it does not exist (as Kea answers).
func (m *Manager) KeaGet(name string) KeaStatistics {
	v, ok := m.Get(name)
	if !ok {
		return KeaStatistics{}
	}
	return KeaStatistics{{Name: name, Value: v}}
}

// KeaGetAll returns the arguments of Kea's statistic-get-all.
func (m *Manager) KeaGetAll() KeaStatistics { return KeaStatistics(m.GetAll()) }

// MarshalJSON renders the statistics in Kea's form.
func (s KeaStatistics) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 16+len(s)*64)
	b = append(b, '{')
	for i, st := range s {
		if i > 0 {
			b = append(b, ',')
		}
		name, err := json.Marshal(st.Name)
		if err != nil {
			return nil, err
		}
		b = append(b, name...)
		b = append(b, ":[["...)
		b = st.Value.appendKea(b)
		b = append(b, `,"`...)
		b = st.Time.AppendFormat(b, KeaTimeLayout)
		b = append(b, `"]]`...)
	}
	return append(b, '}'), nil
}

func (v Value) appendKea(b []byte) []byte {
	switch v.Kind {
	case KindFloat:
		if math.IsNaN(v.Float) || math.IsInf(v.Float, 0) {
			return append(b, "null"...) // not representable in JSON
		}
		return strconv.AppendFloat(b, v.Float, 'g', -1, 64)
	case KindDuration:
		b = append(b, '"')
		b = append(b, FormatKeaDuration(v.Duration)...)
		return append(b, '"')
	}
	return strconv.AppendInt(b, v.Int, 10)
}

// FormatKeaDuration formats d as Kea prints a duration statistic,
// "HH:MM:SS.ffffff" with as many hour digits as needed ("-" first if d is
// negative).
func FormatKeaDuration(d time.Duration) string {
	var b []byte
	u := uint64(d)
	if d < 0 {
		b = append(b, '-')
		u = -u
	}
	micros := u / 1000
	h, m, s, f := micros/3600e6, micros/60e6%60, micros/1e6%60, micros%1e6
	b = pad(b, h, 2)
	b = append(b, ':')
	b = pad(b, m, 2)
	b = append(b, ':')
	b = pad(b, s, 2)
	b = append(b, '.')
	return string(pad(b, f, 6))
}

func pad(b []byte, v uint64, width int) []byte {
	s := strconv.FormatUint(v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
