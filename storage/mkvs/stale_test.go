package mkvs

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/cockroachdb/pebble"
)

func TestStaleRuns_RoundTrip(t *testing.T) {
	id := func(v uint64, typ RootType, seq uint32) nodeID { return nodeID{version: v, typ: typ, seq: seq} }
	tests := []struct {
		name string
		ids  []nodeID
		runs int
	}{
		{"none", nil, 0},
		{"one", []nodeID{id(3, RootState, 7)}, 1},
		{"whole tree", []nodeID{id(5, RootIO, 0), id(5, RootIO, 1), id(5, RootIO, 2), id(5, RootIO, 3)}, 1},
		{"out of order", []nodeID{id(5, RootState, 2), id(5, RootState, 1), id(5, RootState, 3)}, 3},
		{"other version", []nodeID{id(5, RootState, 1), id(6, RootState, 2)}, 2},
		{"other type", []nodeID{id(5, RootState, 1), id(5, RootIO, 2)}, 2},
		{"last seq", []nodeID{id(5, RootState, math.MaxUint32-2), id(5, RootState, math.MaxUint32-1), id(5, RootState, math.MaxUint32)}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runs := staleRuns(tc.ids)
			if len(runs) != tc.runs {
				t.Fatalf("%d runs, want %d", len(runs), tc.runs)
			}
			enc := appendStaleRuns(nil, runs)
			got, err := decodeStaleRuns(enc)
			if err != nil {
				t.Fatal(err)
			}
			var ids []nodeID
			for _, r := range got {
				for i := uint32(0); i < r.count; i++ {
					n := r.first
					n.seq += i
					ids = append(ids, n)
				}
			}
			if !reflect.DeepEqual(ids, tc.ids) {
				t.Fatalf("runs name %v, want %v", ids, tc.ids)
			}
		})
	}
}

func TestDecodeStaleRuns_Rejects(t *testing.T) {
	run := func(typ RootType, seq, count uint32) []byte {
		return appendStaleRuns(nil, []staleRun{{first: nodeID{version: 1, typ: typ, seq: seq}, count: count}})
	}
	tests := []struct {
		name string
		b    []byte
	}{
		{"short", run(RootState, 0, 1)[:staleRunSize-1]},
		{"zero count", run(RootState, 0, 0)},
		{"no type", run(0, 0, 1)},
		{"bad type", run(9, 0, 1)},
		{"past the last seq", run(RootState, math.MaxUint32, 2)},
		{"ends at the last seq", run(RootState, math.MaxUint32-1, 2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := decodeStaleRuns(tc.b); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got %v, want ErrCorrupt", err)
			}
		})
	}
}

// FuzzDecodeStaleRuns: a damaged stale list is refused, never a panic,
// and what decodes encodes back to the same bytes.
func FuzzDecodeStaleRuns(f *testing.F) {
	f.Add(appendStaleRuns(nil, []staleRun{{first: nodeID{version: 2, typ: RootIO, seq: 0}, count: 100}}))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		runs, err := decodeStaleRuns(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error without sentinel: %v", err)
			}
			return
		}
		if again := appendStaleRuns(nil, runs); !bytes.Equal(again, b) {
			t.Fatal("stale list does not re-encode to itself")
		}
	})
}

// A store written before stale lists holds one record per stale node;
// pruning still deletes those nodes, next to the new lists.
func TestStore_PruneLegacyStaleRecords(t *testing.T) {
	s := openTestStore(t, t.TempDir(), Options{KeepVersions: 2})
	defer s.Close()
	st, _ := s.Tree(s.EmptyRoot(RootState, 0))
	var roots []Root
	for v := uint64(1); v <= 6; v++ {
		for i := 0; i < 40; i++ {
			st.Insert(benchKey(int(v)*7+i), benchValue(int(v)))
		}
		r, _, err := st.Commit(v)
		if err != nil {
			t.Fatal(err)
		}
		roots = append(roots, r)
		if v > 3 {
			continue
		}
		// Rewrite this version's stale lists as an older store had them.
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: staleListKey(RootState, v, 0), UpperBound: staleListKey(RootState, v+1, 0)})
		if err != nil {
			t.Fatal(err)
		}
		b := s.db.NewBatch()
		legacy := 0
		for it.First(); it.Valid(); it.Next() {
			runs, err := decodeStaleRuns(it.Value())
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range runs {
				for i := uint32(0); i < r.count; i++ {
					id := r.first
					id.seq += i
					b.Set(staleKey(RootState, v, id), nil, nil)
					legacy++
				}
			}
			b.Delete(append([]byte(nil), it.Key()...), nil)
		}
		it.Close()
		if err := b.Commit(pebble.Sync); err != nil {
			t.Fatal(err)
		}
		b.Close()
		if v > 1 && legacy == 0 {
			t.Fatalf("version %d made no node stale", v)
		}
	}
	if _, err := s.Prune(); err != nil {
		t.Fatal(err)
	}
	if got, want := countNodes(t, s), len(liveNodes(t, s, roots[4:])); got != want {
		t.Fatalf("%d nodes stored, %d reachable from the retained roots", got, want)
	}
	if n := countStaleRecords(t, s); n == 0 {
		t.Fatal("no stale records left for the retained versions")
	}
}

// countStaleRecords counts the stale records of both formats.
func countStaleRecords(t testing.TB, s *Store) int {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixStale}, UpperBound: []byte{prefixStale + 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n := 0
	for it.First(); it.Valid(); it.Next() {
		if len(it.Key()) == staleKeySize {
			t.Errorf("legacy stale record %x survived pruning", it.Key())
		}
		n++
	}
	return n
}
