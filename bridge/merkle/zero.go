package merkle

import "github.com/atoll-dev/atoll/bridge/keccak"

// Depth is the height of the tree; it holds at most MaxLeaves leaves.
const Depth = 32

// MaxLeaves is Nomad's MAX_LEAVES: 2^32 - 1, so that the count fits a uint32.
const MaxLeaves = 1<<Depth - 1

// zeroHashes[i] is the root of an empty subtree of height i:
// Z[0] = 0x0, Z[i+1] = keccak256(Z[i] || Z[i]).
var zeroHashes = func() (z [Depth + 1]keccak.Hash) {
	for i := 1; i <= Depth; i++ {
		z[i] = hashPair(&z[i-1], &z[i-1])
	}
	return z
}()

// ZeroHash returns Z[i], the root of an empty subtree of height i (0 ≤ i ≤ 32).
// It panics for i outside that range, which is a programming error.
func ZeroHash(i int) keccak.Hash { return zeroHashes[i] }

// EmptyRoot is the root of the tree with no leaves, Z[32]
// (0x27ae5ba0…d757). It is deliberately not 0x0.
func EmptyRoot() keccak.Hash { return zeroHashes[Depth] }
