package runtime

import (
	"context"
	"errors"

	"github.com/atoll-dev/atoll/runtime/rhp"
)

// ErrRuntime wraps every failure of the runtime to answer (crash, hang,
// malformed response); a worker that sees it submits a failure-indicating
// commitment.
var ErrRuntime = errors.New("runtime: execution failed")

// Runtime executes and checks transactions for a worker. Implementations are
// safe for concurrent use; ExecuteTxBatch must be deterministic: equal
// requests give equal responses on every node.
type Runtime interface {
	// CheckTx checks transactions for admission to the pool against the
	// state at req.StateRoot, one result per transaction.
	CheckTx(ctx context.Context, req *rhp.CheckTxBatch) (*rhp.CheckTxBatchResponse, error)
	// ExecuteTxBatch executes a batch on top of req.PrevRoots and returns the
	// write logs, new roots, per-transaction results and runtime messages.
	ExecuteTxBatch(ctx context.Context, req *rhp.ExecuteTxBatch) (*rhp.ExecuteTxBatchResponse, error)
	// Close releases the runtime.
	Close() error
}
