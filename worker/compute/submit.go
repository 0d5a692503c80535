package compute

import (
	"context"
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/worker/p2p"
	"github.com/atoll-dev/atoll/worker/submit"
	"github.com/atoll-dev/atoll/worker/txpool"
)

// TxResult is a transaction's outcome in a finalized round.
type TxResult = submit.TxResult

var _ submit.BatchSubmitter = (*Worker)(nil)

// SubmitTx implements submit.Submitter.
func (w *Worker) SubmitTx(ctx context.Context, tx []byte) (*TxResult, error) {
	h := txpool.HashOf(tx)
	ch := make(chan outcome, 1)
	w.mu.Lock()
	w.waiters[h] = append(w.waiters[h], ch)
	w.mu.Unlock()
	defer w.dropWaiter(h, ch)
	if err := w.admit(ctx, tx, h, true); err != nil && !errors.Is(err, txpool.ErrDuplicate) {
		return nil, err
	}
	select {
	case o := <-ch:
		return o.res, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// SubmitTxs implements submit.BatchSubmitter: the batch is hashed once,
// admitted in one piece (one CheckTx, one gossip message per peer) and
// waited for on one channel, answered round by round. Repeated
// transactions in txs share their answer.
func (w *Worker) SubmitTxs(ctx context.Context, txs [][]byte, deliver func([]submit.Answer)) {
	hashes := make([]txpool.Hash, len(txs))
	// first is each distinct hash's first index; again chains the later
	// indices of a repeated transaction (-1 ends a chain).
	first := make(map[txpool.Hash]int, len(txs))
	var again []int
	for i, tx := range txs {
		h := txpool.HashOf(tx)
		hashes[i] = h
		j, dup := first[h]
		if !dup {
			first[h] = i
			continue
		}
		if again == nil {
			again = make([]int, len(txs))
			for k := range again {
				again[k] = -1
			}
		}
		for again[j] >= 0 {
			j = again[j]
		}
		again[j] = i
	}
	// Every waiter hears at most one outcome (finalized and
	// refusedOnRecheck drop a hash's waiters as they tell them), so a
	// channel with room for every distinct hash never drops one.
	ch := make(chan outcome, len(first))
	w.mu.Lock()
	for h := range first {
		w.waiters[h] = append(w.waiters[h], ch)
	}
	w.mu.Unlock()
	group := make([]submit.Answer, 0, len(txs))
	answer := func(h txpool.Hash, res *TxResult, err error) {
		i, ok := first[h]
		if !ok {
			return
		}
		delete(first, h)
		for ; i >= 0; i = nextRepeat(again, i) {
			group = append(group, submit.Answer{Index: i, Result: res, Err: err})
		}
	}
	flush := func() {
		if len(group) > 0 {
			deliver(group)
			group = group[:0]
		}
	}
	defer func() {
		// Whatever is still waiting stops: the request ended.
		w.mu.Lock()
		for h := range first {
			w.dropWaiterLocked(h, ch)
		}
		w.mu.Unlock()
		for h := range first {
			answer(h, nil, ctx.Err())
		}
		flush()
	}()
	var errs []error
	select {
	case errs = <-w.enqueue(txs, hashes, true):
	case <-ctx.Done():
		return
	}
	var refused []txpool.Hash
	for i, err := range errs {
		if err != nil && !errors.Is(err, txpool.ErrDuplicate) {
			if _, waiting := first[hashes[i]]; waiting {
				refused = append(refused, hashes[i])
				answer(hashes[i], nil, err)
			}
		}
	}
	if len(refused) > 0 {
		w.mu.Lock()
		for _, h := range refused {
			w.dropWaiterLocked(h, ch)
		}
		w.mu.Unlock()
		flush()
	}
	for len(first) > 0 {
		select {
		case o := <-ch:
			answer(o.h, o.res, o.err)
		ready:
			for {
				select {
				case o := <-ch:
					answer(o.h, o.res, o.err)
				default:
					break ready
				}
			}
			flush()
		case <-ctx.Done():
			return
		}
	}
}

// nextRepeat is the index after i of the transaction repeated at i, or -1.
func nextRepeat(again []int, i int) int {
	if again == nil {
		return -1
	}
	return again[i]
}

// outcome is what a submitter waiting for transaction h hears: its result
// in a finalized round, or why it will not get one.
type outcome struct {
	h   txpool.Hash
	res *TxResult
	err error
}

// ErrRefusedOnRecheck is the answer to a submitter whose pooled
// transaction the runtime refused when the pool checked it again (its
// blockhash expired, its fee payer can no longer pay): it will not land.
var ErrRefusedOnRecheck = errors.New("compute: the runtime refuses the pooled transaction now")

// refusedOnRecheck tells the submitters waiting for transaction h that it
// left the pool without landing.
func (w *Worker) refusedOnRecheck(h txpool.Hash, message string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.tellLocked(h, outcome{h: h, err: fmt.Errorf("%w: %s", ErrRefusedOnRecheck, message)})
}

// tellLocked hands o to every waiter of h and forgets them: a waiter hears
// one outcome, the first.
func (w *Worker) tellLocked(h txpool.Hash, o outcome) {
	for _, ch := range w.waiters[h] {
		select {
		case ch <- o:
		default:
		}
	}
	delete(w.waiters, h)
}

func (w *Worker) dropWaiter(h txpool.Hash, ch chan outcome) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dropWaiterLocked(h, ch)
}

func (w *Worker) dropWaiterLocked(h txpool.Hash, ch chan outcome) {
	ws := w.waiters[h]
	for i := range ws {
		if ws[i] == ch {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(w.waiters, h)
	} else {
		w.waiters[h] = ws
	}
}

// P2PHandler is the worker's handler of executor messages, to register
// with p2p.Server.HandleCompute.
func (w *Worker) P2PHandler() p2p.ComputeHandler { return p2pHandler{w} }

type p2pHandler struct{ w *Worker }

// SubmitTx admits transactions gossiped by a peer (without gossiping them
// further), as one admission. Transactions the runtime refuses are dropped
// silently: the sender's pool admitted them against its own view, which
// may differ.
func (h p2pHandler) SubmitTx(ctx context.Context, _ signature.PublicKey, m *p2p.TxMsg) error {
	if m.Runtime != h.w.cfg.Runtime {
		return fmt.Errorf("compute: runtime %s is not %s", m.Runtime, h.w.cfg.Runtime)
	}
	if len(m.Txs) == 0 {
		return nil
	}
	select {
	case <-h.w.enqueueFrom(m.Txs, nil, false, true):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Propose delivers a proposal and its batch.
func (h p2pHandler) Propose(_ context.Context, _ signature.PublicKey, m *p2p.ProposalMsg) error {
	return h.w.addProposal(m)
}
