package runtime

import (
	"context"
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/runtime/host"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// maxStorageKeys bounds one StorageGet from the (untrusted) runtime.
const maxStorageKeys = 1 << 16

// StorageHandler serves a sandboxed runtime's reads of the worker's state
// tree, with proofs; consensus queries and local storage are not offered.
type StorageHandler struct {
	KV *mkvs.Store
}

var _ host.Handler = (*StorageHandler)(nil)

// StorageGet implements host.Handler.
func (h *StorageHandler) StorageGet(_ context.Context, req *rhp.StorageGet) (*rhp.StorageGetResponse, error) {
	if len(req.Keys) > maxStorageKeys {
		return nil, rhp.Errorf(rhp.CodeMalformed, "host", "%d keys in one read (limit %d)", len(req.Keys), maxStorageKeys)
	}
	t, err := h.KV.Tree(mkvs.Root{Namespace: h.KV.Namespace(), Version: req.Root.Version, Type: mkvs.RootState, Hash: mkvs.Hash(req.Root.Hash)})
	if err != nil {
		return nil, rhp.Errorf(rhp.CodeNotFound, "host", "state root: %v", err)
	}
	resp := &rhp.StorageGetResponse{Entries: make([]rhp.StorageEntry, len(req.Keys))}
	for i, k := range req.Keys {
		v, err := t.Get(k)
		switch {
		case errors.Is(err, mkvs.ErrNotFound):
			resp.Entries[i] = rhp.StorageEntry{Key: k}
		case err != nil:
			return nil, rhp.Errorf(rhp.CodeMalformed, "host", "reading key: %v", err)
		default:
			resp.Entries[i] = rhp.StorageEntry{Key: k, Found: true, Value: v}
		}
	}
	if resp.Proof, err = t.Prove(req.Keys...); err != nil {
		return nil, rhp.Errorf(rhp.CodeMalformed, "host", "proof: %v", err)
	}
	return resp, nil
}

// Prefetch fills req.Prefetch, when empty, with the values of the keys the
// SVM runtime predicts the batch reads (hosted.PrefetchKeys, deposit
// recipients included) and one proof of them against the previous state
// root: one read of the tree instead of a round trip per account.
func (h *StorageHandler) Prefetch(ctx context.Context, req *rhp.ExecuteTxBatch) error {
	if len(req.Prefetch.Proof) != 0 {
		return nil
	}
	resp, err := h.StorageGet(ctx, &rhp.StorageGet{Root: req.PrevRoots.State, Keys: hosted.PrefetchKeys(req.Txs, req.Deposits...)})
	if err != nil {
		return fmt.Errorf("%w: prefetch: %w", ErrRuntime, err)
	}
	req.Prefetch = hosted.Prefetch(resp)
	return nil
}

// ConsensusQuery implements host.Handler: not offered.
func (h *StorageHandler) ConsensusQuery(context.Context, *rhp.ConsensusQuery) (*rhp.ConsensusQueryResponse, error) {
	return nil, rhp.Errorf(rhp.CodeUnsupported, "host", "consensus queries are not served")
}

// LocalGet implements host.Handler: not offered.
func (h *StorageHandler) LocalGet(context.Context, *rhp.LocalGet) (*rhp.LocalGetResponse, error) {
	return nil, rhp.Errorf(rhp.CodeUnsupported, "host", "local storage is not served")
}

// LocalSet implements host.Handler: not offered.
func (h *StorageHandler) LocalSet(context.Context, *rhp.LocalSet) (*rhp.LocalSetResponse, error) {
	return nil, rhp.Errorf(rhp.CodeUnsupported, "host", "local storage is not served")
}
