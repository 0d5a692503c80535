package compute

import (
	"context"
	"slices"
	"time"

	"github.com/atoll-dev/atoll/runtime/rhp"
)

// defaultHandoffInterval is how long a node outside the executor
// committee lets pending transactions sit before handing them to the
// committee again (Config.HandoffInterval): a gossip can fail, and the
// committee's pools can evict or lose them (a worker restarted).
const defaultHandoffInterval = 10 * time.Second

// committeeChangeSettle is how long after handing its pool to a new
// committee a node outside it hands over everything again: a peer whose
// view still had the old committee may have gossiped transactions to this
// node after the first hand-off, and they would otherwise wait a whole
// HandoffInterval.
const committeeChangeSettle = time.Second

// maxHandoff bounds how many transactions one hand-off takes from the pool
// (its default size); they go out in messages of maxAdmitBatch.
const maxHandoff = 10_000

// maybeHandOff hands the pool's pending transactions to the workers of v
// when this node is not one of them and so will not propose them itself:
// all of them at once when the committee changed since the last hand-off
// (a pool gossips a transaction once, on admission, to the committee of
// that moment, and the transactions held by nodes that left it would
// otherwise never be proposed) and once more committeeChangeSettle later,
// else every HandoffInterval those pooled
// since the previous hand-off (the younger ones were gossiped to this
// committee on admission), until they land (a finalized round removes them
// from the pool) or the runtime refuses them (their blockhash expired).
// One hand-off runs at a time, off the round goroutine; a committee change
// seen meanwhile is handed off at the next step. It runs on Run's
// goroutine only.
func (w *Worker) maybeHandOff(ctx context.Context, v *View) {
	changed := !slices.Equal(w.handedTo, v.Workers)
	if indexOf(v.Workers, w.me()) >= 0 {
		w.handedTo, w.handedMark, w.resweepAt = v.Workers, w.cfg.Pool.Mark(), time.Time{}
		return
	}
	now := time.Now()
	resweep := !w.resweepAt.IsZero() && !now.Before(w.resweepAt)
	if !changed && !resweep && now.Sub(w.handedAt) < w.cfg.HandoffInterval {
		return
	}
	mark := w.cfg.Pool.Mark()
	empty := w.cfg.Pool.Len() == 0
	if !empty && !w.handing.CompareAndSwap(false, true) {
		return
	}
	switch {
	case changed && w.handedTo != nil: // not the first view since start
		w.resweepAt = now.Add(committeeChangeSettle)
	case resweep:
		w.resweepAt = time.Time{}
	}
	upTo := w.handedMark
	if changed || resweep {
		upTo = mark
	}
	w.handedTo, w.handedAt, w.handedMark = v.Workers, now, mark
	if empty {
		return
	}
	w.handoffs.Add(1)
	go func() {
		defer w.handoffs.Done()
		defer w.handing.Store(false)
		if err := w.handOff(ctx, upTo); err != nil && ctx.Err() == nil {
			w.log.Debug("handing pending transactions to the committee", "err", err)
		}
	}()
}

// handOff rechecks the pending transactions admitted up to pool mark upTo
// (forgetting those the runtime refuses now) and forwards the rest to the
// committee's workers.
func (w *Worker) handOff(ctx context.Context, upTo uint64) error {
	// The pool first, then the view: every pooled transaction was admitted
	// against a view no newer than this one, so a blockhash the runtime no
	// longer finds has expired rather than not yet been seen.
	pending := w.cfg.Pool.Admitted(maxHandoff, upTo)
	w.mu.Lock()
	v := w.view
	w.mu.Unlock()
	_, root, ok := w.cfg.Replica.Round()
	if v == nil || !ok || len(pending) == 0 {
		return nil
	}
	bc, err := w.blockContext(ctx, v)
	if err != nil {
		return err
	}
	var handed int
	for len(pending) > 0 && ctx.Err() == nil {
		chunk := pending[:min(len(pending), maxAdmitBatch)]
		pending = pending[len(chunk):]
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		live, err := w.cfg.Pool.Recheck(cctx, rhp.Root{Version: root.Version, Hash: rhp.Hash(root.Hash)}, bc, chunk)
		cancel()
		if err != nil {
			return err
		}
		if len(live) == 0 {
			continue
		}
		if err := w.forwardTo(ctx, v, live); err != nil {
			w.log.Debug("handing transactions to a worker failed", "err", err)
		}
		handed += len(live)
	}
	w.log.Debug("handed pending transactions to the committee", "epoch", v.Epoch, "txs", handed)
	return nil
}
