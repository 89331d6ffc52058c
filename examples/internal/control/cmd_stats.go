package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dhcpsrv/dhcpsrv/stats"
)

// RegisterStatistics registers statistic-get, statistic-get-all,
// statistic-reset, statistic-reset-all, statistic-remove and
// statistic-remove-all on m, with Kea's answers. The sample-count and
// sample-age commands are not registered: stats.Manager keeps one sample.
func RegisterStatistics(r *Registry, m *stats.Manager) {
	r.Register("statistic-get", func(ctx context.Context, raw json.RawMessage) Response {
		name, errResp := statName(raw)
		if errResp != nil {
			return *errResp
		}
		return Answer(ResultSuccess, "", m.KeaGet(name))
	})
	r.Register("statistic-get-all", func(ctx context.Context, _ json.RawMessage) Response {
		all := m.KeaGetAll()
		if len(all) == 0 {
			return Answer(ResultSuccess, "", json.RawMessage("{}"))
		}
		return Answer(ResultSuccess, "", all)
	})
	r.Register("statistic-reset", func(ctx context.Context, raw json.RawMessage) Response {
		name, errResp := statName(raw)
		if errResp != nil {
			return *errResp
		}
		if err := m.Reset(name); err != nil {
			return noStat(name, err)
		}
		return Success(fmt.Sprintf("Statistic '%s' reset.", name))
	})
	r.Register("statistic-remove", func(ctx context.Context, raw json.RawMessage) Response {
		name, errResp := statName(raw)
		if errResp != nil {
			return *errResp
		}
		if err := m.Remove(name); err != nil {
			return noStat(name, err)
		}
		return Success(fmt.Sprintf("Statistic '%s' removed.", name))
	})
	r.Register("statistic-reset-all", func(ctx context.Context, _ json.RawMessage) Response {
		m.ResetAll()
		return Success("All statistics reset to neutral values.")
	})
	r.Register("statistic-remove-all", func(ctx context.Context, _ json.RawMessage) Response {
		m.RemoveAll()
		return Success("All statistics removed.")
	})
}

func noStat(name string, err error) Response {
	if errors.Is(err, stats.ErrNotFound) {
		return Errorf("No '%s' statistic found", name)
	}
	return Errorf("%v", err)
}

// statName extracts the mandatory "name" argument.
func statName(raw json.RawMessage) (string, *Response) {
	a, err := parseArgs(raw)
	if err != nil {
		r := Errorf("Missing mandatory 'name' parameter.")
		if !errors.Is(err, errNoArgs) {
			r = Errorf("%v", err)
		}
		return "", &r
	}
	name, ok, err := a.str("name")
	if !ok {
		r := Errorf("Missing mandatory 'name' parameter.")
		return "", &r
	}
	if err != nil {
		r := Errorf("'name' parameter expected to be a string.")
		return "", &r
	}
	return name, nil
}
