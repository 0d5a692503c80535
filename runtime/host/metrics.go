package host

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Collector exposes the supervision counters and state of h as Prometheus
// metrics, labelled runtime=name. It reads Status at each scrape, so it holds
// no state of its own; register one per Host.
func (h *Host) Collector(name string) prometheus.Collector {
	return &collector{h: h, name: name}
}

type collector struct {
	h    *Host
	name string
}

var (
	metricReady = prometheus.NewDesc("atoll_runtime_host_ready",
		"1 when the runtime has handshaken and serves calls, else 0.", []string{"runtime"}, nil)
	metricState = prometheus.NewDesc("atoll_runtime_host_state",
		"Supervisor state: 0 starting, 1 ready, 2 backoff, 3 closed.", []string{"runtime"}, nil)
	counterDescs = []struct {
		desc *prometheus.Desc
		get  func(Counters) uint64
	}{
		{prometheus.NewDesc("atoll_runtime_host_starts_total", "Runtime processes started.", []string{"runtime"}, nil),
			func(c Counters) uint64 { return c.Starts }},
		{prometheus.NewDesc("atoll_runtime_host_crashes_total", "Runtimes that exited or closed their socket.", []string{"runtime"}, nil),
			func(c Counters) uint64 { return c.Crashes }},
		{prometheus.NewDesc("atoll_runtime_host_hangs_total", "Runtimes killed for leaving a request or ping unanswered.", []string{"runtime"}, nil),
			func(c Counters) uint64 { return c.Hangs }},
		{prometheus.NewDesc("atoll_runtime_host_protocol_errors_total", "Runtimes killed for breaking the protocol.", []string{"runtime"}, nil),
			func(c Counters) uint64 { return c.ProtocolErrors }},
		{prometheus.NewDesc("atoll_runtime_host_version_mismatches_total", "Runtimes refused for another major protocol version.", []string{"runtime"}, nil),
			func(c Counters) uint64 { return c.VersionMismatches }},
		{prometheus.NewDesc("atoll_runtime_host_start_failures_total", "Runtimes that could not be started or did not handshake in time.", []string{"runtime"}, nil),
			func(c Counters) uint64 { return c.StartFailures }},
		{prometheus.NewDesc("atoll_runtime_host_restarts_total", "Restarts after any failure.", []string{"runtime"}, nil),
			func(c Counters) uint64 { return c.Restarts }},
	}
)

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- metricReady
	ch <- metricState
	for _, d := range counterDescs {
		ch <- d.desc
	}
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	st := c.h.Status()
	ready := 0.0
	if st.State == StateReady {
		ready = 1
	}
	ch <- prometheus.MustNewConstMetric(metricReady, prometheus.GaugeValue, ready, c.name)
	ch <- prometheus.MustNewConstMetric(metricState, prometheus.GaugeValue, float64(st.State), c.name)
	for _, d := range counterDescs {
		ch <- prometheus.MustNewConstMetric(d.desc, prometheus.CounterValue, float64(d.get(st.Counters)), c.name)
	}
}
