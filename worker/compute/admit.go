package compute

import (
	"context"
	"errors"

	"github.com/atoll-dev/atoll/worker/txpool"
)

// Admit checks tx into the pool and gossips it to the committee, like
// SubmitTx, but returns once it is admitted instead of waiting for its
// round: the Solana JSON-RPC answers sendTransaction this way and learns the
// outcome from the finalized rounds. A transaction already pooled is not an
// error.
func (w *Worker) Admit(ctx context.Context, tx []byte) error {
	if err := w.admit(ctx, tx, txpool.HashOf(tx), true); err != nil && !errors.Is(err, txpool.ErrDuplicate) {
		return err
	}
	return nil
}
