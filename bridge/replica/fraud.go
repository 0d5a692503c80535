package replica

import (
	"fmt"

	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/update"
)

// Fraud is the outcome of a proven double update: the Replica is halted.
// Equivocators signed both updates; watchers report them to the Home.
type Fraud struct {
	Equivocators []update.Address
	Evidence     [2]update.QuorumUpdate
}

// DoubleUpdate halts the Replica on proof that updaters of its remote Home
// signed two different new roots for the same old root. Anyone may submit
// it. Every signature on both updates must be a valid member signature, and
// at least one member must have signed both — which any two quorum updates
// guarantee, since a quorum is a strict majority.
func (r *Replica) DoubleUpdate(a, b *update.QuorumUpdate) (*Fraud, error) {
	if r.halted {
		return nil, ErrHalted
	}
	if a.HomeDomain != r.remoteDomain || b.HomeDomain != r.remoteDomain {
		return nil, fmt.Errorf("%w: %d and %d", ErrDomain, a.HomeDomain, b.HomeDomain)
	}
	if a.OldRoot != b.OldRoot || a.NewRoot == b.NewRoot {
		return nil, fmt.Errorf("%w: updates do not conflict", ErrNotFraud)
	}
	sa, err := r.updaters.Attest(a)
	if err != nil {
		return nil, fmt.Errorf("first update: %w", err)
	}
	sb, err := r.updaters.Attest(b)
	if err != nil {
		return nil, fmt.Errorf("second update: %w", err)
	}
	both := update.Intersect(sa, sb)
	if len(both) == 0 {
		return nil, fmt.Errorf("%w: no updater signed both", ErrNotFraud)
	}
	r.halted = true
	return &Fraud{Equivocators: both, Evidence: [2]update.QuorumUpdate{cloneUpdate(a), cloneUpdate(b)}}, nil
}

// DoubleUpdateFromHistory is DoubleUpdate with one side taken from the root
// history: the update that produced recordedRoot. A watcher needs to supply
// only the conflicting update it saw.
func (r *Replica) DoubleUpdateFromHistory(s Store, recordedRoot keccak.Hash, q *update.QuorumUpdate) (*Fraud, error) {
	e, ok, err := s.RootEntry(recordedRoot)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s has no history entry", ErrNotFraud, recordedRoot)
	}
	return r.DoubleUpdate(&e.Update, q)
}
