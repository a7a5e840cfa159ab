package metrics_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"holdfast"
	"holdfast/client"
	"holdfast/metrics"
)

// fixedStats is a source with figures of the test's choosing.
type fixedStats holdfast.Stats

func (f fixedStats) Stats() holdfast.Stats { return holdfast.Stats(f) }

func TestServerCollector(t *testing.T) {
	st := (&holdfast.Server{}).Stats() // every state and reason, at zero
	st.ConnectionsAccepted, st.Requests, st.RequestsReused = 7, 30, 23
	st.Closed[holdfast.CloseIdleTimeout] = 5
	st.OpenByState[holdfast.StateIdle] = 2
	st.RequestsPerConnection = holdfast.Histogram{Count: 5, Sum: 30, Buckets: []holdfast.Bucket{{UpperBound: 1, Count: 1}, {UpperBound: 8, Count: 5}}}
	c := metrics.NewServerCollector(fixedStats(st))
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) != 0 {
		t.Fatalf("lint: %v %v", problems, err)
	}
	want := `
# HELP holdfast_connections_accepted_total Connections accepted.
# TYPE holdfast_connections_accepted_total counter
holdfast_connections_accepted_total 7
# HELP holdfast_requests_per_connection Requests each closed connection served.
# TYPE holdfast_requests_per_connection histogram
holdfast_requests_per_connection_bucket{le="1"} 1
holdfast_requests_per_connection_bucket{le="8"} 5
holdfast_requests_per_connection_bucket{le="+Inf"} 5
holdfast_requests_per_connection_sum 30
holdfast_requests_per_connection_count 5
# HELP holdfast_requests_reused_total Requests that arrived on a connection that had served one before.
# TYPE holdfast_requests_reused_total counter
holdfast_requests_reused_total 23
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "holdfast_connections_accepted_total",
		"holdfast_requests_per_connection", "holdfast_requests_reused_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(c, "holdfast_connections_closed_total"); n != len(holdfast.CloseReasons()) {
		t.Errorf("%d closed_total series, want one per reason (%d)", n, len(holdfast.CloseReasons()))
	}
	if n := testutil.CollectAndCount(c, "holdfast_connections_open"); n != 8 {
		t.Errorf("%d connections_open series, want 8 states", n)
	}
}

// A proxy's upstreams: one series set per upstream, with health where it
// is known.
func TestUpstreamCollector(t *testing.T) {
	stats := func(requests uint64) client.TransportStats {
		return client.TransportStats{Requests: requests, Closed: map[client.CloseReason]uint64{client.CloseStale: 2},
			Hosts: map[string]client.HostStats{"10.0.0.1:80": {Idle: 3, Active: 1}}}
	}
	c := metrics.NewUpstreamCollector(func() []metrics.UpstreamStats {
		return []metrics.UpstreamStats{
			{Name: "api", TransportStats: stats(10), Health: metrics.HealthUp},
			{Name: "static", TransportStats: stats(4), Health: metrics.HealthDown},
			{Name: "unchecked", TransportStats: stats(1)},
		}
	})
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) != 0 {
		t.Fatalf("lint: %v %v", problems, err)
	}
	want := `
# HELP holdfast_upstream_up Whether the upstream's last health check passed (1) or failed (0).
# TYPE holdfast_upstream_up gauge
holdfast_upstream_up{upstream="api"} 1
holdfast_upstream_up{upstream="static"} 0
# HELP holdfast_upstream_requests_total Requests sent to the upstream (RoundTrip calls).
# TYPE holdfast_upstream_requests_total counter
holdfast_upstream_requests_total{upstream="api"} 10
holdfast_upstream_requests_total{upstream="static"} 4
holdfast_upstream_requests_total{upstream="unchecked"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "holdfast_upstream_up", "holdfast_upstream_requests_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(c, "holdfast_upstream_connections_closed_total"); n != 3*len(client.CloseReasons()) {
		t.Errorf("%d closed_total series, want every reason of every upstream", n)
	}
	if n := testutil.CollectAndCount(c, "holdfast_upstream_pool_connections"); n != 9 {
		t.Errorf("%d pool series, want 3 states × 3 upstreams", n)
	}
}
