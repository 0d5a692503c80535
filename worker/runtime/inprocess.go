package runtime

import (
	"context"
	"fmt"

	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// InProcess is the SVM runtime (runtime/svm/hosted, the code `atoll runtime
// svm` serves in the sandbox) called directly in the worker's process, its
// state reads answered from the worker's MKVS. Being the same code fed the
// same proven reads, it produces exactly the write logs, roots and results
// the sandboxed runtime does; it only gives up the isolation.
type InProcess struct {
	rt      *hosted.Runtime
	storage *StorageHandler
}

var _ Runtime = (*InProcess)(nil)

// NewInProcess returns the SVM runtime over kv, configured with
// localConfig (canonical CBOR of hosted.Config; every node of a network
// must use the same, as the host sends it in InfoRequest.LocalConfig).
func NewInProcess(kv *mkvs.Store, localConfig []byte) (*InProcess, error) {
	h := &StorageHandler{KV: kv}
	rt, err := hosted.New(func(ctx context.Context, root rhp.Root, keys [][]byte) (*rhp.StorageGetResponse, error) {
		return h.StorageGet(ctx, &rhp.StorageGet{Root: root, Keys: keys})
	})
	if err != nil {
		return nil, fmt.Errorf("runtime: %w", err)
	}
	if _, err := rt.Info(context.Background(), &rhp.InfoRequest{LocalConfig: localConfig}); err != nil {
		return nil, fmt.Errorf("runtime: configuring the SVM runtime: %w", err)
	}
	return &InProcess{rt: rt, storage: h}, nil
}

// CheckTx implements Runtime.
func (r *InProcess) CheckTx(ctx context.Context, req *rhp.CheckTxBatch) (*rhp.CheckTxBatchResponse, error) {
	resp, err := r.rt.CheckTxBatch(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRuntime, err)
	}
	return resp, nil
}

// ExecuteTxBatch implements Runtime. A request without a prefetch gets
// one (see Prefetch).
func (r *InProcess) ExecuteTxBatch(ctx context.Context, req *rhp.ExecuteTxBatch) (*rhp.ExecuteTxBatchResponse, error) {
	if err := r.storage.Prefetch(ctx, req); err != nil {
		return nil, err
	}
	resp, err := r.rt.ExecuteTxBatch(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRuntime, err)
	}
	if len(resp.Results) != len(req.Txs) {
		return nil, fmt.Errorf("%w: %d results for %d transactions", ErrRuntime, len(resp.Results), len(req.Txs))
	}
	return resp, nil
}

// Close implements Runtime; the store belongs to the caller.
func (r *InProcess) Close() error { return nil }
