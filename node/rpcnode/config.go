package rpcnode

import (
	"crypto/ed25519"
	"log/slog"
	"time"

	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/worker/compute"
	"github.com/atoll-dev/atoll/worker/storage"
)

// Config describes the node a Backend serves.
type Config struct {
	// Runtime is the SVM runtime served.
	Runtime registry.RuntimeID
	// Replica is the node's copy of the runtime's state and IO trees
	// (worker.Workers.Replica). Required.
	Replica *storage.Replica
	// Compute is the node's executor (worker.Workers.Compute), into whose
	// pool sendTransaction admits. Without it the node serves reads only
	// and refuses submissions with rpc.ErrNodeUnhealthy.
	Compute *compute.Worker
	// Fetch, when set, obtains finalized rounds' write logs from storage
	// peers: the indexer asks it for the IO trees the replica does not
	// hold (compute.Worker.DiffFetcher).
	Fetch storage.Fetcher
	// Chain reads finalized headers; nil: compute.NewHostChain over the
	// node.Host that Run is given.
	Chain compute.Chain
	// RuntimeConfig is the network's runtime configuration (what the
	// workers pass as RuntimeConfig, decoded): simulation builds the same
	// executor the runtime does.
	RuntimeConfig hosted.Config
	// Identity is the node's public identity key (getIdentity).
	Identity sol.Pubkey
	// Faucet, when set, is the key of an account funded in the runtime's
	// genesis; requestAirdrop transfers from it. AirdropLimit is its
	// per-request limit (default 1,000 SOL).
	Faucet       ed25519.PrivateKey
	AirdropLimit uint64
	// PollInterval is how often the replica is checked for new rounds when
	// the chain signals nothing (default 10ms).
	PollInterval time.Duration
	// SubmitTimeout bounds one admission into the pool (default 10s).
	SubmitTimeout time.Duration
	Logger        *slog.Logger
}

// LamportsPerSOL is the number of lamports in one SOL.
const LamportsPerSOL = 1_000_000_000

func (c *Config) withDefaults() {
	if c.AirdropLimit == 0 {
		c.AirdropLimit = 1_000 * LamportsPerSOL
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 10 * time.Millisecond
	}
	if c.SubmitTimeout <= 0 {
		c.SubmitTimeout = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}
