package metrics

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dhcpsrv/dhcpsrv/stats"
)

// Collector is a prometheus.Collector over a stats.Source (a stats.Manager,
// or several through stats.Sources). It is an "unchecked" collector: the set
// of statistics changes with the configuration, so it describes nothing up
// front.
type Collector struct {
	stats     stats.Source
	namespace string
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a collector of m's statistics, with metric names
// prefixed by namespace ("dhcp" if empty).
func NewCollector(m stats.Source, namespace string) *Collector {
	if namespace == "" {
		namespace = "dhcp"
	}
	return &Collector{stats: m, namespace: namespace}
}

// Describe sends nothing: the collector is unchecked.
func (c *Collector) Describe(chan<- *prometheus.Desc) {}

// Collect sends one metric per statistic.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.stats.Each(func(name string, v stats.Value) {
		n := stats.ParseName(name)
		family, labels, values := c.family(n)
		var f float64
		switch v.Kind {
		case stats.KindFloat:
			f = v.Float
		case stats.KindDuration:
			f = v.Duration.Seconds()
		default:
			f = float64(v.Int)
		}
		desc := prometheus.NewDesc(family, "Kea statistic "+n.Stat+".", labels, nil)
		m, err := prometheus.NewConstMetric(desc, valueType(n.Stat), f, values...)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(desc, err)
			return
		}
		ch <- m
	})
}

// family returns the metric name and labels of a statistic.
func (c *Collector) family(n stats.Name) (string, []string, []string) {
	stat := metricName(n.Stat)
	switch {
	case n.HasSubnet && n.PoolKind == "pool":
		return c.namespace + "_pool_" + stat, []string{"subnet", "pool"},
			[]string{strconv.FormatUint(uint64(n.Subnet), 10), strconv.FormatUint(n.Pool, 10)}
	case n.HasSubnet && n.PoolKind == "pd-pool":
		return c.namespace + "_pd_pool_" + stat, []string{"subnet", "pool"},
			[]string{strconv.FormatUint(uint64(n.Subnet), 10), strconv.FormatUint(n.Pool, 10)}
	case n.HasSubnet:
		return c.namespace + "_subnet_" + stat, []string{"subnet"},
			[]string{strconv.FormatUint(uint64(n.Subnet), 10)}
	}
	return c.namespace + "_" + stat, nil, nil
}

// metricName turns a Kea statistic name into a Prometheus metric name
// component: letters, digits and underscores.
func metricName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			return r
		}
		return '_'
	}, s)
}

var counterPrefixes = []string{"pkt4-", "pkt6-", "cumulative-", "reclaimed-", "v4-allocation-fail", "v6-allocation-fail"}
var counterSuffixes = []string{"-lease-reuses", "-reservation-conflicts"}

func valueType(stat string) prometheus.ValueType {
	for _, p := range counterPrefixes {
		if strings.HasPrefix(stat, p) {
			return prometheus.CounterValue
		}
	}
	for _, s := range counterSuffixes {
		if strings.HasSuffix(stat, s) {
			return prometheus.CounterValue
		}
	}
	return prometheus.GaugeValue
}

// Handler returns an http.Handler serving m's statistics, and the Go
// runtime's, in Prometheus' text format.
func Handler(m stats.Source, namespace string) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(m, namespace), prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
