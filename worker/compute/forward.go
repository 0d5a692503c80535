package compute

import (
	"context"
	"errors"
	"time"

	"github.com/atoll-dev/atoll/worker/p2p"
)

// Forward hands txs to the workers of the current committee (this one
// included, through its pool, as gossip) and returns once they answered.
// The pool itself hands its pending transactions to a new committee
// (handoff.go) when this node is not a worker; Forward serves callers that
// follow transactions the pool may have evicted, as Agave's
// send-transaction service retries toward the upcoming leaders. Receivers
// check every transaction as they check gossip.
func (w *Worker) Forward(ctx context.Context, txs [][]byte) error {
	w.mu.Lock()
	v := w.view
	w.mu.Unlock()
	if v == nil {
		return errors.New("compute: worker has not seen the chain yet")
	}
	return w.forwardTo(ctx, v, txs)
}

// forwardTo sends txs to the workers of v, one peer after the other.
func (w *Worker) forwardTo(ctx context.Context, v *View, txs [][]byte) error {
	msg := &p2p.TxMsg{Runtime: w.cfg.Runtime, Txs: txs}
	var errs []error
	for _, id := range v.Workers {
		if id == w.me() {
			errs = append(errs, p2pHandler{w}.SubmitTx(ctx, id, msg))
			continue
		}
		p, ok := v.peer(id)
		if !ok {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		errs = append(errs, w.cfg.P2P.SubmitTx(cctx, p, msg))
		cancel()
	}
	return errors.Join(errs...)
}
