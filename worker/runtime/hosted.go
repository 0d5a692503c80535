package runtime

import (
	"context"
	"fmt"

	"github.com/atoll-dev/atoll/runtime/host"
	"github.com/atoll-dev/atoll/runtime/rhp"
)

// Hosted is a Runtime served by a supervised runtime process over RHP.
type Hosted struct {
	H *host.Host
}

var _ Runtime = (*Hosted)(nil)

// NewHosted starts the runtime process described by cfg.
func NewHosted(cfg host.Config) (*Hosted, error) {
	h, err := host.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("runtime: starting runtime host: %w", err)
	}
	return &Hosted{H: h}, nil
}

// CheckTx implements Runtime.
func (r *Hosted) CheckTx(ctx context.Context, req *rhp.CheckTxBatch) (*rhp.CheckTxBatchResponse, error) {
	var resp rhp.CheckTxBatchResponse
	if err := r.H.Call(ctx, req, &resp); err != nil {
		return nil, fmt.Errorf("%w: CheckTxBatch: %w", ErrRuntime, err)
	}
	if len(resp.Results) != len(req.Txs) {
		return nil, fmt.Errorf("%w: %d check results for %d transactions", ErrRuntime, len(resp.Results), len(req.Txs))
	}
	return &resp, nil
}

// ExecuteTxBatch implements Runtime.
func (r *Hosted) ExecuteTxBatch(ctx context.Context, req *rhp.ExecuteTxBatch) (*rhp.ExecuteTxBatchResponse, error) {
	var resp rhp.ExecuteTxBatchResponse
	if err := r.H.Call(ctx, req, &resp); err != nil {
		return nil, fmt.Errorf("%w: ExecuteTxBatch: %w", ErrRuntime, err)
	}
	if len(resp.Results) != len(req.Txs) {
		return nil, fmt.Errorf("%w: %d results for %d transactions", ErrRuntime, len(resp.Results), len(req.Txs))
	}
	return &resp, nil
}

// Close stops the runtime process.
func (r *Hosted) Close() error { return r.H.Close() }
