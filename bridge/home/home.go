package home

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// MaxQueue bounds the roots awaiting an update (1 MiB of state). When it is
// reached, dispatch waits for the updaters rather than growing the account
// without limit.
const MaxQueue = 1 << 15

// Errors of the Home.
var (
	ErrFailed         = errors.New("home: failed by a fraud proof")
	ErrNotOwner       = errors.New("home: caller is not the owner")
	ErrDomain         = errors.New("home: update is for another home domain")
	ErrNotCurrent     = errors.New("home: update does not build on the committed root")
	ErrNotFraud       = errors.New("home: not a fraud")
	ErrDestination    = errors.New("home: destination is the local domain")
	ErrNonceExhausted = errors.New("home: nonces to this destination are exhausted")
	ErrQueueFull      = errors.New("home: root queue is full; an update is needed")
	ErrConfig         = errors.New("home: invalid configuration")
)

// Config is what a Home is created with.
type Config struct {
	LocalDomain uint32
	Owner       sol.Pubkey // may change the updater set and the owner
	Updaters    update.UpdaterSet
}

// Home is the state of one Home. The zero value is not usable; create one
// with New or decode one with UnmarshalBinary. Not safe for concurrent use.
type Home struct {
	localDomain   uint32
	owner         sol.Pubkey
	updaters      update.UpdaterSet
	failed        bool
	committedRoot keccak.Hash
	tree          merkle.Tree
	queue         []keccak.Hash     // roots after each dispatch since the last update, oldest first
	nonces        map[uint32]uint32 // next nonce per destination; absent means 0
}

// New returns an active Home with an empty tree. Its committed root is the
// empty tree's root, so the first update is (EmptyRoot → root after the
// first dispatches) and no update ever starts from 0x0.
func New(cfg Config) (*Home, error) {
	if cfg.Owner.IsZero() {
		return nil, fmt.Errorf("%w: zero owner", ErrConfig)
	}
	if cfg.Updaters.Threshold() == 0 {
		return nil, fmt.Errorf("%w: no updater set", ErrConfig)
	}
	return &Home{
		localDomain:   cfg.LocalDomain,
		owner:         cfg.Owner,
		updaters:      cfg.Updaters,
		committedRoot: merkle.EmptyRoot(),
		nonces:        map[uint32]uint32{},
	}, nil
}

// LocalDomain returns the domain this Home sends from.
func (h *Home) LocalDomain() uint32 { return h.localDomain }

// Owner returns the governance key.
func (h *Home) Owner() sol.Pubkey { return h.owner }

// Updaters returns the current updater set.
func (h *Home) Updaters() update.UpdaterSet { return h.updaters }

// Failed reports whether a fraud proof has failed the Home.
func (h *Home) Failed() bool { return h.failed }

// CommittedRoot returns the root of the latest accepted update.
func (h *Home) CommittedRoot() keccak.Hash { return h.committedRoot }

// Root returns the current tree root.
func (h *Home) Root() keccak.Hash { return h.tree.Root() }

// Count returns the number of messages dispatched.
func (h *Home) Count() uint32 { return h.tree.Count() }

// Nonce returns the nonce the next message to destination will carry.
func (h *Home) Nonce(destination uint32) uint32 { return h.nonces[destination] }

// Queue returns a copy of the roots awaiting an update, oldest first.
func (h *Home) Queue() []keccak.Hash { return slices.Clone(h.queue) }

// QueueContains reports whether root awaits an update.
func (h *Home) QueueContains(root keccak.Hash) bool { return slices.Contains(h.queue, root) }

// SuggestUpdate returns the update the updaters should sign next: from the
// committed root to the newest queued root. ok is false when nothing is queued.
func (h *Home) SuggestUpdate() (u update.Update, ok bool) {
	if len(h.queue) == 0 {
		return update.Update{}, false
	}
	return update.Update{HomeDomain: h.localDomain, OldRoot: h.committedRoot, NewRoot: h.queue[len(h.queue)-1]}, true
}

// Dispatched describes a dispatched message, for the wrapper's log.
type Dispatched struct {
	Message             message.Message
	Raw                 []byte      // the message's wire form
	Leaf                keccak.Hash // keccak256(Raw)
	LeafIndex           uint32
	DestinationAndNonce uint64
	CommittedRoot       keccak.Hash // the Home's committed root at dispatch time
	Root                keccak.Hash // the tree root after inserting Leaf, now queued
}

// Dispatch formats a message from sender (the calling program, or the
// signing account, as bytes32) to recipient on destination, inserts its leaf
// into the tree and queues the new root. Nonces count per destination.
func (h *Home) Dispatch(sender keccak.Hash, destination uint32, recipient keccak.Hash, body []byte) (Dispatched, error) {
	if h.failed {
		return Dispatched{}, ErrFailed
	}
	if destination == h.localDomain {
		return Dispatched{}, fmt.Errorf("%w: %d", ErrDestination, destination)
	}
	nonce := h.nonces[destination]
	if nonce == math.MaxUint32 {
		return Dispatched{}, fmt.Errorf("%w: %d", ErrNonceExhausted, destination)
	}
	if h.tree.Count() >= merkle.MaxLeaves {
		return Dispatched{}, merkle.ErrFull
	}
	if len(h.queue) >= MaxQueue {
		return Dispatched{}, ErrQueueFull
	}
	m := message.Message{
		Origin:      h.localDomain,
		Sender:      sender,
		Nonce:       nonce,
		Destination: destination,
		Recipient:   recipient,
		Body:        slices.Clone(body),
	}
	raw, err := m.Encode()
	if err != nil {
		return Dispatched{}, err
	}
	leaf := message.Leaf(raw)
	if err := h.tree.Insert(leaf); err != nil {
		return Dispatched{}, err // unreachable: fullness was checked above
	}
	h.nonces[destination] = nonce + 1
	root := h.tree.Root()
	h.queue = append(h.queue, root)
	return Dispatched{
		Message:             m,
		Raw:                 raw,
		Leaf:                leaf,
		LeafIndex:           h.tree.Count() - 1,
		DestinationAndNonce: message.DestinationAndNonce(destination, nonce),
		CommittedRoot:       h.committedRoot,
		Root:                root,
	}, nil
}

// SetUpdaters replaces the updater set. Only the owner may; authority is the
// key the wrapper verified as a signer.
func (h *Home) SetUpdaters(authority sol.Pubkey, set update.UpdaterSet) error {
	if authority != h.owner {
		return ErrNotOwner
	}
	if set.Threshold() == 0 {
		return fmt.Errorf("%w: no updater set", ErrConfig)
	}
	h.updaters = set
	return nil
}

// SetOwner hands governance to a new key. Only the owner may.
func (h *Home) SetOwner(authority, owner sol.Pubkey) error {
	if authority != h.owner {
		return ErrNotOwner
	}
	if owner.IsZero() {
		return fmt.Errorf("%w: zero owner", ErrConfig)
	}
	h.owner = owner
	return nil
}
