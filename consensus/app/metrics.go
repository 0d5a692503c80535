package app

import (
	"errors"
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/atoll-dev/atoll/consensus/epochtime"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/scheduler"
	"github.com/atoll-dev/atoll/consensus/state"
)

// Metrics are atoll's per-service Prometheus metrics.
type Metrics struct {
	height    prometheus.Gauge
	epoch     prometheus.Gauge
	nodes     prometheus.Gauge
	runtimes  prometheus.Gauge
	suspended prometheus.Gauge
	committee *prometheus.GaugeVec
	txs       *prometheus.CounterVec
	slashes   prometheus.Counter
}

// NewMetrics creates the metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		height:    prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "atoll", Subsystem: "consensus", Name: "height", Help: "Last committed block height."}),
		epoch:     prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "atoll", Subsystem: "epochtime", Name: "epoch", Help: "Current epoch."}),
		nodes:     prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "atoll", Subsystem: "registry", Name: "nodes", Help: "Registered, unexpired nodes."}),
		runtimes:  prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "atoll", Subsystem: "registry", Name: "runtimes", Help: "Registered runtimes."}),
		suspended: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "atoll", Subsystem: "registry", Name: "suspended_runtimes", Help: "Suspended runtimes."}),
		committee: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "atoll", Subsystem: "scheduler", Name: "committee_size", Help: "Members of each runtime's committees."}, []string{"runtime", "kind"}),
		txs:       prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "atoll", Subsystem: "consensus", Name: "transactions_total", Help: "Transactions by phase and result code."}, []string{"phase", "code"}),
		slashes:   prometheus.NewCounter(prometheus.CounterOpts{Namespace: "atoll", Subsystem: "staking", Name: "slashes_total", Help: "Slashing events."}),
	}
	// A node restarted in the same process registers again; it takes over
	// the collectors already registered.
	register := func(c prometheus.Collector) (prometheus.Collector, error) {
		err := reg.Register(c)
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			return are.ExistingCollector, nil
		}
		return c, err
	}
	for _, p := range []*prometheus.Gauge{&m.height, &m.epoch, &m.nodes, &m.runtimes, &m.suspended} {
		c, err := register(*p)
		if err != nil {
			return nil, fmt.Errorf("app: registering metrics: %w", err)
		}
		*p = c.(prometheus.Gauge)
	}
	c, err := register(m.committee)
	if err != nil {
		return nil, fmt.Errorf("app: registering metrics: %w", err)
	}
	m.committee = c.(*prometheus.GaugeVec)
	if c, err = register(m.txs); err != nil {
		return nil, fmt.Errorf("app: registering metrics: %w", err)
	}
	m.txs = c.(*prometheus.CounterVec)
	if c, err = register(m.slashes); err != nil {
		return nil, fmt.Errorf("app: registering metrics: %w", err)
	}
	m.slashes = c.(prometheus.Counter)
	return m, nil
}

func (a *App) metrics() *Metrics { return a.opts.Metrics }

func (m *Metrics) observeTx(phase string, code uint32) {
	if m == nil {
		return
	}
	m.txs.WithLabelValues(phase, fmt.Sprint(code)).Inc()
}

// observeEvents counts the events that have counters. Events of a block
// are counted when it is finalized; a block is finalized once per node.
func (m *Metrics) observeEvents(evs []abci.Event) {
	if m == nil {
		return
	}
	for _, e := range evs {
		if e.Type == "staking.slashed" {
			m.slashes.Inc()
		}
	}
}

func (m *Metrics) observeBlock(kv state.KV, height int64, epochChanged bool) {
	if m == nil {
		return
	}
	m.height.Set(float64(height))
	if !epochChanged {
		return
	}
	epoch := epochtime.Get(kv).Epoch
	m.epoch.Set(float64(epoch))
	var nodes, runtimes, suspended int
	registry.Nodes(kv, func(n *registry.Node) bool {
		if !n.IsExpired(epoch) {
			nodes++
		}
		return true
	})
	registry.Runtimes(kv, func(r *registry.Runtime) bool {
		runtimes++
		if registry.GetRuntimeStatus(kv, r.ID).Suspended {
			suspended++
		}
		return true
	})
	m.nodes.Set(float64(nodes))
	m.runtimes.Set(float64(runtimes))
	m.suspended.Set(float64(suspended))
	for _, c := range scheduler.Committees(kv) {
		m.committee.WithLabelValues(c.Runtime.String(), string(c.Kind)).Set(float64(len(c.Members)))
	}
}
