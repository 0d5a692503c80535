package rpcnode

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/worker/storage"
)

// Errors of reading a round's IO tree.
var (
	// errIOPending: the replica committed the round's state but not yet
	// its IO tree (storage.Replica.Finalize commits them one after the
	// other). Not a failure: the round is indexed once the IO tree is in.
	errIOPending = errors.New("rpcnode: io tree of the latest round not committed yet")
	// ErrIOUnavailable: neither the replica nor the storage peers hold a
	// round's IO tree.
	ErrIOUnavailable = errors.New("rpcnode: io tree not available")
)

// ioTree returns round r's IO tree (header h). When the replica lacks it,
// the round is either being finalized right now (errIOPending) or was
// never committed here (a replica restored from a checkpoint, whose
// restored round and the empty rounds carried over have no IO tree):
// then the IO write log is fetched from the storage peers and checked
// against the header.
func (b *Backend) ioTree(ctx context.Context, h *roothash.Header) (*mkvs.Tree, error) {
	r := h.Round
	root, ok, err := b.kv.RootAt(mkvs.RootIO, r)
	if err != nil {
		return nil, fmt.Errorf("rpcnode: io tree of round %d: %w", r, err)
	}
	if ok {
		if root.Hash != mkvs.Hash(h.IORoot) {
			return nil, fmt.Errorf("rpcnode: replica holds io root %s for round %d, the header says %x", root.Hash, r, h.IORoot)
		}
		return b.kv.Tree(root)
	}
	// Finalize commits a round's state, then its IO tree, under one lock:
	// once a later round's state is in, this round's IO tree never will be.
	if latest, _, ok := b.cfg.Replica.Round(); ok && latest <= r {
		return nil, errIOPending
	}
	if mkvs.Hash(h.IORoot) == mkvs.EmptyRoot {
		return mkvs.NewTree(), nil
	}
	if b.fetch == nil {
		return nil, fmt.Errorf("%w: round %d (no storage peers to ask)", ErrIOUnavailable, r)
	}
	build := func(ioLog mkvs.WriteLog) (*mkvs.Tree, error) {
		t := mkvs.NewTree()
		if err := t.ApplyWriteLog(ioLog); err != nil {
			return nil, fmt.Errorf("%w: io log: %w", storage.ErrBadResults, err)
		}
		if t.Hash() != mkvs.Hash(h.IORoot) {
			return nil, fmt.Errorf("%w: io log leads to %s, the header says %x", storage.ErrBadResults, t.Hash(), h.IORoot)
		}
		return t, nil
	}
	// A peer whose log does not lead to the header's root is passed over
	// (and reported) for the next one, where the fetcher can do that.
	if cf, ok := b.fetch.(storage.CheckingFetcher); ok {
		var t *mkvs.Tree
		err := cf.FetchDiffUntil(ctx, h, func(_, ioLog mkvs.WriteLog) (err error) {
			t, err = build(ioLog)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("%w: round %d: %w", ErrIOUnavailable, r, err)
		}
		return t, nil
	}
	_, ioLog, err := b.fetch.FetchDiff(ctx, h)
	if err != nil {
		return nil, fmt.Errorf("%w: round %d: %w", ErrIOUnavailable, r, err)
	}
	t, err := build(ioLog)
	if err != nil {
		return nil, fmt.Errorf("%w: round %d from peers: %w", ErrIOUnavailable, r, err)
	}
	return t, nil
}

// transactions reads an IO tree: the batch in order, each with its result.
// Transactions the runtime refused (not processed) are in the batch but
// not in the block, as in Solana. One pass of a prefix iterator over each
// half of the tree loads every node once.
func transactions(t *mkvs.Tree, r uint64, blockTime int64) ([]rpc.TransactionRecord, error) {
	var txs, results []mkvs.LogEntry
	for _, half := range []struct {
		prefix []byte
		into   *[]mkvs.LogEntry
	}{{hosted.TxKey(0)[:1], &txs}, {hosted.ResultKey(0)[:1], &results}} {
		it := t.NewPrefixIterator(half.prefix)
		for ok := it.First(); ok; ok = it.Next() {
			*half.into = append(*half.into, mkvs.LogEntry{Key: it.Key(), Value: it.Value()})
		}
		if err := it.Err(); err != nil {
			return nil, fmt.Errorf("rpcnode: io tree of round %d: %w", r, err)
		}
	}
	return records(txs, results, r, blockTime)
}

// logTransactions reads an IO write log (sorted by key: every result,
// then every transaction) as transactions reads the tree it builds.
func logTransactions(wl mkvs.WriteLog, r uint64, blockTime int64) ([]rpc.TransactionRecord, error) {
	tp, rp := hosted.TxKey(0)[0], hosted.ResultKey(0)[0]
	var txs, results []mkvs.LogEntry
	for _, e := range wl {
		switch {
		case e.Deleted || len(e.Key) == 0:
			return nil, fmt.Errorf("rpcnode: io log of round %d deletes %x", r, e.Key)
		case e.Key[0] == tp:
			txs = append(txs, e)
		case e.Key[0] == rp:
			results = append(results, e)
		}
	}
	return records(txs, results, r, blockTime)
}

// records pairs a batch's transactions with their results (both in key,
// so batch, order) and decodes each result only as far as the index
// needs. The values are copied.
func records(txs, results []mkvs.LogEntry, r uint64, blockTime int64) ([]rpc.TransactionRecord, error) {
	if len(txs) != len(results) {
		return nil, fmt.Errorf("rpcnode: round %d has %d transactions and %d results", r, len(txs), len(results))
	}
	out := make([]rpc.TransactionRecord, 0, len(txs))
	for i := range txs {
		if !bytes.Equal(txs[i].Key, hosted.TxKey(i)) || !bytes.Equal(results[i].Key, hosted.ResultKey(i)) {
			return nil, fmt.Errorf("rpcnode: io of round %d: entry %d is %x/%x", r, i, txs[i].Key, results[i].Key)
		}
		tx, enc := txs[i].Value, results[i].Value
		// The hand-written decoder reads a whole result faster than the
		// reflective one read the part the index needs.
		ir, err := hosted.DecodeResult(enc)
		if err != nil {
			return nil, fmt.Errorf("rpcnode: result %d of round %d: %w", i, r, err)
		}
		if !ir.Processed {
			continue
		}
		// One allocation holds both copies.
		buf := make([]byte, len(tx)+len(enc))
		copy(buf, tx)
		copy(buf[len(tx):], enc)
		rec := rpc.TransactionRecord{Slot: r, BlockTime: blockTime, Raw: buf[:len(tx):len(tx)],
			Result: svm.TxResult{Signature: ir.Signature, Processed: true, Keys: ir.Keys}, Detail: detail(buf[len(tx):])}
		if ir.Err != nil {
			rec.Result.Err = (&hosted.Result{Err: ir.Err}).TxResult().Err
		}
		out = append(out, rec)
	}
	return out, nil
}

// detail decodes a stored result in full.
func detail(enc []byte) func() (svm.TxResult, error) {
	return func() (svm.TxResult, error) {
		res, err := hosted.DecodeResult(enc)
		if err != nil {
			return svm.TxResult{}, err
		}
		return res.TxResult(), nil
	}
}
