package mkvs

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// liveNodes returns the ids reachable from the given roots.
func liveNodes(t testing.TB, s *Store, roots []Root) map[nodeID]bool {
	live := map[nodeID]bool{}
	for _, r := range roots {
		ids, err := s.reachable(r)
		if err != nil {
			t.Fatalf("walking %s: %v", r, err)
		}
		for _, id := range ids {
			live[id] = true
		}
	}
	return live
}

func TestStore_Prune(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 41))
	s := openTestStore(t, t.TempDir(), Options{KeepVersions: 3})
	defer s.Close()
	state, _ := s.Tree(s.EmptyRoot(RootState, 0))
	sm := model{}
	var states, ios []commitStep
	for v := uint64(1); v <= 15; v++ {
		for i := 0; i < 20; i++ {
			k, val := randKey(rng), randValue(rng)
			state.Insert(k, val)
			sm[string(k)] = string(val)
		}
		root, _, err := state.Commit(v)
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, commitStep{root: root, m: sm.clone()})
		// The IO tree starts empty every round.
		io, _ := s.Tree(s.EmptyRoot(RootIO, v))
		im := model{}
		for i := 0; i < 5; i++ {
			k := []byte(fmt.Sprintf("tx%d-%d", v, i))
			io.Insert(k, []byte("out"))
			im[string(k)] = "out"
		}
		ioRoot, _, err := io.Commit(v)
		if err != nil {
			t.Fatal(err)
		}
		ios = append(ios, commitStep{root: ioRoot, m: im})
	}
	if _, err := s.Prune(); err != nil {
		t.Fatal(err)
	}
	if err := s.PruneErr(); err != nil {
		t.Fatal(err)
	}
	for _, typ := range []RootType{RootState, RootIO} {
		if e := s.EarliestVersion(typ); e != 13 {
			t.Fatalf("earliest %s version %d, want 13", typ, e)
		}
	}
	var retained []Root
	for _, steps := range [][]commitStep{states, ios} {
		for _, st := range steps {
			tr, err := s.Tree(st.root)
			if st.root.Version < 13 {
				if !errors.Is(err, ErrVersionPruned) {
					t.Fatalf("opening pruned %s: %v", st.root, err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			checkTreeMatches(t, tr, st.m)
			retained = append(retained, st.root)
		}
	}
	// Exactly the nodes of the retained roots remain: no leak, no loss.
	if got, want := countNodes(t, s), len(liveNodes(t, s, retained)); got != want {
		t.Fatalf("%d nodes stored, %d reachable from retained roots", got, want)
	}
}

// Pruning must return disk space, which with Pebble takes a compaction of
// the deleted range.
func TestStore_PruneReclaimsDisk(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, dir, Options{}) // keep everything while writing
	tr, _ := s.Tree(s.EmptyRoot(RootState, 0))
	rng := rand.New(rand.NewPCG(42, 42))
	for v := uint64(1); v <= 12; v++ {
		for i := 0; i < 200; i++ {
			val := make([]byte, 4096) // incompressible, so sizes mean something
			for j := range val {
				val[j] = byte(rng.Uint32())
			}
			tr.Insert([]byte(fmt.Sprintf("key %08d", i)), val)
		}
		if _, _, err := tr.Commit(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	before := tableBytes(s)
	s.Close()

	s = openTestStore(t, dir, Options{KeepVersions: 1})
	defer s.Close()
	n, err := s.Prune()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prune(); err != nil { // compacts whatever the flush added
		t.Fatal(err)
	}
	after := tableBytes(s)
	t.Logf("pruned %d nodes; live sstable bytes %d → %d", n, before, after)
	if after*5 > before {
		t.Fatalf("pruning 11 of 12 versions left %d of %d bytes", after, before)
	}
}

// tableBytes is the disk taken by the sstables the database still uses.
// Files that compaction made obsolete are deleted by Pebble in the
// background, and the rest of its usage is write-ahead logs it recycles.
func tableBytes(s *Store) uint64 {
	m := s.db.Metrics()
	n := m.Table.ZombieSize
	for _, l := range m.Levels {
		n += uint64(l.Size)
	}
	return n
}

// Background pruning runs while commits and reads go on; run under -race.
func TestStore_PruneConcurrent(t *testing.T) {
	s := openTestStore(t, t.TempDir(), Options{KeepVersions: 2, CompactAfter: 500})
	defer s.Close()
	tr, _ := s.Tree(s.EmptyRoot(RootState, 0))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			l, ok := s.LatestRoot(RootState)
			if !ok {
				continue
			}
			r, err := s.Tree(l)
			if errors.Is(err, ErrVersionPruned) {
				continue
			}
			if err != nil {
				t.Error(err)
				return
			}
			// Reading a root that is pruned meanwhile may find nodes gone;
			// that must surface as ErrNodeMissing, never as wrong data.
			if _, err := r.Get([]byte("key 00000001")); err != nil && !errors.Is(err, ErrNodeMissing) && !errors.Is(err, ErrNotFound) {
				t.Error(err)
				return
			}
		}
	}()
	for v := uint64(1); v <= 60; v++ {
		for i := 0; i < 50; i++ {
			tr.Insert([]byte(fmt.Sprintf("key %08d", i)), []byte(fmt.Sprintf("value %d %d", v, i)))
		}
		if _, _, err := tr.Commit(v); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if _, err := s.Prune(); err != nil {
		t.Fatal(err)
	}
	if err := s.PruneErr(); err != nil {
		t.Fatal(err)
	}
	l, _ := s.LatestRoot(RootState)
	retained := []Root{l}
	if r, err := s.Tree(l); err != nil {
		t.Fatal(err)
	} else if v, err := r.Get([]byte("key 00000049")); err != nil || string(v) != "value 60 49" {
		t.Fatalf("latest root reads %q, %v", v, err)
	}
	if got, want := countNodes(t, s), len(liveNodes(t, s, retained)); got < want {
		t.Fatalf("%d nodes stored, fewer than the %d the latest root needs", got, want)
	}
}

// A tree that restarts from empty replaces its predecessor whole, whether
// that was written whole by one commit (listed without a walk), grew from
// an older root, or predates the store's reopening: pruning leaves exactly
// the retained roots' nodes.
func TestStore_PruneRestartedTrees(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, dir, Options{KeepVersions: 2})
	var roots []Root
	commit := func(v uint64, base Root, keys ...string) {
		t.Helper()
		tr, err := s.Tree(base)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if err := tr.Insert([]byte(k), []byte("v"+k)); err != nil {
				t.Fatal(err)
			}
		}
		r, _, err := tr.Commit(v)
		if err != nil {
			t.Fatal(err)
		}
		roots = append(roots, r)
	}
	commit(1, s.EmptyRoot(RootIO, 1), "a", "b", "c")
	commit(2, s.EmptyRoot(RootIO, 2), "d", "e")      // predecessor written whole
	commit(3, roots[1], "f")                         // grows from version 2
	commit(4, s.EmptyRoot(RootIO, 4), "g", "h", "i") // predecessor mixes versions 2 and 3
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTestStore(t, dir, Options{KeepVersions: 2})
	defer s.Close()
	commit(5, s.EmptyRoot(RootIO, 5), "j") // predecessor from before reopening
	commit(6, s.EmptyRoot(RootIO, 6), "k", "l")
	commit(7, roots[5])                      // carried over unchanged
	commit(8, s.EmptyRoot(RootIO, 8), "m")   // predecessor written whole at version 6
	commit(9, roots[7], "n")                 // grows from version 8
	commit(10, roots[8])                     // carried over unchanged
	commit(11, s.EmptyRoot(RootIO, 11), "o") // predecessor mixes versions 8 and 9
	if _, err := s.Prune(); err != nil {
		t.Fatal(err)
	}
	if got, want := countNodes(t, s), len(liveNodes(t, s, roots[9:])); got != want {
		t.Fatalf("%d nodes stored, %d reachable from the retained roots", got, want)
	}
	for _, r := range roots[9:] {
		if _, err := s.Tree(r); err != nil {
			t.Fatal(err)
		}
	}
}
