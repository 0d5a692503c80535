package mkvs

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestNodeCache_Differential checks the open-addressing table against a
// map over random insertions, drops and evictions, with a budget small
// enough to evict constantly and ids chosen to collide in the table.
func TestNodeCache_Differential(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	c := newNodeCache(200 * nodeOverhead)
	live := map[nodeID]*node{}
	for i := 0; i < 20000; i++ {
		id := nodeID{version: uint64(rng.IntN(50)), seq: uint32(rng.IntN(50)), typ: RootState}
		switch rng.IntN(5) {
		case 0, 1:
			n := &node{id: id, leaf: true}
			if c.get(id) == nil {
				live[id] = n
			}
			c.put(n)
		case 2:
			c.drop([]nodeID{id, {version: id.version + 1, seq: id.seq, typ: RootState}})
			if c.get(id) != nil {
				t.Fatalf("dropped node %v still found", id)
			}
		default:
			if got := c.get(id); got != nil && got != live[id] {
				t.Fatalf("get(%v) returned a node stored under another id", id)
			}
		}
		// Everything the cache still holds must be found; what it evicted
		// must not.
		if i%500 == 0 {
			inRing := map[nodeID]bool{}
			res := c.resident()
			for _, n := range res {
				inRing[n.id] = true
				if c.get(n.id) != n {
					t.Fatalf("cached node %v not found", n.id)
				}
			}
			for id := range live {
				if !inRing[id] {
					if c.get(id) != nil {
						t.Fatalf("evicted node %v still found", id)
					}
					delete(live, id)
				}
			}
			var used int64
			for _, n := range res {
				used += n.size()
			}
			if c.count != len(res) || c.used != used || c.used > c.max || c.ringLen != c.count+c.dead {
				t.Fatalf("count %d, ring %d (%d dead of %d), used %d (%d) of %d", c.count, len(res), c.dead, c.ringLen, c.used, used, c.max)
			}
		}
	}
}

// Readers run without the lock while a writer inserts, grows and evicts;
// a reader may miss but must never get a node stored under another id.
// Run under -race.
func TestNodeCache_ConcurrentReaders(t *testing.T) {
	c := newNodeCache(300 * nodeOverhead)
	done := make(chan struct{})
	errs := make(chan nodeID, 1)
	for g := 0; g < 2; g++ {
		go func(g int) {
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			for {
				select {
				case <-done:
					errs <- nodeID{}
					return
				default:
				}
				id := nodeID{version: uint64(rng.IntN(2000)), typ: RootIO}
				if n := c.get(id); n != nil && n.id != id {
					errs <- id
					return
				}
			}
		}(g)
	}
	for i := 0; i < 20000; i++ {
		c.put(&node{id: nodeID{version: uint64(i % 2000), typ: RootIO}, leaf: true})
	}
	close(done)
	for g := 0; g < 2; g++ {
		if id := <-errs; id != (nodeID{}) {
			t.Fatalf("reader got a wrong node for %v", id)
		}
	}
}

// Concurrent reads of a persisted tree through a cache far smaller than
// the tree: lookups, links and evictions interleave. Every read must still
// return the right value. Run under -race.
func TestTree_ConcurrentGetSmallCache(t *testing.T) {
	s := openTestStore(t, t.TempDir(), Options{CacheBytes: 40 * nodeOverhead})
	defer s.Close()
	tr, _ := s.Tree(s.EmptyRoot(RootState, 0))
	const n = 600
	for i := 0; i < n; i++ {
		tr.Insert(benchKey(i), benchValue(i))
	}
	root, _, err := tr.Commit(1)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 3)
	for g := 0; g < 3; g++ {
		go func(g int) {
			rng := rand.New(rand.NewPCG(uint64(g), 4))
			r, err := s.Tree(root)
			if err != nil {
				errs <- err
				return
			}
			for i := 0; i < 2000; i++ {
				k := rng.IntN(n)
				v, err := r.Get(benchKey(k))
				if err != nil {
					errs <- err
					return
				}
				if string(v) != string(benchValue(k)) {
					errs <- fmt.Errorf("key %d reads %q", k, v)
					return
				}
			}
			errs <- nil
		}(g)
	}
	for g := 0; g < 3; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if used := s.cache.bytes(); used > 40*nodeOverhead {
		t.Fatalf("cache holds %d bytes over its %d budget", used, 40*nodeOverhead)
	}
	// Hints only join cached nodes, so they cannot keep evicted ones alive.
	for _, n := range s.cache.resident() {
		for i := range n.hints {
			if c := n.hints[i].Load(); c != nil && (!c.cached || c.hintedBy != &n.hints[i]) {
				t.Fatalf("node %v hints at %v, cached %v", n.id, c.id, c.cached)
			}
		}
	}
}

// TestNodeCache_Evict checks the eviction order: the oldest unreferenced
// node goes first, a referenced one gets a second chance, and what was put
// last survives a burst of puts that each evict (the nodes a commit just
// wrote must outlive older ones nobody reads).
func TestNodeCache_Evict(t *testing.T) {
	id := func(i int) nodeID { return nodeID{version: uint64(i), typ: RootState} }
	c := newNodeCache(10 * nodeOverhead)
	for i := 0; i < 10; i++ {
		c.put(&node{id: id(i), leaf: true})
	}
	c.get(id(0)) // referenced: survives one lap
	for i := 10; i < 15; i++ {
		c.put(&node{id: id(i), leaf: true})
		if c.get(id(i)) == nil {
			t.Fatalf("node %d evicted as soon as it was put", i)
		}
		// Drop the reference that get set, so only the order protects it.
		c.get(id(i)).cacheRef.Store(false)
	}
	for i := 0; i < 15; i++ {
		want := i == 0 || i >= 6
		if got := c.get(id(i)) != nil; got != want {
			t.Errorf("node %d cached %v, want %v", i, got, want)
		}
	}
}

// TestStore_CommitDropsStale checks that a commit takes the nodes it made
// stale out of the cache and keeps the ones it wrote.
func TestStore_CommitDropsStale(t *testing.T) {
	s := openTestStore(t, t.TempDir(), Options{})
	defer s.Close()
	tr, _ := s.Tree(s.EmptyRoot(RootState, 0))
	for i := 0; i < 100; i++ {
		tr.Insert(benchKey(i), benchValue(i))
	}
	if _, _, err := tr.Commit(1); err != nil {
		t.Fatal(err)
	}
	if err := tr.Insert(benchKey(7), []byte("changed")); err != nil {
		t.Fatal(err)
	}
	stale := append([]nodeID(nil), tr.stale...)
	if len(stale) == 0 {
		t.Fatal("changing a key made no node stale")
	}
	if _, _, err := tr.Commit(2); err != nil {
		t.Fatal(err)
	}
	for _, id := range stale {
		if s.cache.get(id) != nil {
			t.Errorf("stale node %v still cached", id)
		}
	}
	for _, n := range s.cache.resident() {
		if n.id.version != 1 && n.id.version != 2 {
			t.Errorf("cached node %v was never written", n.id)
		}
	}
	// 100 leaves and 99 internal nodes, of which the changed path was
	// replaced by as many new nodes.
	if got := len(s.cache.resident()); got != 199 {
		t.Errorf("%d nodes cached, want the tree's 199", got)
	}
	if v, err := tr.Get(benchKey(7)); err != nil || string(v) != "changed" {
		t.Fatalf("reads %q, %v", v, err)
	}
}

// BenchmarkNodeCache_Commit is a busy round's cache work at commit: the
// 45,000 nodes it wrote are put and the 45,000 it made stale dropped, in
// a cache holding a few rounds.
func BenchmarkNodeCache_Commit(b *testing.B) {
	const perRound = 45_000
	c := newNodeCache(4 * perRound * (nodeOverhead + 100))
	round := func(v uint64) []*node {
		ns := make([]*node, perRound)
		for i := range ns {
			ns[i] = &node{id: nodeID{version: v, typ: RootState, seq: uint32(i)}, leaf: true, value: make([]byte, 100)}
		}
		return ns
	}
	stale := func(v uint64) []nodeID {
		ids := make([]nodeID, perRound)
		for i := range ids {
			ids[i] = nodeID{version: v, typ: RootState, seq: uint32(i)}
		}
		return ids
	}
	for v := uint64(1); v <= 3; v++ {
		c.putAll(round(v))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v := uint64(i) + 4
		b.StopTimer()
		ns, ids := round(v), stale(v-3)
		b.StartTimer()
		c.drop(ids)
		c.putAll(ns)
	}
}
