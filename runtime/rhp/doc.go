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
// The package must not depend on any runtime, on storage or on consensus: batch
// and transaction payloads are opaque bytes, Merkle proofs are opaque bytes
// with the root they prove against, and the block context is plain data.
package rhp
