package p2p

import (
	"github.com/atoll-dev/atoll/consensus/registry"
	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
)

// Every message is the canonical CBOR map of its struct tags, decoded
// strictly (unknown fields, duplicate keys and trailing bytes are errors).

// TxMsg gossips runtime transactions (at most MaxGossipTxs).
//
//	{ "runtime": bstr .size 32, "txs": [* bstr] }
type TxMsg struct {
	Runtime registry.RuntimeID `cbor:"runtime"`
	Txs     [][]byte           `cbor:"txs"`
}

// MaxGossipTxs bounds the transactions of one TxMsg.
const MaxGossipTxs = 4096

// ProposalMsg delivers a scheduler's proposal with the batch it binds.
//
//	{ "proposal": SignedProposal, "txs": [* bstr] }
type ProposalMsg struct {
	Proposal roothash.SignedProposal `cbor:"proposal"`
	Txs      [][]byte                `cbor:"txs"`
}

// ApplyRequest asks a storage node to store a round's results: the state
// write log on top of the state root of round Round-1 (PrevStateRoot) and
// the IO write log on top of the empty tree, reaching StateRoot and IORoot.
// Write logs are in the MKVS write-log encoding. A request with both logs
// empty asks for a receipt of results the node already verified and
// stashed (its own worker's, or another executor's copy): a node that does
// not hold them refuses, and the caller sends the logs.
//
//	{ "runtime": bstr .size 32, "round": uint, "prev_state_root": bstr .size 32,
//	  "state_root": bstr .size 32, "io_root": bstr .size 32,
//	  "state_log": bstr, "io_log": bstr }
type ApplyRequest struct {
	Runtime       registry.RuntimeID `cbor:"runtime"`
	Round         uint64             `cbor:"round"`
	PrevStateRoot roothash.Hash      `cbor:"prev_state_root"`
	StateRoot     roothash.Hash      `cbor:"state_root"`
	IORoot        roothash.Hash      `cbor:"io_root"`
	StateLog      []byte             `cbor:"state_log"`
	IOLog         []byte             `cbor:"io_log"`
}

// DiffRequest asks for the write logs of round Round that lead to
// StateRoot (from round Round-1's state) and IORoot (from the empty tree):
// a storage node that receipted these roots must be able to answer, from
// its finalized trees or from the results it stashed.
//
//	{ "runtime": bstr .size 32, "round": uint, "state_root": bstr .size 32, "io_root": bstr .size 32 }
type DiffRequest struct {
	Runtime   registry.RuntimeID `cbor:"runtime"`
	Round     uint64             `cbor:"round"`
	StateRoot roothash.Hash      `cbor:"state_root"`
	IORoot    roothash.Hash      `cbor:"io_root"`
}

// DiffResponse carries the write logs of a round, in the MKVS encoding,
// with the roots they lead to (the receiver verifies them against the
// finalized header, never trusts them).
//
//	{ "state_root": bstr .size 32, "io_root": bstr .size 32, "state_log": bstr, "io_log": bstr }
type DiffResponse struct {
	StateRoot roothash.Hash `cbor:"state_root"`
	IORoot    roothash.Hash `cbor:"io_root"`
	StateLog  []byte        `cbor:"state_log"`
	IOLog     []byte        `cbor:"io_log"`
}

// CheckpointRequest asks for chunk Index of the checkpoint of the state
// root of round Round.
//
//	{ "runtime": bstr .size 32, "round": uint, "index": uint }
type CheckpointRequest struct {
	Runtime registry.RuntimeID `cbor:"runtime"`
	Round   uint64             `cbor:"round"`
	Index   uint32             `cbor:"index"`
}

// CheckpointResponse is one checkpoint chunk (mkvs.VerifyChunk format) and
// how many chunks the checkpoint has.
//
//	{ "chunk": bstr, "total": uint }
type CheckpointResponse struct {
	Chunk []byte `cbor:"chunk"`
	Total uint32 `cbor:"total"`
}

// Empty acknowledges a message that has no answer.
//
//	{}
type Empty struct{}
