// Package state owns the consensus application's key-value state: the KV
// view services read and write, copy-on-write overlays that give every
// transaction all-or-nothing semantics, and the Pebble-backed Store that
// persists one version per block and derives the app hash.
//
// The app hash is a hash chain over per-block write sets:
//
//	apphash(h) = sha512/256("atoll/consensus/apphash/v1" | apphash(h-1) | u64be(h) | writeset(h))
//	writeset   = for each written key in ascending order:
//	             u32be(len k) | k | u8 (0 deleted, 1 set) | u32be(len v) | v
//
// A chain rather than a Merkle tree over all keys keeps Commit O(writes)
// and still makes two nodes' hashes diverge at the first block whose effects
// differ; proofs of individual keys are the job of storage/mkvs, which the
// consensus state can move onto once it is ready without changing services.
//
// Storage I/O failures are not transaction failures: a node that cannot read
// its own state must stop rather than diverge. They surface as a panic with a
// *FatalError, which the application re-raises instead of recovering.
package state
