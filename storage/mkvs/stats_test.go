package mkvs

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestStore_Stats(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, dir, Options{KeepVersions: 1})
	tr, _ := s.Tree(s.EmptyRoot(RootState, 0))
	for v := uint64(1); v <= 3; v++ {
		tr.Insert([]byte{byte(v)}, []byte("x"))
		if _, _, err := tr.Commit(v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Prune(); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	// Keys 1, 2, 3 committed one per version write 1 node (a leaf), then 2
	// (leaf and internal node, the old leaf moves under it), then 3 (leaf,
	// internal node and a copy of the root); the replaced root is pruned.
	if st.Commits != 3 || st.NodesWritten != 6 || st.Latest[RootState] != 3 || st.Earliest[RootState] != 3 || st.NodesPruned != 1 {
		t.Fatalf("stats %+v", st)
	}
	s.Close()
	s = openTestStore(t, dir, Options{})
	defer s.Close()
	l, _ := s.LatestRoot(RootState)
	r, _ := s.Tree(l)
	if _, err := r.Get([]byte{2}); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.NodeReads == 0 || st.CacheNodes == 0 || st.CacheBytes == 0 {
		t.Fatalf("stats after a cold read %+v", st)
	}

	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(s.Collector("svm")); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			if m.GetCounter() != nil {
				got[key] = m.GetCounter().GetValue()
			} else {
				got[key] = m.GetGauge().GetValue()
			}
		}
	}
	for key, want := range map[string]float64{
		"atoll_mkvs_latest_version,runtime=svm,type=state":   3,
		"atoll_mkvs_latest_version,runtime=svm,type=io":      0,
		"atoll_mkvs_earliest_version,runtime=svm,type=state": 3,
		"atoll_mkvs_commits_total,runtime=svm":               0,
	} {
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", key, v, ok, want)
		}
	}
}
