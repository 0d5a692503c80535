// Package mkvs owns atoll's Merklized versioned key-value store: the
// authenticated state of every runtime and the per-round input/output trees,
// persisted on Pebble.
//
// The tree is a binary Patricia trie in crit-bit form. Keys are arbitrary
// byte strings read as a prefix-free bit string of nine bits per byte (a
// "byte present" bit followed by the eight data bits, most significant
// first), so no key is a prefix of another and every key sits in a leaf.
// An internal node stores only the index of the first bit on which its two
// subtrees differ. The shape of the trie, and therefore its root hash,
// depends only on the set of key/value pairs, never on the order or history
// of the operations that produced it. An in-order walk (child 0 first)
// visits keys in ascending byte order.
//
// Node hashes are SHA-256 with a domain byte per kind of preimage:
//
//	leaf      SHA-256( 0x00 | len(key) u32 BE | key | SHA-256(0x02 | value) )
//	internal  SHA-256( 0x01 | crit-bit index u32 BE | left hash | right hash )
//	empty     SHA-256( 0x03 )  (the root of the tree with no keys)
//
// A root is identified by (namespace, version, type, hash); see Root.
//
// Where the bytes are described:
//
//	hash.go        node hash preimages
//	node.go        stored node records
//	keys.go        the Pebble key layout and root records
//	writelog.go    the write-log wire format
//	proof.go       the proof wire format
//	checkpoint.go  checkpoint chunks
//
// Proofs serve two readers: Verifier answers lookups against a trusted
// root, and partial.go turns verified proofs into a tree a sandboxed
// runtime can change and re-hash.
//
// Persistence: a commit writes the new nodes, an index of the nodes it made
// stale and the root record in one atomic Pebble batch. Stored nodes are
// never rewritten; pruning deletes the nodes that only pruned versions
// reach and compacts their key range so the disk space comes back.
//
// Concurrency: a Store is safe for concurrent use. A Tree is a working copy
// owned by one goroutine while it is being modified; its read methods (Get,
// iterators, Prove) may run concurrently with each other when no write is
// in flight.
//
// This package must not depend on any runtime: values are opaque bytes.
package mkvs
