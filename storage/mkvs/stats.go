package mkvs

import "sync/atomic"

// Stats are a store's counters since it was opened, for monitoring.
type Stats struct {
	Commits      uint64 // roots committed (restores included)
	NodesWritten uint64 // nodes written by commits
	NodeReads    uint64 // nodes read from the database (cache misses)
	NodesPruned  uint64 // nodes deleted by pruning
	CacheBytes   int64  // node cache budget in use
	CacheNodes   int    // nodes in the cache
	// Latest and Earliest are per root type (index RootState, RootIO):
	// the latest committed version (0 if none) and the oldest one kept.
	Latest   [3]uint64
	Earliest [3]uint64
}

// counters are the atomically updated parts of Stats.
type counters struct {
	commits, nodesWritten, nodeReads, nodesPruned atomic.Uint64
}

// Stats returns the store's counters. It is safe to call concurrently with
// anything.
func (s *Store) Stats() Stats {
	st := Stats{
		Commits:      s.counters.commits.Load(),
		NodesWritten: s.counters.nodesWritten.Load(),
		NodeReads:    s.counters.nodeReads.Load(),
		NodesPruned:  s.counters.nodesPruned.Load(),
	}
	s.cache.mu.Lock()
	st.CacheBytes, st.CacheNodes = s.cache.used, s.cache.count
	s.cache.mu.Unlock()
	s.mu.Lock()
	for _, t := range []RootType{RootState, RootIO} {
		if l := s.latest[t]; l != nil {
			st.Latest[t] = l.Version
		}
		st.Earliest[t] = s.earliest[t]
	}
	s.mu.Unlock()
	return st
}
