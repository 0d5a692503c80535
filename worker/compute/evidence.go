package compute

import (
	"context"
	"time"

	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/worker/p2p"
)

// EvidenceSubmitter is a Chain that also carries equivocation evidence to
// the roothash. A worker whose Chain is one reports every scheduler it sees
// sign two different proposals for one round; HostChain is one.
type EvidenceSubmitter interface {
	// SubmitEvidence submits e in a roothash.SubmitEvidence consensus
	// transaction signed by signer.
	SubmitEvidence(ctx context.Context, signer *signature.Signer, e *roothash.EquivocationBody) error
}

// SubmitEvidence implements EvidenceSubmitter.
func (c *HostChain) SubmitEvidence(ctx context.Context, signer *signature.Signer, e *roothash.EquivocationBody) error {
	return c.h.Submit(ctx, signer, roothash.MethodSubmitEvidence, e)
}

// equivocation names a scheduler caught signing two proposals for a round.
type equivocation struct {
	round     uint64
	scheduler signature.PublicKey
}

// noteEquivocationLocked reports, once per scheduler and round, that m and
// an earlier kept proposal in ps of the same scheduler and round differ
// (both signatures already verified). Proposals for the round after the
// pending one are judged when it becomes pending (see
// noteEquivocationsLocked): the roothash takes evidence only for the
// pending round and finalized ones. Its own proposals are not judged: a
// worker misbehaving on purpose in a test does not accuse itself. Called
// with w.mu held.
func (w *Worker) noteEquivocationLocked(ps []*p2p.ProposalMsg, m *p2p.ProposalMsg) {
	s := m.Proposal.Scheduler
	if s == w.me() || m.Proposal.Proposal.Round > w.round {
		return
	}
	es, ok := w.cfg.Chain.(EvidenceSubmitter)
	if !ok {
		return
	}
	for _, q := range ps {
		if q.Proposal.Scheduler != s || q.Proposal == m.Proposal {
			continue
		}
		k := equivocation{round: m.Proposal.Proposal.Round, scheduler: s}
		if w.reported[k] {
			return
		}
		w.reported[k] = true
		e := &roothash.EquivocationBody{A: q.Proposal, B: m.Proposal}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := es.SubmitEvidence(ctx, w.cfg.Identity, e); err != nil {
				// Another worker may have been first: the roothash punishes
				// an equivocation once.
				w.log.Info("submitting equivocation evidence", "round", k.round, "scheduler", s.String()[:8], "err", err)
				return
			}
			w.log.Warn("scheduler equivocated: evidence submitted", "round", k.round, "scheduler", s.String()[:8])
		}()
		return
	}
}

// noteEquivocationsLocked judges the proposals kept for round, which just
// became pending. Called with w.mu held.
func (w *Worker) noteEquivocationsLocked(round uint64) {
	ps := w.proposals[round]
	for i := range ps {
		w.noteEquivocationLocked(ps[:i], ps[i])
	}
}
