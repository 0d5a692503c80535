package compute

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/runtime/svm/hosted"
)

// BenchmarkPipeline_Transfers measures finalized transfers per second
// through the whole pipeline on one machine: three nodes (2 workers, 1
// backup, 2 storage), the real consensus application and roothash (blocks
// every 15 ms, no CometBFT), P2P over loopback mTLS, the SVM runtime in
// process; and the same with a committee of one node. Each iteration submits 1,000 transfers from 250 payers to one
// node and waits until every one is finalized.
func BenchmarkPipeline_Transfers(b *testing.B) {
	b.Run("committee=2+1", func(b *testing.B) { benchPipeline(b, netOpts{workers: 2, backups: 1, storage: 2, nodes: 3}) })
	b.Run("committee=1", func(b *testing.B) { benchPipeline(b, netOpts{workers: 1, backups: 0, storage: 1, nodes: 1}) })
}

func benchPipeline(b *testing.B, o netOpts) {
	const perIter, payers = 1000, 250
	keys := make([]ed25519.PrivateKey, payers)
	for i := range keys {
		seed := bytes.Repeat([]byte{7}, 32)
		binary.BigEndian.PutUint32(seed, uint32(i))
		keys[i] = ed25519.NewKeyFromSeed(seed)
	}
	o.payers = keys
	tn := startNet(b, o)
	tn.waitRound(b, 1)
	for tn.members[0].worker.LatestHeader() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	w := tn.members[0].worker
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		b.StopTimer()
		recent := w.LatestHeader().Hash()
		txs := make([][]byte, perIter)
		for i := range txs {
			txs[i] = transferFrom(b, keys[i%payers], byte(i), uint64(1e9+it*perIter+i), recent)
		}
		b.StartTimer()
		ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var failed int
		for _, tx := range txs {
			wg.Add(1)
			go func(tx []byte) {
				defer wg.Done()
				r, err := w.SubmitTx(ctx, tx)
				if err != nil || r.Code != hosted.CodeOK {
					mu.Lock()
					failed++
					mu.Unlock()
				}
			}(tx)
		}
		wg.Wait()
		cancel()
		if failed > 0 {
			b.Fatalf("%d of %d transfers not finalized successfully", failed, perIter)
		}
	}
	_, rounds := tn.latest(b)
	b.ReportMetric(float64(perIter*b.N)/b.Elapsed().Seconds(), "finalized-tx/s")
	b.ReportMetric(float64(rounds)/b.Elapsed().Seconds(), "rounds/s")
}
