package hosted

import (
	"context"
	"testing"

	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Rounds executed without a prefetch read everything through the host, and
// write sysvars they never read (SlotHashes): those keys are proven before
// the first write changes the tree, round after round.
func TestExecuteTxBatch_ConsecutiveRoundsWithoutPrefetch(t *testing.T) {
	genesis, err := GenesisAccounts(Config{SlotsPerEpoch: 32})
	if err != nil {
		t.Fatal(err)
	}
	payerKey, payer := key("payer")
	genesis = append(genesis, svm.AccountWrite{Key: payer, Account: sol.Account{Lamports: 10_000_000_000}})
	h := newHost(t, genesis)
	rt, err := New(h.fetch)
	if err != nil {
		t.Fatal(err)
	}
	_, to := key("recipient")
	var hashes []rhp.Hash
	for round := uint64(1); round <= 4; round++ {
		bh := rhp.Hash{byte(round)}
		hashes = append([]rhp.Hash{bh}, hashes...)
		blk := rhp.BlockContext{Slot: round, UnixTimestamp: 1_700_000_000 + int64(round), RecentBlockhashes: hashes}
		txs := [][]byte{signed(t, sol.Hash(bh), payerKey, svm.Transfer(payer, to, 1_000_000))}
		h.reads = 0
		resp, err := rt.ExecuteTxBatch(context.Background(), &rhp.ExecuteTxBatch{Round: round, Context: blk, PrevRoots: rhp.Roots{State: h.root()}, Txs: txs})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if resp.Results[0].Code != 0 {
			t.Fatalf("round %d: transfer code %d", round, resp.Results[0].Code)
		}
		if h.reads == 0 {
			t.Fatalf("round %d read nothing through the host", round)
		}
		h.apply(round, resp)
		if a, ok, err := h.state.Account(to); err != nil || !ok || a.Lamports != round*1_000_000 {
			t.Fatalf("round %d: recipient %+v %v", round, a, err)
		}
	}
}
