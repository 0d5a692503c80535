package rpcnode

import (
	"errors"
	"fmt"
	"testing"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/worker/storage"
)

// BenchmarkIndex_Round reads a committed IO tree of a full devnet round
// (5,000 transfers, each result with a log line, three keys and their
// balances) as the indexer does; one op is one round.
//
//   - index: transactions (prefix iterators, results decoded only as far
//     as statuses and the address index need);
//   - get-decode: a Get per entry and a full decode of every result, what
//     the indexer did before.
func BenchmarkIndex_Round(b *testing.B) {
	const n = 5000
	rep, err := storage.OpenReplica(b.TempDir(), mkvs.Namespace(genesis.SVMRuntimeID), true)
	if err != nil {
		b.Fatal(err)
	}
	defer rep.Close()
	keys := benchKeys()
	txs := benchTransfers(b, keys, n, sol.Hash{1})
	var wl mkvs.WriteLog
	for i, raw := range txs {
		tx, err := sol.DecodeTransaction(raw)
		if err != nil {
			b.Fatal(err)
		}
		res := hosted.NewResult(&svm.TxResult{Signature: tx.Signature(), Processed: true, Fee: 5000, UnitsConsumed: 150,
			Logs: []string{"Program 11111111111111111111111111111111 invoke [1]", "Program 11111111111111111111111111111111 success"},
			Keys: tx.Message.AccountKeys, PreBalances: []uint64{1e15, 0, 1}, PostBalances: []uint64{1e15 - 5000 - uint64(i), uint64(i), 1}})
		enc, err := rhp.Marshal(&res)
		if err != nil {
			b.Fatal(err)
		}
		wl = append(wl, mkvs.LogEntry{Key: hosted.TxKey(i), Value: raw}, mkvs.LogEntry{Key: hosted.ResultKey(i), Value: enc})
	}
	t := mkvs.NewTree()
	if err := t.ApplyWriteLog(sortedLog(wl)); err != nil {
		b.Fatal(err)
	}
	root := mkvs.Root{Namespace: rep.KV.Namespace(), Version: 1, Type: mkvs.RootIO, Hash: t.Hash()}
	if err := rep.KV.ApplyWriteLog(rep.KV.EmptyRoot(mkvs.RootIO, 1), sortedLog(wl), root); err != nil {
		b.Fatal(err)
	}
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			t, err := rep.KV.Tree(root)
			if err != nil {
				b.Fatal(err)
			}
			recs, err := transactions(t, 1, 0)
			if err != nil || len(recs) != n {
				b.Fatalf("%d records, %v", len(recs), err)
			}
		}
	})
	b.Run("get-decode", func(b *testing.B) {
		for b.Loop() {
			t, err := rep.KV.Tree(root)
			if err != nil {
				b.Fatal(err)
			}
			got := 0
			for i := 0; ; i++ {
				raw, err := t.Get(hosted.TxKey(i))
				if errors.Is(err, mkvs.ErrNotFound) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				enc, err := t.Get(hosted.ResultKey(i))
				if err != nil {
					b.Fatal(err)
				}
				res, err := hosted.DecodeResult(enc)
				if err != nil {
					b.Fatal(err)
				}
				_ = rpcRecord(raw, res.TxResult())
				got++
			}
			if got != n {
				b.Fatal(fmt.Sprint(got, " records"))
			}
		}
	})
}

// rpcRecord copies raw as the indexer's records do.
func rpcRecord(raw []byte, r svm.TxResult) svm.TxResult {
	_ = append([]byte(nil), raw...)
	return r
}

// sortedLog orders a write log by key, as mkvs wants it.
func sortedLog(wl mkvs.WriteLog) mkvs.WriteLog {
	out := append(mkvs.WriteLog(nil), wl...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && string(out[j].Key) < string(out[j-1].Key); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

var _ = client.PubkeyOf
