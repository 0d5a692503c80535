package api

import (
	"slices"

	"github.com/atoll-dev/atoll/consensus/signature"
)

// Committee is the roothash's snapshot of a runtime's committees for the
// epoch a round runs in: executor workers W in scheduler order, backup
// workers B, and the storage committee S.
type Committee struct {
	Epoch   uint64                `cbor:"epoch" json:"epoch"`
	Workers []signature.PublicKey `cbor:"workers" json:"workers"`
	Backups []signature.PublicKey `cbor:"backups" json:"backups"`
	Storage []signature.PublicKey `cbor:"storage" json:"storage"`
}

// WorkerIndex is node's index in W, or -1.
func (c *Committee) WorkerIndex(node signature.PublicKey) int { return slices.Index(c.Workers, node) }

// IsBackup reports whether node is in B.
func (c *Committee) IsBackup(node signature.PublicKey) bool { return slices.Contains(c.Backups, node) }

// IsStorage reports whether node is in S.
func (c *Committee) IsStorage(node signature.PublicKey) bool { return slices.Contains(c.Storage, node) }

// Rank is the scheduler rank of the worker at index i for round:
// (round + i) mod |W|. Rank 0 is the round's scheduler. It returns -1 for an
// index outside W.
func (c *Committee) Rank(i int, round uint64) int {
	n := uint64(len(c.Workers))
	if i < 0 || uint64(i) >= n {
		return -1
	}
	return int((round%n + uint64(i)) % n)
}

// Scheduler is the worker of rank k for round, if W is not empty.
func (c *Committee) Scheduler(round uint64, k int) (signature.PublicKey, bool) {
	n := len(c.Workers)
	if n == 0 || k < 0 || k >= n {
		return signature.PublicKey{}, false
	}
	// rank = (round + i) mod n  =>  i = (k - round) mod n
	i := (k - int(round%uint64(n)) + n) % n
	return c.Workers[i], true
}

// MayPropose reports whether node may propose for round at height, for a
// round that started at start: a worker of rank k may once
// k × proposerTimeout blocks have passed.
func (c *Committee) MayPropose(node signature.PublicKey, round uint64, start, height int64, proposerTimeout uint64) bool {
	k := c.Rank(c.WorkerIndex(node), round)
	if k < 0 {
		return false
	}
	if height < start {
		return k == 0
	}
	elapsed := uint64(height - start)
	if proposerTimeout != 0 && uint64(k) > elapsed/proposerTimeout {
		return false
	}
	return true
}

// Vote is the part of an accepted commitment that decides a round.
type Vote struct {
	Node    signature.PublicKey `cbor:"node" json:"node"`
	Backup  bool                `cbor:"backup" json:"backup"`
	Failure Failure             `cbor:"failure" json:"failure"`
	Results ComputeResults      `cbor:"results" json:"results"`
}

// Agrees reports whether two votes are the same vote (failures included).
func (v *Vote) Agrees(o *Vote) bool { return v.Failure == o.Failure && v.Results == o.Results }

// LockedProposal is the proposal the first accepted commitment of a round
// carried; every later commitment of the round must carry the same.
type LockedProposal struct {
	Scheduler signature.PublicKey `cbor:"scheduler" json:"scheduler"`
	BatchHash Hash                `cbor:"batch_hash" json:"batch_hash"`
}

// RoundState is the roothash's state of a runtime's pending round.
//
// StartHeight is the consensus height the round started at (the height
// its parent was finalized, or the first height of the epoch); Deadline is
// the height whose end times the current phase out. IncomingUpTo bounds the
// incoming messages this round's batch must process: every queued message
// with ID below it, in ID order.
type RoundState struct {
	Round        uint64                `cbor:"round" json:"round"`
	Committee    Committee             `cbor:"committee" json:"committee"`
	StartHeight  int64                 `cbor:"start_height" json:"start_height"`
	Deadline     int64                 `cbor:"deadline" json:"deadline"`
	Proposal     *LockedProposal       `cbor:"proposal,omitempty" json:"proposal,omitempty"`
	Votes        []Vote                `cbor:"votes" json:"votes"`
	Discrepancy  bool                  `cbor:"discrepancy" json:"discrepancy"`
	Stragglers   []signature.PublicKey `cbor:"stragglers,omitempty" json:"stragglers,omitempty"`
	IncomingUpTo uint64                `cbor:"incoming_up_to" json:"incoming_up_to"`
}

// Voted reports whether node has a vote in the round.
func (r *RoundState) Voted(node signature.PublicKey) bool {
	return slices.ContainsFunc(r.Votes, func(v Vote) bool { return v.Node == node })
}

// IncomingFor picks from queue (the roothash/incoming answer, in ID order)
// the messages this round's batch must process, in order.
func (r *RoundState) IncomingFor(queue []IncomingMessage) []IncomingMessage {
	var out []IncomingMessage
	for _, m := range queue {
		if m.ID < r.IncomingUpTo {
			out = append(out, m)
		}
	}
	return out
}
