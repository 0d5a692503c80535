package storage

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/atoll-dev/atoll/consensus/registry"
	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/node"
	"github.com/atoll-dev/atoll/worker/p2p"
)

// ErrNoReceipt is why a failed fetch is not challenged: the peer signed no
// receipt for the finalized round, so it owed nobody the data.
var ErrNoReceipt = errors.New("storage: peer signed no receipt for the round")

// maxPendingReports bounds the failed fetches a Challenger holds unjudged;
// more are dropped (a node failing that many rounds is already being
// challenged, or the challenger is far behind).
const maxPendingReports = 64

// Challenger is a node.Component that turns failed fetches into storage
// challenges. A storage node that signed a receipt for a finalized round
// promised to serve it; when a fetch of that round from the node fails,
// or what it served does not lead to the round's roots (PeerFetcher.OnFailure
// and compute.Config.OnFetchFailure have Report's signature; a checkpoint
// whose chunks do not verify counts too), the Challenger finds the node's receipt among those the
// roothash kept for the block (roothash/receipts) and submits
// roothash.ChallengeReceipt against it, bonding the roothash's
// ChallengeBond from Signer's account. The node, or any peer holding the
// data, must then prove a key under the receipted state root within the
// challenge window; unanswered, the node is slashed and frozen and the bond
// returns, answered, the bond pays the node's entity (consensus/roothash
// challenge.go).
//
// The challenged key is random, so a node cannot know which path it must
// keep. A node is challenged only when no challenge against it is open (by
// anyone) and none this Challenger submitted can still be open: reports
// against it meanwhile are dropped, so one outage costs it one challenge at
// a time and the challenger one bond at a time (and the roothash slashes a
// node at most once per receipted round). Reports of rounds the
// peer did not receipt, or outside the roothash's block history, and
// reports against this node itself, are dropped.
type Challenger struct {
	Runtime registry.RuntimeID
	// Signer signs the challenges; its staking account pays the fees and
	// the bonds (a node's identity account must be funded for this).
	Signer *signature.Signer
	Logger *slog.Logger

	once    sync.Once
	wake    chan struct{}
	mu      sync.Mutex
	pending []fetchFailure
	// busy is, per node id, the last consensus height at which a
	// challenge this Challenger submitted can still be open.
	busy map[signature.PublicKey]int64
	// judged are the (P2P key, round) pairs already handled, for the
	// judgedRounds rounds up to newest.
	judged map[fetchFailure]bool
	newest uint64
}

// judgedRounds is how far back a Challenger remembers handled reports:
// beyond the roothash's default block history, a round cannot be
// challenged anyway.
const judgedRounds = 1024

type fetchFailure struct {
	peer  signature.PublicKey // P2P key
	round uint64
}

func (c *Challenger) init() {
	c.once.Do(func() {
		c.wake = make(chan struct{}, 1)
		c.busy = map[signature.PublicKey]int64{}
		c.judged = map[fetchFailure]bool{}
	})
}

// Report notes that peer failed to serve finalized round (err is why, for
// the log). It never blocks; Run judges the report.
func (c *Challenger) Report(peer p2p.Peer, round uint64, err error) {
	c.init()
	f := fetchFailure{peer: peer.Key, round: round}
	c.mu.Lock()
	if c.judged[f] || len(c.pending) >= maxPendingReports {
		c.mu.Unlock()
		return
	}
	c.judged[f] = true
	c.pending = append(c.pending, f)
	if round > c.newest {
		c.newest = round
		for o := range c.judged {
			if o.round+judgedRounds < round {
				delete(c.judged, o)
			}
		}
	}
	c.mu.Unlock()
	c.logger().Debug("storage peer failed a fetch", "peer", peer.Addr, "round", round, "err", err)
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Name implements node.Component.
func (c *Challenger) Name() string { return "storage-challenger-" + c.Runtime.String()[:8] }

// Run implements node.Component: it judges reports as they come.
func (c *Challenger) Run(ctx context.Context, h node.Host) error {
	c.init()
	for {
		c.mu.Lock()
		batch := c.pending
		c.pending = nil
		c.mu.Unlock()
		for _, f := range batch {
			switch err := c.judge(ctx, h, f); {
			case err == nil, ctx.Err() != nil:
			case errors.Is(err, ErrNoReceipt):
				c.logger().Debug("not challenging a storage peer", "round", f.round, "err", err)
			default:
				c.logger().Warn("not challenging a storage peer", "round", f.round, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.wake:
		case <-time.After(time.Second):
		}
	}
}

func (c *Challenger) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

// judge challenges the receipt behind failure f, if there is one and its
// signer is not already being challenged (by anyone, or by this
// Challenger in a transaction not yet in a block).
func (c *Challenger) judge(ctx context.Context, h node.Host, f fetchFailure) error {
	var st struct {
		Height int64 `json:"height"`
	}
	if err := h.Query(ctx, "app/status", nil, &st); err != nil {
		return err
	}
	var nodes []registry.NodeView
	if err := h.Query(ctx, "registry/nodes", nil, &nodes); err != nil {
		return err
	}
	var id signature.PublicKey
	for _, v := range nodes {
		if v.Node != nil && v.Node.P2P.ID == f.peer {
			id = v.Node.ID
		}
	}
	switch {
	case id.IsZero():
		return fmt.Errorf("storage: no registered node has P2P key %s", f.peer)
	case id == c.Signer.Public():
		// This node's own storage role failed it: that is for its
		// operator to fix, not for its bond to pay.
		return fmt.Errorf("storage: not challenging this node's own receipt of round %d", f.round)
	}
	c.mu.Lock()
	until, busy := c.busy[id]
	c.mu.Unlock()
	if busy && st.Height <= until {
		return nil
	}
	var open []roothash.Challenge
	if err := h.Query(ctx, roothash.QueryChallenges, nil, &open); err != nil {
		return err
	}
	for _, o := range open {
		if o.Node == id && o.Runtime == c.Runtime {
			return nil
		}
	}
	var receipts []roothash.SignedReceipt
	if err := h.Query(ctx, roothash.QueryReceipts, roothash.BlockQueryData(c.Runtime, f.round), &receipts); err != nil {
		return fmt.Errorf("storage: receipts of round %d: %w", f.round, err)
	}
	var receipt *roothash.SignedReceipt
	for i := range receipts {
		if receipts[i].Node == id {
			receipt = &receipts[i]
		}
	}
	if receipt == nil {
		return fmt.Errorf("%w: %s, round %d", ErrNoReceipt, id, f.round)
	}
	var params struct {
		ChallengeWindow uint64 `json:"challenge_window"`
	}
	if err := h.Query(ctx, roothash.QueryParams, nil, &params); err != nil {
		return err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	body := &roothash.ChallengeBody{Receipt: *receipt, Root: roothash.StateRootKind, Key: key}
	if err := h.Submit(ctx, c.Signer, roothash.MethodChallenge, body); err != nil {
		return fmt.Errorf("storage: challenging %s's receipt of round %d: %w", id, f.round, err)
	}
	// Included at the next height at the latest, open for the window after.
	c.mu.Lock()
	c.busy[id] = st.Height + 1 + int64(params.ChallengeWindow)
	c.mu.Unlock()
	c.logger().Info("challenged a storage receipt", "node", id.String()[:8], "round", f.round)
	return nil
}
