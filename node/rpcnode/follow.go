package rpcnode

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	roothashsvc "github.com/atoll-dev/atoll/consensus/roothash"
	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/node"
	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/storage/mkvs/accounts"
	"github.com/atoll-dev/atoll/worker/compute"
)

var _ node.Component = (*Backend)(nil)

// Name implements node.Component.
func (b *Backend) Name() string { return "rpc-" + b.cfg.Runtime.String()[:8] }

// Run implements node.Component: it indexes every round the replica
// finalizes until ctx ends. h may be nil when Config.Chain is set.
func (b *Backend) Run(ctx context.Context, h node.Host) error {
	chain := b.cfg.Chain
	if chain == nil {
		if h == nil {
			return errors.New("rpcnode: no chain and no node host")
		}
		chain = compute.NewHostChain(h)
	}
	f := &follower{b: b, chain: chain}
	var lastErr string
	for {
		if err := f.step(ctx); err != nil && ctx.Err() == nil {
			if err.Error() != lastErr {
				b.cfg.Logger.Warn("indexing rounds", "err", err)
			}
			lastErr = err.Error()
		} else {
			lastErr = ""
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-chain.Changed():
		case <-time.After(b.cfg.PollInterval):
		}
	}
}

// Start runs the backend on its own goroutine until ctx ends (for a
// Backend with Config.Chain set, outside a node's components).
func (b *Backend) Start(ctx context.Context) {
	go b.Run(ctx, nil)
}

// follower is Run's state: the next round to index.
type follower struct {
	b         *Backend
	chain     compute.Chain
	started   bool
	next      uint64
	lastEpoch time.Time
	genesis   *roothash.Header
	// committee is the executor committee last seen (its workers), and
	// forwarding is set while a rebroadcast runs (rebroadcast.go).
	committee  string
	forwarding atomic.Bool
	// processed is the newest round whose processed event was published.
	processed uint64
	// ioMissing is the round whose IO tree could not be had since
	// ioMissingSince.
	ioMissing      uint64
	ioMissingSince time.Time
}

// epochRefresh is how often the consensus view (the committee, for
// rebroadcasts) and the roothash's latest round (for Health) are read.
const epochRefresh = time.Second

func (f *follower) step(ctx context.Context) error {
	b := f.b
	latest, _, ok := b.cfg.Replica.Round()
	if !ok {
		return nil
	}
	if !f.started {
		if err := f.start(ctx, latest); err != nil {
			return err
		}
	}
	if time.Since(f.lastEpoch) > epochRefresh {
		if v, err := f.chain.View(ctx, b.cfg.Runtime); err == nil {
			b.mu.Lock()
			b.chainRound = v.Latest.Round
			b.mu.Unlock()
			f.lastEpoch = time.Now()
			committee := fmt.Sprint(v.Workers)
			f.rebroadcast(ctx, f.committee != "" && committee != f.committee)
			f.committee = committee
		}
	}
	for ; f.next <= latest; f.next++ {
		if err := f.index(ctx, f.next); errors.Is(err, errIOPending) {
			return nil
		} else if err != nil {
			return err
		}
	}
	return f.notePending()
}

// start picks the first round to index: genesis when the replica still
// holds it, else the newest round (a node restored from a checkpoint has
// no older history). The headers of the blockhash window before it are
// read so that clients' blockhashes are judged as the runtime judges them.
func (f *follower) start(ctx context.Context, latest uint64) error {
	b := f.b
	// The genesis header depends on the runtime's descriptor only; the
	// roothash keeps just a window of recent blocks, so a node that starts
	// (or restarts) later than that cannot read round 0's.
	v, err := f.chain.View(ctx, b.cfg.Runtime)
	if err != nil {
		return fmt.Errorf("rpcnode: runtime descriptor: %w", err)
	}
	g := roothashsvc.GenesisHeader(&v.Runtime)
	first := latest
	if _, ok, err := b.kv.RootAt(mkvs.RootState, 0); err == nil && ok {
		first = 0
	}
	for r := first - min(first, svm.MaxRecentBlockhashes); r < first; r++ {
		h, err := f.chain.Header(ctx, b.cfg.Runtime, r)
		if err != nil {
			return fmt.Errorf("rpcnode: header of round %d: %w", r, err)
		}
		b.mu.Lock()
		b.noteHash(r, h.Hash())
		b.mu.Unlock()
	}
	b.mu.Lock()
	b.genesis = sol.Hash(g.Hash())
	b.mu.Unlock()
	f.genesis = &g
	f.started, f.next = true, first
	return nil
}

// noteHash records round r's header hash, forgetting hashes beyond the
// kept window. Called with mu held.
func (b *Backend) noteHash(r uint64, h roothash.Hash) {
	b.hashes[r] = sol.Hash(h)
	b.rounds[sol.Hash(h)] = r
	if r >= keptBlockhashes {
		old := r - keptBlockhashes
		if oh, ok := b.hashes[old]; ok {
			delete(b.hashes, old)
			delete(b.rounds, oh)
		}
	}
}

// ioGiveUp is how long the follower retries fetching a round's IO tree
// from storage peers before it indexes the block without its
// transactions (they are then missing from this node's history).
const ioGiveUp = 30 * time.Second

// index reads round r from the replica, appends its block and publishes
// it. errIOPending means: not yet, try again when the replica advanced.
func (f *follower) index(ctx context.Context, r uint64) error {
	b := f.b
	h := b.latestHeader(r)
	if r == 0 {
		h = f.genesis
	}
	if h == nil {
		var err error
		if h, err = f.chain.Header(ctx, b.cfg.Runtime, r); err != nil {
			return fmt.Errorf("rpcnode: header of round %d: %w", r, err)
		}
	}
	stateRoot, ok, err := b.kv.RootAt(mkvs.RootState, r)
	if err != nil || !ok {
		return fmt.Errorf("rpcnode: state of round %d: found=%v %v", r, ok, err)
	}
	if stateRoot.Hash != mkvs.Hash(h.StateRoot) {
		return fmt.Errorf("rpcnode: replica holds state %s for round %d, the header says %x", stateRoot.Hash, r, h.StateRoot)
	}
	state, err := accounts.OpenAt(b.kv, stateRoot)
	if err != nil {
		return err
	}
	blk := &rpc.Block{Slot: r, ParentSlot: r - min(r, 1), BlockHeight: r, BlockTime: h.Timestamp,
		Blockhash: sol.Hash(h.Hash()), PreviousBlockhash: sol.Hash(h.PreviousHash)}
	var loadWrites func() ([]svm.AccountWrite, error)
	if h.Type == roothash.Normal && r > 0 {
		if p := b.pendingOf(r, h); p != nil {
			// Served as processed already: the same IO root is the same
			// transactions and results, so they need not be read again.
			blk.Transactions = restamped(p.block.Transactions, h.Timestamp)
		} else if blk.Transactions, err = f.readTransactions(ctx, r, h); err != nil {
			return err
		}
		loadWrites = func() ([]svm.AccountWrite, error) { return b.writes(r, stateRoot) }
	}
	if err := b.ledger.Append(blk); err != nil {
		return err
	}
	b.mu.Lock()
	b.ready, b.slot, b.root, b.state, b.time = true, r, stateRoot, state, h.Timestamp
	if b.pending != nil && b.pending.slot <= r {
		b.pending = nil
	}
	b.txCount += uint64(len(blk.Transactions))
	b.noteHash(r, h.Hash())
	b.mu.Unlock()
	if r > 0 {
		// A slot seen processed was announced then; its finalization
		// only moves the root.
		b.feed.Publish(&rpc.SlotEvent{Slot: r, Parent: r - 1, Root: r, RootOnly: f.processed >= r})
	}
	// One event per level, sharing one lazily loaded set of writes.
	var once struct {
		sync.Once
		w   []svm.AccountWrite
		err error
	}
	shared := func() ([]svm.AccountWrite, error) {
		once.Do(func() {
			if loadWrites != nil {
				once.w, once.err = loadWrites()
			}
		})
		return once.w, once.err
	}
	// A round seen as processed before it finalized had its processed
	// event then. Confirmed comes with finalized: the roothash finalizes a
	// round in the very transaction that makes its committee agree.
	levels := []rpc.Commitment{rpc.Processed, rpc.Confirmed, rpc.Finalized}
	if f.processed >= r {
		levels = levels[1:]
	} else {
		f.processed = r
	}
	for _, c := range levels {
		b.feed.Publish(&rpc.CommitEvent{Commitment: c, Slot: r, Block: blk, LoadWrites: shared})
	}
	return nil
}

// readTransactions reads finalized round r's transactions from its IO
// tree; after ioGiveUp without the tree the round is indexed without them.
func (f *follower) readTransactions(ctx context.Context, r uint64, h *roothash.Header) ([]rpc.TransactionRecord, error) {
	t, err := f.b.ioTree(ctx, h)
	switch {
	case errors.Is(err, ErrIOUnavailable) && f.giveUp(r):
		f.b.cfg.Logger.Warn("indexing a round without its transactions", "round", r, "err", err)
		return nil, nil
	case err != nil:
		return nil, err
	}
	return transactions(t, r, h.Timestamp)
}

// giveUp reports whether round r's IO tree has been unavailable for
// longer than ioGiveUp.
func (f *follower) giveUp(r uint64) bool {
	if f.ioMissing != r || f.ioMissingSince.IsZero() {
		f.ioMissing, f.ioMissingSince = r, time.Now()
	}
	return time.Since(f.ioMissingSince) > ioGiveUp
}

// latestHeader is the compute worker's latest header when it is of round
// r, saving a consensus query per round.
func (b *Backend) latestHeader(r uint64) *roothash.Header {
	if b.cfg.Compute == nil {
		return nil
	}
	if h := b.cfg.Compute.LatestHeader(); h != nil && h.Round == r {
		return h
	}
	return nil
}

// writes are the final states of the accounts round r changed (the diff
// of its state root against the previous round's), sorted by key, as
// CommitEvent wants.
func (b *Backend) writes(r uint64, cur mkvs.Root) ([]svm.AccountWrite, error) {
	prev, ok, err := b.kv.RootAt(mkvs.RootState, r-1)
	if err != nil || !ok {
		return nil, fmt.Errorf("rpcnode: state of round %d: found=%v %v", r-1, ok, err)
	}
	wl, err := b.kv.Diff(prev, cur)
	if err != nil {
		return nil, fmt.Errorf("rpcnode: state diff of round %d: %w", r, err)
	}
	out := make([]svm.AccountWrite, 0, len(wl))
	for _, e := range wl {
		if len(e.Key) != sol.PubkeySize {
			continue
		}
		w := svm.AccountWrite{Key: sol.Pubkey(e.Key)}
		if !e.Deleted {
			if err := w.Account.UnmarshalBinary(e.Value); err != nil {
				return nil, fmt.Errorf("%w: %x: %w", accounts.ErrCorruptAccount, e.Key, err)
			}
		}
		out = append(out, w)
	}
	return out, nil
}
