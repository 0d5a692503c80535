package hosted

import (
	"context"
	"fmt"
	"testing"

	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// BenchmarkExecuteTxBatch_Transfers executes a batch of 5,000 transfers
// from 256 payers with the host's prefetch, as a worker's runtime does
// each round: once with signatures the runtime checked in CheckTxBatch
// beforehand (the usual case), once with unchecked ones.
func BenchmarkExecuteTxBatch_Transfers(b *testing.B) {
	const n, payers = 5000, 256
	genesis, err := GenesisAccounts(Config{})
	if err != nil {
		b.Fatal(err)
	}
	keys := make([]struct {
		pub  sol.Pubkey
		priv []byte
	}, payers)
	for i := range keys {
		k, p := key(fmt.Sprint("payer", i))
		keys[i].pub, keys[i].priv = p, k
		genesis = append(genesis, svm.AccountWrite{Key: p, Account: sol.Account{Lamports: 1e15}})
	}
	h := newHost(b, genesis)
	bh := rhp.Hash{1}
	blk := rhp.BlockContext{Slot: 1, RecentBlockhashes: []rhp.Hash{bh}}
	txs := make([][]byte, n)
	for i := range txs {
		from := keys[i%payers]
		to := keys[(i+1)%payers].pub
		msg, _ := sol.NewLegacyMessage(from.pub, sol.Hash(bh), svm.Transfer(from.pub, to, 1_000_000+uint64(i)))
		tx := sol.Transaction{Message: msg}
		if err := tx.Sign(from.priv); err != nil {
			b.Fatal(err)
		}
		txs[i], _ = tx.MarshalBinary()
	}
	pre, err := h.fetch(context.Background(), h.root(), PrefetchKeys(txs))
	if err != nil {
		b.Fatal(err)
	}
	for _, checked := range []bool{true, false} {
		b.Run(fmt.Sprintf("checked=%v", checked), func(b *testing.B) {
			rt, err := New(h.fetch)
			if err != nil {
				b.Fatal(err)
			}
			if checked {
				if _, err := rt.CheckTxBatch(context.Background(), &rhp.CheckTxBatch{Context: blk, StateRoot: h.root(), Txs: txs}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				resp, err := rt.ExecuteTxBatch(context.Background(), &rhp.ExecuteTxBatch{Round: 1, Context: blk, PrevRoots: rhp.Roots{State: h.root()}, Txs: txs, Prefetch: Prefetch(pre)})
				if err != nil || resp.Results[n-1].Code != CodeOK {
					b.Fatalf("%v %+v", err, resp.Results[n-1])
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "tx/s")
		})
	}
}
