package compute

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// TestPipeline_Honest runs three compute-and-storage nodes (2 workers, 1
// backup, 2 storage) against the real consensus application and roothash:
// transactions submitted to one node are gossiped, proposed, executed,
// receipted, committed and finalized, every replica reaches the finalized
// state root, and each client gets its result.
func TestPipeline_Honest(t *testing.T) {
	// A backup scheduler's proposal after the primary's timeout is a
	// discrepancy by design; this test is about a network where none
	// happens, so a slow machine must not reach that timeout.
	tn := startNet(t, netOpts{workers: 2, backups: 1, storage: 2, nodes: 3, proposerTimeout: 60})
	tn.waitRound(t, 1)
	var recent [32]byte
	for tn.members[0].worker.LatestHeader() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	recent = tn.members[0].worker.LatestHeader().Hash()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	results := make([]*TxResult, 6)
	errs := make([]error, 6)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i], errs[i] = tn.members[0].worker.SubmitTx(ctx, transfer(t, byte(100+i), 1e9, recent))
		}(i)
	}
	wg.Wait()
	var last uint64
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("tx %d: %v; events %v", i, errs[i], tn.chain.eventTypes(tn.names))
		}
		if results[i].Code != hosted.CodeOK || results[i].Units == 0 || len(results[i].Logs) == 0 {
			t.Fatalf("tx %d: %+v", i, results[i])
		}
		last = max(last, results[i].Round)
	}
	tn.waitRound(t, last+2)
	h, err := NewHostChain(tn.chain).Header(ctx, genesis.SVMRuntimeID, last)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range tn.members {
		deadline := time.Now().Add(30 * time.Second)
		for {
			root, ok, err := m.replica.KV.RootAt(mkvs.RootState, last)
			if err == nil && ok {
				if root.Hash != mkvs.Hash(h.StateRoot) {
					t.Fatalf("%s holds %s for round %d, header says %x", m.name, root.Hash, last, h.StateRoot)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never applied round %d", m.name, last)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// A replay of an included transaction is refused by the runtime. It
	// is sent once every node applied the round: a worker still holding
	// the original in its pool takes the gossiped replay for the same
	// transaction and drops it with the original, and the submitting node
	// answers only when it hands its pool over or the blockhash expires.
	if r, err := tn.members[0].worker.SubmitTx(ctx, transfer(t, 100, 1e9, recent)); err != nil || r.Code != hosted.CodeRefused || r.Error == "" {
		t.Fatalf("replay: %+v %v", r, err)
	}
	t.Logf("last round %d; events %v", last, tn.chain.eventTypes(tn.names)[:min(12, len(tn.chain.eventTypes(tn.names)))])
	for _, e := range tn.chain.eventTypes(tn.names) {
		switch e {
		case "roothash.discrepancy", "roothash.round_failed":
			t.Fatalf("honest network had %s; events %v", e, tn.chain.eventTypes(tn.names))
		}
	}
}
