// Package codec owns the canonical CBOR encoding of every consensus-layer
// value: transactions, state records and events. Encoding is deterministic
// (RFC 8949 core deterministic encoding) so that equal values hash equally
// on every node; decoding is strict (no duplicate map keys, no unknown
// fields, no indefinite lengths, no tags) so that one value has one encoding.
package codec
