package storage

import (
	"context"
	"testing"

	"github.com/atoll-dev/atoll/consensus/signature"
)

// BenchmarkNode_StorageApply receipts a round of one transfer: "first" is
// the first copy a node gets (write logs applied on the previous root,
// roots checked, stashed without fsync, receipt signed); "again" is every
// later copy of the same results (another executor's, or this node's own
// worker's), which is only signed.
func BenchmarkNode_StorageApply(b *testing.B) {
	f := buildFixture(b, 1)
	req := applyReq(f, 1)
	b.Run("first", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			n := &Node{Runtime: rtID, Signer: signer(b, 1), Replica: newReplica(b, f, true)}
			b.StartTimer()
			if _, err := n.StorageApply(context.Background(), signature.PublicKey{}, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("again", func(b *testing.B) {
		n := &Node{Runtime: rtID, Signer: signer(b, 1), Replica: newReplica(b, f, true)}
		if _, err := n.StorageApply(context.Background(), signature.PublicKey{}, req); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := n.StorageApply(context.Background(), signature.PublicKey{}, req); err != nil {
				b.Fatal(err)
			}
		}
	})
}
