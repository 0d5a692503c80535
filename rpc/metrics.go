package rpc

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the server's Prometheus instruments; nil until
// RegisterMetrics is called, and every use checks.
type metrics struct {
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	wsConnections prometheus.Gauge
	subscriptions *prometheus.GaugeVec
}

// RegisterMetrics creates the server's metrics on reg:
//
//	atoll_rpc_requests_total{method,outcome}      JSON-RPC calls (outcome "ok" or the error code)
//	atoll_rpc_request_duration_seconds{method}    time to answer a call
//	atoll_rpc_ws_connections                      open websocket connections
//	atoll_rpc_ws_subscriptions{kind}              live subscriptions
//
// Unknown method names are counted as "unknown", so clients cannot grow the
// label set. Call it once, before Serve.
func (s *Server) RegisterMetrics(reg prometheus.Registerer) error {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "atoll_rpc_requests_total",
			Help: "JSON-RPC calls answered, by method and outcome (ok or the JSON-RPC error code)."}, []string{"method", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "atoll_rpc_request_duration_seconds",
			Help: "Time to answer a JSON-RPC call.", Buckets: prometheus.ExponentialBuckets(50e-6, 4, 9)}, []string{"method"}),
		wsConnections: prometheus.NewGauge(prometheus.GaugeOpts{Name: "atoll_rpc_ws_connections", Help: "Open websocket connections."}),
		subscriptions: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "atoll_rpc_ws_subscriptions",
			Help: "Live websocket subscriptions, by kind."}, []string{"kind"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.wsConnections, m.subscriptions} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	s.metrics = m
	return nil
}

var subKindNames = [...]string{"account", "program", "signature", "slot", "logs", "root"}

func (s *Server) observe(method string, start time.Time, rerr *Error) {
	m := s.metrics
	if m == nil {
		return
	}
	if _, known := s.methods[method]; !known {
		method = "unknown"
	}
	outcome := "ok"
	if rerr != nil {
		outcome = itoa(rerr.Code)
	}
	m.requests.WithLabelValues(method, outcome).Inc()
	m.duration.WithLabelValues(method).Observe(time.Since(start).Seconds())
}

func (s *Server) subscriptionsChanged(kind subKind, delta float64) {
	if s.metrics != nil {
		s.metrics.subscriptions.WithLabelValues(subKindNames[kind]).Add(delta)
	}
}

func (s *Server) wsConnectionsChanged(delta float64) {
	if s.metrics != nil {
		s.metrics.wsConnections.Add(delta)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
