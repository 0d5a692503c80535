package mkvs

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestStore_CommitRoots checks that committing without write logs stores
// exactly what CommitTrees stores: the same roots, round after round of
// random changes to a state and a fresh IO tree, with the same diffs.
func TestStore_CommitRoots(t *testing.T) {
	withLogs := openTestStore(t, t.TempDir(), Options{})
	defer withLogs.Close()
	without := openTestStore(t, t.TempDir(), Options{})
	defer without.Close()
	rng := rand.New(rand.NewPCG(3, 3))
	stA, _ := withLogs.Tree(withLogs.EmptyRoot(RootState, 0))
	stB, _ := without.Tree(without.EmptyRoot(RootState, 0))
	for v := uint64(1); v <= 8; v++ {
		ioA, _ := withLogs.Tree(withLogs.EmptyRoot(RootIO, v))
		ioB, _ := without.Tree(without.EmptyRoot(RootIO, v))
		for i := 0; i < 300; i++ {
			k, val := benchKey(rng.IntN(1000)), benchValue(rng.IntN(1e6))
			remove := rng.IntN(5) == 0
			for _, tr := range []*Tree{stA, stB} {
				var err error
				if remove {
					err = tr.Remove(k)
				} else {
					err = tr.Insert(k, val)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			for _, tr := range []*Tree{ioA, ioB} {
				if err := tr.Insert(benchKey(i), val); err != nil {
					t.Fatal(err)
				}
			}
		}
		rootsA, logs, err := withLogs.CommitTrees(v, stA, ioA)
		if err != nil {
			t.Fatal(err)
		}
		rootsB, err := without.CommitRoots(v, stB, ioB)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(rootsA, rootsB) {
			t.Fatalf("version %d: roots %v with logs, %v without", v, rootsA, rootsB)
		}
		prev, _, err := without.RootAt(RootState, v-1)
		if v == 1 {
			prev, err = without.EmptyRoot(RootState, 0), nil
		}
		if err != nil {
			t.Fatal(err)
		}
		d, err := without.Diff(prev, rootsB[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(d) != len(logs[0]) || (len(d) > 0 && !reflect.DeepEqual(d, logs[0])) {
			t.Fatalf("version %d: diff of %d entries, CommitTrees logged %d", v, len(d), len(logs[0]))
		}
	}
}
