package compute

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/worker/submit"
)

// TestWorker_SubmitTxs: a batch submission answers every index once, with
// the result of its round, a repeated transaction with its first copy's,
// a transaction the runtime refuses with the refusal, and whatever is left
// when the request ends with its error; no waiter outlives the call.
func TestWorker_SubmitTxs(t *testing.T) {
	tn := startNet(t, netOpts{workers: 2, backups: 1, storage: 2, nodes: 3, proposerTimeout: 60})
	tn.waitRound(t, 1)
	for tn.members[0].worker.LatestHeader() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	recent := tn.members[0].worker.LatestHeader().Hash()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var txs [][]byte
	for i := 0; i < 20; i++ {
		txs = append(txs, transfer(t, byte(100+i), 1e9, recent))
	}
	txs = append(txs, txs[3], []byte("garbage"), txs[3])
	var mu sync.Mutex
	got := map[int]submit.Answer{}
	tn.members[0].worker.SubmitTxs(ctx, txs, func(as []submit.Answer) {
		mu.Lock()
		defer mu.Unlock()
		for _, a := range as {
			if _, dup := got[a.Index]; dup {
				t.Errorf("index %d twice", a.Index)
			}
			got[a.Index] = a
		}
	})
	if len(got) != len(txs) {
		t.Fatalf("%d answers of %d", len(got), len(txs))
	}
	for i := 0; i < 20; i++ {
		if got[i].Err != nil || got[i].Result.Code != hosted.CodeOK {
			t.Fatalf("tx %d: %+v %v", i, got[i].Result, got[i].Err)
		}
	}
	if got[20].Result != got[3].Result || got[22].Result != got[3].Result {
		t.Fatalf("duplicates: %+v %+v", got[20], got[22])
	}
	if got[21].Err == nil {
		t.Fatalf("garbage: %+v", got[21])
	}
	// A request that ends answers what is left with its error.
	short, cancel2 := context.WithTimeout(ctx, time.Millisecond)
	defer cancel2()
	got = map[int]submit.Answer{}
	tn.members[0].worker.SubmitTxs(short, [][]byte{transfer(t, 200, 1e9, recent)}, func(as []submit.Answer) {
		for _, a := range as {
			got[a.Index] = a
		}
	})
	if len(got) != 1 || got[0].Err == nil {
		t.Fatalf("ended: %+v", got)
	}
	tn.members[0].worker.mu.Lock()
	n := len(tn.members[0].worker.waiters)
	tn.members[0].worker.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d waiters left", n)
	}
}
