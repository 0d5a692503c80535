package devbank

import (
	"crypto/ed25519"
	"crypto/sha256"
	"time"

	"github.com/atoll-dev/atoll/runtime/svm"
)

// Clock is where the bank gets time: block timestamps and the slot ticker.
// Tests inject a manual clock and call ProduceSlot themselves.
type Clock interface {
	Now() time.Time
	// Ticker returns a channel that fires every d, and a function to stop it.
	Ticker(d time.Duration) (<-chan time.Time, func())
}

// SystemClock is the machine's clock.
type SystemClock struct{}

// Now implements Clock.
func (SystemClock) Now() time.Time { return time.Now() }

// Ticker implements Clock.
func (SystemClock) Ticker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// Config describes a bank. The zero value of each field means its default.
type Config struct {
	// SlotDuration is the time between slots (default 400ms).
	SlotDuration time.Duration
	// SlotsPerEpoch sets the epoch schedule (default 432,000). Features
	// activate at the first slot of an epoch, so tests use small epochs.
	SlotsPerEpoch uint64
	// ConfirmedDepth and FinalizedDepth are how many slots the confirmed and
	// finalized commitment levels trail the processed slot; zero makes a level
	// equal to processed. FinalizedDepth is raised to ConfirmedDepth if lower;
	// both are capped at 64.
	ConfirmedDepth, FinalizedDepth uint64
	// MaxTxsPerSlot caps a slot's batch (default 4096); the rest waits.
	MaxTxsPerSlot int
	// MaxPending caps the queue of submitted transactions (default 100,000).
	MaxPending int
	// FaucetLamports funds the faucet at genesis (default 500M SOL).
	FaucetLamports uint64
	// AirdropLimit is the faucet's per-request limit (default 1,000 SOL).
	AirdropLimit uint64
	// NoFaucet creates the network without a faucet; airdrops are refused.
	NoFaucet bool
	// FaucetSeed and IdentitySeed are ed25519 seeds; default: derived from
	// the genesis time, so each new network has its own keys.
	FaucetSeed, IdentitySeed []byte
	// GenesisAccounts are stored at genesis, after the runtime's own.
	GenesisAccounts []svm.AccountWrite
	// ExecutorOptions are passed to every svm.Executor the bank builds.
	// Native programs and the BPF loaders register here (svm.WithProgram);
	// programs loaded at genesis (--bpf-program) go in GenesisAccounts as
	// the loader's accounts, so deploying needs nothing from this package.
	ExecutorOptions []svm.Option
	// Clock defaults to SystemClock.
	Clock Clock
	// Ledger defaults to a new MemLedger.
	Ledger Ledger
}

// maxCommitmentDepth bounds how far a commitment level may trail.
const maxCommitmentDepth = 64

// LamportsPerSOL is the number of lamports in one SOL.
const LamportsPerSOL = 1_000_000_000

func (c *Config) withDefaults() {
	if c.SlotDuration <= 0 {
		c.SlotDuration = 400 * time.Millisecond
	}
	if c.SlotsPerEpoch == 0 {
		c.SlotsPerEpoch = svm.DefaultEpochSchedule.SlotsPerEpoch
	}
	// Commitment levels must stay within the kept blockhash history.
	c.ConfirmedDepth = min(c.ConfirmedDepth, maxCommitmentDepth)
	c.FinalizedDepth = min(max(c.FinalizedDepth, c.ConfirmedDepth), maxCommitmentDepth)
	if c.MaxTxsPerSlot <= 0 {
		c.MaxTxsPerSlot = 4096
	}
	if c.MaxPending <= 0 {
		c.MaxPending = 100_000
	}
	if c.FaucetLamports == 0 {
		c.FaucetLamports = 500_000_000 * LamportsPerSOL
	}
	if c.AirdropLimit == 0 {
		c.AirdropLimit = 1_000 * LamportsPerSOL
	}
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	if c.Ledger == nil {
		c.Ledger = NewMemLedger()
	}
}

func derivedSeed(genesisTime int64, role string) []byte {
	h := sha256.New()
	h.Write([]byte("atoll devbank " + role))
	var b [8]byte
	for i := range b {
		b[i] = byte(genesisTime >> (8 * i))
	}
	h.Write(b[:])
	return h.Sum(nil)
}

func keyFromSeed(seed []byte) (ed25519.PrivateKey, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, errBadSeed
	}
	return ed25519.NewKeyFromSeed(seed), nil
}
