// Package p2p owns the transport between compute and storage nodes: gRPC
// over mutual TLS, with canonical CBOR messages. Each node presents a
// self-signed ed25519 certificate for its registered P2P key; a connection
// is accepted only when the peer's key is one a registered node declared
// (the Authorizer decides), and a client accepts a server only when it shows
// the key the registry lists for the address it dialled. Handlers therefore
// learn the authenticated P2P key of every caller.
//
// Services, all unary and keyed by runtime:
//
//	SubmitTx       gossip a runtime transaction to a committee member
//	Propose        deliver a scheduler's signed proposal with its batch
//	StorageApply   send a round's write logs to a storage node for a receipt
//	GetDiff        fetch a finalized round's write logs (catch-up)
//	GetCheckpoint  fetch one chunk of a checkpoint of a finalized root
//
// Messages and their layouts are in messages.go.
package p2p
