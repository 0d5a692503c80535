package e2e

import (
	"testing"

	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/internal/chaintest"
	"github.com/atoll-dev/atoll/bridge/programs/replica"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// BenchmarkProveAndProcess executes one proveAndProcess transaction per
// iteration on network B, each its own block (signature check, proof
// verification, record creation, handle CPI into the recorder, store apply),
// against a root covering b.N messages from A. It reports the compute units
// each consumed.
func BenchmarkProveAndProcess(b *testing.B) {
	br := newBridge(b, 2, 1, 2, 3)
	var tree merkle.FullTree
	msgs := make([][]byte, b.N)
	for i := range msgs {
		m := message.Message{Origin: domainA, Sender: keccak.Hash{1}, Nonce: uint32(i), Destination: domainB,
			Recipient: keccak.Hash(recorderID), Body: []byte("benchmark message body")}
		raw, err := m.Encode()
		if err != nil {
			b.Fatal(err)
		}
		msgs[i] = raw
		if err := tree.Insert(message.Leaf(raw)); err != nil {
			b.Fatal(err)
		}
	}
	q := testkeys.Quorum(update.Update{HomeDomain: domainA, OldRoot: merkle.EmptyRoot(), NewRoot: tree.Root()}, 1, 2)
	chaintest.OK(b, br.relay(br.b, domainA, q))
	br.b.c.Sleep(optimistic)
	extra := []sol.AccountMeta{{Pubkey: recorderState, IsWritable: true}}
	var units uint64
	b.ReportAllocs()
	b.ResetTimer()
	for i := range msgs {
		b.StopTimer()
		p, err := tree.Proof(uint32(i))
		if err != nil {
			b.Fatal(err)
		}
		ix, err := replica.ProveAndProcess(domainA, chaintest.Pub(br.processor), msgs[i], uint32(i), &p.Path, extra)
		if err != nil {
			b.Fatal(err)
		}
		tx := br.b.c.Build(br.processor, nil, ix)
		b.StartTimer()
		r := br.b.c.Execute(tx)[0]
		if r.Err != nil {
			b.Fatal(r.Err)
		}
		units += r.UnitsConsumed
	}
	b.ReportMetric(float64(units)/float64(b.N), "CU/op")
	if br.b.recorded() != uint64(b.N) {
		b.Fatalf("recorded %d of %d", br.b.recorded(), b.N)
	}
}
