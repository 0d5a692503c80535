package home

import (
	"fmt"
	"slices"

	"github.com/atoll-dev/atoll/bridge/update"
)

// FraudKind says which proof failed the Home.
type FraudKind uint8

const (
	// ImproperUpdate: updaters signed an update from the committed root to a
	// root the Home never produced.
	ImproperUpdate FraudKind = 1
	// DoubleUpdate: updaters signed two different new roots for one old root.
	DoubleUpdate FraudKind = 2
)

func (k FraudKind) String() string {
	switch k {
	case ImproperUpdate:
		return "improper update"
	case DoubleUpdate:
		return "double update"
	}
	return fmt.Sprintf("fraud(%d)", uint8(k))
}

// Fraud is the outcome of a proven fraud: the Home is failed and the bonds
// of Slashed are forfeit. The wrapper moves the lamports and logs Evidence.
type Fraud struct {
	Kind     FraudKind
	Slashed  []update.Address // in the order their signatures appear
	Evidence []update.QuorumUpdate
}

// Update applies a quorum-signed update from the committed root to a queued
// root, dequeuing every root up to and including it.
//
// If the new root is not in the queue the update is an improper update: the
// Home fails and Update returns the Fraud with a nil error, so the wrapper
// must persist the state and slash — even if the signatures fall short of a
// quorum, since each signer attested to a root that was never produced.
// Otherwise a quorum of the current updater set is required.
func (h *Home) Update(q *update.QuorumUpdate) (*Fraud, error) {
	signers, err := h.checkCurrent(q)
	if err != nil {
		return nil, err
	}
	if !h.QueueContains(q.NewRoot) {
		return h.fail(ImproperUpdate, signers, *q), nil
	}
	if len(signers) < h.updaters.Threshold() {
		return nil, fmt.Errorf("%w: %d of %d", update.ErrQuorum, len(signers), h.updaters.Threshold())
	}
	i := slices.Index(h.queue, q.NewRoot)
	h.queue = slices.Delete(h.queue, 0, i+1)
	h.committedRoot = q.NewRoot
	return nil, nil
}

// ImproperUpdate checks an update that builds on the committed root and was
// signed by at least one member. If its new root is not queued, the Home
// fails and its signers are slashed; otherwise it returns ErrNotFraud.
// An improper update from an older root is proven as a double update instead.
func (h *Home) ImproperUpdate(q *update.QuorumUpdate) (*Fraud, error) {
	signers, err := h.checkCurrent(q)
	if err != nil {
		return nil, err
	}
	if h.QueueContains(q.NewRoot) {
		return nil, fmt.Errorf("%w: %s is queued", ErrNotFraud, q.NewRoot)
	}
	return h.fail(ImproperUpdate, signers, *q), nil
}

func (h *Home) checkCurrent(q *update.QuorumUpdate) ([]update.Address, error) {
	if h.failed {
		return nil, ErrFailed
	}
	if q.HomeDomain != h.localDomain {
		return nil, fmt.Errorf("%w: %d", ErrDomain, q.HomeDomain)
	}
	if q.OldRoot != h.committedRoot {
		return nil, fmt.Errorf("%w: old root %s, committed %s", ErrNotCurrent, q.OldRoot, h.committedRoot)
	}
	return h.updaters.Attest(q)
}

// DoubleUpdate checks two updates of this Home from the same old root to
// different new roots. Every signature on both must be a valid member
// signature; the updaters who signed both are the equivocators. If there is
// at least one, the Home fails and they are slashed. Because a quorum is a
// strict majority, two conflicting quorum updates always share a signer.
func (h *Home) DoubleUpdate(a, b *update.QuorumUpdate) (*Fraud, error) {
	if h.failed {
		return nil, ErrFailed
	}
	if a.HomeDomain != h.localDomain || b.HomeDomain != h.localDomain {
		return nil, fmt.Errorf("%w: %d and %d", ErrDomain, a.HomeDomain, b.HomeDomain)
	}
	if a.OldRoot != b.OldRoot || a.NewRoot == b.NewRoot {
		return nil, fmt.Errorf("%w: updates do not conflict", ErrNotFraud)
	}
	sa, err := h.updaters.Attest(a)
	if err != nil {
		return nil, fmt.Errorf("first update: %w", err)
	}
	sb, err := h.updaters.Attest(b)
	if err != nil {
		return nil, fmt.Errorf("second update: %w", err)
	}
	both := update.Intersect(sa, sb)
	if len(both) == 0 {
		return nil, fmt.Errorf("%w: no updater signed both", ErrNotFraud)
	}
	return h.fail(DoubleUpdate, both, *a, *b), nil
}

func (h *Home) fail(kind FraudKind, slashed []update.Address, evidence ...update.QuorumUpdate) *Fraud {
	h.failed = true
	for i := range evidence {
		evidence[i].Signatures = slices.Clone(evidence[i].Signatures)
	}
	return &Fraud{Kind: kind, Slashed: slashed, Evidence: evidence}
}
