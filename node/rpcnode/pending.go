package rpcnode

import (
	"bytes"
	"fmt"

	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/storage/mkvs/accounts"
	"github.com/atoll-dev/atoll/worker/storage"
)

// pendingRound is the processed commitment level: the round after the
// newest finalized one, as executed by its scheduler's committee. The
// replica stashes a round's results once it has verified them (the write
// logs lead from the finalized state to the claimed roots): results this
// node executed as a worker, or was handed as a storage node. They are not
// final: the round may finalize other results (a discrepancy) or fail, as
// an Agave node's processed bank may sit on a fork that dies.
type pendingRound struct {
	slot  uint64
	roots storage.CandidateRoots
	block *rpc.Block
	bySig map[sol.Signature]int // index into block.Transactions
	// writes are the round's account writes in key order, byKey the same
	// by key; base is the finalized state under them.
	writes []svm.AccountWrite
	byKey  map[sol.Pubkey]int
	base   *accounts.Store
}

// Account reads an account as of the round: its writes over the
// finalized state.
func (p *pendingRound) Account(k sol.Pubkey) (sol.Account, bool, error) {
	if i, ok := p.byKey[k]; ok {
		w := &p.writes[i]
		return w.Account, !w.Deleted(), nil
	}
	return p.base.Account(k)
}

// notePending looks for the results of the round after the newest
// finalized one and, when the replica holds exactly one candidate of it on
// top of the finalized state (several mean the committee disagrees, and
// none of them is the processed state), serves them as processed and
// publishes the round's processed event.
func (f *follower) notePending() error {
	b := f.b
	b.mu.RLock()
	ready, fin, root, base, ts := b.ready, b.slot, b.root, b.state, b.time
	cur := b.pending
	b.mu.RUnlock()
	if !ready {
		return nil
	}
	next := fin + 1
	roots, err := b.cfg.Replica.CandidateRoots(next)
	if err != nil || len(roots) != 1 {
		return err
	}
	if cur != nil && cur.slot == next && cur.roots == roots[0] {
		return nil
	}
	c, ok, err := b.cfg.Replica.Candidate(next, roots[0].StateRoot, roots[0].IORoot)
	if err != nil || !ok || mkvs.Hash(c.PrevStateRoot) != root.Hash {
		return err
	}
	p := &pendingRound{slot: next, roots: roots[0], base: base, bySig: map[sol.Signature]int{}, byKey: map[sol.Pubkey]int{}}
	b.mu.RLock()
	parent := b.hashes[fin]
	b.mu.RUnlock()
	// The block's own hash is its header's, which only finalization makes:
	// until then it is left zero.
	p.block = &rpc.Block{Slot: next, ParentSlot: fin, BlockHeight: next, BlockTime: ts, PreviousBlockhash: parent}
	if p.block.Transactions, err = logTransactions(c.IOLog, next, ts); err != nil {
		return err
	}
	for i := range p.block.Transactions {
		p.bySig[p.block.Transactions[i].Result.Signature] = i
	}
	for _, e := range c.StateLog {
		if len(e.Key) != sol.PubkeySize {
			continue
		}
		w := svm.AccountWrite{Key: sol.Pubkey(e.Key)}
		if !e.Deleted {
			if err := w.Account.UnmarshalBinary(e.Value); err != nil {
				return fmt.Errorf("%w: %x: %w", accounts.ErrCorruptAccount, e.Key, err)
			}
		}
		if n := len(p.writes); n > 0 && bytes.Compare(p.writes[n-1].Key[:], w.Key[:]) >= 0 {
			return fmt.Errorf("rpcnode: state log of round %d is not sorted", next)
		}
		p.byKey[w.Key] = len(p.writes)
		p.writes = append(p.writes, w)
	}
	b.mu.Lock()
	if b.slot != fin {
		b.mu.Unlock()
		return nil // finalized meanwhile
	}
	b.pending = p
	b.mu.Unlock()
	if f.processed < next {
		f.processed = next
		b.feed.Publish(&rpc.SlotEvent{Slot: next, Parent: fin, Root: fin})
		writes := p.writes
		b.feed.Publish(&rpc.CommitEvent{Commitment: rpc.Processed, Slot: next, Block: p.block,
			LoadWrites: func() ([]svm.AccountWrite, error) { return writes, nil }})
	}
	return nil
}

// processedRound is the pending round when there is one, else nil.
func (b *Backend) processedRound() *pendingRound {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.pending != nil && b.pending.slot > b.slot {
		return b.pending
	}
	return nil
}

// mergeWrites applies a round's writes (in key order) to fin, the
// program's accounts before it (in key order): changed accounts are
// replaced or dropped, new ones of the program added, keeping key order.
func mergeWrites(fin []rpc.KeyedAccount, writes []svm.AccountWrite, program sol.Pubkey, keep func(*sol.Account) bool) []rpc.KeyedAccount {
	out := make([]rpc.KeyedAccount, 0, len(fin))
	i := 0
	for _, w := range writes {
		for i < len(fin) && bytes.Compare(fin[i].Key[:], w.Key[:]) < 0 {
			out = append(out, fin[i])
			i++
		}
		if i < len(fin) && fin[i].Key == w.Key {
			i++ // replaced (or deleted) by the write
		}
		a := w.Account
		if w.Deleted() || a.Owner != program || a.Lamports == 0 || (keep != nil && !keep(&a)) {
			continue
		}
		out = append(out, rpc.KeyedAccount{Key: w.Key, Account: a})
	}
	return append(out, fin[i:]...)
}

// pendingOf returns the pending round when it is round r with exactly the
// roots header h finalizes, else nil.
func (b *Backend) pendingOf(r uint64, h *roothash.Header) *pendingRound {
	b.mu.RLock()
	defer b.mu.RUnlock()
	p := b.pending
	if p == nil || p.slot != r || p.roots.StateRoot != h.StateRoot || p.roots.IORoot != h.IORoot {
		return nil
	}
	return p
}

// restamped copies records with the block time of their finalized block:
// the processed ones carry their parent's, and were published as such.
func restamped(recs []rpc.TransactionRecord, blockTime int64) []rpc.TransactionRecord {
	out := make([]rpc.TransactionRecord, len(recs))
	for i := range recs {
		out[i] = recs[i]
		out[i].BlockTime = blockTime
	}
	return out
}
