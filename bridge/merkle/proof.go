package merkle

import (
	"encoding/binary"
	"fmt"

	"github.com/atoll-dev/atoll/bridge/keccak"
)

// Proof shows that Leaf is the Index-th leaf of a tree: Path holds the 32
// sibling hashes from the leaf's level up to just below the root.
type Proof struct {
	Leaf  keccak.Hash
	Index uint32
	Path  [Depth]keccak.Hash
}

// ProofSize is the length of Proof's binary encoding.
const ProofSize = keccak.Size + 4 + Depth*keccak.Size

// BranchRoot is Nomad's branchRoot: the root obtained by hashing leaf with
// the siblings in path, taking bit i of index to say whether the node at
// level i is a right child. It never fails; whether the result is a root that
// anyone attested to is the caller's question.
func BranchRoot(leaf keccak.Hash, path *[Depth]keccak.Hash, index uint32) keccak.Hash {
	current := leaf
	for i := 0; i < Depth; i++ {
		if (index>>i)&1 == 1 {
			current = hashPair(&path[i], &current)
		} else {
			current = hashPair(&current, &path[i])
		}
	}
	return current
}

// Root returns the root the proof implies.
func (p *Proof) Root() keccak.Hash { return BranchRoot(p.Leaf, &p.Path, p.Index) }

// Verify reports whether the proof leads to root.
func (p *Proof) Verify(root keccak.Hash) bool { return p.Root() == root }

// MarshalBinary encodes the proof as
//
//	offset  size   field
//	     0    32   leaf
//	    32     4   index, uint32 big-endian
//	    36  32×32  path[0..31], the leaf's sibling first
func (p *Proof) MarshalBinary() ([]byte, error) {
	b := make([]byte, ProofSize)
	copy(b, p.Leaf[:])
	binary.BigEndian.PutUint32(b[32:], p.Index)
	for i := range p.Path {
		copy(b[36+i*keccak.Size:], p.Path[i][:])
	}
	return b, nil
}

// UnmarshalBinary decodes MarshalBinary's form; b must be exactly ProofSize
// bytes. A well-formed proof is not a valid one: verify it against a root.
func (p *Proof) UnmarshalBinary(b []byte) error {
	if len(b) != ProofSize {
		return fmt.Errorf("%w: proof is %d bytes, want %d", ErrEncoding, len(b), ProofSize)
	}
	copy(p.Leaf[:], b)
	p.Index = binary.BigEndian.Uint32(b[32:])
	for i := range p.Path {
		copy(p.Path[i][:], b[36+i*keccak.Size:])
	}
	return nil
}
