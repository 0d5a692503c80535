package compute

import (
	"context"
	"errors"
	"time"

	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/worker/p2p"
	"github.com/atoll-dev/atoll/worker/txpool"
)

// Admit checks tx into the pool and gossips it to the committee, like
// SubmitTx, but returns once it is admitted instead of waiting for its
// round: the Solana JSON-RPC answers sendTransaction this way and learns the
// outcome from the finalized rounds. A transaction already pooled is not an
// error.
func (w *Worker) Admit(ctx context.Context, tx []byte) error {
	if err := w.admit(ctx, tx, txpool.HashOf(tx), true); err != nil && !errors.Is(err, txpool.ErrDuplicate) {
		return err
	}
	return nil
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
