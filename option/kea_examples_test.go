package option

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

const keaExamples = "/usr/share/doc/kea/examples"

// parseAll adds defs then parses every data entry, checking that the wire
// bytes round-trip through Format and Encode.
func parseAll(t *testing.T, u Universe, defs []jsonDef, data []jsonData) {
	t.Helper()
	set := NewDefSet(u)
	for _, jd := range defs {
		d, err := jd.definition()
		require.NoError(t, err, "%+v", jd)
		err = set.Add(d)
		if errors.Is(err, ErrDuplicate) {
			// The example files define some options in several client
			// classes; a class-scoped definition is not global.
			continue
		}
		require.NoError(t, err, "%+v", jd)
	}
	for _, jd := range data {
		got, err := set.ParseData(jd.spec())
		require.NoError(t, err, "%s", jd)
		if got.Def == nil || !got.CSVFormat {
			continue
		}
		text, err := got.Def.Format(got.Wire)
		if errors.Is(err, ErrNotRepresentable) {
			continue
		}
		require.NoError(t, err, "%s", jd)
		again, err := got.Def.Encode(text)
		require.NoError(t, err, "%s: %q", jd, text)
		require.Equal(t, got.Wire, again, "%s: %q", jd, text)
	}
}

func TestAllOptionsTestdata(t *testing.T) {
	for _, tc := range []struct {
		u    Universe
		file string
		n    int
	}{{V4, "testdata/all-options4.json", 106}, {V6, "testdata/all-options6.json", 70}} {
		t.Run(tc.file, func(t *testing.T) {
			defs, data := loadKeaFile(t, tc.file)
			require.Len(t, data, tc.n)
			parseAll(t, tc.u, defs, data)
		})
	}
}

// TestKeaExamples parses the option-def and option-data entries of every
// example configuration installed with kea-doc (Debian's package installs
// them under /usr/share/doc/kea/examples).
func TestKeaExamples(t *testing.T) {
	if _, err := os.Stat(keaExamples); err != nil {
		t.Skipf("Kea examples not installed at %s (apt-get install kea-doc); testdata/all-options*.json still run", keaExamples)
	}
	for _, dir := range []struct {
		u    Universe
		name string
	}{{V4, "kea4"}, {V6, "kea6"}} {
		files, err := filepath.Glob(filepath.Join(keaExamples, dir.name, "*.json"))
		require.NoError(t, err)
		require.NotEmpty(t, files)
		for _, f := range files {
			t.Run(dir.name+"/"+filepath.Base(f), func(t *testing.T) {
				defs, data := loadKeaFile(t, f)
				parseAll(t, dir.u, defs, data)
			})
		}
	}
}
