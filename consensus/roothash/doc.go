// Package roothash owns the consensus side of replicated runtime execution:
// per runtime, the chain of finalized runtime headers, the pending round
// that judges executor commitments against it, the queue of incoming
// deposits, liveness counters and storage challenges. docs/replication.md
// is its contract with the workers; the values it judges live in
// consensus/roothash/api.
//
// The rules are pure functions (Judge.Check decides whether a commitment
// is acceptable, Decide what a round's votes amount to); the Service
// applies them to the application state in transactions, at the end of
// every block (timeouts) and at epoch transitions (committee changes,
// suspension). It reads committees from the scheduler and runtime
// parameters from the registry, slashes through registry.SlashNode, and
// must run after both (app.Options.Extra).
//
// A runtime's round, from the moment its previous block is final:
//
//	           commit (W)                      all W agree
//	┌──────────┐ ──────▶ ┌───────────────┐ ───────────────────────▶ FINALIZED
//	│  OPEN    │         │ WORKER PHASE  │   deadline, ≤ stragglers   (Normal block,
//	│ round r  │         │ votes, lock   │ ─────────missing─────────▶  messages run,
//	└──────────┘         └───────────────┘                             wrong results slashed,
//	     │ deadline, no votes   │ votes differ / all fail /            failure votes and
//	     │                      │ deadline, too many missing           stragglers get
//	     ▼                      │                                      liveness faults)
//	ROUND FAILED                ▼                                          ▲
//	(RoundFailed block) ┌───────────────┐  ⌊|B|/2⌋+1 backups agree on a   │
//	     ▲              │ BACKUP PHASE  │  result some worker committed ──┘
//	     │              │ (discrepancy) │
//	     └──────────────└───────────────┘
//	       majority is a failure or matches no worker;
//	       all of B voted without majority; backup deadline
//
// Every closed round opens the next one at once. At an epoch transition
// the pending round (idle or not) closes with an EpochTransition block, so
// a round number belongs to one epoch's committee; a runtime the scheduler
// suspended gets a Suspended block and runs no round until it is resumed.
//
// Two proposals one scheduler signed for one round are equivocation
// evidence anyone may submit (SubmitEvidence); a storage receipt can be
// challenged (ChallengeReceipt, see challenge.go for the threat model).
//
// Deadlines are in consensus blocks: RoundTimeout after the round started
// for the worker phase, RoundTimeout after the discrepancy for the backup
// phase. A worker of scheduler rank k may propose once k × ProposerTimeout
// blocks have passed since the round started.
package roothash
