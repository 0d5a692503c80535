package rpcnode

import (
	"context"
	"time"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// rebroadcastAfter is how long an accepted transaction may go without
// landing before it is forwarded to the committee again (and again after
// as long, until its blockhash expires). A change of committee forwards
// every one at once: the pools that hold them may no longer schedule.
const rebroadcastAfter = 10 * time.Second

// maxTracked bounds the accepted transactions followed until they land.
const maxTracked = 1 << 16

// sentTx is an accepted transaction not seen landed yet.
type sentTx struct {
	raw     []byte
	last    time.Time // handed to the committee
	expires uint64    // the last slot whose block may hold it
}

// track follows an accepted transaction until it lands or expires.
func (b *Backend) track(sig sol.Signature, tx *sol.Transaction, raw []byte) {
	b.mu.RLock()
	r, ok := b.rounds[tx.Message.RecentBlockhash]
	if !ok {
		r = b.slot // a durable nonce: the window from now
	}
	b.mu.RUnlock()
	b.sentMu.Lock()
	defer b.sentMu.Unlock()
	if len(b.sent) < maxTracked {
		b.sent[sig] = &sentTx{raw: raw, last: time.Now(), expires: r + svm.MaxRecentBlockhashes}
	}
}

// rebroadcast forwards the accepted transactions that have not landed:
// all of them when the committee changed, else those waiting longer than
// rebroadcastAfter. It forgets those that landed or expired. One forward
// runs at a time, off the indexing goroutine.
func (f *follower) rebroadcast(ctx context.Context, committeeChanged bool) {
	b := f.b
	if b.forward == nil {
		return
	}
	slot := b.Slot(0)
	now := time.Now()
	var due [][]byte
	b.sentMu.Lock()
	for sig, s := range b.sent {
		if _, landed, _ := b.ledger.Transaction(sig); landed || slot > s.expires {
			delete(b.sent, sig)
			continue
		}
		if committeeChanged || now.Sub(s.last) >= rebroadcastAfter {
			s.last = now
			due = append(due, s.raw)
		}
	}
	b.sentMu.Unlock()
	if len(due) == 0 || !f.forwarding.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer f.forwarding.Store(false)
		for len(due) > 0 {
			n := min(len(due), 1024)
			fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			err := b.forward(fctx, due[:n])
			cancel()
			if err != nil {
				b.cfg.Logger.Debug("rebroadcasting transactions", "count", n, "err", err)
			}
			due = due[n:]
		}
	}()
}
