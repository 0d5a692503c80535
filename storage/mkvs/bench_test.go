package mkvs

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The workload of the issue, shared with Oasis's MKVS benchmarks: keys
// "key %08d", values "value %08d".
func benchKey(i int) []byte   { return []byte(fmt.Sprintf("key %08d", i)) }
func benchValue(i int) []byte { return []byte(fmt.Sprintf("value %08d", i)) }

// BenchmarkInsert measures an in-memory insert, without hashing or commit.
func BenchmarkInsert(b *testing.B) {
	keys := make([][]byte, b.N)
	vals := make([][]byte, b.N)
	for i := range keys {
		keys[i], vals[i] = benchKey(i), benchValue(i)
	}
	tr := NewTree()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := tr.Insert(keys[i], vals[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCommit1000 commits rounds of 1,000 new keys to a growing tree
// in Pebble without fsync. One op is one round; ns/key is the unit.
func BenchmarkCommit1000(b *testing.B) {
	s, err := Open(b.TempDir(), Options{Namespace: testNS, NoSync: true, Logger: quietLogger{}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	tr, _ := s.Tree(s.EmptyRoot(RootState, 0))
	keys := make([][]byte, 1000)
	vals := make([][]byte, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for r := 0; r < b.N; r++ {
		b.StopTimer()
		for i := range keys {
			keys[i], vals[i] = benchKey(r*1000+i), benchValue(r*1000+i)
		}
		b.StartTimer()
		for i := range keys {
			if err := tr.Insert(keys[i], vals[i]); err != nil {
				b.Fatal(err)
			}
		}
		if _, _, err := tr.Commit(uint64(r + 1)); err != nil {
			b.Fatal(err)
		}
	}
	// Closing the store (waiting for background compactions) is not part
	// of a round.
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/key")
}

// committed100k commits the 100k-key tree and reopens the store with a
// cold cache of at most cacheBytes.
func committed100k(b *testing.B, cacheBytes int64) (*Store, Root) {
	b.Helper()
	dir := b.TempDir()
	s, err := Open(dir, Options{Namespace: testNS, NoSync: true, Logger: quietLogger{}})
	if err != nil {
		b.Fatal(err)
	}
	tr, _ := s.Tree(s.EmptyRoot(RootState, 0))
	for i := 0; i < 100_000; i++ {
		if err := tr.Insert(benchKey(i), benchValue(i)); err != nil {
			b.Fatal(err)
		}
	}
	root, _, err := tr.Commit(1)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	s, err = Open(dir, Options{Namespace: testNS, NoSync: true, CacheBytes: cacheBytes, Logger: quietLogger{}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	// Warm the cache once, so the benchmark measures steady-state reads.
	tr, err = s.Tree(root)
	if err != nil {
		b.Fatal(err)
	}
	it := tr.NewIterator(nil, nil)
	for it.First(); it.Valid(); it.Next() {
	}
	if it.Err() != nil {
		b.Fatal(it.Err())
	}
	return s, root
}

// BenchmarkGetRandom100k reads random keys of a committed 100k-key tree
// through a node cache of 64 MiB.
func BenchmarkGetRandom100k(b *testing.B) {
	s, root := committed100k(b, 64<<20)
	tr, err := s.Tree(root)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	keys := make([][]byte, 1<<16)
	for i := range keys {
		keys[i] = benchKey(rng.IntN(100_000))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tr.Get(keys[i&(len(keys)-1)]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(s.cache.bytes())/(1<<20), "cacheMiB")
}

// BenchmarkProveVerify builds and verifies one inclusion proof on the
// committed 100k-key tree and reports the proof's size.
func BenchmarkProveVerify(b *testing.B) {
	s, root := committed100k(b, 64<<20)
	tr, err := s.Tree(root)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	keys := make([][]byte, 1<<12)
	for i := range keys {
		keys[i] = benchKey(rng.IntN(100_000))
	}
	size := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := keys[i&(len(keys)-1)]
		p, err := tr.Prove(k)
		if err != nil {
			b.Fatal(err)
		}
		res, err := VerifyProof(root.Hash, p, k)
		if err != nil || !res[0].Found {
			b.Fatal(err)
		}
		size += len(p)
	}
	b.ReportMetric(float64(size)/float64(b.N), "proof-bytes")
}
