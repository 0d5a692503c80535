package api

import (
	"encoding/json"
	"fmt"

	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
)

// Query paths of the roothash service (ABCI query path "roothash/<path>").
// Data is the runtime id in hex unless noted.
const (
	QueryParams     = "roothash/params"     // no data → Params
	QueryLatest     = "roothash/latest"     // → BlockView
	QueryBlocks     = "roothash/blocks"     // no data → []BlockView, the latest of every runtime
	QueryBlock      = "roothash/block"      // JSON BlockQuery → BlockView
	QueryReceipts   = "roothash/receipts"   // JSON BlockQuery → []SignedReceipt behind a finalized block
	QueryRound      = "roothash/round"      // → RoundView
	QueryIncoming   = "roothash/incoming"   // → []IncomingMessage, queue order
	QueryChallenges = "roothash/challenges" // no data → []Challenge, id order
	QueryLiveness   = "roothash/liveness"   // → []LivenessStats this epoch, node order
)

// LivenessStats counts, for a worker this epoch, the decided rounds it was
// a worker in and those it did not help decide (missing or failure vote).
type LivenessStats struct {
	Node   signature.PublicKey `json:"node"`
	Rounds uint64              `json:"rounds"`
	Faults uint64              `json:"faults"`
}

// Event types the roothash emits. Every event names its "runtime" (hex id)
// and "round"; block events also carry "header_hash", "state_root" and
// "io_root" (hex).
const (
	EventFinalized          = "roothash.finalized"
	EventRoundFailed        = "roothash.round_failed"
	EventEpochTransition    = "roothash.epoch_transition"
	EventSuspended          = "roothash.suspended"
	EventResumed            = "roothash.resumed"
	EventDiscrepancy        = "roothash.discrepancy"
	EventCommitment         = "roothash.commitment"
	EventCommitmentRejected = "roothash.commitment_rejected"
	EventSlashed            = "roothash.slashed"
	EventLivenessFault      = "roothash.liveness_fault"
	EventMessage            = "roothash.message"
	EventIncoming           = "roothash.incoming"
	EventChallenge          = "roothash.challenge"
	EventChallengeAnswered  = "roothash.challenge_answered"
	EventChallengeExpired   = "roothash.challenge_expired"
)

// BlockView is a runtime block as queries return it: the header, its hash
// and the consensus height that produced it.
type BlockView struct {
	Header Header `json:"header"`
	Hash   Hash   `json:"hash"`
	Height int64  `json:"height"`
}

// BlockQuery asks for the block of Runtime at Round (JSON).
type BlockQuery struct {
	Runtime registry.RuntimeID `json:"runtime"`
	Round   uint64             `json:"round"`
}

// RoundView is the answer to roothash/round: the latest block, the pending
// round (nil while suspended or before the runtime has a committee) and the
// full commitments accepted so far, in acceptance order.
type RoundView struct {
	Runtime     registry.RuntimeID `json:"runtime"`
	Suspended   bool               `json:"suspended"`
	Latest      BlockView          `json:"latest"`
	Round       *RoundState        `json:"round,omitempty"`
	Commitments []SignedCommitment `json:"commitments"`
}

// Challenge is an open storage challenge.
type Challenge struct {
	ID         uint64              `cbor:"id" json:"id"`
	Runtime    registry.RuntimeID  `cbor:"runtime" json:"runtime"`
	Node       signature.PublicKey `cbor:"node" json:"node"`
	Entity     signature.PublicKey `cbor:"entity" json:"entity"`
	Round      uint64              `cbor:"round" json:"round"`
	Kind       RootKind            `cbor:"kind" json:"kind"`
	Root       Hash                `cbor:"root" json:"root"`
	Key        []byte              `cbor:"key" json:"key"`
	Challenger staking.Address     `cbor:"challenger" json:"challenger"`
	Bond       uint64              `cbor:"bond" json:"bond"`
	// Deadline is the last height at which an answer is accepted.
	Deadline int64 `cbor:"deadline" json:"deadline"`
}

// DecodeBlock decodes the JSON answer of roothash/latest or roothash/block.
func DecodeBlock(b []byte) (*BlockView, error) {
	var v BlockView
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("roothash: decoding block: %w", err)
	}
	if v.Header.Hash() != v.Hash {
		return nil, fmt.Errorf("roothash: block hash %x does not match its header", v.Hash)
	}
	return &v, nil
}

// DecodeRound decodes the JSON answer of roothash/round.
func DecodeRound(b []byte) (*RoundView, error) {
	var v RoundView
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("roothash: decoding round: %w", err)
	}
	if v.Latest.Header.Hash() != v.Latest.Hash {
		return nil, fmt.Errorf("roothash: latest block hash does not match its header")
	}
	return &v, nil
}

// DecodeIncoming decodes the JSON answer of roothash/incoming.
func DecodeIncoming(b []byte) ([]IncomingMessage, error) {
	var v []IncomingMessage
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("roothash: decoding incoming messages: %w", err)
	}
	return v, nil
}

// RuntimeQueryData is the query data naming runtime id.
func RuntimeQueryData(id registry.RuntimeID) []byte { return []byte(id.String()) }

// BlockQueryData is the query data of roothash/block.
func BlockQueryData(id registry.RuntimeID, round uint64) []byte {
	b, _ := json.Marshal(BlockQuery{Runtime: id, Round: round})
	return b
}
