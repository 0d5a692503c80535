package rpcnode

import (
	"fmt"
	"time"

	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// preflightWindow is how long a batch of preflights waits for more
// sendTransaction calls once more than one is waiting. Most of a lone
// preflight's cost is the block's setup (sysvars, the status ledger's
// expiry over the recent blockhashes), which a batch pays once.
const preflightWindow = time.Millisecond

// maxPreflightBatch bounds the transactions one preflight batch runs.
const maxPreflightBatch = 256

// preflightReq is one sendTransaction's preflight.
type preflightReq struct {
	tx   *sol.Transaction
	raw  []byte
	res  *rpc.SimulateResult
	err  error
	done chan struct{}
}

// preflight runs tx as the runtime would in the round after the newest
// finalized one, without checking its signatures (the pool does), batched
// with the preflights of concurrent calls whose transactions touch none of
// its writable accounts and write none of its accounts: executed together,
// each has the outcome it would have alone. No goroutine is kept: the first
// caller to find no batch under way runs batches for everyone queued.
//
// A preflight does not read the runtime's status ledger entry of the
// transaction's blockhash: under load that entry lists every transaction
// naming the blockhash, and the engine decodes, merges and re-encodes it
// for each execution. The preflight's replay check is the node's own
// ledger (SendTransaction answers a landed signature before the
// preflight); a message re-signed after it landed passes the preflight and
// is refused by the runtime when executed, without a fee.
func (b *Backend) preflight(tx *sol.Transaction, raw []byte) (*rpc.SimulateResult, error) {
	r := &preflightReq{tx: tx, raw: raw, done: make(chan struct{})}
	b.pfMu.Lock()
	b.pfQueue = append(b.pfQueue, r)
	lead := !b.pfLeading
	b.pfLeading = true
	b.pfMu.Unlock()
	if lead {
		b.leadPreflights(r)
	}
	<-r.done
	return r.res, r.err
}

// leadPreflights runs queued preflights batch by batch until the queue is
// empty or, once own is answered, hands the rest to a new goroutine (whose
// own request never completes, so it leads until the queue is empty).
func (b *Backend) leadPreflights(own *preflightReq) {
	for {
		select {
		case <-own.done:
			b.pfMu.Lock()
			if len(b.pfQueue) == 0 {
				b.pfLeading = false
			} else {
				go b.leadPreflights(&preflightReq{done: make(chan struct{})})
			}
			b.pfMu.Unlock()
			return
		default:
		}
		b.pfMu.Lock()
		n := len(b.pfQueue)
		b.pfMu.Unlock()
		if n > 1 && n < maxPreflightBatch {
			time.Sleep(preflightWindow)
		}
		b.pfMu.Lock()
		if len(b.pfQueue) == 0 {
			b.pfLeading = false
			b.pfMu.Unlock()
			return
		}
		k := min(len(b.pfQueue), maxPreflightBatch)
		batch := b.pfQueue[:k:k]
		b.pfQueue = b.pfQueue[k:]
		if len(b.pfQueue) == 0 {
			b.pfQueue = nil
		}
		b.pfMu.Unlock()
		for _, g := range disjointGroups(batch) {
			b.runPreflights(g)
		}
	}
}

// txKeys are a transaction's static account keys, split by whether the
// header lets them be written (a superset of what execution writes).
type txKeys struct {
	all, writable []sol.Pubkey
}

func keysOf(tx *sol.Transaction) txKeys {
	m := &tx.Message
	var k txKeys
	for i, key := range m.AccountKeys {
		k.all = append(k.all, key)
		if m.IsWritableByHeader(i) {
			k.writable = append(k.writable, key)
		}
	}
	return k
}

// disjointGroups splits reqs, in order, into groups within which no
// transaction writes an account another one reads or writes. A
// transaction loading accounts from lookup tables, whose keys are known
// only once resolved, runs alone.
func disjointGroups(reqs []*preflightReq) [][]*preflightReq {
	type group struct {
		reqs          []*preflightReq
		all, writable map[sol.Pubkey]bool
		solo          bool
	}
	var groups []*group
	for _, r := range reqs {
		if r.tx.Message.NumLookupKeys() > 0 {
			groups = append(groups, &group{reqs: []*preflightReq{r}, solo: true})
			continue
		}
		k := keysOf(r.tx)
		var into *group
		for _, g := range groups {
			if g.solo || len(g.reqs) >= maxPreflightBatch {
				continue
			}
			clash := false
			for _, key := range k.writable {
				clash = clash || g.all[key]
			}
			for _, key := range k.all {
				clash = clash || g.writable[key]
			}
			if !clash {
				into = g
				break
			}
		}
		if into == nil {
			into = &group{all: map[sol.Pubkey]bool{}, writable: map[sol.Pubkey]bool{}}
			groups = append(groups, into)
		}
		into.reqs = append(into.reqs, r)
		for _, key := range k.all {
			into.all[key] = true
		}
		for _, key := range k.writable {
			into.writable[key] = true
		}
	}
	out := make([][]*preflightReq, len(groups))
	for i, g := range groups {
		out[i] = g.reqs
	}
	return out
}

// runPreflights executes a group in one batch over the finalized state and
// answers each request.
func (b *Backend) runPreflights(g []*preflightReq) {
	answer := func(err error) {
		for _, r := range g {
			r.err = err
			close(r.done)
		}
	}
	b.mu.RLock()
	if !b.ready {
		b.mu.RUnlock()
		answer(fmt.Errorf("%w: %w", rpc.ErrNodeUnhealthy, ErrNotReady))
		return
	}
	s, state, ts := b.slot, b.state, b.time
	b.mu.RUnlock()
	hashes, features, err := b.blockInputs(s, state)
	if err != nil {
		answer(err)
		return
	}
	hidden := map[sol.Pubkey]bool{}
	raws := make([][]byte, len(g))
	for i, r := range g {
		hidden[svm.StatusAccountID(r.tx.Message.RecentBlockhash)] = true
		raws[i] = r.raw
	}
	view := withoutStatus{readOnly{state}, hidden}
	blk := &svm.BlockContext{Slot: s + 1, Epoch: b.epochOf(s + 1), UnixTimestamp: ts, RecentBlockhashes: hashes, Features: features}
	opt := append(b.opts[:len(b.opts):len(b.opts)], svm.WithoutSignatureVerification())
	out, err := svm.NewExecutor(view, opt...).ExecuteBatch(blk, raws)
	if err != nil {
		answer(err)
		return
	}
	for i, r := range g {
		r.res = &rpc.SimulateResult{Slot: s, Result: out.Results[i]}
		close(r.done)
	}
}
