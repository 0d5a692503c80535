package compute

import (
	"context"

	"github.com/atoll-dev/atoll/consensus/registry"
	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
)

// View is the consensus state of one runtime as of one consensus block:
// everything a worker decides on.
type View struct {
	// Height is the consensus block the view is of.
	Height int64
	// Epoch is the consensus epoch at Height.
	Epoch   uint64
	Runtime registry.Runtime
	// Suspended runtimes run no rounds.
	Suspended bool
	// Latest is the latest finalized header; the current round is
	// Latest.Round+1.
	Latest roothash.Header
	// RoundStart is the height at which the current round started (Latest
	// was finalized, or the epoch began).
	RoundStart int64
	// Discrepancy is set while the current round awaits the backups.
	Discrepancy bool
	// Deposits are the consensus layer's incoming messages the current
	// round must credit, in order (RoundState.IncomingFor of the queue).
	Deposits []roothash.IncomingMessage
	// Locked is the scheduler and batch the roothash locked the current
	// round to (the first accepted commitment's), if any; backups execute
	// exactly that proposal.
	Locked *roothash.LockedProposal
	// Workers (in scheduler order), Backups and Storage are the runtime's
	// committees for Epoch, by node id.
	Workers []signature.PublicKey
	Backups []signature.PublicKey
	Storage []signature.PublicKey
	// Nodes are the registered nodes, by node id.
	Nodes map[signature.PublicKey]*registry.Node
}

// Chain is what a worker needs of the consensus layer. Implementations are
// safe for concurrent use.
type Chain interface {
	// ChainContext is the chain's signature domain.
	ChainContext() []byte
	// View returns the runtime's state at the latest consensus block.
	// Callers must not modify it: implementations may share it.
	View(ctx context.Context, rt registry.RuntimeID) (*View, error)
	// Header returns the finalized header of round.
	Header(ctx context.Context, rt registry.RuntimeID, round uint64) (*roothash.Header, error)
	// SubmitCommitment submits c in a roothash.ExecutorCommit transaction
	// signed by signer (the node's identity key).
	SubmitCommitment(ctx context.Context, signer *signature.Signer, c *roothash.SignedCommitment) error
	// Changed returns a channel closed when a new consensus block may have
	// changed the view.
	Changed() <-chan struct{}
}

// rank returns the scheduler rank of worker index i in round, as in
// docs/replication.md: (round + i) mod |W|.
func rank(round uint64, i, workers int) int {
	return int((round + uint64(i)) % uint64(workers))
}

// indexOf returns k's index in ks, or -1.
func indexOf(ks []signature.PublicKey, k signature.PublicKey) int {
	for i := range ks {
		if ks[i] == k {
			return i
		}
	}
	return -1
}

// schedulerRank returns the rank of scheduler node s in round, or -1 if it
// is not a worker.
func (v *View) schedulerRank(round uint64, s signature.PublicKey) int {
	i := indexOf(v.Workers, s)
	if i < 0 {
		return -1
	}
	return rank(round, i, len(v.Workers))
}

// mayPropose reports whether a scheduler of rank k may propose at v.Height.
func (v *View) mayPropose(k int) bool {
	return k >= 0 && v.Height-v.RoundStart >= int64(k)*int64(v.Runtime.Executor.ProposerTimeout)
}
