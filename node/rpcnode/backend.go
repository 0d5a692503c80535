package rpcnode

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"

	"github.com/atoll-dev/atoll/bridge/programs"
	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/rpc/devbank"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/loader"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/storage/mkvs/accounts"
	"github.com/atoll-dev/atoll/worker/storage"
)

// Errors of this package.
var (
	ErrNoReplica = errors.New("rpcnode: a replica is required")
	ErrNotReady  = errors.New("rpcnode: no finalized round indexed yet")
)

// version is the Agave release whose RPC behaviour the server follows.
var version = rpc.VersionInfo{SolanaCore: "2.2.0", FeatureSet: 3294202862}

// keptBlockhashes is how many recent header hashes the backend remembers:
// the runtime's window, twice (a status cache covers two windows).
const keptBlockhashes = 2 * svm.MaxRecentBlockhashes

// Backend implements rpc.Backend over a node's workers. Start it with Run
// (as a node.Component) or Start; until it indexed a round it reports slot
// 0 and Health fails.
type Backend struct {
	cfg      Config
	kv       *mkvs.Store
	fetch    storage.Fetcher
	ledger   *devbank.MemLedger
	feed     rpc.Feed
	opts     []svm.Option
	rent     svm.Rent
	schedule svm.EpochSchedule
	faucet   sol.Pubkey
	inflight chan struct{} // admissions under way

	// Accepted transactions not seen landed, and how they are handed to
	// the committee again (rebroadcast.go).
	sentMu  sync.Mutex
	sent    map[sol.Signature]*sentTx
	forward func(context.Context, [][]byte) error

	// Preflights waiting to run in a batch (preflight.go).
	pfMu      sync.Mutex
	pfQueue   []*preflightReq
	pfLeading bool

	// The block inputs of simulations after simSlot (blockInputs).
	simMu       sync.Mutex
	simSlot     uint64
	simHashes   []svm.BlockhashEntry
	simFeatures svm.FeatureSet

	mu    sync.RWMutex
	ready bool
	slot  uint64
	root  mkvs.Root
	state *accounts.Store
	time  int64 // consensus time of the latest header
	// chainRound is the roothash's latest finalized round when last read.
	chainRound uint64
	txCount    uint64
	genesis    sol.Hash
	hashes     map[uint64]sol.Hash // header hashes by round, the newest keptBlockhashes
	rounds     map[sol.Hash]uint64 // the same, by hash
	// pending is the processed round after slot, if this node holds its
	// results (pending.go).
	pending *pendingRound
}

var _ rpc.Backend = (*Backend)(nil)

// New returns a backend over cfg's workers. It reads nothing until it runs.
func New(cfg Config) (*Backend, error) {
	if cfg.Replica == nil {
		return nil, ErrNoReplica
	}
	cfg.withDefaults()
	l, err := loader.New()
	if err != nil {
		return nil, err
	}
	// The same executor configuration as runtime/svm/hosted builds from
	// the network's runtime configuration, so simulations run the
	// programs and schedule the runtime runs.
	schedule := cfg.RuntimeConfig.EpochSchedule()
	opts := append(l.Options(), svm.WithEpochSchedule(schedule))
	opts = append(opts, programs.Options(programs.Config{LocalDomain: cfg.RuntimeConfig.BridgeDomain, Admin: cfg.RuntimeConfig.BridgeAdmin})...)
	b := &Backend{cfg: cfg, kv: cfg.Replica.KV, fetch: cfg.Fetch, ledger: devbank.NewMemLedger(), opts: opts, schedule: schedule,
		hashes: map[uint64]sol.Hash{}, rounds: map[sol.Hash]uint64{}, inflight: make(chan struct{}, MaxInFlight), sent: map[sol.Signature]*sentTx{}}
	b.rent = svm.NewExecutor(svm.NewMapStore(), opts...).Rent()
	if cfg.Compute != nil {
		b.forward = cfg.Compute.Forward
	}
	if cfg.Faucet != nil {
		copy(b.faucet[:], cfg.Faucet.Public().(ed25519.PublicKey))
	}
	return b, nil
}

// Slot implements rpc.Backend: finalized and confirmed are the newest
// finalized round indexed, processed the round after it when this node
// holds its results (see the package comment).
func (b *Backend) Slot(c rpc.Commitment) uint64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if c == rpc.Processed && b.pending != nil && b.pending.slot > b.slot {
		return b.pending.slot
	}
	return b.slot
}

// BlockHeight implements rpc.Backend: every round has a block.
func (b *Backend) BlockHeight(c rpc.Commitment) uint64 { return b.Slot(c) }

// LatestBlockhash implements rpc.Backend.
func (b *Backend) LatestBlockhash(rpc.Commitment) rpc.BlockhashInfo {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return rpc.BlockhashInfo{Slot: b.slot, Blockhash: b.hashes[b.slot], LastValidBlockHeight: b.slot + svm.MaxRecentBlockhashes}
}

// IsBlockhashValid implements rpc.Backend: h is valid while it is the hash
// of one of the MaxRecentBlockhashes newest rounds, which the next round's
// block context names.
func (b *Backend) IsBlockhashValid(h sol.Hash, _ rpc.Commitment) (bool, uint64) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	r, ok := b.rounds[h]
	return b.ready && ok && r+svm.MaxRecentBlockhashes > b.slot, b.slot
}

// recentBlockhashes are the block context's hashes for the round after
// the newest indexed one, newest first. Called with mu held.
func (b *Backend) recentBlockhashes() []svm.BlockhashEntry { return b.recentBlockhashesAt(b.slot) }

// recentBlockhashesAt are the block context's hashes for the round after
// s, newest first. Called with mu held.
func (b *Backend) recentBlockhashesAt(s uint64) []svm.BlockhashEntry {
	var out []svm.BlockhashEntry
	for i := uint64(0); i < svm.MaxRecentBlockhashes && i <= s; i++ {
		h, ok := b.hashes[s-i]
		if !ok {
			break
		}
		out = append(out, svm.BlockhashEntry{Slot: s - i, Hash: h})
	}
	return out
}

// view returns the account state at the newest indexed round.
func (b *Backend) view() (*accounts.Store, mkvs.Root, uint64, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if !b.ready {
		return nil, mkvs.Root{}, 0, ErrNotReady
	}
	return b.state, b.root, b.slot, nil
}

// Accounts implements rpc.Backend.
func (b *Backend) Accounts(keys []sol.Pubkey, c rpc.Commitment) ([]*sol.Account, uint64, error) {
	st, _, s, err := b.view()
	if err != nil {
		return nil, 0, err
	}
	var store interface {
		Account(sol.Pubkey) (sol.Account, bool, error)
	} = st
	if p := b.processedRound(); c == rpc.Processed && p != nil {
		store, s = p, p.slot
	}
	out := make([]*sol.Account, len(keys))
	for i, k := range keys {
		a, ok, err := store.Account(k)
		if err != nil {
			return nil, 0, err
		}
		if ok && a.Lamports > 0 {
			out[i] = &a
		}
	}
	return out, s, nil
}

// ProgramAccounts implements rpc.Backend by iterating the whole state tree
// at the finalized root, in key order (the tree's order); at processed,
// the pending round's writes are merged in.
func (b *Backend) ProgramAccounts(program sol.Pubkey, c rpc.Commitment, keep func(*sol.Account) bool) ([]rpc.KeyedAccount, uint64, error) {
	_, root, s, err := b.view()
	if err != nil {
		return nil, 0, err
	}
	if p := b.processedRound(); c == rpc.Processed && p != nil {
		fin, _, err := b.ProgramAccounts(program, rpc.Finalized, keep)
		if err != nil {
			return nil, 0, err
		}
		return mergeWrites(fin, p.writes, program, keep), p.slot, nil
	}
	t, err := b.kv.Tree(root)
	if err != nil {
		return nil, 0, fmt.Errorf("rpcnode: state of round %d: %w", s, err)
	}
	var out []rpc.KeyedAccount
	it := t.NewIterator(nil, nil)
	for ok := it.First(); ok; ok = it.Next() {
		k, v := it.Key(), it.Value()
		// The owner sits at a fixed offset of the canonical encoding, but
		// decoding is cheap next to the tree walk and keeps the layout in
		// one place.
		if len(k) != sol.PubkeySize {
			continue
		}
		var a sol.Account
		if err := a.UnmarshalBinary(v); err != nil {
			return nil, 0, fmt.Errorf("%w: %x: %w", accounts.ErrCorruptAccount, k, err)
		}
		if a.Owner != program || a.Lamports == 0 || (keep != nil && !keep(&a)) {
			continue
		}
		out = append(out, rpc.KeyedAccount{Key: sol.Pubkey(k), Account: a})
	}
	if err := it.Err(); err != nil {
		return nil, 0, err
	}
	return out, s, nil
}

// SignatureStatuses implements rpc.Backend: what the ledger holds is
// finalized, what the pending round holds is processed. Without
// searchHistory only the rounds a status cache covers (two blockhash
// windows) are searched.
func (b *Backend) SignatureStatuses(sigs []sol.Signature, searchHistory bool) ([]*rpc.SignatureStatus, uint64, error) {
	s := b.Slot(rpc.Finalized)
	p := b.processedRound()
	out := make([]*rpc.SignatureStatus, len(sigs))
	for i, sig := range sigs {
		rec, ok, err := b.ledger.Transaction(sig)
		if err != nil {
			return nil, 0, err
		}
		if ok && rec.Slot <= s && (searchHistory || rec.Slot+keptBlockhashes >= s) {
			out[i] = &rpc.SignatureStatus{Slot: rec.Slot, Err: rec.Result.Err, Commitment: rpc.Finalized}
			continue
		}
		if p == nil {
			continue
		}
		if j, ok := p.bySig[sig]; ok {
			zero := uint64(0)
			out[i] = &rpc.SignatureStatus{Slot: p.slot, Err: p.block.Transactions[j].Result.Err, Commitment: rpc.Processed, Confirmations: &zero}
		}
	}
	if p != nil {
		s = p.slot
	}
	return out, s, nil
}

// Transaction implements rpc.Backend.
func (b *Backend) Transaction(sig sol.Signature, c rpc.Commitment) (*rpc.TransactionRecord, error) {
	rec, ok, err := b.ledger.Transaction(sig)
	if err != nil || !ok || rec.Slot > b.Slot(c) {
		return nil, err
	}
	return rec, nil
}

// SignaturesForAddress implements rpc.Backend.
func (b *Backend) SignaturesForAddress(addr sol.Pubkey, q rpc.SignaturesQuery, c rpc.Commitment) ([]rpc.SignatureInfo, error) {
	rows, err := b.ledger.Signatures(addr, b.Slot(c), q)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		rows[i].Commitment = rpc.Finalized
	}
	return rows, nil
}

// Block implements rpc.Backend.
func (b *Backend) Block(slot uint64, c rpc.Commitment) (*rpc.Block, error) {
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
func (b *Backend) Blocks(start, end uint64, c rpc.Commitment) ([]uint64, error) {
	return b.ledger.Slots(start, min(end, b.Slot(c)))
}

// FirstAvailableBlock implements rpc.Backend.
func (b *Backend) FirstAvailableBlock() uint64 { return b.ledger.First() }

// TransactionCount implements rpc.Backend: processed transactions (failed
// ones included) in the rounds indexed.
func (b *Backend) TransactionCount(rpc.Commitment) uint64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.txCount
}

// EpochInfo implements rpc.Backend, by the runtime's epoch schedule (the
// same the runtime derives Clock.epoch from, warmup included).
func (b *Backend) EpochInfo(c rpc.Commitment) rpc.EpochInfo {
	s := b.Slot(c)
	b.mu.RLock()
	n := b.txCount
	b.mu.RUnlock()
	if p := b.processedRound(); c == rpc.Processed && p != nil && p.slot == s {
		n += uint64(len(p.block.Transactions))
	}
	epoch, index := b.schedule.EpochOf(s)
	return rpc.EpochInfo{AbsoluteSlot: s, BlockHeight: s, Epoch: epoch, SlotIndex: index, SlotsInEpoch: b.schedule.SlotsInEpoch(epoch), TransactionCount: n}
}

// EpochSchedule implements rpc.Backend.
func (b *Backend) EpochSchedule() svm.EpochSchedule { return b.schedule }

// Rent implements rpc.Backend.
func (b *Backend) Rent() svm.Rent { return b.rent }

// GenesisHash implements rpc.Backend: the hash of the runtime's round-0
// header, which every node of the network agrees on.
func (b *Backend) GenesisHash() sol.Hash {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.genesis
}

// Identity implements rpc.Backend.
func (b *Backend) Identity() sol.Pubkey { return b.cfg.Identity }

// Version implements rpc.Backend.
func (b *Backend) Version() rpc.VersionInfo { return version }

// MaxLag is how many rounds the backend may trail the roothash's latest
// finalized round and still report itself healthy: past it, blockhashes it
// hands out may already be outside the runtime's window.
const MaxLag = svm.MaxRecentBlockhashes / 2

// Health implements rpc.Backend: unhealthy until a round is indexed, and
// while the node trails the network by more than MaxLag rounds.
func (b *Backend) Health() error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if !b.ready {
		return fmt.Errorf("%w: %w", rpc.ErrNodeUnhealthy, ErrNotReady)
	}
	if b.chainRound > b.slot+MaxLag {
		return fmt.Errorf("%w: behind by %d rounds", rpc.ErrNodeUnhealthy, b.chainRound-b.slot)
	}
	return nil
}

// Subscribe implements rpc.Backend.
func (b *Backend) Subscribe(buffer int) (<-chan rpc.Event, func()) { return b.feed.Subscribe(buffer) }

// epochOf is slot's epoch by the runtime's schedule: simulations run in the
// epoch the runtime will execute the next slot in, never the consensus
// layer's epoch.
func (b *Backend) epochOf(slot uint64) uint64 {
	e, _ := b.schedule.EpochOf(slot)
	return e
}
