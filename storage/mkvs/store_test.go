package mkvs

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/pebble"
)

var testNS = Namespace{0xa7, 0x01}

func openTestStore(t testing.TB, dir string, opts Options) *Store {
	t.Helper()
	opts.Namespace = testNS
	if opts.CacheBytes == 0 {
		opts.CacheBytes = 1 << 20
	}
	opts.NoSync = true
	if opts.Logger == nil {
		opts.Logger = quietLogger{}
	}
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// commitStep is one committed version of the metamorphic run.
type commitStep struct {
	root Root
	wl   WriteLog
	m    model
}

// TestStore_Metamorphic runs random operations against a store and the
// reference model, committing, closing and reopening at random points, and
// checks every committed version against the model's snapshot. A tiny node
// cache makes most reads go to Pebble. Replaying the write logs into a
// second store must reproduce every root.
func TestStore_Metamorphic(t *testing.T) {
	first, seeds, ops := uint64(0), uint64(3), 800
	if raceEnabled {
		// One run, in the configuration with background pruning.
		first, ops = 2, 300
	}
	// Like Pebble's metamorphic test, the same kind of run goes through
	// several configurations; all must agree with the model.
	configs := []Options{
		{CacheBytes: 4 << 10},                   // almost every read hits Pebble
		{CacheBytes: 64 << 20},                  // everything cached
		{CacheBytes: 16 << 10, KeepVersions: 4}, // background pruning
	}
	for seed := first; seed < seeds; seed++ {
		cfg := configs[seed%uint64(len(configs))]
		rng := rand.New(rand.NewPCG(seed, 3))
		dir := t.TempDir()
		s := openTestStore(t, dir, cfg)
		tr, err := s.Tree(s.EmptyRoot(RootState, 0))
		if err != nil {
			t.Fatal(err)
		}
		m := model{}
		prev := model{}
		var steps []commitStep
		version := uint64(0)
		for op := 0; op < ops; op++ {
			k := randKey(rng)
			switch x := rng.IntN(100); {
			case x < 50:
				v := randValue(rng)
				if err := tr.Insert(k, v); err != nil {
					t.Fatal(err)
				}
				m[string(k)] = string(v)
			case x < 80:
				if err := tr.Remove(k); err != nil {
					t.Fatal(err)
				}
				delete(m, string(k))
			case x < 90:
				version += uint64(1 + rng.IntN(2))
				pending, err := tr.WriteLog()
				if err != nil {
					t.Fatal(err)
				}
				root, wl, err := tr.Commit(version)
				if err != nil {
					t.Fatal(err)
				}
				if !equalLogs(pending, wl) {
					t.Fatalf("WriteLog before commit %v, Commit's %v", pending, wl)
				}
				if want := diffModels(prev, m); !equalLogs(wl, want) {
					t.Fatalf("seed %d v%d: write log %v, want %v", seed, version, wl, want)
				}
				if root.Hash != m.refRoot() {
					t.Fatalf("seed %d v%d: root %s, reference %s", seed, version, root.Hash, m.refRoot())
				}
				prev = m.clone()
				steps = append(steps, commitStep{root, wl, prev})
			case x < 93:
				// Close and reopen: uncommitted changes are lost.
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				s = openTestStore(t, dir, cfg)
				base := s.EmptyRoot(RootState, 0)
				if l, ok := s.LatestRoot(RootState); ok {
					base = l
				}
				if len(steps) > 0 && base != steps[len(steps)-1].root {
					t.Fatalf("reopened latest %s, want %s", base, steps[len(steps)-1].root)
				}
				if tr, err = s.Tree(base); err != nil {
					t.Fatal(err)
				}
				m = prev.clone()
			case x < 97 && len(steps) > 0:
				st := steps[rng.IntN(len(steps))]
				// Outside the retention window a root may be pruned at
				// any moment; inside it, it must be intact.
				retained := cfg.KeepVersions == 0 || st.root.Version+cfg.KeepVersions > version
				old, err := s.Tree(st.root)
				if !retained && errors.Is(err, ErrVersionPruned) {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if !retained {
					// Opened just before pruning; reads may find nodes gone.
					it := old.NewIterator(nil, nil)
					for it.First(); it.Valid(); it.Next() {
					}
					if it.Err() != nil && !errors.Is(it.Err(), ErrNodeMissing) {
						t.Fatal(it.Err())
					}
					continue
				}
				checkTreeMatches(t, old, st.m)
				// Proofs from a persisted tree verify against its root.
				keys := [][]byte{randKey(rng), randKey(rng)}
				p, err := old.Prove(keys...)
				if err != nil {
					t.Fatal(err)
				}
				res, err := VerifyProof(st.root.Hash, p, keys...)
				if err != nil {
					t.Fatalf("proof on %s: %v", st.root, err)
				}
				for i, k := range keys {
					v, ok := st.m[string(k)]
					if res[i].Found != ok || string(res[i].Value) != v {
						t.Fatalf("proof of %q on %s: %q,%v; want %q,%v", k, st.root, res[i].Value, res[i].Found, v, ok)
					}
				}
			default:
				checkTreeMatches(t, tr, m)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}

		// Replay into a fresh store.
		r := openTestStore(t, t.TempDir(), Options{})
		prevRoot := r.EmptyRoot(RootState, 0)
		for _, st := range steps {
			// Through the wire encoding, as a storage node receives it.
			enc, err := st.wl.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var wl WriteLog
			if err := wl.UnmarshalBinary(enc); err != nil {
				t.Fatal(err)
			}
			if err := r.ApplyWriteLog(prevRoot, wl, st.root); err != nil {
				t.Fatalf("replaying %s: %v", st.root, err)
			}
			prevRoot = st.root
		}
		r.Close()
	}
}

func equalLogs(a, b WriteLog) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i].Key, b[i].Key) || !bytes.Equal(a[i].Value, b[i].Value) || a[i].Deleted != b[i].Deleted {
			return false
		}
	}
	return true
}

func TestStore_ApplyWriteLog(t *testing.T) {
	s := openTestStore(t, t.TempDir(), Options{})
	defer s.Close()
	empty := s.EmptyRoot(RootState, 0)
	tr, _ := s.Tree(empty)
	for i := 0; i < 20; i++ {
		tr.Insert([]byte{byte(i)}, []byte{byte(i), 1})
	}
	root1, wl1, err := tr.Commit(1)
	if err != nil {
		t.Fatal(err)
	}
	tr.Insert([]byte{3}, []byte("x"))
	tr.Remove([]byte{4})
	root2, wl2, err := tr.Commit(2)
	if err != nil {
		t.Fatal(err)
	}
	if len(wl2) != 2 || !wl2[1].Deleted {
		t.Fatalf("write log %v", wl2)
	}

	other := openTestStore(t, t.TempDir(), Options{})
	defer other.Close()
	tampered := append(WriteLog(nil), wl1...)
	tampered[5].Value = []byte("evil")
	tests := []struct {
		name    string
		prev    Root
		wl      WriteLog
		claimed Root
		want    error
	}{
		{"wrong value", empty, tampered, root1, ErrRootMismatch},
		{"missing entry", empty, wl1[1:], root1, ErrRootMismatch},
		{"unsorted", empty, WriteLog{wl1[1], wl1[0]}, root1, ErrMalformedLog},
		{"unknown base", root1, wl2, root2, ErrRootNotFound},
		{"other namespace", empty, wl1, Root{Type: RootState, Version: 1, Hash: root1.Hash}, ErrRootMismatch},
		{"ok", empty, wl1, root1, nil},
		{"ok again", root1, wl2, root2, nil},
		{"stale version", root1, wl2, root2, ErrBadVersion},
	}
	for _, tc := range tests {
		err := other.ApplyWriteLog(tc.prev, tc.wl, tc.claimed)
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if l, _ := other.LatestRoot(RootState); l != root2 {
		t.Fatalf("latest %s, want %s", l, root2)
	}
}

func TestStore_Errors(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, dir, Options{})
	tr, _ := s.Tree(s.EmptyRoot(RootState, 0))
	tr.Insert([]byte("a"), []byte("1"))
	r1, _, err := tr.Commit(5)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := tr.Commit(5); !errors.Is(err, ErrBadVersion) {
		t.Errorf("recommit at same version: %v", err)
	}
	old, _ := s.Tree(s.EmptyRoot(RootState, 0))
	old.Insert([]byte("b"), []byte("2"))
	// A tree restarted from empty may commit (it replaces the state).
	if _, err := s.Tree(Root{Namespace: testNS, Type: RootState, Version: 4, Hash: r1.Hash}); !errors.Is(err, ErrRootNotFound) {
		t.Errorf("wrong version: %v", err)
	}
	if _, err := s.Tree(Root{Namespace: testNS, Type: RootState, Version: 5, Hash: Hash{1}}); !errors.Is(err, ErrRootNotFound) {
		t.Errorf("wrong hash: %v", err)
	}
	if _, err := s.Tree(Root{Namespace: Namespace{9}, Type: RootState, Version: 5, Hash: r1.Hash}); !errors.Is(err, ErrNamespace) {
		t.Errorf("wrong namespace: %v", err)
	}
	if _, err := s.Tree(Root{Namespace: testNS, Type: 7, Version: 5, Hash: r1.Hash}); !errors.Is(err, ErrRootNotFound) {
		t.Errorf("bad type: %v", err)
	}
	stale, _ := s.Tree(r1)
	tr.Insert([]byte("c"), []byte("3"))
	if _, _, err := tr.Commit(6); err != nil {
		t.Fatal(err)
	}
	stale.Insert([]byte("d"), []byte("4"))
	if _, _, err := stale.Commit(7); !errors.Is(err, ErrNotLatest) {
		t.Errorf("commit from an old root: %v", err)
	}
	if _, _, err := NewTree().Commit(1); !errors.Is(err, ErrNoStore) {
		t.Errorf("memory tree commit: %v", err)
	}
	s.Close()
	if err := s.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("double close: %v", err)
	}
	if _, err := Open(dir, Options{Namespace: Namespace{9}}); !errors.Is(err, ErrNamespace) {
		t.Errorf("reopen with other namespace: %v", err)
	}
}

// quietLogger drops Pebble's informational messages; a fatal one fails
// loudly instead of exiting the test binary.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any) {}

func (quietLogger) Fatalf(format string, args ...any) { panic(errCrash{fmt.Sprintf(format, args...)}) }

// countNodes returns the number of stored nodes.
func countNodes(t testing.TB, s *Store) int {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixNode}, UpperBound: []byte{prefixNode + 1}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for it.First(); it.Valid(); it.Next() {
		n++
	}
	it.Close()
	return n
}

// Damaged records the store reads at open are reported as corruption.
func TestStore_OpenDetectsBadRecords(t *testing.T) {
	tests := []struct {
		name string
		key  []byte
		val  []byte
	}{
		{"empty metadata", metaKey(), nil},
		{"short metadata", metaKey(), []byte{storeFormat}},
		{"earliest record", earliestKey(RootState), []byte{1, 2}},
		{"root record", rootKey(RootState, 9), []byte{1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openTestStore(t, dir, Options{})
			if err := s.db.Set(tc.key, tc.val, nil); err != nil {
				t.Fatal(err)
			}
			s.Close()
			if _, err := Open(dir, Options{Namespace: testNS, Logger: quietLogger{}}); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("open: %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestStore_RootAtAndAdoptNamespace(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, dir, Options{KeepVersions: 2})
	tr, _ := s.Tree(s.EmptyRoot(RootState, 0))
	var roots []Root
	for v := uint64(1); v <= 4; v++ {
		tr.Insert([]byte{byte(v)}, []byte{1})
		r, _, err := tr.Commit(v)
		if err != nil {
			t.Fatal(err)
		}
		roots = append(roots, r)
	}
	if _, err := s.Prune(); err != nil {
		t.Fatal(err)
	}
	if r, ok, err := s.RootAt(RootState, 4); err != nil || !ok || r != roots[3] {
		t.Fatalf("RootAt(4) = %s, %v, %v", r, ok, err)
	}
	if _, ok, err := s.RootAt(RootState, 9); err != nil || ok {
		t.Fatalf("RootAt(9) = %v, %v", ok, err)
	}
	if _, _, err := s.RootAt(RootState, 1); !errors.Is(err, ErrVersionPruned) {
		t.Fatalf("RootAt(pruned) = %v", err)
	}
	s.Close()
	a, err := Open(dir, Options{AdoptNamespace: true, Logger: quietLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Namespace() != testNS {
		t.Fatalf("adopted namespace %x", a.Namespace())
	}
	a.Close()
	if _, err := Open(t.TempDir(), Options{AdoptNamespace: true, Logger: quietLogger{}}); err == nil {
		t.Fatal("inspecting an empty directory succeeded")
	}
}

func TestStore_CommitTrees(t *testing.T) {
	s := openTestStore(t, t.TempDir(), Options{})
	defer s.Close()
	state, _ := s.Tree(s.EmptyRoot(RootState, 0))
	state.Insert([]byte("acct"), []byte("1"))
	io, _ := s.Tree(s.EmptyRoot(RootIO, 1))
	io.Insert([]byte("tx"), []byte("ok"))
	roots, logs, err := s.CommitTrees(1, state, io)
	if err != nil {
		t.Fatal(err)
	}
	if roots[0].Type != RootState || roots[1].Type != RootIO || len(logs[0]) != 1 || len(logs[1]) != 1 {
		t.Fatalf("roots %v logs %v", roots, logs)
	}
	for _, r := range roots {
		if l, _ := s.LatestRoot(r.Type); l != r {
			t.Fatalf("latest %s root %s, want %s", r.Type, l, r)
		}
	}

	// One invalid tree fails the whole commit; the other is untouched.
	state.Insert([]byte("acct"), []byte("2"))
	staleIO, _ := s.Tree(s.EmptyRoot(RootIO, 0))
	other, _ := s.Tree(roots[1])
	other.Insert([]byte("tx2"), []byte("ok"))
	if _, _, err := other.Commit(2); err != nil {
		t.Fatal(err)
	}
	staleBase, _ := s.Tree(roots[1]) // no longer the latest io root
	staleBase.Insert([]byte("x"), []byte("y"))
	if _, _, err := s.CommitTrees(3, state, staleBase); !errors.Is(err, ErrNotLatest) {
		t.Fatalf("commit with a stale tree: %v", err)
	}
	if l, _ := s.LatestRoot(RootState); l != roots[0] {
		t.Fatalf("state moved to %s by a failed commit", l)
	}
	if r, _, err := state.Commit(3); err != nil || r.Version != 3 {
		t.Fatalf("state commit after the failed one: %s %v", r, err)
	}
	if _, _, err := s.CommitTrees(4, staleIO, staleIO); !errors.Is(err, ErrBadVersion) {
		t.Fatalf("two io trees: %v", err)
	}
	if _, _, err := s.CommitTrees(4, NewTree()); !errors.Is(err, ErrNoStore) {
		t.Fatalf("memory tree: %v", err)
	}
}
