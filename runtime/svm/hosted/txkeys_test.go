package hosted

import (
	"slices"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// decodedKeys is what PrefetchKeys took from a transaction before txKeys:
// the keys of a fully decoded and sanitized transaction.
func decodedKeys(raw []byte) (keys []sol.Pubkey, bh sol.Hash, ok bool) {
	tx, err := sol.DecodeTransaction(raw)
	if err != nil {
		return nil, bh, false
	}
	keys = append(keys, tx.Message.AccountKeys...)
	for _, l := range tx.Message.AddressTableLookups {
		keys = append(keys, l.AccountKey)
	}
	return keys, tx.Message.RecentBlockhash, true
}

func walkedKeys(raw []byte) (keys []sol.Pubkey, bh sol.Hash, ok bool) {
	ok = txKeys(raw, func(k sol.Pubkey) { keys = append(keys, k) }, func(h sol.Hash) { bh = h })
	return keys, bh, ok
}

func sampleTxs(t testing.TB) [][]byte {
	payerKey, payer := key("payer")
	legacy := signed(t, sol.Hash{1}, payerKey, svm.Transfer(payer, sol.Pubkey{9}, 5))
	msg, err := sol.NewLegacyMessage(payer, sol.Hash{2}, svm.Transfer(payer, sol.Pubkey{8}, 1))
	if err != nil {
		t.Fatal(err)
	}
	msg.Version = sol.MessageV0
	msg.AddressTableLookups = []sol.AddressTableLookup{{AccountKey: sol.Pubkey{5}, WritableIndexes: []uint8{0, 1}, ReadonlyIndexes: []uint8{2}}}
	tx := sol.Transaction{Message: msg}
	if err := tx.Sign(payerKey); err != nil {
		t.Fatal(err)
	}
	v0, err := tx.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return [][]byte{legacy, v0, legacy[:len(legacy)-1], append(slices.Clone(legacy), 0), {}, {1}, {0x80}}
}

// TestTxKeys_MatchesDecode: for every transaction the decoder accepts,
// txKeys reads the same keys and blockhash.
func TestTxKeys_MatchesDecode(t *testing.T) {
	accepted := 0
	for i, raw := range sampleTxs(t) {
		want, wantBH, ok := decodedKeys(raw)
		got, gotBH, walked := walkedKeys(raw)
		if ok {
			accepted++
			if !walked || !slices.Equal(got, want) || gotBH != wantBH {
				t.Fatalf("tx %d: walked %v %x %v, decoded %x %x", i, walked, got, gotBH, want, wantBH)
			}
		} else if walked && len(raw) < 2 {
			t.Fatalf("tx %d: %x walked", i, raw)
		}
	}
	if accepted != 2 {
		t.Fatalf("%d sample transactions decode", accepted)
	}
}

// FuzzTxKeys: txKeys never panics, and agrees with the decoder on every
// transaction the decoder accepts.
func FuzzTxKeys(f *testing.F) {
	for _, raw := range sampleTxs(f) {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, gotBH, walked := walkedKeys(raw)
		want, wantBH, ok := decodedKeys(raw)
		if ok && (!walked || !slices.Equal(got, want) || gotBH != wantBH) {
			t.Fatalf("walked %v %x %x, decoded %x %x", walked, got, gotBH, want, wantBH)
		}
	})
}

// BenchmarkPrefetchKeys is the host's prediction of a 5,000-transfer
// batch's reads, done each round before ExecuteTxBatch.
func BenchmarkPrefetchKeys(b *testing.B) {
	payerKey, payer := key("payer")
	txs := make([][]byte, 5000)
	for i := range txs {
		txs[i] = signed(b, sol.Hash{1}, payerKey, svm.Transfer(payer, sol.Pubkey{byte(i), byte(i >> 8)}, 5))
	}
	b.ReportAllocs()
	for b.Loop() {
		PrefetchKeys(txs)
	}
}
