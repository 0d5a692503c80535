package rpcnode

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// TestFollower_Rebroadcast: accepted transactions that have not landed
// are handed to the committee again when it changes and after
// rebroadcastAfter; landed and expired ones are forgotten.
func TestFollower_Rebroadcast(t *testing.T) {
	hr, rep := newHandRounds(t)
	b, err := New(Config{Runtime: genesis.SVMRuntimeID, Replica: rep})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got [][]byte
	calls := make(chan struct{}, 10)
	b.forward = func(_ context.Context, txs [][]byte) error {
		mu.Lock()
		got = append(got, txs...)
		mu.Unlock()
		calls <- struct{}{}
		return nil
	}
	f := &follower{b: b, chain: hr.chain}
	ctx := context.Background()
	if err := f.step(ctx); err != nil {
		t.Fatal(err)
	}
	recent := b.LatestBlockhash(rpc.Finalized).Blockhash
	payer := key(9)
	sign := func(lamports uint64) (sol.Signature, *sol.Transaction, []byte) {
		raw, sig, err := client.SignTransaction(recent, payer, nil, svm.Transfer(client.PubkeyOf(payer), sol.Pubkey{1}, lamports))
		if err != nil {
			t.Fatal(err)
		}
		tx, err := sol.DecodeTransaction(raw)
		if err != nil {
			t.Fatal(err)
		}
		return sig, tx, raw
	}
	waiting, wtx, wraw := sign(1)
	b.track(waiting, wtx, wraw)
	r1 := hr.next(7) // lands in round 1
	landedTx, err := sol.DecodeTransaction(r1.io[1].Value)
	if err != nil {
		t.Fatal(err)
	}
	b.track(r1.sig, landedTx, r1.io[1].Value)
	expired, etx, eraw := sign(2)
	b.track(expired, etx, eraw)
	b.sentMu.Lock()
	b.sent[expired].expires = 0
	b.sentMu.Unlock()
	hr.commitState(r1)
	hr.commitIO(r1)
	if err := f.step(ctx); err != nil {
		t.Fatal(err)
	}

	forwarded := func(changed bool) [][]byte {
		t.Helper()
		mu.Lock()
		got = nil
		mu.Unlock()
		f.rebroadcast(ctx, changed)
		select {
		case <-calls:
		case <-time.After(100 * time.Millisecond):
		}
		for f.forwarding.Load() {
			time.Sleep(time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		return got
	}
	if out := forwarded(true); len(out) != 1 || string(out[0]) != string(wraw) {
		t.Fatalf("forwarded at a committee change: %d transactions", len(out))
	}
	b.sentMu.Lock()
	n := len(b.sent)
	b.sentMu.Unlock()
	if n != 1 {
		t.Fatalf("%d transactions still followed, want the one waiting", n)
	}
	if out := forwarded(false); len(out) != 0 {
		t.Fatalf("forwarded again at once: %d", len(out))
	}
	b.sentMu.Lock()
	b.sent[waiting].last = time.Now().Add(-rebroadcastAfter)
	b.sentMu.Unlock()
	if out := forwarded(false); len(out) != 1 {
		t.Fatalf("forwarded after %v: %d", rebroadcastAfter, len(out))
	}
}
