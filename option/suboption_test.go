package option

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSubOption4(t *testing.T) {
	rai := []byte{1, 3, 'a', 'b', 'c', 2, 0, 5, 4, 192, 0, 2, 1}
	for _, tc := range []struct {
		code uint8
		want []byte
		ok   bool
	}{
		{1, []byte("abc"), true},
		{2, []byte{}, true},
		{5, []byte{192, 0, 2, 1}, true},
		{9, nil, false},
	} {
		got, ok := SubOption4(rai, tc.code)
		require.Equal(t, tc.ok, ok, "code %d", tc.code)
		require.Equal(t, tc.want, got, "code %d", tc.code)
	}
	// Truncated payloads: the sub-option is not trusted.
	_, ok := SubOption4([]byte{1, 5, 'a'}, 1)
	require.False(t, ok)
	_, ok = SubOption4([]byte{1, 1, 'a', 5, 4, 1}, 5)
	require.False(t, ok)
	_, ok = SubOption4(nil, 1)
	require.False(t, ok)
	_, ok = SubOption4([]byte{1}, 1)
	require.False(t, ok)
}

func FuzzSubOption4(f *testing.F) {
	f.Add([]byte{1, 3, 'a', 'b', 'c', 5, 4, 192, 0, 2, 1}, uint8(5))
	f.Fuzz(func(t *testing.T, b []byte, code uint8) {
		if d, ok := SubOption4(b, code); ok && len(d) > len(b) {
			t.Fatalf("sub-option longer than its payload")
		}
	})
}
