package compute

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/worker/txpool"
)

// refusingChecker admits every transaction until refuse is set.
type refusingChecker struct{ refuse bool }

func (c *refusingChecker) CheckTx(_ context.Context, req *rhp.CheckTxBatch) (*rhp.CheckTxBatchResponse, error) {
	out := &rhp.CheckTxBatchResponse{}
	for range req.Txs {
		r := rhp.CheckTxResult{}
		if c.refuse {
			r = rhp.CheckTxResult{Code: 2, Message: "blockhash not found"}
		}
		out.Results = append(out.Results, r)
	}
	return out, nil
}

// TestWorker_RefusedOnRecheck: a submitter waiting for a pooled
// transaction that the runtime refuses when the pool checks it again (its
// blockhash expired while it waited for a committee) is told at once,
// instead of waiting until its own deadline.
func TestWorker_RefusedOnRecheck(t *testing.T) {
	check := &refusingChecker{}
	pool := txpool.New(txpool.Config{}, check)
	w := New(Config{Runtime: genesis.SVMRuntimeID, Identity: seeded(9, 0), Pool: pool})
	tx := []byte("a pooled transaction")
	if _, err := pool.Add(context.Background(), rhp.Root{}, rhp.BlockContext{}, [][]byte{tx}); err != nil {
		t.Fatal(err)
	}
	// What SubmitTx does while it waits.
	h := txpool.HashOf(tx)
	ch := make(chan outcome, 1)
	w.mu.Lock()
	w.waiters[h] = append(w.waiters[h], ch)
	w.mu.Unlock()

	check.refuse = true
	if live, err := pool.Recheck(context.Background(), rhp.Root{}, rhp.BlockContext{}, [][]byte{tx}); err != nil || len(live) != 0 {
		t.Fatalf("recheck: live %d, %v", len(live), err)
	}
	select {
	case o := <-ch:
		if o.res != nil || !errors.Is(o.err, ErrRefusedOnRecheck) {
			t.Fatalf("waiter heard %+v, want ErrRefusedOnRecheck", o)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter was not told its transaction left the pool")
	}
}
