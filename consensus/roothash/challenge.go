package roothash

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/consensus/state"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// Storage challenges.
//
// Threat: a storage node signs receipts for roots it never stored, so that
// commitments finalize with state nobody can serve; honest nodes that
// later fetch diffs or checkpoints for that root fail, and the runtime's
// state becomes unavailable. A receipt is a signed claim of availability,
// so anyone may test it: the challenger names a receipt of a finalized
// round still in the block history, picks a key, and bonds ChallengeBond.
// Within ChallengeWindow blocks someone must post an MKVS proof that
// answers that key (presence or absence) under the receipt's root; the
// proof verifies against the root alone, so the node itself or any peer
// holding the data may relay it. Unanswered, the receipt's signer is
// slashed the runtime's incorrect-results amount and frozen, and the bond
// returns to the challenger; answered, the bond goes to the node's entity,
// paying for its trouble, so griefing costs the griefer. A node is slashed
// at most once per receipted round, however many challenges of that
// receipt expire: every node that failed to fetch the round may challenge
// it, and one unserved round is one fault. Nothing limits how many
// challenges may be open against a node, so that no one (the node's own
// operator, answering its own answerable challenges) can keep honest
// challengers out.
//
// What it proves: that the path to the key was retrievable within the
// window, not that this node keeps it on its own disk; a node that
// fetches from peers to answer keeps the data available, which is the
// property receipts exist for. Random keys make each challenge sample a
// different path; a node holding only part of the tree is caught with
// probability equal to the share of paths it lacks. Receipts outside the
// history window, or for roots that never finalized, cannot be challenged
// (nodes may prune them).
var (
	ErrChallenge       = fmt.Errorf("roothash: bad challenge: %w", service.ErrInvalid)
	ErrNoChallenge     = fmt.Errorf("roothash: no such open challenge: %w", service.ErrNotFound)
	ErrChallengeAnswer = fmt.Errorf("roothash: proof does not answer the challenge: %w", service.ErrInvalid)
)

// prefixStorageFault records, per (runtime, round, node), the height at
// which a node was slashed for an unanswered challenge of its receipt.
var prefixStorageFault = []byte("roothash/storage_fault/")

// challengeEscrow holds challenge bonds.
var challengeEscrow = staking.ModuleAddress("roothash-challenges")

// challengeDigest identifies a challenge's question, so the same one is
// not open twice.
func challengeDigest(c *api.Challenge) []byte {
	h := sha256.Sum256(codec.Marshal([]any{c.Node, c.Runtime, c.Round, c.Kind, c.Root, c.Key}))
	return h[:]
}

func openChallenge(ctx *service.Context, b *api.ChallengeBody) error {
	r := &b.Receipt.Receipt
	if len(b.Key) > api.MaxChallengeKeySize {
		return fmt.Errorf("%w: key of %d bytes, at most %d", ErrChallenge, len(b.Key), api.MaxChallengeKeySize)
	}
	var root api.Hash
	switch b.Root {
	case api.StateRootKind:
		root = r.StateRoot
	case api.IORootKind:
		root = r.IORoot
	default:
		return fmt.Errorf("%w: unknown root kind %d", ErrChallenge, b.Root)
	}
	rt, ok := registry.GetRuntime(ctx.KV, r.Namespace)
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoRuntime, r.Namespace)
	}
	blk, ok := getBlock(ctx.KV, rt.ID, r.Round)
	if !ok || blk.Header.Type != api.Normal || blk.Header.StateRoot != r.StateRoot || blk.Header.IORoot != r.IORoot {
		return fmt.Errorf("%w: receipt for round %d is not for a finalized block in the history window", ErrChallenge, r.Round)
	}
	node, ok := registry.GetNode(ctx.KV, b.Receipt.Node)
	if !ok {
		return fmt.Errorf("%w: receipt signer %s is not registered", ErrChallenge, b.Receipt.Node)
	}
	if err := b.Receipt.Verify(ctx.ChainContext); err != nil {
		return fmt.Errorf("%w: receipt of %s", ErrBadSignature, b.Receipt.Node)
	}
	p := GetParams(ctx.KV)
	var id uint64
	get(ctx.KV, keyChallengeID, &id)
	c := api.Challenge{ID: id, Runtime: rt.ID, Node: node.ID, Entity: node.EntityID, Round: r.Round, Kind: b.Root, Root: root,
		Key: append([]byte{}, b.Key...), Challenger: staking.NewAddress(ctx.Signer), Bond: p.ChallengeBond, Deadline: ctx.Height + int64(p.ChallengeWindow)}
	digest := challengeDigest(&c)
	if ctx.KV.Get(key(prefixOpen, digest)) != nil {
		return fmt.Errorf("%w: the same challenge is open", ErrChallenge)
	}
	if err := staking.Transfer(ctx.KV, c.Challenger, challengeEscrow, c.Bond); err != nil {
		return err
	}
	ctx.KV.Set(keyChallengeID, codec.Marshal(id+1))
	ctx.KV.Set(key(prefixChallenge, u64(id)), codec.Marshal(&c))
	ctx.KV.Set(key(prefixDue, u64(uint64(c.Deadline)), u64(id)), []byte{})
	ctx.KV.Set(key(prefixOpen, digest), codec.Marshal(id))
	ctx.Emit(api.EventChallenge, "runtime", rt.ID.String(), "round", fmt.Sprint(r.Round), "id", fmt.Sprint(id),
		"node", node.ID.String(), "root", hexs(root[:]), "key", hexs(b.Key), "deadline", fmt.Sprint(c.Deadline))
	return nil
}

func getChallenge(kv state.KV, id uint64) (*api.Challenge, bool) {
	var c api.Challenge
	return &c, get(kv, key(prefixChallenge, u64(id)), &c)
}

func closeChallenge(kv state.KV, c *api.Challenge) {
	kv.Delete(key(prefixChallenge, u64(c.ID)))
	kv.Delete(key(prefixDue, u64(uint64(c.Deadline)), u64(c.ID)))
	kv.Delete(key(prefixOpen, challengeDigest(c)))
}

func answerChallenge(ctx *service.Context, b *api.AnswerChallengeBody) error {
	c, ok := getChallenge(ctx.KV, b.ID)
	if !ok {
		return fmt.Errorf("%w: %d", ErrNoChallenge, b.ID)
	}
	if _, err := mkvs.VerifyProof(mkvs.Hash(c.Root), b.Proof, c.Key); err != nil {
		return fmt.Errorf("%w: %v", ErrChallengeAnswer, err)
	}
	if err := staking.Transfer(ctx.KV, challengeEscrow, staking.NewAddress(c.Entity), c.Bond); err != nil {
		return err
	}
	closeChallenge(ctx.KV, c)
	ctx.Emit(api.EventChallengeAnswered, "runtime", c.Runtime.String(), "round", fmt.Sprint(c.Round), "id", fmt.Sprint(c.ID), "node", c.Node.String())
	return nil
}

// expireChallenges slashes the signers of challenges whose window ended
// with this block and refunds their challengers.
func expireChallenges(ctx *service.Context) {
	var due []uint64
	ctx.KV.Iterate(prefixDue, func(k, _ []byte) bool {
		rest := k[len(prefixDue):]
		if int64(binary.BigEndian.Uint64(rest[:8])) > ctx.Height {
			return false
		}
		due = append(due, binary.BigEndian.Uint64(rest[8:]))
		return true
	})
	for _, id := range due {
		c, ok := getChallenge(ctx.KV, id)
		if !ok {
			continue
		}
		closeChallenge(ctx.KV, c)
		ctx.Emit(api.EventChallengeExpired, "runtime", c.Runtime.String(), "round", fmt.Sprint(c.Round), "id", fmt.Sprint(c.ID), "node", c.Node.String())
		if err := staking.Transfer(ctx.KV, challengeEscrow, c.Challenger, c.Bond); err != nil {
			panic(&state.FatalError{Err: fmt.Errorf("roothash: challenge escrow cannot refund bond %d: %w", c.ID, err)})
		}
		rt, ok := registry.GetRuntime(ctx.KV, c.Runtime)
		if !ok {
			continue
		}
		fault := key(prefixStorageFault, c.Runtime[:], u64(c.Round), c.Node[:])
		if ctx.KV.Get(fault) != nil {
			continue // already slashed for this round's receipt
		}
		ctx.KV.Set(fault, codec.Marshal(ctx.Height))
		if _, ok := registry.GetNode(ctx.KV, c.Node); ok {
			slashNode(ctx, rt, c.Round, c.Node, staking.SlashIncorrectResults)
			continue
		}
		// Removed since: its entity still answers for the receipt.
		amount, err := staking.Slash(ctx, staking.NewAddress(c.Entity), staking.SlashIncorrectResults, rt.Staking.Slashing[staking.SlashIncorrectResults])
		attrs := []string{"runtime", rt.ID.String(), "round", fmt.Sprint(c.Round), "node", c.Node.String(), "entity", c.Entity.String(),
			"reason", string(staking.SlashIncorrectResults), "amount", fmt.Sprint(amount)}
		if err != nil {
			attrs = append(attrs, "error", err.Error())
		}
		ctx.Emit(api.EventSlashed, attrs...)
	}
}
