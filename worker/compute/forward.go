package compute

import (
	"context"
	"errors"
	"time"

	"github.com/atoll-dev/atoll/worker/p2p"
)

// Forward hands txs to the workers of the current committee (this one
// included, through its pool, as gossip) and returns once they answered. A
// pool gossips a transaction once, when it admits it, to the committee of
// that moment: a transaction admitted before the committee changed sits in
// pools whose nodes no longer schedule. The RPC rebroadcasts the
// transactions it accepted that have not landed, as Agave's
// send-transaction service retries toward the upcoming leaders. Receivers
// check every transaction as they check gossip.
func (w *Worker) Forward(ctx context.Context, txs [][]byte) error {
	w.mu.Lock()
	v := w.view
	w.mu.Unlock()
	if v == nil {
		return errors.New("compute: worker has not seen the chain yet")
	}
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
