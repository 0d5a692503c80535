package merkle

import (
	"testing"

	"github.com/atoll-dev/atoll/bridge/keccak"
)

func benchLeaves(n int) []keccak.Hash {
	leaves := make([]keccak.Hash, n)
	for i := range leaves {
		leaves[i] = leafN(i)
	}
	return leaves
}

// BenchmarkTree_Insert measures the Home's per-dispatch tree work; leaves/s
// is the throughput figure of the issue (target ≥ 200k).
func BenchmarkTree_Insert(b *testing.B) {
	leaves := benchLeaves(1 << 16)
	var tr Tree
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := tr.Insert(leaves[i&(1<<16-1)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "leaves/s")
}

// BenchmarkTree_InsertAndRoot is a Home dispatch: insert, then enqueue the root.
func BenchmarkTree_InsertAndRoot(b *testing.B) {
	leaves := benchLeaves(1 << 16)
	var tr Tree
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.Insert(leaves[i&(1<<16-1)])
		_ = tr.Root()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "leaves/s")
}

func BenchmarkFullTree_Insert(b *testing.B) {
	leaves := benchLeaves(1 << 16)
	var ft FullTree
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ft.Insert(leaves[i&(1<<16-1)])
	}
	_ = ft.Root()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "leaves/s")
}

func BenchmarkFullTree_Proof(b *testing.B) {
	var ft FullTree
	for _, l := range benchLeaves(1 << 16) {
		ft.Insert(l)
	}
	_ = ft.Root()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ft.Proof(uint32(i & (1<<16 - 1))); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProof_Verify(b *testing.B) {
	var ft FullTree
	for _, l := range benchLeaves(1000) {
		ft.Insert(l)
	}
	root := ft.Root()
	p, _ := ft.Proof(777)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !p.Verify(root) {
			b.Fatal("proof does not verify")
		}
	}
}
