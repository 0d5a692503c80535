// Package merkle owns the bridge's message tree: Nomad's incremental Merkle
// tree of depth 32 over keccak256, its zero hashes, inclusion proofs and their
// verification (branchRoot).
//
// Two trees compute the same roots. Tree is the constant-size incremental form
// a Home keeps on chain (32 branch nodes and a count); FullTree keeps every
// node so that agents can produce a proof for any leaf. The empty tree's root
// is Z_32, never 0x0. The package is pure and deterministic.
package merkle
