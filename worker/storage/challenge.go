package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/node"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// Prove returns an MKVS proof of key under the root of the given kind
// that this node applied for round, or ErrNotAvailable.
func (r *Replica) Prove(round uint64, kind roothash.RootKind, root roothash.Hash, key []byte) ([]byte, error) {
	t := mkvs.RootState
	if kind == roothash.IORootKind {
		t = mkvs.RootIO
	}
	got, ok, err := r.KV.RootAt(t, round)
	if err != nil || !ok || got.Hash != mkvs.Hash(root) {
		return nil, fmt.Errorf("%w: %s root of round %d: %v", ErrNotAvailable, t, round, err)
	}
	tree, err := r.KV.Tree(got)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotAvailable, err)
	}
	return tree.Prove(key)
}

// Answerer is a node.Component that answers the roothash's storage
// challenges against this storage node's receipts: for every open
// challenge naming the node, it proves the challenged key under the
// challenged root (absence proofs included) and submits the proof before
// the deadline. A challenge it cannot answer yet (the round is not applied
// locally) is retried at the next poll.
type Answerer struct {
	Node *Node
	// Poll is how often open challenges are read (200 ms when 0).
	Poll   time.Duration
	Logger *slog.Logger
}

// Name implements node.Component.
func (a *Answerer) Name() string { return "storage-challenges-" + a.Node.Runtime.String()[:8] }

// Run implements node.Component.
func (a *Answerer) Run(ctx context.Context, h node.Host) error {
	poll := a.Poll
	if poll == 0 {
		poll = 200 * time.Millisecond
	}
	log := a.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	answered := map[uint64]bool{}
	for {
		if err := a.answer(ctx, h, answered); err != nil && ctx.Err() == nil {
			log.Warn("answering storage challenges", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}

func (a *Answerer) answer(ctx context.Context, h node.Host, answered map[uint64]bool) error {
	var open []roothash.Challenge
	if err := h.Query(ctx, roothash.QueryChallenges, nil, &open); err != nil {
		return err
	}
	me := a.Node.Signer.Public()
	still := map[uint64]bool{}
	var errs []error
	for _, c := range open {
		if c.Node != me || c.Runtime != a.Node.Runtime {
			continue
		}
		still[c.ID] = true
		if answered[c.ID] || a.Node.currentFaults().ReceiptWithoutStoring {
			continue
		}
		proof, err := a.Node.Replica.Prove(c.Round, c.Kind, c.Root, c.Key)
		if err == nil {
			err = h.Submit(ctx, a.Node.Signer, roothash.MethodAnswerChallenge, &roothash.AnswerChallengeBody{ID: c.ID, Proof: proof})
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("challenge %d: %w", c.ID, err))
			continue
		}
		answered[c.ID] = true
	}
	for id := range answered {
		if !still[id] {
			delete(answered, id)
		}
	}
	return errors.Join(errs...)
}
