package submit

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/worker/txpool"
)

// admitAll is a runtime check that admits every transaction.
type admitAll struct{}

func (admitAll) CheckTx(_ context.Context, req *rhp.CheckTxBatch) (*rhp.CheckTxBatchResponse, error) {
	return &rhp.CheckTxBatchResponse{Results: make([]rhp.CheckTxResult, len(req.Txs))}, nil
}

// pooling admits each transaction into a pool and finalizes it at once with
// a transfer's result (two log lines), so that a benchmark measures the
// submission API and the pool, not rounds.
type pooling struct{ pool *txpool.Pool }

var transferLogs = []string{"Program 11111111111111111111111111111111 invoke [1]", "Program 11111111111111111111111111111111 success"}

func (s pooling) SubmitTx(ctx context.Context, tx []byte) (*TxResult, error) {
	errs, err := s.pool.Add(ctx, rhp.Root{}, rhp.BlockContext{}, [][]byte{tx})
	if err != nil {
		return nil, err
	}
	if errs[0] != nil {
		return nil, errs[0]
	}
	s.pool.Remove([][]byte{tx})
	return &TxResult{Round: 1, Units: 150, Logs: transferLogs}, nil
}

// poolingBatch is pooling for a whole batch at once: one admission, one
// group of answers, as compute.Worker submits a batch.
type poolingBatch struct{ pooling }

func (s poolingBatch) SubmitTxs(ctx context.Context, txs [][]byte, deliver func([]Answer)) {
	hashes := make([]txpool.Hash, len(txs))
	for i, tx := range txs {
		hashes[i] = txpool.HashOf(tx)
	}
	answers := make([]Answer, len(txs))
	errs, err := s.pool.AddHashed(ctx, rhp.Root{}, rhp.BlockContext{}, txs, hashes)
	s.pool.RemoveHashes(hashes)
	for i := range answers {
		answers[i].Index = i
		switch {
		case err != nil:
			answers[i].Err = err
		case errs[i] != nil:
			answers[i].Err = errs[i]
		default:
			answers[i].Result = &TxResult{Round: 1, Units: 150, Logs: transferLogs}
		}
	}
	deliver(answers)
}

// BenchmarkHandler_ServeBatch is one batch submission of 1,000
// transfer-sized (215-byte) transactions over loopback HTTP into a pool,
// answers read back: the submission API's cost per transaction is ns/op
// divided by 1,000 (reported as ns/tx).
// "per-tx" serves a plain Submitter (a goroutine per transaction), "batch"
// a BatchSubmitter.
func BenchmarkHandler_ServeBatch(b *testing.B) {
	p := pooling{txpool.New(txpool.Config{MaxTxs: 1 << 20}, admitAll{})}
	b.Run("per-tx", func(b *testing.B) { benchServeBatch(b, p) })
	b.Run("batch", func(b *testing.B) { benchServeBatch(b, poolingBatch{p}) })
}

func benchServeBatch(b *testing.B, s Submitter) {
	const batch, size = 1000, 215
	h := NewHandler()
	h.Register(registry.RuntimeID{1}, s)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	defer srv.Close()
	url := "http://" + l.Addr().String() + BatchPath(registry.RuntimeID{1})
	// The pool forgets each transaction as it answers, so the same batch
	// is admitted again every iteration; the client only counts answers,
	// so that the server's work dominates.
	req := BatchRequest{Txs: make([][]byte, batch)}
	for i := range req.Txs {
		req.Txs[i] = make([]byte, size)
		binary.LittleEndian.PutUint64(req.Txs[i], uint64(i))
	}
	body, _ := json.Marshal(req)
	for b.Loop() {
		resp, err := http.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		out, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || bytes.Count(out, []byte("\n")) != batch || bytes.Count(out, []byte(`"result"`)) != batch {
			b.Fatalf("answers %.200q: %v", out, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/tx")
}
