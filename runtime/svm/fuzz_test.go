package svm

import (
	"crypto/ed25519"
	"encoding/binary"
	"testing"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// fuzzTxs turns fuzz bytes into transactions over a fixed funded key set:
// mostly well-formed system and test-program instructions (so execution is
// reached), sometimes the raw bytes themselves.
func fuzzTxs(t testing.TB, data []byte, keys []ed25519.PrivateKey, pubs []sol.Pubkey, blockhash sol.Hash) [][]byte {
	var txs [][]byte
	for len(data) >= 6 && len(txs) < 16 {
		op, a, b := data[0], int(data[1])%len(keys), int(data[2])%len(keys)
		amount := uint64(binary.LittleEndian.Uint16(data[3:5])) * uint64(data[5]) * 1000
		data = data[6:]
		var in sol.Instruction
		switch op % 8 {
		case 0, 1:
			in = Transfer(pubs[a], pubs[b], amount)
		case 2:
			in = Allocate(pubs[a], amount%64)
		case 3:
			in = Assign(pubs[a], testProgramID)
		case 4:
			in = testInstr([]sol.AccountMeta{{Pubkey: pubs[a], IsWritable: true}, {Pubkey: pubs[b], IsWritable: op&16 != 0}},
				addLamports(0, -int64(amount)), addLamports(1, int64(amount)), writeData(1, op))
		case 5:
			in = testInstr(nil, consume(amount))
		case 6:
			n := min(int(amount%200), len(data))
			txs = append(txs, append([]byte(nil), data[:n]...))
			data = data[n:]
			continue
		default:
			in = CreateAccount(pubs[a], pubs[b], amount, amount%32, testProgramID)
		}
		var others []ed25519.PrivateKey
		for _, m := range in.Accounts {
			if m.IsSigner && m.Pubkey != pubs[a] {
				others = append(others, keys[b])
			}
		}
		txs = append(txs, signTx(t, blockhash, keys[a], others, in))
	}
	return txs
}

func totalLamports(h *harness) uint64 {
	var sum uint64
	for _, k := range h.store.Keys() {
		a, _, _ := h.store.Account(k)
		if isRuntimeRecord(k, a) {
			continue
		}
		sum += a.Lamports
	}
	return sum
}

// FuzzExecuteBatch checks ExecuteBatch's invariants on arbitrary batches: no
// panic, lamports conserved except fees, and a failed transaction changes
// nothing but its fee payer's balance.
func FuzzExecuteBatch(f *testing.F) {
	f.Add([]byte{0, 0, 1, 10, 0, 1, 4, 1, 2, 3, 0, 1, 7, 2, 3, 1, 0, 9})
	f.Add([]byte{6, 0, 0, 100, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{2, 0, 0, 1, 0, 1, 3, 0, 0, 0, 0, 0, 4, 1, 0, 200, 0, 9})
	keys := make([]ed25519.PrivateKey, 4)
	pubs := make([]sol.Pubkey, 4)
	for i := range keys {
		keys[i], pubs[i] = keyFor(string(rune('a' + i)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h := newHarness(t)
		for i, pk := range pubs {
			h.fund(pk, uint64(i+1)*5_000_000)
		}
		txs := fuzzTxs(t, data, keys, pubs, h.latest())

		before := totalLamports(h)
		res := h.run(txs...)
		var fees uint64
		for _, r := range res.Results {
			fees += r.Fee
		}
		if after := totalLamports(h); before-fees != after {
			t.Fatalf("lamports not conserved: before %d, fees %d, after %d", before, fees, after)
		}

		// Each transaction alone: a failure may only debit its fee payer.
		for _, tx := range fuzzTxs(t, data, keys, pubs, h.latest()) {
			snap := snapshotStore(h)
			r := h.run1(tx)
			if r.Err == nil {
				continue
			}
			after := snapshotStore(h)
			for k, a := range snap {
				if isRuntimeRecord(k, a, after[k]) {
					continue
				}
				b := after[k]
				if r.Processed && len(r.Keys) > 0 && k == r.Keys[0] {
					if b.Lamports != a.Lamports-r.Fee {
						t.Fatalf("fee payer charged %d, fee %d", a.Lamports-b.Lamports, r.Fee)
					}
					continue
				}
				if !a.Equal(&b) {
					t.Fatalf("failed transaction (%v) changed %s", r.Err, k)
				}
			}
		}
	})
}
