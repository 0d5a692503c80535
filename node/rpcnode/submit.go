package rpcnode

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sigverify"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs/accounts"
	"github.com/atoll-dev/atoll/worker/txpool"
)

// SendTransaction implements rpc.Backend: the preflight (unless skipped)
// runs the transaction over the finalized state, then the transaction is
// checked into the compute worker's pool, which verifies its signatures in
// a batch with whatever else is waiting and gossips it to the committee;
// the answer comes once the pool took it (or refused it: a bad signature
// is rpc.SignatureVerificationError, as Agave's answer). The signatures
// are verified once, by the pool: the preflight does not check them again
// unless it fails (Agave reports a bad signature before a failed
// preflight). The outcome shows in the rounds. At most MaxInFlight
// admissions wait at once; beyond that sendTransaction answers
// rpc.ErrQueueFull.
func (b *Backend) SendTransaction(raw []byte, opts rpc.SendOptions) (sol.Signature, error) {
	tx, err := sol.DecodeTransaction(raw)
	if err != nil {
		return sol.Signature{}, fmt.Errorf("%w: %v", rpc.ErrInvalidTransaction, err)
	}
	sig := tx.Signature()
	if _, ok, _ := b.ledger.Transaction(sig); ok {
		return sig, nil // already executed: the contract makes this a success
	}
	if !opts.SkipPreflight {
		sim, err := b.preflight(tx, raw)
		if err != nil {
			return sol.Signature{}, err
		}
		if sim.Result.Err != nil {
			if !signaturesVerify(tx) {
				return sol.Signature{}, &rpc.SignatureVerificationError{}
			}
			return sol.Signature{}, &rpc.PreflightError{Sim: sim}
		}
	}
	if err := b.admit(raw, sig); err != nil {
		return sol.Signature{}, err
	}
	b.track(sig, tx, raw)
	return sig, nil
}

// MaxInFlight bounds the sendTransaction calls waiting for the pool.
const MaxInFlight = 16384

// poolSigFailure is how the SVM runtime's pool check words a refusal for a
// signature that does not verify (runtime/svm/hosted CheckTxBatch).
const poolSigFailure = "signature verification failed"

func (b *Backend) admit(raw []byte, sig sol.Signature) error {
	if b.cfg.Compute == nil {
		return fmt.Errorf("%w: this node runs no compute worker", rpc.ErrNodeUnhealthy)
	}
	b.mu.RLock()
	ready := b.ready
	b.mu.RUnlock()
	if !ready {
		return fmt.Errorf("%w: %w", rpc.ErrNodeUnhealthy, ErrNotReady)
	}
	select {
	case b.inflight <- struct{}{}:
	default:
		return fmt.Errorf("%w: %d transactions waiting for admission", rpc.ErrQueueFull, MaxInFlight)
	}
	defer func() { <-b.inflight }()
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.SubmitTimeout)
	defer cancel()
	err := b.cfg.Compute.Admit(ctx, raw)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, txpool.ErrRejected) && strings.Contains(err.Error(), poolSigFailure):
		return &rpc.SignatureVerificationError{}
	case errors.Is(err, ctx.Err()), errors.Is(err, txpool.ErrFull):
		return fmt.Errorf("%w: %v", rpc.ErrQueueFull, err)
	}
	// The transaction may have landed between the ledger check and the
	// pool's, which then refuses it as a replay.
	if _, ok, _ := b.ledger.Transaction(sig); ok {
		return nil
	}
	return fmt.Errorf("%w: the pool refused it: %v", rpc.ErrInvalidTransaction, err)
}

func signaturesVerify(tx *sol.Transaction) bool {
	items := sigverify.TransactionItems(nil, tx)
	for i := range items {
		if !sigverify.Verify(&items[i]) {
			return false
		}
	}
	return true
}

// readOnly is a state view for simulation: nothing a simulation runs is
// committed.
type readOnly struct{ svm.AccountsStore }

func (readOnly) Apply([]svm.AccountWrite) error {
	return errors.New("rpcnode: a simulation view is read-only")
}

// withoutStatus is a preflight's view: the status ledger entries of the
// transactions' blockhashes read as absent.
type withoutStatus struct {
	svm.AccountsStore
	status map[sol.Pubkey]bool
}

func (v withoutStatus) Account(k sol.Pubkey) (sol.Account, bool, error) {
	if v.status[k] {
		return sol.Account{}, false, nil
	}
	return v.AccountsStore.Account(k)
}

// Simulate implements rpc.Backend.
func (b *Backend) Simulate(raw []byte, opts rpc.SimulateOptions) (*rpc.SimulateResult, error) {
	if opts.SigVerify && opts.ReplaceRecentBlockhash {
		return nil, fmt.Errorf("%w: sigVerify may not be used with replaceRecentBlockhash", rpc.ErrInvalidParams)
	}
	tx, err := sol.DecodeTransaction(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", rpc.ErrInvalidTransaction, err)
	}
	return b.simulate(tx, raw, opts)
}

// simulate executes tx as the runtime would in the round after the newest
// finalized one: its block context is the one the workers will build
// (slot, consensus epoch and time, the recent header hashes).
func (b *Backend) simulate(tx *sol.Transaction, raw []byte, opts rpc.SimulateOptions) (*rpc.SimulateResult, error) {
	b.mu.RLock()
	if !b.ready {
		b.mu.RUnlock()
		return nil, fmt.Errorf("%w: %w", rpc.ErrNodeUnhealthy, ErrNotReady)
	}
	s, state, ts := b.slot, b.state, b.time
	b.mu.RUnlock()
	hashes, features, err := b.blockInputs(s, state)
	if err != nil {
		return nil, err
	}
	var view svm.AccountsStore = readOnly{state}
	res := &rpc.SimulateResult{Slot: s}
	if opts.ReplaceRecentBlockhash && len(hashes) > 0 {
		tx.Message.RecentBlockhash = hashes[0].Hash
		tx.MessageBytes = tx.Message.AppendBinary(nil)
		if raw, err = tx.MarshalBinary(); err != nil {
			return nil, err
		}
		res.ReplacementBlockhash = &rpc.BlockhashInfo{Slot: s, Blockhash: hashes[0].Hash, LastValidBlockHeight: s + svm.MaxRecentBlockhashes}
	}
	// The executor owns the block context (it activates features in it at
	// an epoch boundary): the shared feature set is copied.
	blk := &svm.BlockContext{Slot: s + 1, Epoch: b.epochOf(s + 1), UnixTimestamp: ts, RecentBlockhashes: hashes, Features: maps.Clone(features)}
	opt := b.opts
	if !opts.SigVerify {
		// Unsigned transactions simulate too (wallets estimate compute
		// units that way).
		opt = append(opt[:len(opt):len(opt)], svm.WithoutSignatureVerification())
	}
	out, err := svm.NewExecutor(view, opt...).ExecuteBatch(blk, [][]byte{raw})
	if err != nil {
		return nil, err
	}
	res.Result = out.Results[0]
	if len(opts.Accounts) > 0 {
		written := make(map[sol.Pubkey]*sol.Account, len(out.Writes))
		for i := range out.Writes {
			written[out.Writes[i].Key] = &out.Writes[i].Account
		}
		res.Accounts = make([]*sol.Account, len(opts.Accounts))
		for i, k := range opts.Accounts {
			if a, ok := written[k]; ok {
				if a.Lamports > 0 {
					res.Accounts[i] = a
				}
				continue
			}
			a, ok, err := view.Account(k)
			if err != nil {
				return nil, err
			}
			if ok && a.Lamports > 0 {
				res.Accounts[i] = &a
			}
		}
	}
	return res, nil
}

// RequestAirdrop implements rpc.Backend: the faucet signs a system transfer
// naming the newest blockhash and submits it like any client, preflight
// included, so an empty faucet is reported at once.
func (b *Backend) RequestAirdrop(to sol.Pubkey, lamports uint64) (sol.Signature, error) {
	if b.cfg.Faucet == nil {
		return sol.Signature{}, rpc.ErrNoFaucet
	}
	if lamports > b.cfg.AirdropLimit {
		return sol.Signature{}, fmt.Errorf("%w: %d lamports requested, the limit is %d", rpc.ErrAirdropLimit, lamports, b.cfg.AirdropLimit)
	}
	if lamports == 0 {
		return sol.Signature{}, fmt.Errorf("%w: an airdrop of 0 lamports", rpc.ErrInvalidParams)
	}
	bh := b.LatestBlockhash(rpc.Finalized)
	msg, err := sol.NewLegacyMessage(b.faucet, bh.Blockhash, svm.Transfer(b.faucet, to, lamports))
	if err != nil {
		return sol.Signature{}, err
	}
	tx := &sol.Transaction{Message: msg}
	if err := tx.Sign(b.cfg.Faucet); err != nil {
		return sol.Signature{}, err
	}
	raw, err := tx.MarshalBinary()
	if err != nil {
		return sol.Signature{}, err
	}
	return b.SendTransaction(raw, rpc.SendOptions{PreflightCommitment: rpc.Finalized})
}

// blockInputs are the recent blockhashes (newest first) and the feature
// set of the block after slot s, whose state is state: read once per slot
// and shared by every simulation of it (read only).
func (b *Backend) blockInputs(s uint64, state *accounts.Store) ([]svm.BlockhashEntry, svm.FeatureSet, error) {
	b.simMu.Lock()
	defer b.simMu.Unlock()
	if b.simSlot == s && b.simHashes != nil {
		return b.simHashes, b.simFeatures, nil
	}
	b.mu.RLock()
	hashes := b.recentBlockhashesAt(s)
	b.mu.RUnlock()
	features, err := svm.LoadFeatureSet(readOnly{state}, s+1)
	if err != nil {
		return nil, nil, err
	}
	b.simSlot, b.simHashes, b.simFeatures = s, hashes, features
	return hashes, features, nil
}
