package devbank

import (
	"errors"
	"fmt"
	"sync"

	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Ledger keeps the bank's blocks and the indexes getTransaction,
// getSignaturesForAddress and getBlock read. The bank appends one block per
// slot in increasing slot order; readers run concurrently with Append.
// Returned blocks and records are shared and must not be modified.
type Ledger interface {
	// Append stores b, whose slot is greater than every stored one.
	Append(b *rpc.Block) error
	// Block returns the block at slot, ok=false if none is stored.
	Block(slot uint64) (b *rpc.Block, ok bool, err error)
	// Transaction returns the record of the transaction with signature sig.
	Transaction(sig sol.Signature) (rec *rpc.TransactionRecord, ok bool, err error)
	// Signatures lists transactions mentioning addr at slots <= maxSlot,
	// newest first, paged by q (whose Limit is already bounded).
	Signatures(addr sol.Pubkey, maxSlot uint64, q rpc.SignaturesQuery) ([]rpc.SignatureInfo, error)
	// Slots lists the stored slots in [start, end], ascending.
	Slots(start, end uint64) ([]uint64, error)
	// First is the lowest stored slot.
	First() uint64
}

// ErrLedgerOrder is returned by Append for a slot that does not follow the
// last stored one.
var ErrLedgerOrder = errors.New("devbank: ledger append out of slot order")

// MemLedger is an in-memory Ledger. It keeps everything; a long-running
// devnet that must bound memory uses a persistent Ledger instead.
type MemLedger struct {
	mu     sync.RWMutex
	blocks map[uint64]*rpc.Block
	slots  []uint64
	txs    map[sol.Signature]txLoc
	byAddr map[sol.Pubkey][]txLoc
}

type txLoc struct {
	slot  uint64
	index int
}

// NewMemLedger returns an empty ledger.
func NewMemLedger() *MemLedger {
	return &MemLedger{blocks: map[uint64]*rpc.Block{}, txs: map[sol.Signature]txLoc{}, byAddr: map[sol.Pubkey][]txLoc{}}
}

// Append implements Ledger.
func (l *MemLedger) Append(b *rpc.Block) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.slots); n > 0 && b.Slot <= l.slots[n-1] {
		return fmt.Errorf("%w: %d after %d", ErrLedgerOrder, b.Slot, l.slots[n-1])
	}
	l.blocks[b.Slot] = b
	l.slots = append(l.slots, b.Slot)
	for i := range b.Transactions {
		r := &b.Transactions[i].Result
		loc := txLoc{slot: b.Slot, index: i}
		l.txs[r.Signature] = loc
		for j, k := range r.Keys {
			if !containsKey(r.Keys[:j], k) {
				l.byAddr[k] = append(l.byAddr[k], loc)
			}
		}
	}
	return nil
}

func containsKey(keys []sol.Pubkey, k sol.Pubkey) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

// Block implements Ledger.
func (l *MemLedger) Block(slot uint64) (*rpc.Block, bool, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	b, ok := l.blocks[slot]
	return b, ok, nil
}

// Transaction implements Ledger.
func (l *MemLedger) Transaction(sig sol.Signature) (*rpc.TransactionRecord, bool, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	loc, ok := l.txs[sig]
	if !ok {
		return nil, false, nil
	}
	return &l.blocks[loc.slot].Transactions[loc.index], true, nil
}

// Signatures implements Ledger.
func (l *MemLedger) Signatures(addr sol.Pubkey, maxSlot uint64, q rpc.SignaturesQuery) ([]rpc.SignatureInfo, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	locs := l.byAddr[addr]
	out := []rpc.SignatureInfo{}
	started := q.Before == nil
	for i := len(locs) - 1; i >= 0 && len(out) < q.Limit; i-- {
		loc := locs[i]
		if loc.slot > maxSlot {
			continue
		}
		rec := &l.blocks[loc.slot].Transactions[loc.index]
		sig := rec.Result.Signature
		if !started {
			started = sig == *q.Before
			continue
		}
		if q.Until != nil && sig == *q.Until {
			break
		}
		out = append(out, rpc.SignatureInfo{Signature: sig, Slot: loc.slot, Err: rec.Result.Err, BlockTime: rec.BlockTime})
	}
	return out, nil
}

// Slots implements Ledger.
func (l *MemLedger) Slots(start, end uint64) ([]uint64, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var out []uint64
	for _, s := range l.slots {
		if s >= start && s <= end {
			out = append(out, s)
		}
	}
	return out, nil
}

// First implements Ledger.
func (l *MemLedger) First() uint64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if len(l.slots) == 0 {
		return 0
	}
	return l.slots[0]
}
