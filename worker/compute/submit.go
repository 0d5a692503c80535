package compute

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/worker/p2p"
	"github.com/atoll-dev/atoll/worker/submit"
	"github.com/atoll-dev/atoll/worker/txpool"
)

// TxResult is a transaction's outcome in a finalized round.
type TxResult = submit.TxResult

var _ submit.BatchSubmitter = (*Worker)(nil)

// SubmitTx implements submit.Submitter.
func (w *Worker) SubmitTx(ctx context.Context, tx []byte) (*TxResult, error) {
	h := txpool.HashOf(tx)
	ch := make(chan outcome, 1)
	w.mu.Lock()
	w.waiters[h] = append(w.waiters[h], ch)
	w.mu.Unlock()
	defer w.dropWaiter(h, ch)
	if err := w.admit(ctx, tx, h, true); err != nil && !errors.Is(err, txpool.ErrDuplicate) {
		return nil, err
	}
	select {
	case o := <-ch:
		return o.res, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// SubmitTxs implements submit.BatchSubmitter: the batch is hashed once,
// admitted in one piece (one CheckTx, one gossip message per peer) and
// waited for on one channel, answered round by round. Repeated
// transactions in txs share their answer.
func (w *Worker) SubmitTxs(ctx context.Context, txs [][]byte, deliver func([]submit.Answer)) {
	hashes := make([]txpool.Hash, len(txs))
	// first is each distinct hash's first index; again chains the later
	// indices of a repeated transaction (-1 ends a chain).
	first := make(map[txpool.Hash]int, len(txs))
	var again []int
	for i, tx := range txs {
		h := txpool.HashOf(tx)
		hashes[i] = h
		j, dup := first[h]
		if !dup {
			first[h] = i
			continue
		}
		if again == nil {
			again = make([]int, len(txs))
			for k := range again {
				again[k] = -1
			}
		}
		for again[j] >= 0 {
			j = again[j]
		}
		again[j] = i
	}
	// Every waiter hears at most one outcome (finalized and
	// refusedOnRecheck drop a hash's waiters as they tell them), so a
	// channel with room for every distinct hash never drops one.
	ch := make(chan outcome, len(first))
	w.mu.Lock()
	for h := range first {
		w.waiters[h] = append(w.waiters[h], ch)
	}
	w.mu.Unlock()
	group := make([]submit.Answer, 0, len(txs))
	answer := func(h txpool.Hash, res *TxResult, err error) {
		i, ok := first[h]
		if !ok {
			return
		}
		delete(first, h)
		for ; i >= 0; i = nextRepeat(again, i) {
			group = append(group, submit.Answer{Index: i, Result: res, Err: err})
		}
	}
	flush := func() {
		if len(group) > 0 {
			deliver(group)
			group = group[:0]
		}
	}
	defer func() {
		// Whatever is still waiting stops: the request ended.
		w.mu.Lock()
		for h := range first {
			w.dropWaiterLocked(h, ch)
		}
		w.mu.Unlock()
		for h := range first {
			answer(h, nil, ctx.Err())
		}
		flush()
	}()
	var errs []error
	select {
	case errs = <-w.enqueue(txs, hashes, true):
	case <-ctx.Done():
		return
	}
	var refused []txpool.Hash
	for i, err := range errs {
		if err != nil && !errors.Is(err, txpool.ErrDuplicate) {
			if _, waiting := first[hashes[i]]; waiting {
				refused = append(refused, hashes[i])
				answer(hashes[i], nil, err)
			}
		}
	}
	if len(refused) > 0 {
		w.mu.Lock()
		for _, h := range refused {
			w.dropWaiterLocked(h, ch)
		}
		w.mu.Unlock()
		flush()
	}
	for len(first) > 0 {
		select {
		case o := <-ch:
			answer(o.h, o.res, o.err)
		ready:
			for {
				select {
				case o := <-ch:
					answer(o.h, o.res, o.err)
				default:
					break ready
				}
			}
			flush()
		case <-ctx.Done():
			return
		}
	}
}

// nextRepeat is the index after i of the transaction repeated at i, or -1.
func nextRepeat(again []int, i int) int {
	if again == nil {
		return -1
	}
	return again[i]
}

// outcome is what a submitter waiting for transaction h hears: its result
// in a finalized round, or why it will not get one.
type outcome struct {
	h   txpool.Hash
	res *TxResult
	err error
}

// ErrRefusedOnRecheck is the answer to a submitter whose pooled
// transaction the runtime refused when the pool checked it again (its
// blockhash expired, its fee payer can no longer pay): it will not land.
var ErrRefusedOnRecheck = errors.New("compute: the runtime refuses the pooled transaction now")

// refusedOnRecheck tells the submitters waiting for transaction h that it
// left the pool without landing.
func (w *Worker) refusedOnRecheck(h txpool.Hash, message string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.tellLocked(h, outcome{h: h, err: fmt.Errorf("%w: %s", ErrRefusedOnRecheck, message)})
}

// tellLocked hands o to every waiter of h and forgets them: a waiter hears
// one outcome, the first.
func (w *Worker) tellLocked(h txpool.Hash, o outcome) {
	for _, ch := range w.waiters[h] {
		select {
		case ch <- o:
		default:
		}
	}
	delete(w.waiters, h)
}

func (w *Worker) dropWaiter(h txpool.Hash, ch chan outcome) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dropWaiterLocked(h, ch)
}

func (w *Worker) dropWaiterLocked(h txpool.Hash, ch chan outcome) {
	ws := w.waiters[h]
	for i := range ws {
		if ws[i] == ch {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(w.waiters, h)
	} else {
		w.waiters[h] = ws
	}
}

// P2PHandler is the worker's handler of executor messages, to register
// with p2p.Server.HandleCompute.
func (w *Worker) P2PHandler() p2p.ComputeHandler { return p2pHandler{w} }

type p2pHandler struct{ w *Worker }

// SubmitTx admits transactions gossiped by a peer (without gossiping them
// further), as one admission. Transactions the runtime refuses are dropped
// silently: the sender's pool admitted them against its own view, which
// may differ.
func (h p2pHandler) SubmitTx(ctx context.Context, _ signature.PublicKey, m *p2p.TxMsg) error {
	if m.Runtime != h.w.cfg.Runtime {
		return fmt.Errorf("compute: runtime %s is not %s", m.Runtime, h.w.cfg.Runtime)
	}
	if len(m.Txs) == 0 {
		return nil
	}
	select {
	case <-h.w.enqueueFrom(m.Txs, nil, false, true):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Propose delivers a proposal and its batch.
func (h p2pHandler) Propose(_ context.Context, _ signature.PublicKey, m *p2p.ProposalMsg) error {
	return h.w.addProposal(m)
}

// admission is transactions waiting to be checked into the pool together:
// one submission, a batch submission, or one gossip message.
type admission struct {
	txs    [][]byte
	hashes []txpool.Hash // HashOf(txs[i]); nil when not computed yet
	gossip bool
	// relay marks gossip from a peer: this node passes it on to the
	// committee when it is not a worker itself. The peer's view may have
	// been older (it sent to the committee it knew), and a node outside
	// the committee never proposes what it pools.
	relay bool
	done  chan []error // buffered: one error per transaction, sent once
}

// maxAdmitBatch bounds how many queued transactions one CheckTx call takes.
const maxAdmitBatch = 1024

// admit checks tx (whose pool hash is h) into the pool (and, with gossip,
// sends it to the other workers of the committee), batched with whatever
// else is waiting.
func (w *Worker) admit(ctx context.Context, tx []byte, h txpool.Hash, gossip bool) error {
	select {
	case errs := <-w.enqueue([][]byte{tx}, []txpool.Hash{h}, gossip):
		return errs[0]
	case <-ctx.Done():
		return ctx.Err()
	}
}

// enqueue queues txs for admission; the channel hears one error per
// transaction.
func (w *Worker) enqueue(txs [][]byte, hashes []txpool.Hash, gossip bool) chan []error {
	return w.enqueueFrom(txs, hashes, gossip, false)
}

// enqueueFrom is enqueue with the admission's relay flag.
func (w *Worker) enqueueFrom(txs [][]byte, hashes []txpool.Hash, gossip, relay bool) chan []error {
	w.admitOnce.Do(func() {
		w.admitQ = make(chan admission, maxAdmitBatch)
		go w.admitter()
	})
	done := make(chan []error, 1)
	w.admitQ <- admission{txs: txs, hashes: hashes, gossip: gossip, relay: relay, done: done}
	return done
}

// admitter drains the admission queue: every transaction waiting when it
// wakes goes into one CheckTx call per maxAdmitBatch transactions (one
// proof of all fee payers, one batch signature verification) and one
// gossip message per peer.
func (w *Worker) admitter() {
	for first := range w.admitQ {
		batch := []admission{first}
		n := len(first.txs)
	drain:
		for n < maxAdmitBatch {
			select {
			case a := <-w.admitQ:
				batch = append(batch, a)
				n += len(a.txs)
			default:
				break drain
			}
		}
		w.admitBatch(batch, n)
	}
}

// admitBatch admits the n transactions of batch.
func (w *Worker) admitBatch(batch []admission, n int) {
	errs := make([]error, n)
	defer func() {
		off := 0
		for _, a := range batch {
			a.done <- errs[off : off+len(a.txs) : off+len(a.txs)]
			off += len(a.txs)
		}
	}()
	fail := func(err error) {
		for i := range errs {
			errs[i] = err
		}
	}
	w.mu.Lock()
	v := w.view
	w.mu.Unlock()
	if v == nil {
		fail(errors.New("compute: worker has not seen the chain yet"))
		return
	}
	_, root, ok := w.cfg.Replica.Round()
	if !ok {
		fail(errors.New("compute: worker holds no state yet"))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bc, err := w.blockContext(ctx, v)
	if err != nil {
		fail(err)
		return
	}
	txs := make([][]byte, 0, n)
	hashes := make([]txpool.Hash, 0, n)
	for _, a := range batch {
		txs = append(txs, a.txs...)
		if a.hashes != nil {
			hashes = append(hashes, a.hashes...)
			continue
		}
		for _, tx := range a.txs {
			hashes = append(hashes, txpool.HashOf(tx))
		}
	}
	for from := 0; from < n; from += maxAdmitBatch {
		to := min(from+maxAdmitBatch, n)
		chunk, err := w.cfg.Pool.AddHashed(ctx, rhp.Root{Version: root.Version, Hash: rhp.Hash(root.Hash)}, bc, txs[from:to], hashes[from:to])
		if err != nil {
			for i := from; i < to; i++ {
				errs[i] = err
			}
			continue
		}
		copy(errs[from:to], chunk)
	}
	// Pooled transactions only: a duplicate is not sent on again, so
	// relays between nodes with different views end.
	member := indexOf(v.Workers, w.me()) >= 0
	var gossip [][]byte
	off := 0
	for _, a := range batch {
		if a.gossip || (a.relay && !member) {
			for i := range a.txs {
				if errs[off+i] == nil {
					gossip = append(gossip, a.txs[i])
				}
			}
		}
		off += len(a.txs)
	}
	if len(gossip) == 0 {
		return
	}
	for _, id := range v.Workers {
		if id == w.me() {
			continue
		}
		if p, ok := v.peer(id); ok {
			go func(p p2p.Peer) {
				for from := 0; from < len(gossip); from += p2p.MaxGossipTxs {
					msg := &p2p.TxMsg{Runtime: w.cfg.Runtime, Txs: gossip[from:min(from+p2p.MaxGossipTxs, len(gossip))]}
					cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					err := w.cfg.P2P.SubmitTx(cctx, p, msg)
					cancel()
					if err != nil {
						w.log.Debug("gossip failed", "peer", p.Addr, "err", err)
					}
				}
			}(p)
		}
	}
}

// finalized reads round's transactions and results (the SVM runtime's IO
// layout: hosted.TxKey/ResultKey, values hosted.Result) from the IO write
// log the replica just applied, or else from the committed IO tree: it
// drops them from the pool, then answers the clients waiting for them (in
// that order, so that a client resubmitting on an answer is not taken for
// a duplicate of the pooled copy). Only results someone waits for are
// decoded. Replays are refused by the runtime itself, from state.
func (w *Worker) finalized(round uint64) error {
	txs, raws, err := w.roundIO(round)
	if err != nil {
		return err
	}
	if len(raws) != len(txs) {
		return fmt.Errorf("compute: round %d has %d transactions and %d results", round, len(txs), len(raws))
	}
	hashes := make([]txpool.Hash, len(txs))
	for i, tx := range txs {
		hashes[i] = txpool.HashOf(tx)
	}
	w.cfg.Pool.RemoveHashes(hashes)
	// Results are decoded outside the lock that submitters need, for the
	// transactions someone waits for now; a waiter that arrives meanwhile
	// has its result decoded under the lock.
	w.mu.Lock()
	var wanted []int
	for i, h := range hashes {
		if len(w.waiters[h]) > 0 {
			wanted = append(wanted, i)
		}
	}
	w.mu.Unlock()
	if len(wanted) == 0 {
		return nil
	}
	decoded := make([]*TxResult, len(hashes))
	for _, i := range wanted {
		res, err := decodeResult(round, raws[i])
		if err != nil {
			return fmt.Errorf("compute: result %d of round %d: %w", i, round, err)
		}
		decoded[i] = res
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, h := range hashes {
		if len(w.waiters[h]) == 0 {
			continue
		}
		res := decoded[i]
		if res == nil {
			var err error
			if res, err = decodeResult(round, raws[i]); err != nil {
				return fmt.Errorf("compute: result %d of round %d: %w", i, round, err)
			}
		}
		w.tellLocked(h, outcome{h: h, res: res})
	}
	return nil
}

// roundIO returns round's transactions and encoded results, by batch
// index.
func (w *Worker) roundIO(round uint64) (txs, results [][]byte, err error) {
	if wl, ok := w.cfg.Replica.FinalizedIOLog(round); ok {
		// The log is sorted by key: each kind's entries are contiguous and
		// in batch order, as an iterator would yield them.
		txPrefix, resPrefix := hosted.TxKey(0)[:1], hosted.ResultKey(0)[:1]
		for _, e := range wl {
			switch {
			case e.Deleted:
			case bytes.HasPrefix(e.Key, txPrefix):
				txs = append(txs, e.Value)
			case bytes.HasPrefix(e.Key, resPrefix):
				results = append(results, e.Value)
			}
		}
		return txs, results, nil
	}
	kv := w.cfg.Replica.KV
	root, ok, err := kv.RootAt(mkvs.RootIO, round)
	if err != nil || !ok {
		return nil, nil, fmt.Errorf("compute: io tree of round %d: found=%v %v", round, ok, err)
	}
	t, err := kv.Tree(root)
	if err != nil {
		return nil, nil, err
	}
	// One pass over each half of the IO tree loads every node once (a Get
	// per entry walked from the root each time: a quarter of a busy
	// node's CPU).
	if txs, err = ioValues(t, hosted.TxKey(0)[:1]); err != nil {
		return nil, nil, fmt.Errorf("compute: transactions of round %d: %w", round, err)
	}
	if results, err = ioValues(t, hosted.ResultKey(0)[:1]); err != nil {
		return nil, nil, fmt.Errorf("compute: results of round %d: %w", round, err)
	}
	return txs, results, nil
}

// decodeResult turns an IO tree result into what a waiting client gets.
func decodeResult(round uint64, raw []byte) (*TxResult, error) {
	var r hosted.Result
	if err := rhp.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	res := &TxResult{Round: round, Code: hosted.CodeOK, Units: r.UnitsConsumed, Logs: r.Logs, Data: r.ReturnData}
	switch {
	case !r.Processed:
		res.Code = hosted.CodeRefused
	case r.Err != nil:
		res.Code = hosted.CodeFailed
	}
	if r.Err != nil {
		res.Error = r.TxResult().Err.Error()
	}
	return res, nil
}

// ioValues returns the values under prefix in key order (the IO tree's
// entries of one kind, by batch index). The values are copies.
func ioValues(t *mkvs.Tree, prefix []byte) ([][]byte, error) {
	var out [][]byte
	it := t.NewPrefixIterator(prefix)
	for it.First(); it.Valid(); it.Next() {
		out = append(out, bytes.Clone(it.Value()))
	}
	return out, it.Err()
}
