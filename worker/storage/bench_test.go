package storage

import (
	"context"
	"testing"

	"github.com/atoll-dev/atoll/consensus/signature"
)

// BenchmarkNode_StorageApply verifies a round of one transfer (write logs
// applied on the previous root, roots checked), stashes it (no fsync) and
// signs the receipt.
func BenchmarkNode_StorageApply(b *testing.B) {
	f := buildFixture(b, 1)
	n := &Node{Runtime: rtID, Signer: signer(b, 1), Replica: newReplica(b, f, true)}
	req := applyReq(f, 1)
	for b.Loop() {
		if _, err := n.StorageApply(context.Background(), signature.PublicKey{}, req); err != nil {
			b.Fatal(err)
		}
	}
}
