package svm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/atoll-dev/atoll/runtime/svm/sigverify"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// TxResult is the outcome of one transaction of a batch.
type TxResult struct {
	Signature   sol.Signature
	MessageHash sol.Hash
	// Processed is true when the fee was charged and the transaction is
	// recorded; false when it was refused before that (bad encoding or
	// signature, unknown blockhash, replay, fee payer unable to pay).
	Processed bool
	// Err is nil on success.
	Err           *TransactionError
	Fee           uint64
	UnitsConsumed uint64
	Logs          []string
	ReturnData    *ReturnData
	// Messages are the runtime messages a successful transaction emitted.
	Messages [][]byte
	// Keys, PreBalances and PostBalances are per account of the transaction
	// (static keys, then loaded writable, then loaded read-only); empty when
	// the transaction could not be decoded.
	Keys         []sol.Pubkey
	PreBalances  []uint64
	PostBalances []uint64
}

// ReturnData is what a transaction's programs last returned.
type ReturnData struct {
	ProgramID sol.Pubkey
	Data      []byte
}

// BatchResult is what ExecuteBatch produces: one result per transaction and
// the final state of every account the batch changed, in ascending key order.
type BatchResult struct {
	Results []TxResult
	Writes  []AccountWrite
	// Burned is what the incinerator held at the end of the batch and no
	// longer exists.
	Burned uint64
}

// preparedTx is a transaction after the stateless checks.
type preparedTx struct {
	tx       *sol.Transaction
	keys     []sol.Pubkey
	signer   []bool
	writable []bool
	slots    []int // index into batchState.slots per key
	msgHash  sol.Hash
	err      *TransactionError // refused before execution
}

// batchState is the batch's view of accounts: the store overlaid with the
// writes of the transactions executed so far. Every key the batch can touch
// has a slot, assigned before execution; the dependency graph guarantees that
// a slot is never read while another transaction may write it.
type batchState struct {
	store AccountsStore
	index map[sol.Pubkey]int
	keys  []sol.Pubkey
	slots []*sol.Account // nil: unchanged in this batch
}

func (b *batchState) slotOf(k sol.Pubkey) int {
	if i, ok := b.index[k]; ok {
		return i
	}
	i := len(b.keys)
	b.index[k] = i
	b.keys = append(b.keys, k)
	b.slots = append(b.slots, nil)
	return i
}

// read returns the account as the batch sees it. A zero-lamport account does
// not exist.
func (b *batchState) read(k sol.Pubkey) (sol.Account, bool, error) {
	if i, ok := b.index[k]; ok && b.slots[i] != nil {
		a := b.slots[i]
		return *a, a.Lamports > 0, nil
	}
	return b.store.Account(k)
}

// readSlot is read for a key whose slot the caller knows.
func (b *batchState) readSlot(slot int, k sol.Pubkey) (sol.Account, bool, error) {
	if a := b.slots[slot]; a != nil {
		return *a, a.Lamports > 0, nil
	}
	return b.store.Account(k)
}

func (b *batchState) write(slot int, a sol.Account) { b.slots[slot] = &a }

// publish makes *a the slot's account without copying it: a must not
// change afterwards (a finished transaction's working copy).
func (b *batchState) publish(slot int, a *sol.Account) { b.slots[slot] = a }

// ExecuteBatch executes txs (wire-format transactions) in order as the block
// described by block, and returns each transaction's result and the batch's
// account writes. It does not modify the store: the caller applies Writes once
// the batch is accepted. Transactions that touch disjoint accounts run in
// parallel; the outcome is identical to executing them one by one in batch
// order. The error is non-nil only when the store fails.
func (e *Executor) ExecuteBatch(block *BlockContext, txs [][]byte) (*BatchResult, error) {
	bs := &batchState{store: e.store, index: make(map[sol.Pubkey]int, 4*len(txs)+8)}
	features := FeatureSet{}
	for k, v := range block.Features {
		features[k] = v
	}
	blk := *block
	blk.Features = features

	clock, err := e.beginBlock(bs, &blk)
	if err != nil {
		return nil, err
	}
	ledger := &statusLedger{lists: map[sol.Hash]statusList{}}
	prepared, err := e.prepare(bs, &blk, ledger, txs)
	if err != nil {
		return nil, err
	}
	results := make([]TxResult, len(prepared))
	run := func(i int) error {
		r, err := e.executeTx(bs, &blk, clock, &prepared[i])
		results[i] = r
		return err
	}
	if err := e.schedule(prepared, len(bs.keys), run); err != nil {
		return nil, err
	}
	ledger.record(bs, e.rent, prepared, results, &blk)
	burned, err := burnIncinerator(bs)
	if err != nil {
		return nil, err
	}
	return &BatchResult{Results: results, Writes: bs.collectWrites(), Burned: burned}, nil
}

// beginBlock activates pending features at an epoch boundary and updates the
// per-slot sysvars, before any transaction runs.
func (e *Executor) beginBlock(bs *batchState, blk *BlockContext) (Clock, error) {
	prev, hadClock, err := bs.read(SysvarClockID)
	if err != nil {
		return Clock{}, err
	}
	prevClock, derr := DecodeClock(prev.Data)
	newEpoch := !hadClock || derr != nil || blk.Epoch > prevClock.Epoch
	// A caller that does not track epoch starts (the hosted runtime) gets
	// Solana's: the timestamp of the epoch's first block, kept in state.
	epochStart := blk.EpochStartTimestamp
	if epochStart == 0 {
		epochStart = prevClock.EpochStartTimestamp
		if newEpoch {
			epochStart = blk.UnixTimestamp
		}
	}
	clock := Clock{Slot: blk.Slot, Epoch: blk.Epoch, LeaderScheduleEpoch: max(e.epochSchedule.LeaderScheduleEpoch(blk.Slot), blk.Epoch+1),
		UnixTimestamp: blk.UnixTimestamp, EpochStartTimestamp: epochStart}
	if newEpoch {
		activated, err := activatePendingFeatures(bs.read, blk.Slot)
		if err != nil {
			return Clock{}, err
		}
		for _, w := range activated {
			bs.write(bs.slotOf(w.Key), w.Account)
			blk.Features[w.Key] = blk.Slot
		}
	}
	prevHashes, _, err := bs.read(SysvarRecentBlockhashID)
	if err != nil {
		return Clock{}, err
	}
	if err := (&statusLedger{}).expire(bs, prevHashes.Data, blk); err != nil {
		return Clock{}, err
	}
	bs.write(bs.slotOf(SysvarClockID), sysvarAccount(e.rent, clock.Encode()))
	if err := creditDeposits(bs, blk.Deposits); err != nil {
		return Clock{}, err
	}
	bs.write(bs.slotOf(SysvarRecentBlockhashID), sysvarAccount(e.rent, encodeRecentBlockhashes(blk.RecentBlockhashes)))
	bs.write(bs.slotOf(SysvarSlotHashesID), sysvarAccount(e.rent, encodeSlotHashes(blk.RecentBlockhashes)))
	return clock, nil
}

// creditDeposits mints the consensus layer's deposits into their recipients.
// A deposit to an account that does not exist creates a system account.
func creditDeposits(bs *batchState, deposits []Deposit) error {
	for _, d := range deposits {
		a, _, err := bs.read(d.Recipient)
		if err != nil {
			return err
		}
		a = a.Clone()
		if a.Lamports+d.Lamports < a.Lamports {
			continue // cannot happen with a real supply; refuse to wrap
		}
		a.Lamports += d.Lamports
		bs.write(bs.slotOf(d.Recipient), a)
	}
	return nil
}

// burnIncinerator deletes the incinerator's lamports after all transactions.
func burnIncinerator(bs *batchState) (uint64, error) {
	a, ok, err := bs.read(IncineratorID)
	if err != nil || !ok {
		return 0, err
	}
	bs.write(bs.slotOf(IncineratorID), sol.Account{})
	return a.Lamports, nil
}

// prepare decodes, sanitizes and verifies signatures of every transaction
// (in parallel), refuses replays, resolves lookups and assigns account slots.
func (e *Executor) prepare(bs *batchState, blk *BlockContext, ledger *statusLedger, raw [][]byte) ([]preparedTx, error) {
	prepared := make([]preparedTx, len(raw))
	parallelFor(len(raw), e.parallelism, func(i int) {
		tx, err := sol.DecodeTransaction(raw[i])
		if err != nil {
			prepared[i].err = sanitizeError(err)
			return
		}
		prepared[i].tx = tx
		prepared[i].msgHash = MessageHash(tx.MessageBytes)
	})
	items := make([]sigverify.Item, 0, len(raw))
	for i := range prepared {
		if prepared[i].tx != nil {
			items = sigverify.TransactionItems(items, prepared[i].tx)
		}
	}
	var verdicts []bool
	if e.skipSigverify {
		verdicts = make([]bool, len(items))
		for i := range verdicts {
			verdicts[i] = true
		}
	} else {
		verdicts = sigverify.VerifyBatch(items)
	}
	seen := make(map[sol.Hash]struct{}, len(raw))
	next := 0
	for i := range prepared {
		p := &prepared[i]
		if p.tx == nil {
			continue
		}
		n := len(p.tx.Signatures)
		for _, ok := range verdicts[next : next+n] {
			if !ok {
				p.err = txErr(SignatureFailure, "a signature does not verify")
			}
		}
		next += n
		if p.err != nil {
			continue
		}
		replay := false
		if blk.blockhashRecent(p.tx.Message.RecentBlockhash) {
			var err error
			if replay, err = ledger.processed(bs, p.tx.Message.RecentBlockhash, p.msgHash); err != nil {
				return nil, err
			}
		}
		if _, dup := seen[p.msgHash]; dup || replay || (e.status != nil && e.status.Processed(p.tx.Signature(), p.msgHash)) {
			p.err = txErr(AlreadyProcessed, "this transaction has already been processed")
			continue
		}
		seen[p.msgHash] = struct{}{}
		if err := e.resolveKeys(bs, blk, p); err != nil {
			return nil, err
		}
	}
	return prepared, nil
}

func sanitizeError(err error) *TransactionError {
	kind := SanitizeFailure
	switch {
	case errors.Is(err, sol.ErrDuplicateKey):
		kind = AccountLoadedTwice
	case errors.Is(err, sol.ErrUnsupportedVersion):
		kind = UnsupportedVersion
	}
	return txErr(kind, err.Error())
}

// resolveKeys builds the full key list with signer and writable flags, and
// gives every key a slot.
func (e *Executor) resolveKeys(bs *batchState, blk *BlockContext, p *preparedTx) error {
	m := &p.tx.Message
	keys := m.AccountKeys
	if len(m.AddressTableLookups) > 0 {
		w, r, terr, err := resolveLookups(m, blk.Slot, bs.read)
		if err != nil {
			return err
		}
		if terr != nil {
			p.err = terr
			return nil
		}
		keys = append(append(append(make([]sol.Pubkey, 0, len(keys)+len(w)+len(r)), keys...), w...), r...)
		for i := len(m.AccountKeys); i < len(keys); i++ {
			for j := 0; j < i; j++ {
				if keys[i] == keys[j] {
					p.err = txErr(AccountLoadedTwice, fmt.Sprintf("%s is loaded twice", keys[i]))
					return nil
				}
			}
		}
	}
	p.keys = keys
	n := len(keys)
	flags := make([]bool, 2*n)
	p.signer, p.writable = flags[:n:n], flags[n:]
	p.slots = make([]int, n)
	upgradeableLoaderPresent := false
	for _, k := range keys {
		if k == BPFLoaderUpgradeableID {
			upgradeableLoaderPresent = true
		}
	}
	for i, k := range keys {
		p.signer[i] = m.IsSigner(i)
		p.writable[i] = m.IsWritableByHeader(i) && !isReservedKey(k) &&
			!(isCalledAsProgram(m, i) && !upgradeableLoaderPresent)
		p.slots[i] = bs.slotOf(k)
	}
	return nil
}

func isCalledAsProgram(m *sol.Message, i int) bool {
	for j := range m.Instructions {
		if int(m.Instructions[j].ProgramIDIndex) == i {
			return true
		}
	}
	return false
}

// schedule runs every executable transaction once, respecting the order of
// any two that share an account where at least one writes it.
func (e *Executor) schedule(prepared []preparedTx, slots int, run func(int) error) error {
	if e.parallelism <= 1 {
		for i := range prepared {
			if err := run(i); err != nil {
				return err
			}
		}
		return nil
	}
	n := len(prepared)
	if n == 0 {
		return nil
	}
	deps := make([]int32, n)
	dependents := make([][]int32, n)
	// Per account slot: the last transaction that writes it (-1: none yet)
	// and the transactions that read it since.
	lastWriter := make([]int32, slots)
	for i := range lastWriter {
		lastWriter[i] = -1
	}
	readers := make([][]int32, slots)
	stamp := make([]int32, n)
	for i := range stamp {
		stamp[i] = -1
	}
	addDep := func(from, to int32) {
		if stamp[from] == to {
			return
		}
		stamp[from] = to
		deps[to]++
		dependents[from] = append(dependents[from], to)
	}
	for j := range prepared {
		p := &prepared[j]
		if p.err != nil {
			continue
		}
		jj := int32(j)
		for k, slot := range p.slots {
			if w := lastWriter[slot]; w >= 0 && w != jj {
				addDep(w, jj)
			}
			if p.writable[k] {
				for _, r := range readers[slot] {
					if r != jj {
						addDep(r, jj)
					}
				}
				lastWriter[slot] = jj
				readers[slot] = readers[slot][:0]
			} else {
				readers[slot] = append(readers[slot], jj)
			}
		}
	}
	ready := make(chan int32, n)
	for j := range deps {
		if deps[j] == 0 {
			ready <- int32(j)
		}
	}
	var (
		remaining = int32(n)
		wg        sync.WaitGroup
		errOnce   sync.Once
		firstErr  error
	)
	for w := 0; w < e.parallelism; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ready {
				if err := run(int(j)); err != nil {
					errOnce.Do(func() { firstErr = err })
				}
				for _, d := range dependents[j] {
					if atomic.AddInt32(&deps[d], -1) == 0 {
						ready <- d
					}
				}
				if atomic.AddInt32(&remaining, -1) == 0 {
					close(ready)
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// collectWrites returns the batch's changed accounts in ascending key order.
// It sorts the slots' indices, not the writes, which are large to move.
func (b *batchState) collectWrites() []AccountWrite {
	var changed []int32
	for i, a := range b.slots {
		if a != nil {
			changed = append(changed, int32(i))
		}
	}
	if len(changed) == 0 {
		return nil
	}
	slices.SortFunc(changed, func(i, j int32) int { return compareKeys(&b.keys[i], &b.keys[j]) })
	w := make([]AccountWrite, len(changed))
	for k, i := range changed {
		w[k] = AccountWrite{Key: b.keys[i], Account: *b.slots[i]}
	}
	return w
}

func sortWrites(w []AccountWrite) {
	slices.SortFunc(w, func(a, b AccountWrite) int { return compareKeys(&a.Key, &b.Key) })
}

// compareKeys orders keys as bytes.Compare does, deciding most pairs on
// their first eight bytes read as one big-endian word.
func compareKeys(a, b *sol.Pubkey) int {
	if x, y := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8]); x != y {
		if x < y {
			return -1
		}
		return 1
	}
	return bytes.Compare(a[8:], b[8:])
}

// parallelFor calls f(i) for i in [0,n) on up to workers goroutines.
func parallelFor(n, workers int, f func(int)) {
	if workers <= 1 || n < 64 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var next int64 = -1
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(atomic.AddInt64(&next, 1))
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}
