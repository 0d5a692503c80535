// Package rhp owns the Runtime Host Protocol: the framing, message types and
// multiplexed connection over which a node (the host) drives a runtime process
// and the runtime calls back into the host.
//
// A frame is a 4-byte big-endian length followed by one canonical CBOR item,
// the envelope [id, type, body]. Either side may send requests; responses carry
// the id of the request they answer, so requests from both directions are
// in flight on one socket at once (the runtime reads storage through the host
// while it serves the host's ExecuteTxBatch). docs/rhp.md is the normative
// description for implementers in other languages.
//
// Bodies are encoded with fxamacker/cbor's core deterministic mode, the
// reference codec, except the messages that carry a round (ExecuteTxBatch,
// CheckTxBatch, StorageGet and their responses): those have hand-written
// codecs (fastcodec*.go, on package canon) that write the reference's
// bytes exactly, decode its canonical subset without reflection or copies
// (decoded byte strings alias the frame), and leave anything else to the
// reference decoder, so that what is accepted, and the errors for what is
// not, stay the reference's. Tests and fuzz targets hold them to it.
//
// The package must not depend on any runtime, on storage or on consensus: batch
// and transaction payloads are opaque bytes, Merkle proofs are opaque bytes
// with the root they prove against, and the block context is plain data.
package rhp
