package svm

import (
	"crypto/ed25519"
	"encoding/binary"
	"math/rand"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm/sigverify"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// transferWorkload is 10,000 funded accounts and a batch of 1,000 signed
// transfers among them with distinct messages.
func transferWorkload(b *testing.B, opts ...Option) (*harness, [][]byte) {
	const accounts, batch = 10_000, 1_000
	h := newHarness(b, opts...)
	keys := make([]ed25519.PrivateKey, accounts)
	pubs := make([]sol.Pubkey, accounts)
	for i := range keys {
		var seed [32]byte
		binary.LittleEndian.PutUint64(seed[:], uint64(i)+1)
		keys[i] = ed25519.NewKeyFromSeed(seed[:])
		copy(pubs[i][:], keys[i].Public().(ed25519.PublicKey))
		h.fund(pubs[i], 1_000_000_000)
	}
	rng := rand.New(rand.NewSource(1))
	txs := make([][]byte, batch)
	for i := range txs {
		from, to := rng.Intn(accounts), rng.Intn(accounts)
		txs[i] = signTx(b, h.latest(), keys[from], nil, Transfer(pubs[from], pubs[to], uint64(1+i)))
	}
	return h, txs
}

// BenchmarkExecuteBatch_Transfers executes the batch, signature
// verification included, without applying it, so every iteration does the
// same work.
func BenchmarkExecuteBatch_Transfers(b *testing.B) {
	h, txs := transferWorkload(b)
	blk := h.block()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := h.exec.ExecuteBatch(blk, txs)
		if err != nil || res.Results[0].Err != nil {
			b.Fatal(err, res.Results[0].Err)
		}
	}
	b.ReportMetric(float64(len(txs)*b.N)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkExecuteBatch_TransfersPreverified is the same batch with the
// signatures taken as verified, as the hosted runtime executes a batch its
// own CheckTx verified: what execution costs besides signature checks
// (decoding, scheduling, policy, status ledger, write collection).
func BenchmarkExecuteBatch_TransfersPreverified(b *testing.B) {
	h, txs := transferWorkload(b, WithoutSignatureVerification())
	blk := h.block()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := h.exec.ExecuteBatch(blk, txs)
		if err != nil || res.Results[0].Err != nil {
			b.Fatal(err, res.Results[0].Err)
		}
	}
	b.ReportMetric(float64(len(txs)*b.N)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkSigverifyCeiling batch-verifies exactly the signatures of the
// transfer batch and nothing else: the upper bound for ExecuteBatch.
func BenchmarkSigverifyCeiling(b *testing.B) {
	_, txs := transferWorkload(b)
	var items []sigverify.Item
	for _, raw := range txs {
		tx, err := sol.DecodeTransaction(raw)
		if err != nil {
			b.Fatal(err)
		}
		items = sigverify.TransactionItems(items, tx)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, ok := range sigverify.VerifyBatch(items) {
			if !ok {
				b.Fatal("signature failed")
			}
		}
	}
	b.ReportMetric(float64(len(txs)*b.N)/b.Elapsed().Seconds(), "tx/s")
}
