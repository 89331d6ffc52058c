package stats

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// Each statistic fills one cache line, so two are never on one line.
func TestEntrySize(t *testing.T) {
	require.Equal(t, uintptr(64), unsafe.Sizeof(entry{}))
	require.Equal(t, uintptr(0), unsafe.Offsetof(entry{}.bits))
	require.Equal(t, uintptr(8), unsafe.Offsetof(entry{}.ts))
}
