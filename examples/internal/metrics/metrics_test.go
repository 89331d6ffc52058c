package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/dhcpsrv/dhcpsrv/stats"
)

func TestCollectorFamiliesAndLabels(t *testing.T) {
	m := stats.New()
	m.Int("pkt4-received").Add(5)
	m.Int(stats.SubnetName(1, "assigned-addresses")).Set(7)
	m.Int(stats.SubnetName(2, "assigned-addresses")).Set(3)
	m.Int(stats.PoolName(1, 0, "total-addresses")).Set(100)
	m.Int(stats.PDPoolName(3, 2, "assigned-pds")).Set(4)
	m.Int(stats.SubnetName(1, "cumulative-assigned-addresses")).Add(9)

	c := NewCollector(m, "")
	want := `
# HELP dhcp_pkt4_received Kea statistic pkt4-received.
# TYPE dhcp_pkt4_received counter
dhcp_pkt4_received 5
# HELP dhcp_subnet_assigned_addresses Kea statistic assigned-addresses.
# TYPE dhcp_subnet_assigned_addresses gauge
dhcp_subnet_assigned_addresses{subnet="1"} 7
dhcp_subnet_assigned_addresses{subnet="2"} 3
# HELP dhcp_subnet_cumulative_assigned_addresses Kea statistic cumulative-assigned-addresses.
# TYPE dhcp_subnet_cumulative_assigned_addresses counter
dhcp_subnet_cumulative_assigned_addresses{subnet="1"} 9
# HELP dhcp_pool_total_addresses Kea statistic total-addresses.
# TYPE dhcp_pool_total_addresses gauge
dhcp_pool_total_addresses{pool="0",subnet="1"} 100
# HELP dhcp_pd_pool_assigned_pds Kea statistic assigned-pds.
# TYPE dhcp_pd_pool_assigned_pds gauge
dhcp_pd_pool_assigned_pds{pool="2",subnet="3"} 4
`
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(want)))

	// A statistic removed from the manager disappears from the next scrape.
	require.NoError(t, m.Remove(stats.SubnetName(2, "assigned-addresses")))
	n, err := testutil.GatherAndCount(registry(c), "dhcp_subnet_assigned_addresses")
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

func registry(c prometheus.Collector) *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(c)
	return r
}

func TestHandlerServesTextFormat(t *testing.T) {
	m := stats.New()
	m.Int("pkt4-ack-sent").Add(2)
	srv := httptest.NewServer(Handler(m, "dhcp4d"))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	require.Contains(t, string(body), "dhcp4d_pkt4_ack_sent 2")
	require.Contains(t, string(body), "go_goroutines")
}

func TestMetricName(t *testing.T) {
	require.Equal(t, "v4_allocation_fail_no_pools", metricName("v4-allocation-fail-no-pools"))
	require.Equal(t, prometheus.CounterValue, valueType("v6-ia-na-lease-reuses"))
	require.Equal(t, prometheus.GaugeValue, valueType("declined-addresses"))
}
