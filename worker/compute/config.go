package compute

import (
	"log/slog"
	"time"

	"github.com/atoll-dev/atoll/consensus/registry"
	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/worker/p2p"
	wrt "github.com/atoll-dev/atoll/worker/runtime"
	"github.com/atoll-dev/atoll/worker/storage"
	"github.com/atoll-dev/atoll/worker/txpool"
)

// Faults make a worker misbehave on purpose, for the Byzantine scenario
// tests (docs/replication.md; issue 6's scenario table). The zero value is
// an honest worker.
type Faults struct {
	// WrongState adds a key to the state write log before committing, so
	// the worker commits (with valid receipts) a state nobody else has.
	WrongState bool
	// BogusCommitment submits a commitment whose signature is garbage.
	BogusCommitment bool
	// InvalidBatchHash proposes with a batch hash that its transactions do
	// not hash to.
	InvalidBatchHash bool
	// Runaway proposes at every step, whatever its rank, for its round
	// and, twice on made-up parents, for the next: it signs two proposals
	// for one round, which the other workers report as equivocation.
	Runaway bool
	// Straggler executes but never commits.
	Straggler bool
	// FailureIndicating commits a failure instead of results.
	FailureIndicating bool
}

// Config configures a Worker.
type Config struct {
	// Runtime is the runtime the worker serves.
	Runtime registry.RuntimeID
	// Identity is the node's key: it signs proposals and commitments and
	// the ExecutorCommit transactions.
	Identity *signature.Signer
	// Chain is the consensus view; nil means HostChain over the node.Host
	// the worker is run with.
	Chain Chain
	// Replica is the node's MKVS for the runtime (seeded with genesis, or
	// empty: the worker then restores a checkpoint from storage peers).
	Replica *storage.Replica
	// Exec runs transactions (wrt.InProcess or wrt.Hosted).
	Exec wrt.Runtime
	// Pool holds pending transactions; its Checker should be Exec.
	Pool *txpool.Pool
	// P2P reaches other nodes (authenticated with the node's P2P key).
	P2P *p2p.Client
	// Faults are deliberate misbehaviours for tests.
	Faults Faults
	// Logger receives the worker's records (discarded when nil).
	Logger *slog.Logger
	// PollInterval is how often the worker re-reads the view without a
	// signal (100 ms when 0).
	PollInterval time.Duration
	// HandoffInterval is how often a node outside the executor committee
	// hands the transactions still pending in its pool to the committee
	// again (10 s when 0); a change of committee hands them at once.
	HandoffInterval time.Duration
	// OnCommit, if set, is called with every commitment the worker
	// submitted successfully (observability; tests take receipts from it).
	OnCommit func(*roothash.SignedCommitment)
	// OnFetchFailure learns of storage peers that failed to serve a
	// finalized round (evidence against a node that receipted it).
	OnFetchFailure func(peer p2p.Peer, round uint64, err error)
}
