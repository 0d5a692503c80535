package runtime

import (
	"context"
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sigverify"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// Result codes of rhp.TxResult and rhp.CheckTxResult produced by the SVM
// runtime.
const (
	// CodeOK: executed and succeeded (or admitted, for CheckTx).
	CodeOK uint32 = 0
	// CodeFailed: executed, failed, fee charged, changes rolled back.
	CodeFailed uint32 = 1
	// CodeRefused: not executed (bad encoding or signature, unknown
	// blockhash, replay, fee payer cannot pay).
	CodeRefused uint32 = 2
)

// InProcess is the SVM runtime run inside the worker's process on the
// worker's own MKVS: no sandbox, no RHP round trips. It produces exactly the
// write logs and roots the sandboxed runtime does.
type InProcess struct {
	kv     *mkvs.Store
	status svm.StatusChecker
	opts   []svm.Option
}

var _ Runtime = (*InProcess)(nil)

// NewInProcess returns the SVM runtime over kv. status, when not nil,
// refuses transactions already processed in a finalized round; opts
// configure every svm.Executor (native programs, parallelism).
func NewInProcess(kv *mkvs.Store, status svm.StatusChecker, opts ...svm.Option) *InProcess {
	return &InProcess{kv: kv, status: status, opts: opts}
}

func (r *InProcess) stateTree(root rhp.Root) (*mkvs.Tree, error) {
	t, err := r.kv.Tree(mkvs.Root{Namespace: r.kv.Namespace(), Version: root.Version, Type: mkvs.RootState, Hash: mkvs.Hash(root.Hash)})
	if err != nil {
		return nil, fmt.Errorf("runtime: state root %x@%d: %w", root.Hash[:8], root.Version, err)
	}
	return t, nil
}

func (r *InProcess) executor(store svm.AccountsStore) *svm.Executor {
	opts := append([]svm.Option(nil), r.opts...)
	if r.status != nil {
		opts = append(opts, svm.WithStatusChecker(r.status))
	}
	return svm.NewExecutor(store, opts...)
}

// BlockContext converts the protocol's block context to the engine's.
// Blockhash i (newest first) is taken to have closed slot Slot-1-i.
func BlockContext(c *rhp.BlockContext) svm.BlockContext {
	b := svm.BlockContext{Slot: c.Slot, Epoch: c.Epoch, UnixTimestamp: c.UnixTimestamp, EpochStartTimestamp: c.UnixTimestamp, Features: svm.FeatureSet{}}
	for i, h := range c.RecentBlockhashes {
		slot := uint64(0)
		if c.Slot > uint64(i)+1 {
			slot = c.Slot - uint64(i) - 1
		}
		b.RecentBlockhashes = append(b.RecentBlockhashes, svm.BlockhashEntry{Slot: slot, Hash: sol.Hash(h)})
	}
	for _, f := range c.ActiveFeatures {
		b.Features[sol.Pubkey(f)] = 0
	}
	return b
}

// ExecuteTxBatch implements Runtime.
func (r *InProcess) ExecuteTxBatch(_ context.Context, req *rhp.ExecuteTxBatch) (*rhp.ExecuteTxBatchResponse, error) {
	tree, err := r.stateTree(req.PrevRoots.State)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRuntime, err)
	}
	blk := BlockContext(&req.Context)
	res, err := r.executor(treeAccounts{tree}).ExecuteBatch(&blk, req.Txs)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRuntime, err)
	}
	for i := range res.Writes {
		w := &res.Writes[i]
		key := w.Key
		if w.Deleted() {
			err = tree.Remove(key[:])
		} else {
			var v []byte
			if v, err = w.Account.MarshalBinary(); err == nil {
				err = tree.Insert(key[:], v)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%w: writing %s: %w", ErrRuntime, w.Key, err)
		}
	}
	stateLog, err := tree.WriteLog()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRuntime, err)
	}
	results := make([]rhp.TxResult, len(res.Results))
	for i := range res.Results {
		results[i] = txResult(&res.Results[i])
	}
	ioLog, ioRoot, err := BuildIOTree(req.Txs, results)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRuntime, err)
	}
	return &rhp.ExecuteTxBatchResponse{
		Results:       results,
		StateWriteLog: ToRHPLog(stateLog),
		IOWriteLog:    ToRHPLog(ioLog),
		StateRoot:     rhp.Hash(tree.Hash()),
		IORoot:        rhp.Hash(ioRoot),
		Messages:      [][]byte{},
	}, nil
}

func txResult(r *svm.TxResult) rhp.TxResult {
	out := rhp.TxResult{Code: CodeOK, Units: r.UnitsConsumed, Logs: r.Logs}
	switch {
	case !r.Processed:
		out.Code = CodeRefused
	case r.Err != nil:
		out.Code = CodeFailed
	}
	if out.Logs == nil {
		out.Logs = []string{}
	}
	if r.Err != nil {
		out.Logs = append(out.Logs, "error: "+r.Err.Error())
	}
	if r.ReturnData != nil {
		out.Data = r.ReturnData.Data
	}
	return out
}

// CheckTx implements Runtime: a transaction is admitted if it decodes, its
// signatures verify, it was not processed already and its fee payer can
// pay the fee at req.StateRoot. Priority is the fee.
func (r *InProcess) CheckTx(_ context.Context, req *rhp.CheckTxBatch) (*rhp.CheckTxBatchResponse, error) {
	tree, err := r.stateTree(req.StateRoot)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRuntime, err)
	}
	accts := treeAccounts{tree}
	out := &rhp.CheckTxBatchResponse{Results: make([]rhp.CheckTxResult, len(req.Txs))}
	var items []sigverify.Item
	for i, raw := range req.Txs {
		res := &out.Results[i]
		tx, err := sol.DecodeTransaction(raw)
		if err != nil {
			*res = rhp.CheckTxResult{Code: CodeRefused, Message: err.Error()}
			continue
		}
		items = sigverify.TransactionItems(items[:0], tx)
		for j, ok := range sigverify.VerifyBatch(items) {
			if !ok {
				*res = rhp.CheckTxResult{Code: CodeRefused, Message: fmt.Sprintf("signature %d does not verify", j)}
				break
			}
		}
		if res.Code != CodeOK {
			continue
		}
		if r.status != nil && r.status.Processed(tx.Signature(), svm.MessageHash(tx.MessageBytes)) {
			*res = rhp.CheckTxResult{Code: CodeRefused, Message: "already processed"}
			continue
		}
		fee := uint64(len(tx.Signatures)) * svm.LamportsPerSignature
		payer, ok, err := accts.Account(tx.FeePayer())
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrRuntime, err)
		}
		if !ok || payer.Lamports < fee {
			*res = rhp.CheckTxResult{Code: CodeRefused, Message: "fee payer cannot pay the fee"}
			continue
		}
		res.Priority = fee
	}
	return out, nil
}

// Close implements Runtime; the store belongs to the caller.
func (r *InProcess) Close() error { return nil }

// treeAccounts reads accounts from an MKVS tree; writes go through the
// caller, so Apply is refused.
type treeAccounts struct{ t *mkvs.Tree }

func (a treeAccounts) Account(key sol.Pubkey) (sol.Account, bool, error) {
	v, err := a.t.Get(key[:])
	if errors.Is(err, mkvs.ErrNotFound) {
		return sol.Account{}, false, nil
	}
	if err != nil {
		return sol.Account{}, false, fmt.Errorf("runtime: reading %s: %w", key, err)
	}
	var acc sol.Account
	if err := acc.UnmarshalBinary(v); err != nil {
		return sol.Account{}, false, fmt.Errorf("runtime: stored account %s: %w", key, err)
	}
	return acc, true, nil
}

func (treeAccounts) Apply([]svm.AccountWrite) error {
	return errors.New("runtime: the batch view of the state is read-only")
}
