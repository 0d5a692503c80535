package rpcnode

import (
	"sync"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// TestSigBatcher_Verify: concurrent callers, some with a forged
// signature, each get their own verdict whichever batch theirs joined.
func TestSigBatcher_Verify(t *testing.T) {
	var s sigBatcher
	payer := key(5)
	var wg sync.WaitGroup
	for i := 0; i < 300; i++ {
		raw, _, err := client.SignTransaction(sol.Hash{byte(i)}, payer, nil, svm.Transfer(client.PubkeyOf(payer), sol.Pubkey{1}, uint64(i+1)))
		if err != nil {
			t.Fatal(err)
		}
		tx, err := sol.DecodeTransaction(raw)
		if err != nil {
			t.Fatal(err)
		}
		forged := i%7 == 3
		if forged {
			tx.Signatures[0][5] ^= 1
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := s.verify(tx); got == forged {
				t.Errorf("transaction %d (forged %v): verified %v", i, forged, got)
			}
		}()
	}
	wg.Wait()
	// A leader handed the queue to a goroutine may still be finishing.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		s.mu.Lock()
		leading, queued := s.leading, len(s.queue)
		s.mu.Unlock()
		if !leading && queued == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("batcher left leading=%v with %d queued", leading, queued)
		}
	}
}
