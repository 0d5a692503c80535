package devbank

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

var _ rpc.Backend = (*Bank)(nil)

// version is the Agave release whose RPC behaviour the server follows, and
// the feature-set id clients print.
var version = rpc.VersionInfo{SolanaCore: "2.2.0", FeatureSet: 3294202862}

// Slot implements rpc.Backend.
func (b *Bank) Slot(c rpc.Commitment) uint64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.commitSlot(c)
}

// BlockHeight implements rpc.Backend: every slot has a block, so the height
// of slot s is s.
func (b *Bank) BlockHeight(c rpc.Commitment) uint64 { return b.Slot(c) }

// LatestBlockhash implements rpc.Backend.
func (b *Bank) LatestBlockhash(c rpc.Commitment) rpc.BlockhashInfo {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s := b.commitSlot(c)
	e := b.blockhashes[b.slot-s]
	return rpc.BlockhashInfo{Slot: s, Blockhash: e.Hash, LastValidBlockHeight: e.Slot + svm.MaxRecentBlockhashes}
}

// IsBlockhashValid implements rpc.Backend: h is valid while it is among the
// MaxRecentBlockhashes newest as of the context slot.
func (b *Bank) IsBlockhashValid(h sol.Hash, c rpc.Commitment) (bool, uint64) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s := b.commitSlot(c)
	window := b.blockhashes[b.slot-s:]
	for i := 0; i < len(window) && i < svm.MaxRecentBlockhashes; i++ {
		if window[i].Hash == h {
			return true, s
		}
	}
	return false, s
}

// Accounts implements rpc.Backend.
func (b *Bank) Accounts(keys []sol.Pubkey, c rpc.Commitment) ([]*sol.Account, uint64, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s := b.commitSlot(c)
	out := make([]*sol.Account, len(keys))
	for i, k := range keys {
		a, ok, err := b.accountAt(k, s)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			a = a.Clone()
			out[i] = &a
		}
	}
	return out, s, nil
}

// ProgramAccounts implements rpc.Backend. It scans the whole store: the
// devnet holds few accounts, and a node with many keeps an owner index.
func (b *Bank) ProgramAccounts(program sol.Pubkey, c rpc.Commitment, keep func(*sol.Account) bool) ([]rpc.KeyedAccount, uint64, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s := b.commitSlot(c)
	keys := b.store.Keys()
	// Accounts deleted since s are no longer in the store but existed then.
	for i := len(b.records) - 1; i >= 0 && b.records[i].slot > s; i-- {
		for k := range b.records[i].prev {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return bytes.Compare(keys[i][:], keys[j][:]) < 0 })
	var out []rpc.KeyedAccount
	for i, k := range keys {
		if i > 0 && keys[i-1] == k {
			continue
		}
		a, ok, err := b.accountAt(k, s)
		if err != nil {
			return nil, 0, err
		}
		if !ok || a.Owner != program || (keep != nil && !keep(&a)) {
			continue
		}
		out = append(out, rpc.KeyedAccount{Key: k, Account: a.Clone()})
	}
	return out, s, nil
}

// SendTransaction implements rpc.Backend.
func (b *Bank) SendTransaction(raw []byte, opts rpc.SendOptions) (sol.Signature, error) {
	tx, err := sol.DecodeTransaction(raw)
	if err != nil {
		return sol.Signature{}, fmt.Errorf("%w: %v", rpc.ErrInvalidTransaction, err)
	}
	sig := tx.Signature()
	if opts.SkipPreflight {
		if !signaturesVerify(tx) {
			return sol.Signature{}, &rpc.SignatureVerificationError{}
		}
		return sig, b.enqueue(raw, sig)
	}
	// The preflight's execution verifies the signatures; verifying them here
	// too would cost a third of a transfer's CPU for nothing.
	sim, err := b.simulate(tx, raw, rpc.SimulateOptions{SigVerify: true, Commitment: opts.PreflightCommitment}, true)
	if err != nil {
		return sol.Signature{}, err
	}
	if e := sim.Result.Err; e != nil {
		if e.Kind == svm.SignatureFailure {
			return sol.Signature{}, &rpc.SignatureVerificationError{}
		}
		return sol.Signature{}, &rpc.PreflightError{Sim: sim}
	}
	return sig, b.enqueue(raw, sig)
}

// SignatureStatuses implements rpc.Backend. Without searchHistory only the
// slots a status cache covers (two blockhash windows) are searched.
func (b *Bank) SignatureStatuses(sigs []sol.Signature, searchHistory bool) ([]*rpc.SignatureStatus, uint64, error) {
	b.mu.RLock()
	processed, confirmed, finalized := b.slot, b.commitSlot(Confirmed), b.commitSlot(Finalized)
	b.mu.RUnlock()
	out := make([]*rpc.SignatureStatus, len(sigs))
	for i, sig := range sigs {
		rec, ok, err := b.ledger.Transaction(sig)
		if err != nil {
			return nil, 0, err
		}
		if !ok || rec.Slot > processed || (!searchHistory && rec.Slot+2*keptBlockhashes < processed) {
			continue
		}
		st := &rpc.SignatureStatus{Slot: rec.Slot, Err: rec.Result.Err}
		switch {
		case rec.Slot <= finalized:
			st.Commitment = Finalized
		case rec.Slot <= confirmed:
			st.Commitment = Confirmed
		}
		if st.Commitment != Finalized {
			n := processed - rec.Slot
			st.Confirmations = &n
		}
		out[i] = st
	}
	return out, processed, nil
}

// Transaction implements rpc.Backend.
func (b *Bank) Transaction(sig sol.Signature, c rpc.Commitment) (*rpc.TransactionRecord, error) {
	rec, ok, err := b.ledger.Transaction(sig)
	if err != nil || !ok || rec.Slot > b.Slot(c) {
		return nil, err
	}
	return rec, nil
}

// SignaturesForAddress implements rpc.Backend.
func (b *Bank) SignaturesForAddress(addr sol.Pubkey, q rpc.SignaturesQuery, c rpc.Commitment) ([]rpc.SignatureInfo, error) {
	b.mu.RLock()
	maxSlot, confirmed, finalized := b.commitSlot(c), b.commitSlot(Confirmed), b.commitSlot(Finalized)
	b.mu.RUnlock()
	rows, err := b.ledger.Signatures(addr, maxSlot, q)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		switch {
		case rows[i].Slot <= finalized:
			rows[i].Commitment = Finalized
		case rows[i].Slot <= confirmed:
			rows[i].Commitment = Confirmed
		}
	}
	return rows, nil
}

// Block implements rpc.Backend.
func (b *Bank) Block(slot uint64, c rpc.Commitment) (*rpc.Block, error) {
	if slot > b.Slot(c) {
		return nil, rpc.ErrBlockNotAvailable
	}
	blk, ok, err := b.ledger.Block(slot)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, rpc.ErrBlockNotAvailable
	}
	return blk, nil
}

// Blocks implements rpc.Backend.
func (b *Bank) Blocks(start, end uint64, c rpc.Commitment) ([]uint64, error) {
	return b.ledger.Slots(start, min(end, b.Slot(c)))
}

// FirstAvailableBlock implements rpc.Backend.
func (b *Bank) FirstAvailableBlock() uint64 { return b.ledger.First() }

// TransactionCount implements rpc.Backend.
func (b *Bank) TransactionCount(c rpc.Commitment) uint64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if r := b.recordAt(b.commitSlot(c)); r != nil {
		return r.txCount
	}
	return b.txCount
}

// EpochInfo implements rpc.Backend, by the bank's epoch schedule.
func (b *Bank) EpochInfo(c rpc.Commitment) rpc.EpochInfo {
	s := b.Slot(c)
	epoch, index := b.schedule.EpochOf(s)
	return rpc.EpochInfo{AbsoluteSlot: s, BlockHeight: s, Epoch: epoch, SlotIndex: index, SlotsInEpoch: b.schedule.SlotsInEpoch(epoch),
		TransactionCount: b.TransactionCount(c)}
}

// EpochSchedule implements rpc.Backend.
func (b *Bank) EpochSchedule() svm.EpochSchedule { return b.schedule }

// Rent implements rpc.Backend.
func (b *Bank) Rent() svm.Rent { return b.exec.Rent() }

// Version implements rpc.Backend.
func (b *Bank) Version() rpc.VersionInfo { return version }

// Health implements rpc.Backend: a single node is always caught up with itself.
func (b *Bank) Health() error { return nil }

// Subscribe implements rpc.Backend.
func (b *Bank) Subscribe(buffer int) (<-chan rpc.Event, func()) { return b.feed.Subscribe(buffer) }
