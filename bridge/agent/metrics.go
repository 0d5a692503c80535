package agent

import (
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are an agent process's Prometheus metrics, all labelled with the
// agent's role.
type Metrics struct {
	Registry *prometheus.Registry

	Polls      *prometheus.CounterVec // atoll_agent_polls_total{agent}
	PollErrors *prometheus.CounterVec // atoll_agent_poll_errors_total{agent}
	LastPoll   *prometheus.GaugeVec   // atoll_agent_last_poll_timestamp_seconds{agent}
	Actions    *prometheus.CounterVec // atoll_agent_actions_total{agent,action}
}

// NewMetrics returns a fresh set of metrics in its own registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Polls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "atoll_agent_polls_total",
			Help: "Completed poll rounds."}, []string{"agent"}),
		PollErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "atoll_agent_poll_errors_total",
			Help: "Poll rounds that ended in an error."}, []string{"agent"}),
		LastPoll: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "atoll_agent_last_poll_timestamp_seconds",
			Help: "Unix time of the last completed poll round."}, []string{"agent"}),
		Actions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "atoll_agent_actions_total",
			Help: "What the agent did: signed, submitted, relayed, processed, fraud, ..."}, []string{"agent", "action"}),
	}
	m.Registry.MustRegister(m.Polls, m.PollErrors, m.LastPoll, m.Actions,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// Serve exposes /metrics on addr until the returned server is closed.
func (m *Metrics) Serve(addr string) (*http.Server, net.Addr, error) {
	ls, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ls); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener closed under us; nothing to report to
		}
	}()
	return srv, ls.Addr(), nil
}
