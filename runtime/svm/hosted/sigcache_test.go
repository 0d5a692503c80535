package hosted

import (
	"context"
	"testing"

	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sigverify"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// A runtime that checked a batch's signatures in CheckTxBatch executes it
// to exactly what a runtime that never saw them does, and a forged
// signature is refused either way.
func TestExecuteTxBatch_VerifiedSignatures(t *testing.T) {
	genesis, err := GenesisAccounts(Config{})
	if err != nil {
		t.Fatal(err)
	}
	payerKey, payer := key("payer")
	otherKey, other := key("other")
	genesis = append(genesis, svm.AccountWrite{Key: payer, Account: sol.Account{Lamports: 10_000_000_000}},
		svm.AccountWrite{Key: other, Account: sol.Account{Lamports: 10_000_000_000}})
	h := newHost(t, genesis)
	bh := rhp.Hash{1}
	blk := rhp.BlockContext{Slot: 1, RecentBlockhashes: []rhp.Hash{bh}}
	good := signed(t, sol.Hash(bh), payerKey, svm.Transfer(payer, sol.Pubkey{9}, 1_000_000_000))
	also := signed(t, sol.Hash(bh), otherKey, svm.Transfer(other, sol.Pubkey{8}, 2_000_000_000))
	forged := append([]byte(nil), also...)
	forged[5] ^= 1 // inside the signature

	checked, err := New(h.fetch)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checked.CheckTxBatch(context.Background(), &rhp.CheckTxBatch{Context: blk, StateRoot: h.root(), Txs: [][]byte{good, also, forged}}); err != nil {
		t.Fatal(err)
	}
	tx, _ := sol.DecodeTransaction(good)
	if it := sigverify.TransactionItems(nil, tx); !checked.sigs.has(sigKey(&it[0])) {
		t.Fatal("a signature CheckTxBatch verified is not remembered")
	}
	for raw, want := range map[string]bool{string(good): true, string(also): true, string(forged): false} {
		if _, got := checked.sigs.curTx[txKey([]byte(raw))]; got != want {
			t.Fatalf("transaction remembered as verified: %v, want %v", got, want)
		}
	}
	tx, _ = sol.DecodeTransaction(forged)
	if it := sigverify.TransactionItems(nil, tx); checked.sigs.has(sigKey(&it[0])) {
		t.Fatal("a forged signature is remembered as verified")
	}
	for _, c := range []struct {
		name string
		txs  [][]byte
		ok   []bool
	}{
		{"all checked", [][]byte{good, also}, []bool{true, true}},
		{"one forged", [][]byte{good, forged}, []bool{true, false}},
		{"unchecked", [][]byte{signed(t, sol.Hash(bh), payerKey, svm.Transfer(payer, sol.Pubkey{7}, 3_000_000_000))}, []bool{true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			fresh, err := New(h.fetch)
			if err != nil {
				t.Fatal(err)
			}
			var roots [2]rhp.Hash
			for i, rt := range []*Runtime{checked, fresh} {
				resp, err := rt.ExecuteTxBatch(context.Background(), &rhp.ExecuteTxBatch{Round: 1, Context: blk, PrevRoots: rhp.Roots{State: h.root()}, Txs: c.txs})
				if err != nil {
					t.Fatal(err)
				}
				for j, r := range resp.Results {
					if (r.Code == CodeOK) != c.ok[j] {
						t.Fatalf("runtime %d, tx %d: code %d", i, j, r.Code)
					}
				}
				roots[i] = resp.StateRoot
			}
			if roots[0] != roots[1] {
				t.Fatal("remembering verified signatures changed the state root")
			}
		})
	}
}
