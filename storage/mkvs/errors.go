package mkvs

import "errors"

// Sentinel errors. Errors returned by this package wrap one of these (or a
// Pebble error) with detail; test with errors.Is.
var (
	ErrNotFound        = errors.New("mkvs: not found")
	ErrKeyTooLarge     = errors.New("mkvs: key too large")
	ErrValueTooLarge   = errors.New("mkvs: value too large")
	ErrRootNotFound    = errors.New("mkvs: root not found")
	ErrVersionPruned   = errors.New("mkvs: version pruned")
	ErrRootMismatch    = errors.New("mkvs: root mismatch")
	ErrNamespace       = errors.New("mkvs: namespace mismatch")
	ErrBadVersion      = errors.New("mkvs: bad version")
	ErrNotLatest       = errors.New("mkvs: base root is not the latest root of its type")
	ErrNoStore         = errors.New("mkvs: tree has no store")
	ErrCorrupt         = errors.New("mkvs: database corrupt")
	ErrNodeMissing     = errors.New("mkvs: node missing")
	ErrClosed          = errors.New("mkvs: store closed")
	ErrMalformedProof  = errors.New("mkvs: malformed proof")
	ErrProofMismatch   = errors.New("mkvs: proof does not match root")
	ErrProofTooDeep    = errors.New("mkvs: proof deeper than limit")
	ErrProofIncomplete = errors.New("mkvs: proof does not cover key")
	ErrProofUnused     = errors.New("mkvs: proof has an unused entry")
	ErrMalformedLog    = errors.New("mkvs: malformed write log")
	ErrMalformedChunk  = errors.New("mkvs: malformed checkpoint chunk")
	ErrChunkMismatch   = errors.New("mkvs: checkpoint chunk does not match root")
)
