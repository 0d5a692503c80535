package guest

import (
	"context"
	"fmt"

	"github.com/atoll-dev/atoll/runtime/rhp"
)

// ProofVerifier checks that entries are what the tree at root holds, using
// the host's opaque proof. It returns an error naming the first mismatch.
type ProofVerifier func(root rhp.Root, entries []rhp.StorageEntry, proof []byte) error

// Host is the runtime's handle on the host: the calls a runtime makes back
// while it serves a request. Its methods are safe for concurrent use; pass
// the ctx of the request being served so that an abort cancels them.
type Host struct {
	conn   *rhp.Conn
	verify ProofVerifier
}

// StorageGet reads keys of the state tree at root, returning one entry per
// key in order. When the Server has a ProofVerifier the entries are verified
// against root first; without one the caller must verify resp.Proof itself
// before trusting a value.
func (h *Host) StorageGet(ctx context.Context, root rhp.Root, keys [][]byte) (*rhp.StorageGetResponse, error) {
	var resp rhp.StorageGetResponse
	if err := h.conn.Call(ctx, &rhp.StorageGet{Root: root, Keys: keys}, &resp); err != nil {
		return nil, err
	}
	if len(resp.Entries) != len(keys) {
		return nil, fmt.Errorf("guest: host answered %d entries for %d keys", len(resp.Entries), len(keys))
	}
	for i, e := range resp.Entries {
		if string(e.Key) != string(keys[i]) {
			return nil, fmt.Errorf("guest: host answered key %x at position %d, asked %x", e.Key, i, keys[i])
		}
	}
	if h.verify != nil {
		if err := h.verify(root, resp.Entries, resp.Proof); err != nil {
			return nil, fmt.Errorf("guest: storage proof: %w", err)
		}
	}
	return &resp, nil
}

// ConsensusQuery runs a light query of the consensus layer at height (0 for
// the latest).
func (h *Host) ConsensusQuery(ctx context.Context, method string, height uint64, args []byte) ([]byte, error) {
	var resp rhp.ConsensusQueryResponse
	if err := h.conn.Call(ctx, &rhp.ConsensusQuery{Method: method, Height: height, Args: args}, &resp); err != nil {
		return nil, err
	}
	return resp.Data, nil
}

// LocalGet reads the node-local store.
func (h *Host) LocalGet(ctx context.Context, key []byte) (value []byte, found bool, err error) {
	var resp rhp.LocalGetResponse
	if err := h.conn.Call(ctx, &rhp.LocalGet{Key: key}, &resp); err != nil {
		return nil, false, err
	}
	return resp.Value, resp.Found, nil
}

// LocalSet writes the node-local store; it returns once the host has made
// the value durable.
func (h *Host) LocalSet(ctx context.Context, key, value []byte) error {
	return h.conn.Call(ctx, &rhp.LocalSet{Key: key, Value: value}, &rhp.LocalSetResponse{})
}
