package runtime

import (
	"context"
	"fmt"

	"github.com/atoll-dev/atoll/runtime/host"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// Hosted is a Runtime served by a supervised runtime process over RHP; its
// reads of state are answered from the worker's MKVS.
type Hosted struct {
	H       *host.Host
	storage *StorageHandler
}

var _ Runtime = (*Hosted)(nil)

// NewHosted starts the runtime process described by cfg, serving its
// storage reads from kv (cfg.Handler is replaced).
func NewHosted(cfg host.Config, kv *mkvs.Store) (*Hosted, error) {
	sh := &StorageHandler{KV: kv}
	cfg.Handler = sh
	h, err := host.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("runtime: starting runtime host: %w", err)
	}
	return &Hosted{H: h, storage: sh}, nil
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
	if err := r.storage.Prefetch(ctx, req); err != nil {
		return nil, err
	}
	var resp rhp.ExecuteTxBatchResponse
	if err := r.H.Call(ctx, req, &resp); err != nil {
		return nil, fmt.Errorf("%w: ExecuteTxBatch: %w", ErrRuntime, err)
	}
	// The response's byte strings alias its frame, megabytes that are
	// mostly the IO write log. The state write log is small and its
	// values live on in the state tree's node cache for many rounds: it
	// gets its own copy, so that it does not keep each round's frame alive.
	resp.StateWriteLog = compactLog(resp.StateWriteLog)
	resp.Messages = compactBytes(resp.Messages)
	if len(resp.Results) != len(req.Txs) {
		return nil, fmt.Errorf("%w: %d results for %d transactions", ErrRuntime, len(resp.Results), len(req.Txs))
	}
	return &resp, nil
}

// Close stops the runtime process.
func (r *Hosted) Close() error { return r.H.Close() }
