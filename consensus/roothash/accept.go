package roothash

import (
	"fmt"

	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/signature"
)

// Sentinel errors. Each wraps the service error the application maps to a
// stable result code.
var (
	ErrNoRuntime        = fmt.Errorf("roothash: runtime not registered: %w", service.ErrNotFound)
	ErrSuspended        = fmt.Errorf("roothash: runtime suspended: %w", service.ErrInvalid)
	ErrNoCommittee      = fmt.Errorf("roothash: runtime has no committee this epoch: %w", service.ErrInvalid)
	ErrWrongRuntime     = fmt.Errorf("roothash: value is for another runtime: %w", service.ErrInvalid)
	ErrNotMember        = fmt.Errorf("roothash: node may not commit in this round: %w", service.ErrForbidden)
	ErrDuplicate        = fmt.Errorf("roothash: node already committed in this round: %w", service.ErrInvalid)
	ErrWrongRound       = fmt.Errorf("roothash: commitment is not for the pending round: %w", service.ErrInvalid)
	ErrWrongParent      = fmt.Errorf("roothash: commitment is not built on the latest block: %w", service.ErrInvalid)
	ErrBadProposal      = fmt.Errorf("roothash: bad proposal: %w", service.ErrInvalid)
	ErrProposerTooEarly = fmt.Errorf("roothash: proposer's rank may not propose yet: %w", service.ErrInvalid)
	ErrProposalLocked   = fmt.Errorf("roothash: round is locked to another proposal: %w", service.ErrInvalid)
	ErrReceipts         = fmt.Errorf("roothash: storage receipts insufficient: %w", service.ErrInvalid)
	ErrBadFailure       = fmt.Errorf("roothash: malformed failure commitment: %w", service.ErrInvalid)
	ErrBadMessages      = fmt.Errorf("roothash: bad runtime messages: %w", service.ErrInvalid)
	ErrBadSignature     = fmt.Errorf("roothash: bad signature: %w", service.ErrForbidden)
)

// Judge holds what deciding a commitment's acceptance needs: the chain,
// the height it is delivered at, the latest finalized header, the pending
// round and the runtime's parameters. It reads nothing else.
type Judge struct {
	ChainContext []byte
	Height       int64
	Runtime      *registry.Runtime
	Latest       *api.Header
	Round        *api.RoundState
	MaxMessages  uint64
}

// Check decides whether sc is acceptable in the pending round, as
// docs/replication.md states the rules: membership (W before a
// discrepancy, B during one), one commitment per node, the round and
// parent, a proposal by a worker whose rank may propose by now and that
// matches the round's lock, well-formed failure or results with their
// messages, at least MinWriteReplication receipts from distinct storage
// members for exactly its roots, and every signature. It returns the vote
// sc casts. Cheap checks run before signatures.
func (j *Judge) Check(sc *api.SignedCommitment) (api.Vote, error) {
	c, r, rt := &sc.Commitment, j.Round, j.Runtime
	vote := api.Vote{Node: sc.Node, Failure: c.Failure, Results: c.Results}
	if c.Namespace != rt.ID {
		return vote, fmt.Errorf("%w: commitment names runtime %s", ErrWrongRuntime, c.Namespace)
	}
	if len(r.Committee.Workers) == 0 {
		return vote, ErrNoCommittee
	}
	switch {
	case !r.Discrepancy && r.Committee.WorkerIndex(sc.Node) >= 0:
	case r.Discrepancy && r.Committee.IsBackup(sc.Node):
		vote.Backup = true
	case r.Discrepancy:
		return vote, fmt.Errorf("%w: %s is not a backup worker and the round is in discrepancy resolution", ErrNotMember, sc.Node)
	default:
		return vote, fmt.Errorf("%w: %s is not a worker of epoch %d", ErrNotMember, sc.Node, r.Committee.Epoch)
	}
	if r.Voted(sc.Node) {
		return vote, fmt.Errorf("%w: %s, round %d", ErrDuplicate, sc.Node, r.Round)
	}
	if c.Round != r.Round {
		return vote, fmt.Errorf("%w: round %d, pending round %d", ErrWrongRound, c.Round, r.Round)
	}
	parent := j.Latest.Hash()
	if c.PreviousHash != parent {
		return vote, fmt.Errorf("%w: previous hash %x, latest %x", ErrWrongParent, c.PreviousHash[:8], parent[:8])
	}
	if err := j.checkProposal(&c.Proposal, parent); err != nil {
		return vote, err
	}
	if err := j.checkBody(c); err != nil {
		return vote, err
	}
	if c.Failure == api.NoFailure && api.MessagesHash(c.Messages) != c.Results.MessagesHash {
		return vote, fmt.Errorf("%w: messages do not match their hash", ErrBadMessages)
	}
	// One batch for the executor's, the proposal's and every receipt's
	// signature; on failure, name the first bad one.
	for i, ok := range signature.VerifyBatch(api.CommitmentSignatures(j.ChainContext, sc)) {
		switch {
		case ok:
		case i == 0:
			return vote, fmt.Errorf("%w: commitment of %s", ErrBadSignature, sc.Node)
		case i == 1:
			return vote, fmt.Errorf("%w: proposal of %s", ErrBadSignature, c.Proposal.Scheduler)
		default:
			return vote, fmt.Errorf("%w: receipt %d of %s", ErrBadSignature, i-2, c.Receipts[i-2].Node)
		}
	}
	return vote, nil
}

func (j *Judge) checkProposal(sp *api.SignedProposal, parent api.Hash) error {
	p, r := &sp.Proposal, j.Round
	if p.Namespace != j.Runtime.ID || p.Round != r.Round || p.PreviousHash != parent {
		return fmt.Errorf("%w: proposal for runtime %s round %d does not bind this round and parent", ErrBadProposal, p.Namespace, p.Round)
	}
	if lock := r.Proposal; lock != nil {
		if lock.Scheduler != sp.Scheduler || lock.BatchHash != p.BatchHash {
			return fmt.Errorf("%w: scheduler %s batch %x, locked to %s batch %x", ErrProposalLocked,
				sp.Scheduler, p.BatchHash[:8], lock.Scheduler, lock.BatchHash[:8])
		}
		return nil
	}
	if r.Committee.WorkerIndex(sp.Scheduler) < 0 {
		return fmt.Errorf("%w: scheduler %s is not a worker", ErrBadProposal, sp.Scheduler)
	}
	if !r.Committee.MayPropose(sp.Scheduler, r.Round, r.StartHeight, j.Height, j.Runtime.Executor.ProposerTimeout) {
		k := r.Committee.Rank(r.Committee.WorkerIndex(sp.Scheduler), r.Round)
		return fmt.Errorf("%w: rank %d at height %d, round started at %d, proposer timeout %d",
			ErrProposerTooEarly, k, j.Height, r.StartHeight, j.Runtime.Executor.ProposerTimeout)
	}
	return nil
}

func (j *Judge) checkBody(c *api.Commitment) error {
	if c.Failure != api.NoFailure {
		if c.Failure != api.FailureUnknown || c.Results != (api.ComputeResults{}) || len(c.Messages) != 0 || len(c.Receipts) != 0 {
			return fmt.Errorf("%w: failure %d must carry no results, messages or receipts", ErrBadFailure, c.Failure)
		}
		return nil
	}
	if uint64(len(c.Messages)) > j.MaxMessages {
		return fmt.Errorf("%w: %d messages, at most %d", ErrBadMessages, len(c.Messages), j.MaxMessages)
	}
	for i := range c.Messages {
		if err := validateMessage(&c.Messages[i]); err != nil {
			return fmt.Errorf("%w: message %d: %v", ErrBadMessages, i, err)
		}
	}
	want := api.Receipt{Namespace: j.Runtime.ID, Round: c.Round, IORoot: c.Results.IORoot, StateRoot: c.Results.StateRoot}
	seen := map[signature.PublicKey]bool{}
	for i := range c.Receipts {
		sr := &c.Receipts[i]
		switch {
		case !j.Round.Committee.IsStorage(sr.Node):
			return fmt.Errorf("%w: receipt %d by %s, not a storage committee member", ErrReceipts, i, sr.Node)
		case seen[sr.Node]:
			return fmt.Errorf("%w: two receipts by %s", ErrReceipts, sr.Node)
		case sr.Receipt != want:
			return fmt.Errorf("%w: receipt %d by %s is for other roots or another round", ErrReceipts, i, sr.Node)
		}
		seen[sr.Node] = true
	}
	if need := int(j.Runtime.Storage.MinWriteReplication); len(seen) < need {
		return fmt.Errorf("%w: %d receipts, need %d", ErrReceipts, len(seen), need)
	}
	return nil
}

func validateMessage(m *api.Message) error {
	if m.Staking == nil || m.Staking.Transfer == nil {
		return fmt.Errorf("no known message kind set")
	}
	if m.Staking.Transfer.Amount == 0 {
		return fmt.Errorf("zero transfer")
	}
	return nil
}
