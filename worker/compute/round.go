package compute

import (
	"context"
	"errors"
	"fmt"
	"time"

	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/worker/p2p"
)

// Errors of proposal handling.
var (
	ErrBadProposal = errors.New("compute: invalid proposal")
	ErrStale       = errors.New("compute: proposal for a past round")
)

// Bounds of what one round's proposals may hold in memory. A runaway
// scheduler sends many: it fills its own quota only, so the proposals of
// the other schedulers (this worker's own among them) still find room.
const (
	maxProposalsPerScheduler = 4
	maxProposalsPerRound     = 64
)

// maybePropose proposes the round's batch when this worker's rank allows
// it: rank 0 once the pool holds a full batch or the flush timeout passed
// (an empty batch then, so idle rounds advance), rank k>0 after
// k × ProposerTimeout blocks without a round.
func (w *Worker) maybePropose(ctx context.Context, v *View, round uint64, k int) error {
	w.mu.Lock()
	already, seen := w.proposed[round], w.roundSeen
	// A backup scheduler whose worker already runs a better-ranked
	// proposal of this round has nothing to add: its batch would only be
	// shipped to every peer and dropped.
	superseded := k > 0 && (w.execs[round] != nil || w.done[round])
	w.mu.Unlock()
	if w.faults().Runaway {
		return w.runaway(ctx, v, round)
	}
	if already || superseded || v.Discrepancy || !v.mayPropose(k) {
		return nil
	}
	ex := v.Runtime.Executor
	if k == 0 && uint64(w.cfg.Pool.Len()) < ex.MaxBatchSize && time.Since(seen) < time.Duration(ex.BatchFlushTimeout)*time.Millisecond {
		// Not due yet; make sure to look again when it is.
		time.AfterFunc(time.Duration(ex.BatchFlushTimeout)*time.Millisecond-time.Since(seen), w.wake)
		return nil
	}
	return w.propose(ctx, v, round, w.cfg.Pool.Batch(int(ex.MaxBatchSize)), v.Latest.Hash())
}

// runaway proposes a fresh batch for this round and two for the next at
// every step.
func (w *Worker) runaway(ctx context.Context, v *View, round uint64) error {
	w.mu.Lock()
	w.runaways++
	n := w.runaways
	w.mu.Unlock()
	batch := w.cfg.Pool.Batch(int(v.Runtime.Executor.MaxBatchSize))
	if n%2 == 0 && len(batch) > 0 {
		batch = batch[:len(batch)-1]
	}
	return errors.Join(w.propose(ctx, v, round, batch, v.Latest.Hash()),
		w.propose(ctx, v, round+1, batch, roothash.Hash{byte(n)}), w.propose(ctx, v, round+1, batch, roothash.Hash{byte(n), 1}))
}

func (w *Worker) propose(ctx context.Context, v *View, round uint64, txs [][]byte, prev roothash.Hash) error {
	if txs == nil {
		txs = [][]byte{}
	}
	bh := roothash.BatchHash(txs)
	if w.faults().InvalidBatchHash {
		bh[0] ^= 0xff
	}
	sp := roothash.SignProposal(w.cfg.Identity, w.cfg.Chain.ChainContext(), roothash.Proposal{Namespace: w.cfg.Runtime, Round: round, PreviousHash: prev, BatchHash: bh})
	msg := &p2p.ProposalMsg{Proposal: sp, Txs: txs}
	w.mu.Lock()
	w.proposed[round] = true
	w.mu.Unlock()
	w.log.Debug("proposing", "round", round, "txs", len(txs))
	_ = w.addProposal(msg)
	// Peers receive the batch in parallel and in the background: it is
	// the largest message of a round, and this worker executes it
	// meanwhile instead of after the slowest peer took it.
	for _, id := range append(append([]signature.PublicKey{}, v.Workers...), v.Backups...) {
		if id == w.me() {
			continue
		}
		p, ok := v.peer(id)
		if !ok {
			continue
		}
		go func() {
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if err := w.cfg.P2P.Propose(cctx, p, msg); err != nil && ctx.Err() == nil {
				w.log.Warn("sending proposal failed", "round", round, "peer", p.Addr, "err", err)
			}
		}()
	}
	return nil
}

// addProposal keeps a proposal whose signature verifies and whose batch
// hashes to its BatchHash; whether its scheduler may propose is judged
// against the view when the round is worked on.
func (w *Worker) addProposal(m *p2p.ProposalMsg) error {
	p := &m.Proposal.Proposal
	if p.Namespace != w.cfg.Runtime {
		return fmt.Errorf("%w: runtime %s", ErrBadProposal, p.Namespace)
	}
	if err := m.Proposal.Verify(w.cfg.Chain.ChainContext()); err != nil {
		return fmt.Errorf("%w: %w", ErrBadProposal, err)
	}
	if roothash.BatchHash(m.Txs) != p.BatchHash {
		return fmt.Errorf("%w: transactions do not hash to the batch hash", ErrBadProposal)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if p.Round < w.round {
		return ErrStale
	}
	if p.Round > w.round+1 && w.round != 0 {
		return fmt.Errorf("%w: round %d is too far ahead of %d", ErrBadProposal, p.Round, w.round)
	}
	ps := w.proposals[p.Round]
	mine := 0
	for _, q := range ps {
		if q.Proposal == m.Proposal {
			return nil
		}
		if q.Proposal.Scheduler == m.Proposal.Scheduler {
			mine++
		}
	}
	// A second proposal of one scheduler for one round is evidence even
	// when its quota refuses to keep it.
	w.noteEquivocationLocked(ps, m)
	if mine >= maxProposalsPerScheduler || (len(ps) >= maxProposalsPerRound && m.Proposal.Scheduler != w.me()) {
		return fmt.Errorf("%w: too many proposals for round %d", ErrBadProposal, p.Round)
	}
	w.proposals[p.Round] = append(ps, m)
	go w.wake()
	return nil
}

// accepted returns the proposal a worker executes in round: the one it
// already executed, or the first valid proposal of the best-ranked
// scheduler allowed to propose at the view's height.
func (w *Worker) accepted(v *View, round uint64) *p2p.ProposalMsg {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done[round] {
		return nil
	}
	if e := w.execs[round]; e != nil {
		return e.proposal
	}
	var best *p2p.ProposalMsg
	bestRank := -1
	for _, m := range w.proposals[round] {
		p := &m.Proposal.Proposal
		if p.PreviousHash != v.Latest.Hash() {
			continue
		}
		k := v.schedulerRank(round, m.Proposal.Scheduler)
		if !v.mayPropose(k) {
			continue
		}
		if best == nil || k < bestRank {
			best, bestRank = m, k
		}
	}
	return best
}

// locked returns the proposal the roothash locked the round to, if this
// backup received it.
func (w *Worker) locked(v *View, round uint64) *p2p.ProposalMsg {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done[round] {
		return nil
	}
	matches := func(m *p2p.ProposalMsg) bool {
		return m.Proposal.Scheduler == v.Locked.Scheduler && m.Proposal.Proposal.BatchHash == v.Locked.BatchHash &&
			m.Proposal.Proposal.PreviousHash == v.Latest.Hash()
	}
	if e := w.execs[round]; e != nil && matches(e.proposal) {
		return e.proposal
	}
	for _, m := range w.proposals[round] {
		if matches(m) {
			return m
		}
	}
	return nil
}
