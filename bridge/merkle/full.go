package merkle

import (
	"fmt"

	"github.com/atoll-dev/atoll/bridge/keccak"
)

// FullTree keeps every node of the tree so that it can prove any leaf. It
// computes the same roots as Tree. Interior nodes are recomputed lazily, on
// the first Root or Proof after a run of inserts, so appending n leaves costs
// about n hashes however they are interleaved with queries of the latest
// state. The zero value is the empty tree; it is not safe for concurrent use.
type FullTree struct {
	// levels[0] holds the leaves; levels[i][j] is the node over leaves
	// [j·2^i, (j+1)·2^i), with missing right children taken as Z[i-1].
	levels [Depth + 1][]keccak.Hash
	// clean is the number of leaves whose ancestors are up to date.
	clean uint64
}

// Count returns the number of leaves.
func (f *FullTree) Count() uint32 { return uint32(len(f.levels[0])) }

// Insert appends leaf. It returns ErrFull after MaxLeaves leaves.
func (f *FullTree) Insert(leaf keccak.Hash) error {
	if uint64(len(f.levels[0])) >= MaxLeaves {
		return ErrFull
	}
	f.levels[0] = append(f.levels[0], leaf)
	return nil
}

// Leaf returns the index-th leaf.
func (f *FullTree) Leaf(index uint32) (keccak.Hash, error) {
	if uint64(index) >= uint64(len(f.levels[0])) {
		return keccak.Hash{}, fmt.Errorf("%w: %d of %d", ErrIndexTooLarge, index, len(f.levels[0]))
	}
	return f.levels[0][index], nil
}

// settle brings every interior node up to date with the leaves.
func (f *FullTree) settle() {
	n := uint64(len(f.levels[0]))
	if f.clean == n {
		return
	}
	for i := 1; i <= Depth; i++ {
		below := f.levels[i-1]
		width := (uint64(len(below)) + 1) / 2
		start := f.clean >> i
		level := f.levels[i][:min(start, uint64(len(f.levels[i])))]
		for j := start; j < width; j++ {
			right := &zeroHashes[i-1]
			if 2*j+1 < uint64(len(below)) {
				right = &below[2*j+1]
			}
			level = append(level, hashPair(&below[2*j], right))
		}
		f.levels[i] = level
	}
	f.clean = n
}

// Root returns the current root; for the empty tree that is EmptyRoot().
func (f *FullTree) Root() keccak.Hash {
	f.settle()
	if len(f.levels[Depth]) == 0 {
		return EmptyRoot()
	}
	return f.levels[Depth][0]
}

// Proof returns the proof of the index-th leaf against the current Root.
func (f *FullTree) Proof(index uint32) (Proof, error) {
	leaf, err := f.Leaf(index)
	if err != nil {
		return Proof{}, err
	}
	f.settle()
	p := Proof{Leaf: leaf, Index: index}
	for i := 0; i < Depth; i++ {
		sibling := uint64(index>>i) ^ 1
		if sibling < uint64(len(f.levels[i])) {
			p.Path[i] = f.levels[i][sibling]
		} else {
			p.Path[i] = zeroHashes[i]
		}
	}
	return p, nil
}
