package mkvs

import "github.com/prometheus/client_golang/prometheus"

// Collector exposes the store's Stats as Prometheus metrics labelled
// runtime=name. It reads Stats at each scrape and holds no state of its
// own; register one per store.
func (s *Store) Collector(name string) prometheus.Collector {
	return &collector{s: s, name: name}
}

type collector struct {
	s    *Store
	name string
}

var (
	metricCounters = []struct {
		desc *prometheus.Desc
		get  func(*Stats) uint64
	}{
		{prometheus.NewDesc("atoll_mkvs_commits_total", "Roots committed.", []string{"runtime"}, nil),
			func(s *Stats) uint64 { return s.Commits }},
		{prometheus.NewDesc("atoll_mkvs_nodes_written_total", "Tree nodes written by commits.", []string{"runtime"}, nil),
			func(s *Stats) uint64 { return s.NodesWritten }},
		{prometheus.NewDesc("atoll_mkvs_node_reads_total", "Tree nodes read from disk (node cache misses).", []string{"runtime"}, nil),
			func(s *Stats) uint64 { return s.NodeReads }},
		{prometheus.NewDesc("atoll_mkvs_nodes_pruned_total", "Tree nodes deleted by pruning.", []string{"runtime"}, nil),
			func(s *Stats) uint64 { return s.NodesPruned }},
	}
	metricCacheBytes = prometheus.NewDesc("atoll_mkvs_cache_bytes", "Node cache budget in use.", []string{"runtime"}, nil)
	metricLatest     = prometheus.NewDesc("atoll_mkvs_latest_version", "Latest committed version.", []string{"runtime", "type"}, nil)
	metricEarliest   = prometheus.NewDesc("atoll_mkvs_earliest_version", "Oldest version not pruned.", []string{"runtime", "type"}, nil)
)

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range metricCounters {
		ch <- m.desc
	}
	ch <- metricCacheBytes
	ch <- metricLatest
	ch <- metricEarliest
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.Stats()
	for _, m := range metricCounters {
		ch <- prometheus.MustNewConstMetric(m.desc, prometheus.CounterValue, float64(m.get(&st)), c.name)
	}
	ch <- prometheus.MustNewConstMetric(metricCacheBytes, prometheus.GaugeValue, float64(st.CacheBytes), c.name)
	for _, t := range []RootType{RootState, RootIO} {
		ch <- prometheus.MustNewConstMetric(metricLatest, prometheus.GaugeValue, float64(st.Latest[t]), c.name, t.String())
		ch <- prometheus.MustNewConstMetric(metricEarliest, prometheus.GaugeValue, float64(st.Earliest[t]), c.name, t.String())
	}
}
