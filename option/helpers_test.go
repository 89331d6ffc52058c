package option

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// stripComments removes Kea's JSON comments (#, // and /* */) outside of
// strings.
func stripComments(in []byte) []byte {
	out := make([]byte, 0, len(in))
	inStr := false
	for i := 0; i < len(in); i++ {
		c := in[i]
		if inStr {
			out = append(out, c)
			if c == '\\' && i+1 < len(in) {
				i++
				out = append(out, in[i])
			} else if c == '"' {
				inStr = false
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
			out = append(out, c)
		case c == '#' || (c == '/' && i+1 < len(in) && in[i+1] == '/'):
			for i < len(in) && in[i] != '\n' {
				i++
			}
			out = append(out, '\n')
		case c == '/' && i+1 < len(in) && in[i+1] == '*':
			i += 2
			for i+1 < len(in) && !(in[i] == '*' && in[i+1] == '/') {
				i++
			}
			i++
		case c == '.' && i+1 < len(in) && in[i+1] >= '0' && in[i+1] <= '9' && afterValueStart(out):
			// Kea's parser takes numbers like ".5"; JSON needs "0.5".
			out = append(out, '0', c)
		default:
			out = append(out, c)
		}
	}
	return out
}

// afterValueStart reports whether the last non-blank byte of b starts a
// value position (after ':', ',' or '[').
func afterValueStart(b []byte) bool {
	for i := len(b) - 1; i >= 0; i-- {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			continue
		case ':', ',', '[':
			return true
		}
		return false
	}
	return false
}

// jsonDef and jsonData mirror Kea's option-def and option-data entries.
type jsonDef struct {
	Name        string `json:"name"`
	Code        uint16 `json:"code"`
	Type        string `json:"type"`
	Space       string `json:"space"`
	Array       bool   `json:"array"`
	RecordTypes string `json:"record-types"`
	Encapsulate string `json:"encapsulate"`
}

func (j jsonDef) definition() (Definition, error) {
	t, err := ParseType(j.Type)
	if err != nil {
		return Definition{}, err
	}
	rt, err := ParseRecordTypes(j.RecordTypes)
	if err != nil {
		return Definition{}, err
	}
	return Definition{Name: j.Name, Code: j.Code, Space: j.Space, Type: t, Array: j.Array, RecordTypes: rt, Encapsulate: j.Encapsulate}, nil
}

type jsonData struct {
	Name       string  `json:"name"`
	Code       *uint16 `json:"code"`
	Space      string  `json:"space"`
	Data       string  `json:"data"`
	CSVFormat  *bool   `json:"csv-format"`
	AlwaysSend bool    `json:"always-send"`
	NeverSend  bool    `json:"never-send"`
}

func (j jsonData) spec() Spec {
	return Spec{Name: j.Name, Code: j.Code, Space: j.Space, Data: j.Data, CSVFormat: j.CSVFormat, AlwaysSend: j.AlwaysSend, NeverSend: j.NeverSend}
}

func (j jsonData) String() string {
	b, _ := json.Marshal(j)
	return string(b)
}

// collect walks a decoded Kea config and gathers every option-def and
// option-data entry, wherever it is (global, subnets, pools, classes,
// reservations).
func collect(v any, defs *[]jsonDef, data *[]jsonData) error {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			switch k {
			case "option-def", "option-data":
				b, err := json.Marshal(e)
				if err != nil {
					return err
				}
				if k == "option-def" {
					var ds []jsonDef
					if err := json.Unmarshal(b, &ds); err != nil {
						return fmt.Errorf("option-def: %w", err)
					}
					*defs = append(*defs, ds...)
				} else {
					var ds []jsonData
					if err := json.Unmarshal(b, &ds); err != nil {
						return fmt.Errorf("option-data: %w", err)
					}
					*data = append(*data, ds...)
				}
			default:
				if err := collect(e, defs, data); err != nil {
					return err
				}
			}
		}
	case []any:
		for _, e := range x {
			if err := collect(e, defs, data); err != nil {
				return err
			}
		}
	}
	return nil
}

func loadKeaFile(t *testing.T, path string) ([]jsonDef, []jsonData) {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(stripComments(raw), &v), path)
	var defs []jsonDef
	var data []jsonData
	require.NoError(t, collect(v, &defs, &data), path)
	return defs, data
}

func u16(v uint16) *uint16 { return &v }
func boolp(v bool) *bool   { return &v }
