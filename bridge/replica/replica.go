package replica

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Errors of the Replica.
var (
	ErrHalted            = errors.New("replica: halted by a fraud proof")
	ErrNotOwner          = errors.New("replica: caller is not the owner")
	ErrConfig            = errors.New("replica: invalid configuration")
	ErrDomain            = errors.New("replica: update is for another home domain")
	ErrNotCurrent        = errors.New("replica: update does not build on the committed root")
	ErrZeroRoot          = errors.New("replica: 0x0 is never a root")
	ErrKnownRoot         = errors.New("replica: root already has a history entry")
	ErrRootNotAcceptable = errors.New("replica: root is not acceptable")
	ErrAlreadyProven     = errors.New("replica: message already proven")
	ErrAlreadyProcessed  = errors.New("replica: message already processed")
	ErrNotProven         = errors.New("replica: message not proven")
	ErrWrongDestination  = errors.New("replica: message is for another destination")
	ErrWrongOrigin       = errors.New("replica: message is from another origin")
	ErrHandlerFailed     = errors.New("replica: recipient handler failed; message stays proven")
	ErrNotFraud          = errors.New("replica: not a fraud")
	ErrEncoding          = errors.New("replica: malformed encoding")
)

// Config is what a Replica is created with.
type Config struct {
	LocalDomain  uint32 // this chain's domain: messages must be destined here
	RemoteDomain uint32 // the Home's domain: updates must be signed for it
	Owner        sol.Pubkey
	Updaters     update.UpdaterSet
	// OptimisticSeconds is how long after an update its root waits before
	// becoming acceptable: the window for watchers to prove fraud.
	OptimisticSeconds uint64
	// CommittedRoot is the Home's committed root at enrolment, the old root
	// of the first update. It gets no history entry, so nothing is proven
	// against it; earlier messages are proven against later roots.
	CommittedRoot keccak.Hash
}

// Replica is the state of one Replica, apart from its Store. Create one
// with New or decode one with UnmarshalBinary. Not safe for concurrent use.
type Replica struct {
	localDomain       uint32
	remoteDomain      uint32
	owner             sol.Pubkey
	updaters          update.UpdaterSet
	optimisticSeconds uint64
	committedRoot     keccak.Hash
	halted            bool
}

// New returns an active Replica. It refuses a zero committed root: that is
// how the 2022 Nomad Replica was initialised before it was drained.
func New(cfg Config) (*Replica, error) {
	switch {
	case cfg.CommittedRoot.IsZero():
		return nil, fmt.Errorf("%w: committed root", ErrZeroRoot)
	case cfg.Owner.IsZero():
		return nil, fmt.Errorf("%w: zero owner", ErrConfig)
	case cfg.Updaters.Threshold() == 0:
		return nil, fmt.Errorf("%w: no updater set", ErrConfig)
	case cfg.LocalDomain == cfg.RemoteDomain:
		return nil, fmt.Errorf("%w: local and remote domain are both %d", ErrConfig, cfg.LocalDomain)
	}
	return &Replica{
		localDomain:       cfg.LocalDomain,
		remoteDomain:      cfg.RemoteDomain,
		owner:             cfg.Owner,
		updaters:          cfg.Updaters,
		optimisticSeconds: cfg.OptimisticSeconds,
		committedRoot:     cfg.CommittedRoot,
	}, nil
}

// LocalDomain returns the domain this Replica delivers on.
func (r *Replica) LocalDomain() uint32 { return r.localDomain }

// RemoteDomain returns the domain of the Home it follows.
func (r *Replica) RemoteDomain() uint32 { return r.remoteDomain }

// Owner returns the governance key.
func (r *Replica) Owner() sol.Pubkey { return r.owner }

// Updaters returns the updater set whose quorum signs updates.
func (r *Replica) Updaters() update.UpdaterSet { return r.updaters }

// OptimisticSeconds returns the waiting period applied to new roots.
func (r *Replica) OptimisticSeconds() uint64 { return r.optimisticSeconds }

// CommittedRoot returns the root of the latest accepted update.
func (r *Replica) CommittedRoot() keccak.Hash { return r.committedRoot }

// Halted reports whether a fraud proof has halted the Replica.
func (r *Replica) Halted() bool { return r.halted }

// SetUpdaters replaces the updater set. Only the owner may; authority is the
// key the wrapper verified as a signer.
func (r *Replica) SetUpdaters(authority sol.Pubkey, set update.UpdaterSet) error {
	if authority != r.owner {
		return ErrNotOwner
	}
	if set.Threshold() == 0 {
		return fmt.Errorf("%w: no updater set", ErrConfig)
	}
	r.updaters = set
	return nil
}

// SetOptimisticSeconds changes the waiting period of future updates; roots
// already accepted keep their confirmAt. Only the owner may.
func (r *Replica) SetOptimisticSeconds(authority sol.Pubkey, seconds uint64) error {
	if authority != r.owner {
		return ErrNotOwner
	}
	r.optimisticSeconds = seconds
	return nil
}

// SetOwner hands governance to a new key. Only the owner may.
func (r *Replica) SetOwner(authority, owner sol.Pubkey) error {
	if authority != r.owner {
		return ErrNotOwner
	}
	if owner.IsZero() {
		return fmt.Errorf("%w: zero owner", ErrConfig)
	}
	r.owner = owner
	return nil
}

// Update accepts a quorum update of the remote Home from the committed root,
// records it in the history with confirmAt = now + OptimisticSeconds and
// makes its root the committed root. now is the Clock's unix timestamp.
func (r *Replica) Update(s Store, q *update.QuorumUpdate, now uint64) error {
	if r.halted {
		return ErrHalted
	}
	if q.HomeDomain != r.remoteDomain {
		return fmt.Errorf("%w: %d", ErrDomain, q.HomeDomain)
	}
	if q.OldRoot != r.committedRoot {
		return fmt.Errorf("%w: old root %s, committed %s", ErrNotCurrent, q.OldRoot, r.committedRoot)
	}
	if q.NewRoot.IsZero() {
		return fmt.Errorf("%w: new root", ErrZeroRoot)
	}
	if _, known, err := s.RootEntry(q.NewRoot); err != nil {
		return err
	} else if known || q.NewRoot == q.OldRoot {
		return fmt.Errorf("%w: %s", ErrKnownRoot, q.NewRoot)
	}
	if _, err := r.updaters.Verify(q); err != nil {
		return err
	}
	if now > math.MaxUint64-r.optimisticSeconds {
		return fmt.Errorf("%w: confirmAt overflows", ErrConfig)
	}
	entry := RootEntry{Update: cloneUpdate(q), ConfirmAt: now + r.optimisticSeconds}
	if err := s.PutRootEntry(entry); err != nil {
		return err
	}
	r.committedRoot = q.NewRoot
	return nil
}

// AcceptableRoot reports whether messages may be proven against root at
// time now: never for 0x0, never without a history entry, never before the
// entry's confirmAt, and never once the Replica is halted.
func (r *Replica) AcceptableRoot(s Store, root keccak.Hash, now uint64) (bool, error) {
	err := r.checkAcceptable(s, root, now)
	if errors.Is(err, ErrRootNotAcceptable) || errors.Is(err, ErrHalted) {
		return false, nil
	}
	return err == nil, err
}

func (r *Replica) checkAcceptable(s Store, root keccak.Hash, now uint64) error {
	if r.halted {
		return ErrHalted
	}
	if root.IsZero() {
		return fmt.Errorf("%w: 0x0", ErrRootNotAcceptable)
	}
	e, ok, err := s.RootEntry(root)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %s has no history entry", ErrRootNotAcceptable, root)
	}
	if now < e.ConfirmAt {
		return fmt.Errorf("%w: %s confirms at %d, now %d", ErrRootNotAcceptable, root, e.ConfirmAt, now)
	}
	return nil
}

// cloneUpdate copies q so that stored records never alias the caller's slices.
func cloneUpdate(q *update.QuorumUpdate) update.QuorumUpdate {
	return update.QuorumUpdate{Update: q.Update, Signatures: slices.Clone(q.Signatures)}
}

func appendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }
