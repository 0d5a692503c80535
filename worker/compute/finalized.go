package compute

import (
	"bytes"
	"fmt"

	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/worker/txpool"
)

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
