package devbank

import (
	"fmt"

	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sigverify"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// slotView is the store as of a past slot, for simulation. Apply is never
// called on it: simulations commit nothing.
type slotView struct {
	b    *Bank
	slot uint64
}

func (v *slotView) Account(k sol.Pubkey) (sol.Account, bool, error) {
	v.b.mu.RLock()
	defer v.b.mu.RUnlock()
	return v.b.accountAt(k, v.slot)
}

func (v *slotView) Apply([]svm.AccountWrite) error {
	return fmt.Errorf("devbank: a simulation view is read-only")
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

// Simulate implements rpc.Backend.
func (b *Bank) Simulate(raw []byte, opts rpc.SimulateOptions) (*rpc.SimulateResult, error) {
	if opts.SigVerify && opts.ReplaceRecentBlockhash {
		return nil, fmt.Errorf("%w: sigVerify may not be used with replaceRecentBlockhash", rpc.ErrInvalidParams)
	}
	tx, err := sol.DecodeTransaction(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", rpc.ErrInvalidTransaction, err)
	}
	return b.simulate(tx, raw, opts, false)
}

// simulate executes tx as the slot after the one at opts.Commitment. A
// preflight also refuses replays, as the real execution would.
func (b *Bank) simulate(tx *sol.Transaction, raw []byte, opts rpc.SimulateOptions, preflight bool) (*rpc.SimulateResult, error) {
	b.mu.RLock()
	s := b.commitSlot(opts.Commitment)
	hashes := b.blockhashes[b.slot-s:]
	hashes = hashes[:min(len(hashes), svm.MaxRecentBlockhashes)]
	epochStart := b.epochStart
	b.mu.RUnlock()
	view := &slotView{b: b, slot: s}
	features, err := svm.LoadFeatureSet(view, s)
	if err != nil {
		return nil, err
	}
	res := &rpc.SimulateResult{Slot: s}
	if opts.ReplaceRecentBlockhash {
		tx.Message.RecentBlockhash = hashes[0].Hash
		tx.MessageBytes = tx.Message.AppendBinary(nil)
		if raw, err = tx.MarshalBinary(); err != nil {
			return nil, err
		}
		res.ReplacementBlockhash = &rpc.BlockhashInfo{Slot: s, Blockhash: hashes[0].Hash, LastValidBlockHeight: hashes[0].Slot + svm.MaxRecentBlockhashes}
	}
	var status svm.StatusChecker
	if preflight {
		status = b.status
	}
	next := s + 1
	epoch, index := b.schedule.EpochOf(next)
	if index == 0 {
		epochStart = b.cfg.Clock.Now().Unix()
	}
	ctx := &svm.BlockContext{Slot: next, Epoch: epoch, UnixTimestamp: b.cfg.Clock.Now().Unix(),
		EpochStartTimestamp: epochStart, RecentBlockhashes: hashes, Features: features}
	exec := b.newExecutor(view, status, 1)
	if !opts.SigVerify {
		// Unsigned transactions simulate too (wallets estimate compute
		// units that way); nothing a simulation runs is committed.
		exec = b.newExecutor(view, status, 1, svm.WithoutSignatureVerification())
	}
	out, err := exec.ExecuteBatch(ctx, [][]byte{raw})
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
			if ok {
				res.Accounts[i] = &a
			}
		}
	}
	return res, nil
}

// FeeForMessage implements rpc.Backend. The fee is the signature fee plus,
// once FeatureTxWideComputeBudget is active, the priority fee the message's
// compute-budget instructions ask for.
func (b *Bank) FeeForMessage(message []byte, c rpc.Commitment) (uint64, bool, uint64, error) {
	m, err := sol.DecodeMessage(message)
	if err != nil {
		return 0, false, 0, fmt.Errorf("%w: %v", rpc.ErrInvalidParams, err)
	}
	valid, s := b.IsBlockhashValid(m.RecentBlockhash, c)
	if !valid {
		return 0, false, s, nil
	}
	features, err := svm.LoadFeatureSet(&slotView{b: b, slot: s}, s)
	if err != nil {
		return 0, false, s, err
	}
	fee, err := svm.MessageFee(&m, features)
	if err != nil {
		return 0, false, s, fmt.Errorf("%w: %v", rpc.ErrInvalidParams, err)
	}
	return fee, true, s, nil
}
