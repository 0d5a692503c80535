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
// Node hashes are SHA-256 with a domain byte per kind (see hash.go for the
// exact layout). A root is identified by (namespace, version, type, hash);
// see Root.
//
// Concurrency: a Store is safe for concurrent use. A Tree is a working copy
// owned by one goroutine while it is being modified; its read methods (Get,
// iterators, Prove) may run concurrently with each other when no write is
// in flight.
//
// This package must not depend on any runtime: values are opaque bytes.
package mkvs
