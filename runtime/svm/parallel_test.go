package svm

import (
	"crypto/ed25519"
	"math/rand"
	"reflect"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// randomBatch builds a batch mixing transfers that succeed, transfers that
// fail, account creations, policy violations, bad signatures and duplicates,
// over a small key set so that conflicts are frequent.
func randomBatch(t testing.TB, rng *rand.Rand, keys []ed25519.PrivateKey, pubs []sol.Pubkey, blockhash sol.Hash, n int) [][]byte {
	var txs [][]byte
	for len(txs) < n {
		from := rng.Intn(len(keys))
		to := rng.Intn(len(keys))
		var tx []byte
		switch op := rng.Intn(10); {
		case op < 6:
			amount := uint64(rng.Intn(3_000_000))
			if op == 5 {
				amount = 1 << 40 // fails: too much
			}
			tx = signTx(t, blockhash, keys[from], nil, Transfer(pubs[from], pubs[to], amount))
		case op == 6:
			k, pk := keyFor(string(rune(rng.Intn(1 << 20))))
			tx = signTx(t, blockhash, keys[from], []ed25519.PrivateKey{k}, CreateAccount(pubs[from], pk, DefaultRent.MinimumBalance(8), 8, testProgramID))
		case op == 7:
			tx = signTx(t, blockhash, keys[from], nil, Transfer(pubs[from], pubs[to], 1),
				testInstr([]sol.AccountMeta{{Pubkey: pubs[to], IsWritable: true}}, addLamports(0, 1)))
		case op == 8:
			tx = signTx(t, blockhash, keys[from], nil, Transfer(pubs[from], pubs[to], 7))
			tx[1+rng.Intn(64)] ^= 0x10
		default:
			if len(txs) > 0 {
				tx = txs[rng.Intn(len(txs))]
			} else {
				tx = signTx(t, blockhash, keys[from], nil, burn(uint64(rng.Intn(300_000))))
			}
		}
		txs = append(txs, tx)
	}
	return txs
}

func TestExecuteBatch_ParallelEqualsSerial(t *testing.T) {
	const nKeys = 24
	keys := make([]ed25519.PrivateKey, nKeys)
	pubs := make([]sol.Pubkey, nKeys)
	for i := range keys {
		keys[i], pubs[i] = keyFor(string(rune('A' + i)))
	}
	serial := newHarness(t, WithParallelism(1))
	parallel := newHarness(t, WithParallelism(8))
	for _, h := range []*harness{serial, parallel} {
		for _, pk := range pubs {
			h.fund(pk, 50_000_000)
		}
	}
	rng := rand.New(rand.NewSource(7))
	for round := 0; round < 12; round++ {
		txs := randomBatch(t, rng, keys, pubs, serial.latest(), 150)
		a, b := serial.run(txs...), parallel.run(txs...)
		if !reflect.DeepEqual(a, b) {
			for i := range a.Results {
				if !reflect.DeepEqual(a.Results[i], b.Results[i]) {
					t.Fatalf("round %d tx %d differs:\nserial   %+v\nparallel %+v", round, i, a.Results[i], b.Results[i])
				}
			}
			t.Fatalf("round %d: writes differ", round)
		}
		failures := 0
		for _, r := range a.Results {
			if r.Err != nil {
				failures++
			}
		}
		if failures == 0 || failures == len(txs) {
			t.Fatalf("round %d: %d failures of %d: the batch does not exercise both paths", round, failures, len(txs))
		}
	}
	if !reflect.DeepEqual(snapshotStore(serial), snapshotStore(parallel)) {
		t.Fatal("final states differ")
	}
}
