package compute

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/atoll-dev/atoll/consensus/codec"
	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/worker/p2p"
	wrt "github.com/atoll-dev/atoll/worker/runtime"
)

// maxCommitAttempts bounds how often a worker submits its commitment for a
// round whose submission failed.
const maxCommitAttempts = 3

// dishonestKey is the key a WrongState worker adds: above every 32-byte
// account key, so the write log stays sorted when it is appended.
var dishonestKey = bytes.Repeat([]byte{0xff}, 33)

// executeAndCommit executes proposal m (once per round), gathers storage
// receipts and submits the commitment. Without enough receipts it returns
// and is retried at the next step with the same results.
func (w *Worker) executeAndCommit(ctx context.Context, v *View, round uint64, m *p2p.ProposalMsg) error {
	w.mu.Lock()
	e := w.execs[round]
	w.mu.Unlock()
	if e == nil {
		t0 := time.Now()
		e = w.execute(ctx, v, round, m)
		w.log.Debug("executed", "round", round, "txs", len(m.Txs), "took", time.Since(t0))
		w.mu.Lock()
		w.execs[round] = e
		w.mu.Unlock()
	}
	c := roothash.Commitment{Namespace: w.cfg.Runtime, Round: round, PreviousHash: v.Latest.Hash(), Proposal: m.Proposal}
	if e.failure {
		c.Failure = roothash.FailureUnknown
	} else {
		t0 := time.Now()
		if err := w.gatherReceipts(ctx, v, e); err != nil {
			return err
		}
		w.log.Debug("receipts gathered", "round", round, "took", time.Since(t0))
		c.Results, c.Messages = e.results, e.messages
		for _, id := range v.Storage {
			if r, ok := e.receipts[id]; ok {
				c.Receipts = append(c.Receipts, r)
			}
		}
	}
	sc := roothash.SignCommitment(w.cfg.Identity, w.cfg.Chain.ChainContext(), c)
	if w.faults().BogusCommitment {
		for i := range sc.Signature {
			sc.Signature[i] ^= 0xa5
		}
	}
	w.mu.Lock()
	w.done[round] = true
	w.mu.Unlock()
	if w.faults().Straggler {
		w.log.Debug("straggling: not committing", "round", round)
		return nil
	}
	w.log.Debug("committing", "round", round, "failure", c.Failure, "state_root", fmt.Sprintf("%x", c.Results.StateRoot[:4]))
	if err := w.cfg.Chain.SubmitCommitment(ctx, w.cfg.Identity, &sc); err != nil {
		if !w.faults().BogusCommitment {
			// Retried at the next steps, a few times (a nonce race or a
			// full mempool is transient; a rejection would only repeat).
			w.mu.Lock()
			if w.attempts[round]++; w.attempts[round] < maxCommitAttempts {
				delete(w.done, round)
			}
			w.mu.Unlock()
		}
		return fmt.Errorf("compute: committing round %d: %w", round, err)
	}
	if w.cfg.OnCommit != nil {
		w.cfg.OnCommit(&sc)
	}
	return nil
}

// execute runs the batch and verifies and stashes the results; any failure
// of the runtime, or results that do not check out, make a failure
// commitment.
func (w *Worker) execute(ctx context.Context, v *View, round uint64, m *p2p.ProposalMsg) *execution {
	e := &execution{proposal: m, receipts: map[signature.PublicKey]roothash.SignedReceipt{}}
	fail := func(err error) *execution {
		w.log.Warn("execution failed; committing a failure", "round", round, "err", err)
		e.failure = true
		return e
	}
	if w.faults().FailureIndicating {
		e.failure = true
		return e
	}
	bc, err := w.blockContext(ctx, v)
	if err != nil {
		return fail(err)
	}
	prev := rhp.Root{Version: v.Latest.Round, Hash: rhp.Hash(v.Latest.StateRoot)}
	resp, err := w.cfg.Exec.ExecuteTxBatch(ctx, &rhp.ExecuteTxBatch{Round: round, Context: bc,
		PrevRoots: rhp.Roots{State: prev, IO: rhp.Root{Version: v.Latest.Round, Hash: rhp.Hash(v.Latest.IORoot)}},
		Txs:       m.Txs, Prefetch: rhp.Prefetch{Entries: []rhp.StorageEntry{}}, Deposits: deposits(v.Deposits)})
	if err != nil {
		return fail(err)
	}
	if len(resp.Results) != len(m.Txs) {
		return fail(fmt.Errorf("%d results for %d transactions", len(resp.Results), len(m.Txs)))
	}
	for _, raw := range resp.Messages {
		var msg roothash.Message
		if err := codec.Unmarshal(raw, &msg); err != nil {
			return fail(fmt.Errorf("runtime message: %w", err))
		}
		e.messages = append(e.messages, msg)
	}
	stateLog, ioLog := wrt.FromRHPLog(resp.StateWriteLog), wrt.FromRHPLog(resp.IOWriteLog)
	stateRoot := roothash.Hash(resp.StateRoot)
	if w.faults().WrongState {
		id := w.me()
		stateLog = append(stateLog[:len(stateLog):len(stateLog)], mkvs.LogEntry{Key: dishonestKey, Value: id[:]})
		t, err := w.cfg.Replica.KV.Tree(mkvs.Root{Namespace: w.cfg.Replica.KV.Namespace(), Version: v.Latest.Round, Type: mkvs.RootState, Hash: mkvs.Hash(v.Latest.StateRoot)})
		if err == nil {
			err = t.ApplyWriteLog(stateLog)
		}
		if err != nil {
			return fail(err)
		}
		stateRoot = roothash.Hash(t.Hash())
	}
	sl, err := stateLog.MarshalBinary()
	if err != nil {
		return fail(err)
	}
	il, err := ioLog.MarshalBinary()
	if err != nil {
		return fail(err)
	}
	e.results = roothash.ComputeResults{IORoot: roothash.Hash(resp.IORoot), StateRoot: stateRoot, MessagesHash: roothash.MessagesHash(e.messages)}
	e.apply = &p2p.ApplyRequest{Runtime: w.cfg.Runtime, Round: round, PrevStateRoot: v.Latest.StateRoot, StateRoot: stateRoot, IORoot: e.results.IORoot, StateLog: sl, IOLog: il}
	// The storage peers verify the results on their own: they are asked
	// for receipts while this node verifies and stashes its copy (whatever
	// they did not answer is asked again before committing).
	peers := make(chan struct{})
	go func() {
		defer close(peers)
		w.requestReceipts(ctx, v, e, func(id signature.PublicKey) bool { return id != w.me() })
	}()
	// The runtime's roots are not taken on trust: the write logs must lead
	// to them. Stashing also lets this node commit the round once final.
	err = w.cfg.Replica.StashEncoded(round, v.Latest.StateRoot, stateRoot, roothash.Hash(resp.IORoot), stateLog, ioLog, sl, il)
	<-peers
	if err != nil {
		return fail(err)
	}
	return e
}

// gatherReceipts asks every storage member that has not yet answered for
// a receipt, in parallel, and keeps the valid ones. It fails when fewer
// than MinWriteReplication distinct members have receipted.
func (w *Worker) gatherReceipts(ctx context.Context, v *View, e *execution) error {
	need := int(v.Runtime.Storage.MinWriteReplication)
	errs := w.requestReceipts(ctx, v, e, func(signature.PublicKey) bool { return true })
	if len(e.receipts) < need {
		return fmt.Errorf("compute: %d of %d storage receipts for round %d: %v", len(e.receipts), need, e.apply.Round, errs)
	}
	return nil
}

// requestReceipts asks the storage members that ask selects and that have
// not yet answered for a receipt, in parallel, keeps the valid ones in
// e.receipts and returns the failures.
func (w *Worker) requestReceipts(ctx context.Context, v *View, e *execution, ask func(signature.PublicKey) bool) []error {
	cc := w.cfg.Chain.ChainContext()
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	for _, id := range v.Storage {
		mu.Lock()
		_, have := e.receipts[id]
		mu.Unlock()
		p, ok := v.peer(id)
		if have || !ok || !ask(id) {
			continue
		}
		// This node and the round's other executors stashed the same
		// results themselves (if they got that far): ask them for a
		// receipt by the roots alone before shipping the write logs.
		holds := id == w.me() || indexOf(v.Workers, id) >= 0
		wg.Add(1)
		go func(id signature.PublicKey, p p2p.Peer) {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			var r *roothash.SignedReceipt
			var err error
			if holds {
				rootsOnly := *e.apply
				rootsOnly.StateLog, rootsOnly.IOLog = nil, nil
				r, err = w.cfg.P2P.StorageApply(cctx, p, &rootsOnly)
			}
			if !holds || err != nil {
				r, err = w.cfg.P2P.StorageApply(cctx, p, e.apply)
			}
			if err == nil {
				err = checkReceipt(r, cc, id, e.apply)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			e.receipts[id] = *r
		}(id, p)
	}
	wg.Wait()
	return errs
}

func checkReceipt(r *roothash.SignedReceipt, cc []byte, from signature.PublicKey, a *p2p.ApplyRequest) error {
	want := roothash.Receipt{Namespace: a.Runtime, Round: a.Round, IORoot: a.IORoot, StateRoot: a.StateRoot}
	switch {
	case r.Node != from:
		return fmt.Errorf("compute: receipt from %s signed by %s", from, r.Node)
	case r.Receipt != want:
		return fmt.Errorf("compute: receipt from %s is for other results", from)
	}
	return r.Verify(cc)
}

// deposits turns the round's incoming messages into the runtime's deposits.
func deposits(in []roothash.IncomingMessage) []rhp.Deposit {
	var out []rhp.Deposit
	for _, m := range in {
		out = append(out, rhp.Deposit{ID: m.ID, Recipient: rhp.Hash(m.Recipient), Amount: m.Amount})
	}
	return out
}
