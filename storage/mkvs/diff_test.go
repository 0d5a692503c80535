package mkvs

import (
	"math/rand/v2"
	"testing"
)

// commitRandomVersions commits n versions of random changes to a state tree
// and returns each root with its model snapshot.
func commitRandomVersions(t testing.TB, s *Store, rng *rand.Rand, n, opsPer int) []commitStep {
	t.Helper()
	tr, err := s.Tree(s.EmptyRoot(RootState, 0))
	if err != nil {
		t.Fatal(err)
	}
	m := model{}
	var steps []commitStep
	for v := 1; v <= n; v++ {
		for i := 0; i < opsPer; i++ {
			k := randKey(rng)
			if rng.IntN(3) == 0 {
				tr.Remove(k)
				delete(m, string(k))
			} else {
				val := randValue(rng)
				tr.Insert(k, val)
				m[string(k)] = string(val)
			}
		}
		root, wl, err := tr.Commit(uint64(v))
		if err != nil {
			t.Fatal(err)
		}
		steps = append(steps, commitStep{root, wl, m.clone()})
	}
	return steps
}

func TestStore_Diff(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 21))
	s := openTestStore(t, t.TempDir(), Options{CacheBytes: 8 << 10})
	defer s.Close()
	steps := commitRandomVersions(t, s, rng, 12, 25)
	steps = append(steps, commitStep{root: s.EmptyRoot(RootState, 0), m: model{}})
	for _, a := range steps {
		for _, b := range steps {
			wl, err := s.Diff(a.root, b.root)
			if err != nil {
				t.Fatal(err)
			}
			if want := diffModels(a.m, b.m); !equalLogs(wl, want) {
				t.Fatalf("diff %s → %s: %v, want %v", a.root, b.root, wl, want)
			}
		}
	}
	if _, err := s.Diff(steps[0].root, Root{Namespace: testNS, Type: RootState, Version: 99, Hash: Hash{1}}); err == nil {
		t.Fatal("diff to an unknown root succeeded")
	}
}

func TestDiffTrees_Memory(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 22))
	for i := 0; i < 50; i++ {
		a, ma := buildTree(t, rng, rng.IntN(30))
		b, mb := buildTree(t, rng, rng.IntN(30))
		wl, err := DiffTrees(a, b)
		if err != nil {
			t.Fatal(err)
		}
		if want := diffModels(ma, mb); !equalLogs(wl, want) {
			t.Fatalf("diff %v, want %v", wl, want)
		}
		// Applying the diff turns a into b.
		if err := a.ApplyWriteLog(wl); err != nil {
			t.Fatal(err)
		}
		if a.Hash() != b.Hash() {
			t.Fatal("applying the diff does not reproduce the target root")
		}
	}
}
