package replica

import (
	"testing"

	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
)

// BenchmarkReplica_ProveAndProcess measures one proveAndProcess against a
// confirmed root of a 4096-message tree: message decode, 32 hashes of the
// proof, the leaf hash, and the store reads and writes.
func BenchmarkReplica_ProveAndProcess(b *testing.B) {
	const n = 4096
	br := newBridge(b)
	for i := 0; i < n; i++ {
		br.dispatch(b, local, "benchmark payload of a typical token transfer message body")
	}
	br.signAndRelay(b, t0)
	now := uint64(t0 + optimistic)
	proofs := make([]merkle.Proof, n)
	for i := range proofs {
		proofs[i] = br.proof(b, uint32(i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i % n
		if j == 0 && i > 0 {
			b.StopTimer()
			br.store.messages = map[keccak.Hash]MessageRecord{}
			b.StartTimer()
		}
		if _, err := br.replica.ProveAndProcess(br.store, br.raw[j], &proofs[j].Path, proofs[j].Index, now, nil); err != nil {
			b.Fatal(err)
		}
	}
}
