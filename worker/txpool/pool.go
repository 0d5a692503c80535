package txpool

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/atoll-dev/atoll/runtime/rhp"
)

// Errors of admission.
var (
	ErrDuplicate = errors.New("txpool: transaction already in the pool")
	ErrRejected  = errors.New("txpool: runtime rejected the transaction")
	ErrFull      = errors.New("txpool: pool full of higher-priority transactions")
	ErrTooLarge  = errors.New("txpool: transaction too large")
)

// Hash identifies a transaction in the pool: SHA-256 of its bytes.
type Hash [32]byte

// HashOf returns tx's pool hash.
func HashOf(tx []byte) Hash { return sha256.Sum256(tx) }

// Checker is the runtime's admission check.
type Checker interface {
	CheckTx(ctx context.Context, req *rhp.CheckTxBatch) (*rhp.CheckTxBatchResponse, error)
}

// Config bounds a pool.
type Config struct {
	// MaxTxs is how many transactions the pool holds (10,000 when 0).
	MaxTxs int
	// MaxTxSize is the largest transaction admitted (1232 bytes, Solana's
	// packet limit, when 0).
	MaxTxSize int
}

type entry struct {
	tx       []byte
	hash     Hash
	priority uint64
	seq      uint64
}

// Pool holds admitted transactions. It is safe for concurrent use.
type Pool struct {
	cfg   Config
	check Checker

	mu      sync.Mutex
	entries map[Hash]*entry
	// byPriority counts the entries of each priority, so that a full pool
	// refuses a transaction that outranks none of them without looking
	// at every entry (transactions of one fee all share a priority).
	byPriority map[uint64]int
	seq        uint64
	added      chan struct{} // closed and replaced on every admission
	// refused hears of every transaction Recheck forgets.
	refused func(h Hash, message string)
}

// OnRecheckRefused makes Recheck call f, outside the pool's lock, for every
// transaction it forgets because the runtime refuses it now (with the
// runtime's message), so whoever waits for it can be told.
func (p *Pool) OnRecheckRefused(f func(h Hash, message string)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refused = f
}

// New returns an empty pool that admits through check.
func New(cfg Config, check Checker) *Pool {
	if cfg.MaxTxs == 0 {
		cfg.MaxTxs = 10_000
	}
	if cfg.MaxTxSize == 0 {
		cfg.MaxTxSize = 1232
	}
	return &Pool{cfg: cfg, check: check, entries: map[Hash]*entry{}, byPriority: map[uint64]int{}, added: make(chan struct{})}
}

// Add checks txs in the runtime against the state at root (with block
// context bc) and admits those it accepts. It returns one error per
// transaction (nil when admitted); the error is non-nil only when the
// runtime could not be asked.
func (p *Pool) Add(ctx context.Context, root rhp.Root, bc rhp.BlockContext, txs [][]byte) ([]error, error) {
	hashes := make([]Hash, len(txs))
	for i, tx := range txs {
		hashes[i] = HashOf(tx)
	}
	return p.AddHashed(ctx, root, bc, txs, hashes)
}

// AddHashed is Add for a caller that already holds the pool hash of every
// transaction (hashes[i] = HashOf(txs[i])), so the bytes are not hashed
// again. A hash that does not match its transaction corrupts the pool's
// dedup: callers pass only hashes computed with HashOf.
func (p *Pool) AddHashed(ctx context.Context, root rhp.Root, bc rhp.BlockContext, txs [][]byte, hashes []Hash) ([]error, error) {
	if len(hashes) != len(txs) {
		return nil, fmt.Errorf("txpool: %d hashes for %d transactions", len(hashes), len(txs))
	}
	errs := make([]error, len(txs))
	fresh := make([][]byte, 0, len(txs))
	idx := make([]int, 0, len(txs))
	p.mu.Lock()
	seen := make(map[Hash]struct{}, len(txs))
	for i, tx := range txs {
		h := hashes[i]
		_, dup := seen[h]
		switch {
		case len(tx) > p.cfg.MaxTxSize:
			errs[i] = fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, len(tx), p.cfg.MaxTxSize)
		case dup || p.entries[h] != nil:
			errs[i] = ErrDuplicate
		default:
			seen[h] = struct{}{}
			fresh = append(fresh, tx)
			idx = append(idx, i)
		}
	}
	p.mu.Unlock()
	if len(fresh) == 0 {
		return errs, nil
	}
	resp, err := p.check.CheckTx(ctx, &rhp.CheckTxBatch{Context: bc, StateRoot: root, Txs: fresh})
	if err != nil {
		return nil, fmt.Errorf("txpool: checking transactions: %w", err)
	}
	if len(resp.Results) != len(fresh) {
		return nil, fmt.Errorf("txpool: runtime returned %d results for %d transactions", len(resp.Results), len(fresh))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	admitted := false
	for j, r := range resp.Results {
		i := idx[j]
		if r.Code != 0 {
			errs[i] = fmt.Errorf("%w: code %d: %s", ErrRejected, r.Code, r.Message)
			continue
		}
		if errs[i] = p.insertLocked(fresh[j], hashes[i], r.Priority); errs[i] == nil {
			admitted = true
		}
	}
	if admitted {
		close(p.added)
		p.added = make(chan struct{})
	}
	return errs, nil
}

func (p *Pool) insertLocked(tx []byte, h Hash, priority uint64) error {
	if p.entries[h] != nil {
		return ErrDuplicate
	}
	if len(p.entries) >= p.cfg.MaxTxs {
		// Evict the lowest priority, newest first among equals, if the
		// newcomer outranks it.
		lowest, found := uint64(0), false
		for prio := range p.byPriority {
			if !found || prio < lowest {
				lowest, found = prio, true
			}
		}
		if !found || lowest >= priority {
			return ErrFull
		}
		var worst *entry
		for _, e := range p.entries {
			if e.priority == lowest && (worst == nil || e.seq > worst.seq) {
				worst = e
			}
		}
		p.deleteLocked(worst.hash)
	}
	p.seq++
	p.entries[h] = &entry{tx: tx, hash: h, priority: priority, seq: p.seq}
	p.byPriority[priority]++
	return nil
}

// deleteLocked forgets the transaction with hash h, if pooled.
func (p *Pool) deleteLocked(h Hash) {
	e := p.entries[h]
	if e == nil {
		return
	}
	delete(p.entries, h)
	if p.byPriority[e.priority]--; p.byPriority[e.priority] == 0 {
		delete(p.byPriority, e.priority)
	}
}

// Batch returns up to max transactions, highest priority first and, among
// equals, oldest first. They stay in the pool until Remove.
func (p *Pool) Batch(max int) [][]byte { return p.Admitted(max, ^uint64(0)) }

// Mark returns the pool's admission mark: transactions admitted from now
// on are not Admitted up to it.
func (p *Pool) Mark() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seq
}

// Admitted is Batch restricted to the transactions admitted up to mark
// (those pooled already when Mark returned it).
func (p *Pool) Admitted(max int, mark uint64) [][]byte {
	p.mu.Lock()
	es := make([]*entry, 0, len(p.entries))
	for _, e := range p.entries {
		if e.seq <= mark {
			es = append(es, e)
		}
	}
	p.mu.Unlock()
	slices.SortFunc(es, func(a, b *entry) int {
		switch {
		case a.priority != b.priority:
			if a.priority > b.priority {
				return -1
			}
			return 1
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
	if len(es) > max {
		es = es[:max]
	}
	out := make([][]byte, len(es))
	for i, e := range es {
		out[i] = e.tx
	}
	return out
}

// Remove forgets the given transactions (those a finalized round included).
func (p *Pool) Remove(txs [][]byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, tx := range txs {
		p.deleteLocked(HashOf(tx))
	}
}

// RemoveHashes forgets the transactions with the given pool hashes.
func (p *Pool) RemoveHashes(hs []Hash) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, h := range hs {
		p.deleteLocked(h)
	}
}

// Len is the number of pending transactions.
func (p *Pool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.entries)
}

// Added returns a channel closed at the next admission.
func (p *Pool) Added() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.added
}

// Recheck asks the runtime again about txs (pooled transactions, checked
// against the state at root with block context bc) and forgets those it
// refuses now: their blockhash expired, their fee payer can no longer pay.
// It returns those still pooled that the runtime still admits; txs no
// longer pooled are skipped without asking. Callers must build bc from a
// view no older than any admission of txs, or a transaction naming a
// blockhash newer than bc would be taken for expired.
func (p *Pool) Recheck(ctx context.Context, root rhp.Root, bc rhp.BlockContext, txs [][]byte) ([][]byte, error) {
	hashes := make([]Hash, len(txs))
	for i, tx := range txs {
		hashes[i] = HashOf(tx)
	}
	pooled := make([][]byte, 0, len(txs))
	pooledHashes := make([]Hash, 0, len(txs))
	p.mu.Lock()
	for i, tx := range txs {
		if p.entries[hashes[i]] != nil {
			pooled = append(pooled, tx)
			pooledHashes = append(pooledHashes, hashes[i])
		}
	}
	p.mu.Unlock()
	if len(pooled) == 0 {
		return nil, nil
	}
	resp, err := p.check.CheckTx(ctx, &rhp.CheckTxBatch{Context: bc, StateRoot: root, Txs: pooled})
	if err != nil {
		return nil, fmt.Errorf("txpool: rechecking transactions: %w", err)
	}
	if len(resp.Results) != len(pooled) {
		return nil, fmt.Errorf("txpool: runtime returned %d results for %d transactions", len(resp.Results), len(pooled))
	}
	type refusal struct {
		h   Hash
		msg string
	}
	var refusals []refusal
	p.mu.Lock()
	live := pooled[:0]
	for i, r := range resp.Results {
		h := pooledHashes[i]
		if p.entries[h] == nil {
			continue
		}
		if r.Code != 0 {
			p.deleteLocked(h)
			refusals = append(refusals, refusal{h, r.Message})
			continue
		}
		live = append(live, pooled[i])
	}
	notify := p.refused
	p.mu.Unlock()
	if notify != nil {
		for _, r := range refusals {
			notify(r.h, r.msg)
		}
	}
	return live, nil
}
