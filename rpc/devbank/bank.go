package devbank

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

var errBadSeed = errors.New("devbank: an ed25519 seed is 32 bytes")

// keptSlots is how many slots below the finalized one keep their undo
// records, so a read or simulation pinned to an older commitment slot stays
// consistent while new slots land.
const keptSlots = 64

// keptBlockhashes bounds the blockhash history (two validity windows, so
// that lower commitment levels can still answer isBlockhashValid).
const keptBlockhashes = 2 * svm.MaxRecentBlockhashes

// Bank is a single-node Solana-compatible chain. Create it with New, drive it
// with Run (or ProduceSlot in tests) and serve it through rpc.Server. All
// methods are safe for concurrent use.
type Bank struct {
	cfg         Config
	store       *svm.MapStore
	exec        *svm.Executor
	status      *svm.StatusCache
	ledger      Ledger
	feed        rpc.Feed
	genesisHash sol.Hash
	identity    sol.Pubkey
	faucet      ed25519.PrivateKey
	faucetKey   sol.Pubkey
	schedule    svm.EpochSchedule

	produce sync.Mutex // serializes ProduceSlot

	mu          sync.RWMutex // guards the fields below and store/records consistency
	slot        uint64
	blockhashes []svm.BlockhashEntry // newest first; [0] is slot's
	features    svm.FeatureSet
	epochStart  int64
	txCount     uint64
	records     []*slotRecord // oldest first, contiguous up to slot

	qmu         sync.Mutex
	pending     []pendingTx
	pendingSigs map[sol.Signature]struct{}
}

// pendingTx is a submitted transaction waiting for a slot.
type pendingTx struct {
	raw []byte
	sig sol.Signature
}

// slotRecord is what the bank keeps about a recent slot: the accounts'
// states before the slot changed them (to read older commitment levels), the
// block and its writes (for commit events) and the running transaction count.
type slotRecord struct {
	slot    uint64
	prev    map[sol.Pubkey]sol.Account // zero Lamports: did not exist
	block   *rpc.Block
	writes  []svm.AccountWrite
	txCount uint64
}

// New creates a bank at genesis (slot 0). It does not start producing slots.
func New(cfg Config) (*Bank, error) {
	cfg.withDefaults()
	genesisTime := cfg.Clock.Now().Unix()
	b := &Bank{
		cfg: cfg, store: svm.NewMapStore(), status: svm.NewStatusCache(), ledger: cfg.Ledger,
		pendingSigs: map[sol.Signature]struct{}{}, features: svm.FeatureSet{}, epochStart: genesisTime,
		// No warmup: a bank's epochs are all SlotsPerEpoch long.
		schedule: svm.NewEpochSchedule(cfg.SlotsPerEpoch, cfg.SlotsPerEpoch, false),
	}
	b.exec = b.newExecutor(b.store, b.status, 0)

	idSeed := cfg.IdentitySeed
	if idSeed == nil {
		idSeed = derivedSeed(genesisTime, "identity")
	}
	id, err := keyFromSeed(idSeed)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	copy(b.identity[:], id.Public().(ed25519.PublicKey))

	genesis := b.exec.GenesisAccounts()
	if !cfg.NoFaucet {
		seed := cfg.FaucetSeed
		if seed == nil {
			seed = derivedSeed(genesisTime, "faucet")
		}
		if b.faucet, err = keyFromSeed(seed); err != nil {
			return nil, fmt.Errorf("faucet: %w", err)
		}
		copy(b.faucetKey[:], b.faucet.Public().(ed25519.PublicKey))
		genesis = append(genesis, svm.AccountWrite{Key: b.faucetKey, Account: sol.Account{Lamports: cfg.FaucetLamports}})
	}
	genesis = append(genesis, cfg.GenesisAccounts...)
	if err := b.store.Apply(genesis); err != nil {
		return nil, err
	}
	b.genesisHash = genesisHash(genesisTime, &b.schedule, genesis)

	// Slot 0 is the genesis block: no transactions, its blockhash derived
	// from the genesis hash.
	if b.features, err = svm.LoadFeatureSet(b.store, 0); err != nil {
		return nil, err
	}
	hash := nextBlockhash(b.genesisHash, 0, nil)
	blk := &rpc.Block{Slot: 0, BlockTime: genesisTime, Blockhash: hash, PreviousBlockhash: b.genesisHash}
	if err := b.ledger.Append(blk); err != nil {
		return nil, err
	}
	b.blockhashes = []svm.BlockhashEntry{{Slot: 0, Hash: hash}}
	b.records = []*slotRecord{{slot: 0, block: blk, writes: genesis}}
	return b, nil
}

func (b *Bank) newExecutor(store svm.AccountsStore, status svm.StatusChecker, parallelism int, extra ...svm.Option) *svm.Executor {
	opts := append([]svm.Option{svm.WithEpochSchedule(b.schedule)}, extra...)
	if status != nil {
		opts = append(opts, svm.WithStatusChecker(status))
	}
	if parallelism > 0 {
		opts = append(opts, svm.WithParallelism(parallelism))
	}
	return svm.NewExecutor(store, append(opts, b.cfg.ExecutorOptions...)...)
}

// genesisHash commits to the genesis time, the epoch schedule and every
// genesis account, so distinct networks have distinct hashes.
func genesisHash(t int64, s *svm.EpochSchedule, accounts []svm.AccountWrite) sol.Hash {
	h := sha256.New()
	h.Write([]byte("atoll devbank genesis v1"))
	h.Write(binary.LittleEndian.AppendUint64(nil, uint64(t)))
	h.Write(s.Encode())
	for i := range accounts {
		h.Write(accounts[i].Key[:])
		enc, _ := accounts[i].Account.MarshalBinary()
		h.Write(enc)
	}
	var out sol.Hash
	h.Sum(out[:0])
	return out
}

// nextBlockhash chains the previous blockhash, the slot and the signatures
// executed in it, so a blockhash commits to the block's contents and history.
func nextBlockhash(prev sol.Hash, slot uint64, txs []rpc.TransactionRecord) sol.Hash {
	h := sha256.New()
	h.Write(prev[:])
	h.Write(binary.LittleEndian.AppendUint64(nil, slot))
	for i := range txs {
		h.Write(txs[i].Result.Signature[:])
	}
	var out sol.Hash
	h.Sum(out[:0])
	return out
}

// GenesisHash implements rpc.Backend.
func (b *Bank) GenesisHash() sol.Hash { return b.genesisHash }

// Identity implements rpc.Backend.
func (b *Bank) Identity() sol.Pubkey { return b.identity }

// FaucetKey is the faucet's address (zero with NoFaucet).
func (b *Bank) FaucetKey() sol.Pubkey { return b.faucetKey }

// Run produces a slot every SlotDuration until ctx is done.
func (b *Bank) Run(ctx context.Context) error {
	tick, stop := b.cfg.Clock.Ticker(b.cfg.SlotDuration)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
			if _, err := b.ProduceSlot(); err != nil {
				return err
			}
		}
	}
}

// ProduceSlot executes the queued transactions (up to MaxTxsPerSlot) as the
// next slot, commits it, advances the commitment levels and publishes the
// events. It returns the new slot. An error means the store or ledger failed;
// the bank must not be used afterwards.
func (b *Bank) ProduceSlot() (uint64, error) {
	b.produce.Lock()
	defer b.produce.Unlock()

	txs := b.takePending()
	b.mu.RLock()
	slot := b.slot + 1
	now := b.cfg.Clock.Now().Unix()
	epoch, index := b.schedule.EpochOf(slot)
	epochStart := b.epochStart
	if index == 0 {
		epochStart = now
	}
	ctx := &svm.BlockContext{
		Slot: slot, Epoch: epoch, UnixTimestamp: now, EpochStartTimestamp: epochStart,
		RecentBlockhashes: b.blockhashes[:min(len(b.blockhashes), svm.MaxRecentBlockhashes)],
		Features:          b.features,
	}
	prevHash := b.blockhashes[0].Hash
	b.mu.RUnlock()

	// Only this goroutine writes the store, so executing outside b.mu lets
	// readers proceed against the previous slot's state meanwhile.
	res, err := b.exec.ExecuteBatch(ctx, txs)
	if err != nil {
		return 0, fmt.Errorf("devbank: executing slot %d: %w", slot, err)
	}
	blk := &rpc.Block{Slot: slot, ParentSlot: slot - 1, BlockHeight: slot, BlockTime: now, PreviousBlockhash: prevHash}
	for i := range res.Results {
		if res.Results[i].Processed {
			blk.Transactions = append(blk.Transactions, rpc.TransactionRecord{Slot: slot, BlockTime: now, Raw: txs[i], Result: res.Results[i]})
		}
	}
	blk.Blockhash = nextBlockhash(prevHash, slot, blk.Transactions)
	rec := &slotRecord{slot: slot, block: blk, writes: res.Writes, prev: make(map[sol.Pubkey]sol.Account, len(res.Writes))}

	b.mu.Lock()
	for i := range res.Writes {
		k := res.Writes[i].Key
		a, _, err := b.store.Account(k)
		if err != nil {
			b.mu.Unlock()
			return 0, err
		}
		rec.prev[k] = a
	}
	if err := b.store.Apply(res.Writes); err != nil {
		b.mu.Unlock()
		return 0, fmt.Errorf("devbank: applying slot %d: %w", slot, err)
	}
	if err := b.ledger.Append(blk); err != nil {
		b.mu.Unlock()
		return 0, err
	}
	b.status.Record(slot, res.Results)
	features, err := svm.LoadFeatureSet(b.store, slot)
	if err != nil {
		b.mu.Unlock()
		return 0, err
	}
	b.features = features
	b.slot = slot
	b.epochStart = epochStart
	b.txCount += uint64(len(blk.Transactions))
	rec.txCount = b.txCount
	b.blockhashes = append([]svm.BlockhashEntry{{Slot: slot, Hash: blk.Blockhash}}, b.blockhashes[:min(len(b.blockhashes), keptBlockhashes-1)]...)
	b.records = append(b.records, rec)
	finalized := b.commitSlot(Finalized)
	if drop := len(b.records) - int(slot-finalized) - keptSlots; drop > 0 {
		b.records = append([]*slotRecord(nil), b.records[drop:]...)
	}
	confirmedRec := b.recordAt(b.commitSlot(Confirmed))
	finalizedRec := b.recordAt(finalized)
	b.mu.Unlock()

	if slot > 2*keptBlockhashes {
		b.status.Prune(slot - 2*keptBlockhashes)
	}
	b.feed.Publish(&rpc.SlotEvent{Slot: slot, Parent: slot - 1, Root: finalized})
	b.feed.Publish(&rpc.CommitEvent{Commitment: rpc.Processed, Slot: slot, Block: blk, Writes: res.Writes})
	// Each level moves by exactly one slot per produced slot once the chain
	// is deeper than its depth, so one event per level keeps them gapless.
	if confirmedRec != nil && slot >= b.cfg.ConfirmedDepth {
		b.feed.Publish(&rpc.CommitEvent{Commitment: rpc.Confirmed, Slot: confirmedRec.slot, Block: confirmedRec.block, Writes: confirmedRec.writes})
	}
	if finalizedRec != nil && slot >= b.cfg.FinalizedDepth {
		b.feed.Publish(&rpc.CommitEvent{Commitment: rpc.Finalized, Slot: finalizedRec.slot, Block: finalizedRec.block, Writes: finalizedRec.writes})
	}
	return slot, nil
}

// Local aliases keep the commitment arithmetic readable.
const (
	Processed = rpc.Processed
	Confirmed = rpc.Confirmed
	Finalized = rpc.Finalized
)

// commitSlot is the newest slot at c. Caller holds b.mu.
func (b *Bank) commitSlot(c rpc.Commitment) uint64 {
	depth := uint64(0)
	switch c {
	case Confirmed:
		depth = b.cfg.ConfirmedDepth
	case Finalized:
		depth = b.cfg.FinalizedDepth
	}
	if b.slot < depth {
		return 0
	}
	return b.slot - depth
}

// recordAt returns the kept record of slot s, or nil. Caller holds b.mu.
func (b *Bank) recordAt(s uint64) *slotRecord {
	if len(b.records) == 0 || s < b.records[0].slot || s > b.slot {
		return nil
	}
	return b.records[s-b.records[0].slot]
}

// accountAt reads key as of slot s, undoing the writes of later slots.
// Caller holds b.mu (read).
func (b *Bank) accountAt(key sol.Pubkey, s uint64) (sol.Account, bool, error) {
	a, ok, err := b.store.Account(key)
	if err != nil {
		return sol.Account{}, false, err
	}
	for i := len(b.records) - 1; i >= 0 && b.records[i].slot > s; i-- {
		if p, changed := b.records[i].prev[key]; changed {
			a, ok = p, p.Lamports > 0
		}
	}
	return a, ok, nil
}

func (b *Bank) takePending() [][]byte {
	b.qmu.Lock()
	defer b.qmu.Unlock()
	n := min(len(b.pending), b.cfg.MaxTxsPerSlot)
	txs := make([][]byte, n)
	for i, p := range b.pending[:n] {
		txs[i] = p.raw
		delete(b.pendingSigs, p.sig)
	}
	b.pending = append([]pendingTx(nil), b.pending[n:]...)
	return txs
}

// enqueue adds a decoded, verified transaction to the next slot's batch.
func (b *Bank) enqueue(raw []byte, sig sol.Signature) error {
	b.qmu.Lock()
	defer b.qmu.Unlock()
	if _, dup := b.pendingSigs[sig]; dup {
		return nil
	}
	if len(b.pending) >= b.cfg.MaxPending {
		return rpc.ErrQueueFull
	}
	b.pendingSigs[sig] = struct{}{}
	b.pending = append(b.pending, pendingTx{raw: append([]byte(nil), raw...), sig: sig})
	return nil
}
