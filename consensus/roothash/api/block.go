package api

import (
	"crypto/sha256"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/registry"
)

// Hash is a SHA-256 digest (header hashes, roots, batch and message hashes).
type Hash [32]byte

// IsZero reports whether h is all zeros.
func (h Hash) IsZero() bool { return h == Hash{} }

// HeaderType says how a runtime block came about.
type HeaderType uint8

const (
	// Normal is a block the committee computed and consensus finalized.
	Normal HeaderType = 1
	// RoundFailed is an empty block closing a round that could not be decided;
	// the state and IO roots carry over.
	RoundFailed HeaderType = 2
	// EpochTransition is an empty block closing a pending round when the
	// committee changed.
	EpochTransition HeaderType = 3
	// Suspended is an empty block marking the runtime's suspension.
	Suspended HeaderType = 4
)

// Header is a runtime block header. Round 0 is the genesis block, with the
// runtime's genesis state root and an empty IO root.
type Header struct {
	Namespace registry.RuntimeID `cbor:"namespace"`
	Round     uint64             `cbor:"round"`
	// Timestamp is the consensus block time (unix seconds) of the block that
	// finalized this header; never a worker's clock.
	Timestamp    int64      `cbor:"timestamp"`
	Type         HeaderType `cbor:"type"`
	PreviousHash Hash       `cbor:"previous_hash"`
	IORoot       Hash       `cbor:"io_root"`
	StateRoot    Hash       `cbor:"state_root"`
	MessagesHash Hash       `cbor:"messages_hash"`
}

// Hash is sha256 of the header's canonical CBOR encoding.
func (h *Header) Hash() Hash { return sha256.Sum256(codec.Marshal(h)) }

// ComputeResults is what an executor computed for a round: the part of the
// next header the committee must agree on.
type ComputeResults struct {
	IORoot       Hash `cbor:"io_root"`
	StateRoot    Hash `cbor:"state_root"`
	MessagesHash Hash `cbor:"messages_hash"`
}

// Next is the header that finalizing results on top of h produces.
func (h *Header) Next(r ComputeResults, timestamp int64) Header {
	return Header{
		Namespace: h.Namespace, Round: h.Round + 1, Timestamp: timestamp, Type: Normal,
		PreviousHash: h.Hash(), IORoot: r.IORoot, StateRoot: r.StateRoot, MessagesHash: r.MessagesHash,
	}
}

// Empty is the header of an empty block of type t after h: roots carry over.
func (h *Header) Empty(t HeaderType, timestamp int64) Header {
	return Header{
		Namespace: h.Namespace, Round: h.Round + 1, Timestamp: timestamp, Type: t,
		PreviousHash: h.Hash(), IORoot: h.IORoot, StateRoot: h.StateRoot, MessagesHash: MessagesHash(nil),
	}
}
