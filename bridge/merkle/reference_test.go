package merkle

import (
	"testing"

	"github.com/atoll-dev/atoll/bridge/keccak"
)

// referenceRoot computes the root the slow, obvious way: hash the level
// below pairwise, padding with the empty subtree's root, 32 times.
func referenceRoot(leaves []keccak.Hash) keccak.Hash {
	level := append([]keccak.Hash{}, leaves...)
	for i := 0; i < Depth; i++ {
		if len(level)%2 == 1 || len(level) == 0 {
			level = append(level, ZeroHash(i))
		}
		if len(level) == 1 {
			level = append(level, ZeroHash(i))
		}
		next := make([]keccak.Hash, len(level)/2)
		for j := range next {
			next[j] = keccak.Sum(level[2*j][:], level[2*j+1][:])
		}
		level = next
	}
	return level[0]
}

// TestTree_Root_reference checks both trees against the reference for every
// size up to 70, including the empty tree.
func TestTree_Root_reference(t *testing.T) {
	var tr Tree
	var ft FullTree
	var leaves []keccak.Hash
	for n := 0; n <= 70; n++ {
		want := referenceRoot(leaves)
		if tr.Root() != want || ft.Root() != want {
			t.Fatalf("n=%d: roots %s / %s, reference %s", n, tr.Root(), ft.Root(), want)
		}
		l := leafN(1000 + n)
		leaves = append(leaves, l)
		tr.Insert(l)
		ft.Insert(l)
	}
}
