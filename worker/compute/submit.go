package compute

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/worker/p2p"
	"github.com/atoll-dev/atoll/worker/submit"
	"github.com/atoll-dev/atoll/worker/txpool"
)

// TxResult is a transaction's outcome in a finalized round.
type TxResult = submit.TxResult

var _ submit.Submitter = (*Worker)(nil)

// SubmitTx implements submit.Submitter.
func (w *Worker) SubmitTx(ctx context.Context, tx []byte) (*TxResult, error) {
	h := txpool.HashOf(tx)
	ch := make(chan outcome, 1)
	w.mu.Lock()
	w.waiters[h] = append(w.waiters[h], ch)
	w.mu.Unlock()
	defer w.dropWaiter(h, ch)
	if err := w.admit(ctx, tx, true); err != nil && !errors.Is(err, txpool.ErrDuplicate) {
		return nil, err
	}
	select {
	case o := <-ch:
		return o.res, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// outcome is what a submitter waiting for a transaction hears: its result
// in a finalized round, or why it will not get one.
type outcome struct {
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
	for _, ch := range w.waiters[h] {
		select {
		case ch <- outcome{err: fmt.Errorf("%w: %s", ErrRefusedOnRecheck, message)}:
		default:
		}
	}
}

func (w *Worker) dropWaiter(h txpool.Hash, ch chan outcome) {
	w.mu.Lock()
	defer w.mu.Unlock()
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
// further). Transactions the runtime refuses are dropped silently: the
// sender's pool admitted them against its own view, which may differ.
func (h p2pHandler) SubmitTx(ctx context.Context, _ signature.PublicKey, m *p2p.TxMsg) error {
	if m.Runtime != h.w.cfg.Runtime {
		return fmt.Errorf("compute: runtime %s is not %s", m.Runtime, h.w.cfg.Runtime)
	}
	errs := make([]chan error, len(m.Txs))
	for i, tx := range m.Txs {
		errs[i] = h.w.enqueue(tx, false)
	}
	for _, ch := range errs {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Propose delivers a proposal and its batch.
func (h p2pHandler) Propose(_ context.Context, _ signature.PublicKey, m *p2p.ProposalMsg) error {
	return h.w.addProposal(m)
}

// admission is one transaction waiting to be checked into the pool.
type admission struct {
	tx     []byte
	gossip bool
	done   chan error
}

// maxAdmitBatch bounds how many queued transactions one CheckTx call takes.
const maxAdmitBatch = 1024

// admit checks tx into the pool (and, with gossip, sends it to the other
// workers of the committee), batched with whatever else is waiting.
func (w *Worker) admit(ctx context.Context, tx []byte, gossip bool) error {
	select {
	case err := <-w.enqueue(tx, gossip):
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *Worker) enqueue(tx []byte, gossip bool) chan error {
	w.admitOnce.Do(func() {
		w.admitQ = make(chan admission, maxAdmitBatch)
		go w.admitter()
	})
	done := make(chan error, 1)
	w.admitQ <- admission{tx: tx, gossip: gossip, done: done}
	return done
}

// admitter drains the admission queue: every transaction waiting when it
// wakes goes into one CheckTx call (one proof of all fee payers, one batch
// signature verification) and one gossip message per peer.
func (w *Worker) admitter() {
	for first := range w.admitQ {
		batch := []admission{first}
	drain:
		for len(batch) < maxAdmitBatch {
			select {
			case a := <-w.admitQ:
				batch = append(batch, a)
			default:
				break drain
			}
		}
		w.admitBatch(batch)
	}
}

func (w *Worker) admitBatch(batch []admission) {
	fail := func(err error) {
		for _, a := range batch {
			a.done <- err
		}
	}
	w.mu.Lock()
	v := w.view
	w.mu.Unlock()
	if v == nil {
		fail(errors.New("compute: worker has not seen the chain yet"))
		return
	}
	_, root, ok := w.cfg.Replica.Round()
	if !ok {
		fail(errors.New("compute: worker holds no state yet"))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bc, err := w.blockContext(ctx, v)
	if err != nil {
		fail(err)
		return
	}
	txs := make([][]byte, len(batch))
	for i := range batch {
		txs[i] = batch[i].tx
	}
	errs, err := w.cfg.Pool.Add(ctx, rhp.Root{Version: root.Version, Hash: rhp.Hash(root.Hash)}, bc, txs)
	if err != nil {
		fail(err)
		return
	}
	var gossip [][]byte
	for i, a := range batch {
		if errs[i] == nil && a.gossip {
			gossip = append(gossip, a.tx)
		}
		a.done <- errs[i]
	}
	if len(gossip) == 0 {
		return
	}
	for _, id := range v.Workers {
		if id == w.me() {
			continue
		}
		if p, ok := v.peer(id); ok {
			go func(p p2p.Peer) {
				cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := w.cfg.P2P.SubmitTx(cctx, p, &p2p.TxMsg{Runtime: w.cfg.Runtime, Txs: gossip}); err != nil {
					w.log.Debug("gossip failed", "peer", p.Addr, "err", err)
				}
			}(p)
		}
	}
}

// finalized reads round's transactions and results (the SVM runtime's IO
// layout: hosted.TxKey/ResultKey, values hosted.Result) from the IO write
// log the replica just applied, or else from the committed IO tree: it
// drops them from the pool, then answers the clients waiting for them (in
// that order, so that a client resubmitting on an answer is not taken for
// a duplicate of the pooled copy). Only results someone waits for are
// decoded. Replays are refused by the runtime itself, from state.
func (w *Worker) finalized(round uint64) error {
	txs, raws, err := w.roundIO(round)
	if err != nil {
		return err
	}
	if len(raws) != len(txs) {
		return fmt.Errorf("compute: round %d has %d transactions and %d results", round, len(txs), len(raws))
	}
	hashes := make([]txpool.Hash, len(txs))
	for i, tx := range txs {
		hashes[i] = txpool.HashOf(tx)
	}
	w.cfg.Pool.RemoveHashes(hashes)
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, h := range hashes {
		ws := w.waiters[h]
		if len(ws) == 0 {
			continue
		}
		res, err := decodeResult(round, raws[i])
		if err != nil {
			return fmt.Errorf("compute: result %d of round %d: %w", i, round, err)
		}
		for _, ch := range ws {
			select {
			case ch <- outcome{res: res}:
			default:
			}
		}
	}
	return nil
}

// roundIO returns round's transactions and encoded results, by batch
// index.
func (w *Worker) roundIO(round uint64) (txs, results [][]byte, err error) {
	if wl, ok := w.cfg.Replica.FinalizedIOLog(round); ok {
		// The log is sorted by key: each kind's entries are contiguous and
		// in batch order, as an iterator would yield them.
		txPrefix, resPrefix := hosted.TxKey(0)[:1], hosted.ResultKey(0)[:1]
		for _, e := range wl {
			switch {
			case e.Deleted:
			case bytes.HasPrefix(e.Key, txPrefix):
				txs = append(txs, e.Value)
			case bytes.HasPrefix(e.Key, resPrefix):
				results = append(results, e.Value)
			}
		}
		return txs, results, nil
	}
	kv := w.cfg.Replica.KV
	root, ok, err := kv.RootAt(mkvs.RootIO, round)
	if err != nil || !ok {
		return nil, nil, fmt.Errorf("compute: io tree of round %d: found=%v %v", round, ok, err)
	}
	t, err := kv.Tree(root)
	if err != nil {
		return nil, nil, err
	}
	// One pass over each half of the IO tree loads every node once (a Get
	// per entry walked from the root each time: a quarter of a busy
	// node's CPU).
	if txs, err = ioValues(t, hosted.TxKey(0)[:1]); err != nil {
		return nil, nil, fmt.Errorf("compute: transactions of round %d: %w", round, err)
	}
	if results, err = ioValues(t, hosted.ResultKey(0)[:1]); err != nil {
		return nil, nil, fmt.Errorf("compute: results of round %d: %w", round, err)
	}
	return txs, results, nil
}

// decodeResult turns an IO tree result into what a waiting client gets.
func decodeResult(round uint64, raw []byte) (*TxResult, error) {
	var r hosted.Result
	if err := rhp.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	res := &TxResult{Round: round, Code: hosted.CodeOK, Units: r.UnitsConsumed, Logs: r.Logs, Data: r.ReturnData}
	switch {
	case !r.Processed:
		res.Code = hosted.CodeRefused
	case r.Err != nil:
		res.Code = hosted.CodeFailed
	}
	if r.Err != nil {
		res.Error = r.TxResult().Err.Error()
	}
	return res, nil
}

// ioValues returns the values under prefix in key order (the IO tree's
// entries of one kind, by batch index). The values are copies.
func ioValues(t *mkvs.Tree, prefix []byte) ([][]byte, error) {
	var out [][]byte
	it := t.NewPrefixIterator(prefix)
	for it.First(); it.Valid(); it.Next() {
		out = append(out, bytes.Clone(it.Value()))
	}
	return out, it.Err()
}
