package compute

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/worker/p2p"
	wrt "github.com/atoll-dev/atoll/worker/runtime"
	"github.com/atoll-dev/atoll/worker/submit"
	"github.com/atoll-dev/atoll/worker/txpool"
)

// TxResult is a transaction's outcome in a finalized round.
type TxResult = submit.TxResult

var _ submit.Submitter = (*Worker)(nil)

// SubmitTx implements submit.Submitter.
func (w *Worker) SubmitTx(ctx context.Context, tx []byte) (*TxResult, error) {
	h := txpool.HashOf(tx)
	ch := make(chan *TxResult, 1)
	w.mu.Lock()
	w.waiters[h] = append(w.waiters[h], ch)
	w.mu.Unlock()
	defer w.dropWaiter(h, ch)
	if err := w.admit(ctx, tx, true); err != nil && !errors.Is(err, txpool.ErrDuplicate) {
		return nil, err
	}
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (w *Worker) dropWaiter(h txpool.Hash, ch chan *TxResult) {
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

// SubmitTx admits a transaction gossiped by a peer (without gossiping it
// further).
func (h p2pHandler) SubmitTx(ctx context.Context, _ signature.PublicKey, m *p2p.TxMsg) error {
	if m.Runtime != h.w.cfg.Runtime {
		return fmt.Errorf("compute: runtime %s is not %s", m.Runtime, h.w.cfg.Runtime)
	}
	return h.w.admit(ctx, m.Tx, false)
}

// Propose delivers a proposal and its batch.
func (h p2pHandler) Propose(_ context.Context, _ signature.PublicKey, m *p2p.ProposalMsg) error {
	return h.w.addProposal(m)
}

// admit checks tx into the pool against the latest finalized state and,
// when gossip is set, sends it to the other workers of the committee.
func (w *Worker) admit(ctx context.Context, tx []byte, gossip bool) error {
	w.mu.Lock()
	v := w.view
	w.mu.Unlock()
	if v == nil {
		return errors.New("compute: worker has not seen the chain yet")
	}
	_, root, ok := w.cfg.Replica.Round()
	if !ok {
		return errors.New("compute: worker holds no state yet")
	}
	bc, err := w.blockContext(ctx, v)
	if err != nil {
		return err
	}
	errs, err := w.cfg.Pool.Add(ctx, rhp.Root{Version: root.Version, Hash: rhp.Hash(root.Hash)}, bc, [][]byte{tx})
	if err != nil {
		return err
	}
	if errs[0] != nil {
		return errs[0]
	}
	if gossip {
		for _, id := range v.Workers {
			if id == w.me() {
				continue
			}
			if p, ok := v.peer(id); ok {
				go func(p p2p.Peer) {
					cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					if err := w.cfg.P2P.SubmitTx(cctx, p, &p2p.TxMsg{Runtime: w.cfg.Runtime, Tx: tx}); err != nil {
						w.log.Debug("gossip failed", "peer", p.Addr, "err", err)
					}
				}(p)
			}
		}
	}
	return nil
}

// finalized reads round's transactions and results from the committed IO
// tree: it drops them from the pool, records them in the status cache and
// answers the clients waiting for them.
func (w *Worker) finalized(round uint64) error {
	kv := w.cfg.Replica.KV
	root, ok, err := kv.RootAt(mkvs.RootIO, round)
	if err != nil || !ok {
		return fmt.Errorf("compute: io tree of round %d: found=%v %v", round, ok, err)
	}
	t, err := kv.Tree(root)
	if err != nil {
		return err
	}
	var txs [][]byte
	var svmResults []svm.TxResult
	for i := uint32(0); ; i++ {
		tx, err := t.Get(wrt.IOTxKey(i))
		if errors.Is(err, mkvs.ErrNotFound) {
			break
		}
		if err != nil {
			return err
		}
		raw, err := t.Get(wrt.IOResultKey(i))
		if err != nil {
			return err
		}
		var r rhp.TxResult
		if err := codec.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("compute: result %d of round %d: %w", i, round, err)
		}
		txs = append(txs, tx)
		if w.cfg.Status != nil && r.Code != wrt.CodeRefused {
			if d, err := sol.DecodeTransaction(tx); err == nil {
				svmResults = append(svmResults, svm.TxResult{Signature: d.Signature(), MessageHash: svm.MessageHash(d.MessageBytes), Processed: true})
			}
		}
		w.mu.Lock()
		for _, ch := range w.waiters[txpool.HashOf(tx)] {
			select {
			case ch <- &TxResult{Round: round, Code: r.Code, Units: r.Units, Logs: r.Logs, Data: r.Data}:
			default:
			}
		}
		w.mu.Unlock()
	}
	w.cfg.Pool.Remove(txs)
	if w.cfg.Status != nil {
		w.cfg.Status.Record(round, svmResults)
		if round > 2*svm.MaxRecentBlockhashes {
			w.cfg.Status.Prune(round - 2*svm.MaxRecentBlockhashes)
		}
	}
	return nil
}
