package rpcnode

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/rpc/backendtest"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// TestBackend_Conformance runs rpc/backendtest against backends over one
// network of three nodes (committee of 2 workers and 1 backup, 2 storage
// nodes) on the real consensus application and roothash, P2P on loopback.
// Each subtest gets a fresh backend on the running network.
func TestBackend_Conformance(t *testing.T) {
	payer := key(42)
	tn := startNet(t, netOpts{workers: 2, backups: 1, storage: 2, nodes: 3, payers: []ed25519.PrivateKey{payer}})
	backendtest.Run(t, func(t *testing.T) *backendtest.Harness {
		b := tn.backend(t, 0, nil)
		return &backendtest.Harness{Backend: b, Payer: payer, Advance: func(t testing.TB) { advance(t, b) }}
	})
}

// TestBackend_AcrossNodes sends a transfer to each node's backend in turn
// (whichever of them the epoch made workers, backup or neither) and finds
// each in every node's ledger, with the same slot and the same block hash.
func TestBackend_AcrossNodes(t *testing.T) {
	payer := key(42)
	tn := startNet(t, netOpts{workers: 2, backups: 1, storage: 2, nodes: 3, payers: []ed25519.PrivateKey{payer}})
	var bs []*Backend
	for i := range tn.members {
		bs = append(bs, tn.backend(t, i, nil))
	}
	for i, from := range bs {
		to := sol.Pubkey{byte(i), 'x'}
		raw, sig, err := client.SignTransaction(from.LatestBlockhash(rpc.Finalized).Blockhash, payer, nil, svm.Transfer(client.PubkeyOf(payer), to, 1_000_000))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := from.SendTransaction(raw, rpc.SendOptions{}); err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		var slot uint64
		var hash sol.Hash
		for j, b := range bs {
			deadline := time.Now().Add(30 * time.Second)
			var rec *rpc.TransactionRecord
			for rec == nil {
				if time.Now().After(deadline) {
					t.Fatalf("transfer sent to node %d never in node %d's ledger", i, j)
				}
				if rec, err = b.Transaction(sig, rpc.Finalized); err != nil {
					t.Fatal(err)
				}
				time.Sleep(5 * time.Millisecond)
			}
			blk, err := b.Block(rec.Slot, rpc.Finalized)
			if err != nil {
				t.Fatal(err)
			}
			if j == 0 {
				slot, hash = rec.Slot, blk.Blockhash
			} else if rec.Slot != slot || blk.Blockhash != hash {
				t.Fatalf("node %d has the transfer at slot %d in block %s, node 0 at %d in %s", j, rec.Slot, blk.Blockhash, slot, hash)
			}
		}
	}
}
