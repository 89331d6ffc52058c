package cfgmgr

import (
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestMutatedExamples is a deterministic mini-fuzz: random byte edits of
// the Kea examples never panic, stay fast, and what parses marshals to
// something that parses.
func TestMutatedExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	files, _ := filepath.Glob(filepath.Join(keaExamples, "kea[46]", "*.json"))
	r := rand.New(rand.NewSource(1))
	var worst time.Duration
	for _, fn := range files {
		b, _ := os.ReadFile(fn)
		for i := 0; i < 300; i++ {
			m := append([]byte(nil), b...)
			for k := 0; k < 1+r.Intn(4); k++ {
				p := r.Intn(len(m))
				switch r.Intn(3) {
				case 0:
					m[p] = byte(r.Intn(256))
				case 1:
					m = append(m[:p], m[p+1:]...)
				case 2:
					q := r.Intn(len(m))
					m = append(m[:p], append(append([]byte(nil), m[q:min(q+20, len(m))]...), m[p:]...)...)
				}
			}
			st := time.Now()
			cfg, _, err := Parse(m)
			if err == nil {
				out, _ := cfg.MarshalJSON()
				if _, _, err := Parse(out); err != nil {
					t.Fatalf("%v\n%s", err, out)
				}
			}
			if d := time.Since(st); d > worst {
				worst = d
			}
		}
	}
	if len(files) == 0 {
		t.Skip("Kea examples not installed")
	}
	t.Logf("slowest parse: %v", worst)
}
