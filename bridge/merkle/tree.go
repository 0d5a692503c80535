package merkle

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/bridge/keccak"
)

// Errors of the trees and their encodings.
var (
	ErrFull          = errors.New("merkle: tree is full")
	ErrEncoding      = errors.New("merkle: malformed encoding")
	ErrIndexTooLarge = errors.New("merkle: leaf index out of range")
)

// Tree is Nomad's incremental Merkle tree: it keeps, for each level, the left
// sibling still waiting for a right one, so an insert costs at most 32 hashes
// (two on average) and the state has a fixed size. The zero value is the
// empty tree. A Tree is a plain value: copy it to snapshot it. It is not safe
// for concurrent mutation.
type Tree struct {
	branch [Depth]keccak.Hash
	count  uint32
}

// TreeSize is the length of Tree's binary encoding.
const TreeSize = 4 + Depth*keccak.Size

// Count returns the number of leaves inserted.
func (t *Tree) Count() uint32 { return t.count }

// Insert appends leaf. It returns ErrFull after MaxLeaves leaves.
func (t *Tree) Insert(leaf keccak.Hash) error {
	if t.count >= MaxLeaves {
		return ErrFull
	}
	t.count++
	size := t.count
	node := leaf
	for i := 0; i < Depth; i++ {
		if size&1 == 1 {
			t.branch[i] = node
			return nil
		}
		node = hashPair(&t.branch[i], &node)
		size >>= 1
	}
	// Unreachable: count < 2^32 always has a set bit below 32.
	panic("merkle: insert fell off the tree")
}

// Root returns the current root; for the empty tree that is EmptyRoot().
func (t *Tree) Root() keccak.Hash {
	var current keccak.Hash // Z[0]
	for i := 0; i < Depth; i++ {
		if (t.count>>i)&1 == 1 {
			current = hashPair(&t.branch[i], &current)
		} else {
			current = hashPair(&current, &zeroHashes[i])
		}
	}
	return current
}

// MarshalBinary encodes the tree as
//
//	offset  size   field
//	     0     4   count, uint32 big-endian
//	     4  32×32  branch[0..31], level 0 first
//
// Branch nodes above the highest set bit of count are kept as they are: they
// are a deterministic function of the inserted leaves.
func (t *Tree) MarshalBinary() ([]byte, error) {
	b := make([]byte, TreeSize)
	binary.BigEndian.PutUint32(b, t.count)
	for i := range t.branch {
		copy(b[4+i*keccak.Size:], t.branch[i][:])
	}
	return b, nil
}

// UnmarshalBinary decodes MarshalBinary's form; b must be exactly TreeSize bytes.
func (t *Tree) UnmarshalBinary(b []byte) error {
	if len(b) != TreeSize {
		return fmt.Errorf("%w: tree is %d bytes, want %d", ErrEncoding, len(b), TreeSize)
	}
	count := binary.BigEndian.Uint32(b)
	if count > MaxLeaves {
		return fmt.Errorf("%w: count %d exceeds %d", ErrEncoding, count, uint32(MaxLeaves))
	}
	t.count = count
	for i := range t.branch {
		copy(t.branch[i][:], b[4+i*keccak.Size:])
	}
	return nil
}
