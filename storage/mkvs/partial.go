package mkvs

import (
	"errors"
	"fmt"
)

// ErrNotInProof is returned when a partial tree needs a part of the tree its
// proofs did not include.
var ErrNotInProof = errors.New("mkvs: key is outside the proven part of the tree")

// stubID marks a ref to a subtree known only by its hash. Resolving it fails
// (a partial tree has no store), which is how a partial tree refuses to
// answer for keys its proofs do not cover.
var stubID = nodeID{typ: RootType(0xff)}

// NewPartialTree builds a memory tree from a proof verified against root: it
// holds the proven paths and the hashes of everything else. Get, Insert and
// Remove work for every key the proof answers (present or absent) and fail
// with ErrNotInProof beyond them, and Hash gives the root after the changes —
// which is how a sandboxed runtime computes the new state root of a batch
// from the values and proofs its host ships.
func NewPartialTree(root Hash, proof []byte, maxDepth int) (*Tree, error) {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxProofDepth
	}
	p, err := DecodeProof(proof, maxDepth)
	if err != nil {
		return nil, err
	}
	if h := p.hash(); h != root {
		return nil, fmt.Errorf("%w: proof hashes to %s, trusted root is %s", ErrProofMismatch, h, root)
	}
	t := &Tree{partial: true}
	t.root = refFromProof(p)
	return t, nil
}

func refFromProof(p *ProofNode) ref {
	switch p.Kind {
	case ProofStub:
		return ref{hash: p.Hash, id: stubID}
	case ProofEmpty:
		return ref{}
	case ProofLeaf:
		n := &node{leaf: true, key: p.Key, value: p.Value}
		n.hash, n.clean = leafHash(p.Key, p.Value), true
		return ref{n: n}
	case ProofLeafDigest:
		// The value is unknown: the leaf can be compared with and moved,
		// and a Get of its key reports that the proof does not cover it.
		n := &node{leaf: true, key: p.Key, digestOnly: true}
		n.hash, n.clean = leafHashDigest(p.Key, &p.Hash), true
		return ref{n: n}
	}
	n := &node{bit: p.Bit, child: [2]ref{refFromProof(p.Left), refFromProof(p.Right)}}
	l, r := hashRef(&n.child[0]), hashRef(&n.child[1])
	n.hash, n.clean = internalHash(n.bit, &l, &r), true
	return ref{n: n}
}

// AddProof grafts another proof of the same tree onto a partial tree, so
// keys read later (after the first proof) can be changed too. The proof must
// be of the tree as it was when the partial tree was built, and must be added
// before any change touches the parts it expands.
func (t *Tree) AddProof(proof []byte, maxDepth int) error {
	if !t.partial {
		return fmt.Errorf("mkvs: AddProof on a tree that is not partial")
	}
	if maxDepth <= 0 {
		maxDepth = DefaultMaxProofDepth
	}
	p, err := DecodeProof(proof, maxDepth)
	if err != nil {
		return err
	}
	return graft(&t.root, p)
}

// graft expands stubs under r with the proof's nodes where the proof knows
// more, checking that every hash agrees.
func graft(r *ref, p *ProofNode) error {
	if p.Kind == ProofStub {
		if hashRef(r) != p.Hash {
			return fmt.Errorf("%w: grafted proof disagrees with the tree", ErrProofMismatch)
		}
		return nil
	}
	if r.id == stubID {
		if p.hash() != r.hash {
			return fmt.Errorf("%w: grafted proof disagrees with the tree", ErrProofMismatch)
		}
		*r = refFromProof(p)
		return nil
	}
	if r.n == nil {
		if p.Kind != ProofEmpty {
			return fmt.Errorf("%w: grafted proof disagrees with the tree", ErrProofMismatch)
		}
		return nil
	}
	n := r.n
	switch {
	case n.leaf:
		if (p.Kind != ProofLeaf && p.Kind != ProofLeafDigest) || string(p.Key) != string(n.key) || p.hash() != hashRef(r) {
			return fmt.Errorf("%w: grafted proof disagrees with the tree", ErrProofMismatch)
		}
		if n.digestOnly && p.Kind == ProofLeaf {
			n.value, n.digestOnly = p.Value, false
		}
		return nil
	case p.Kind != ProofInternal || p.Bit != n.bit:
		return fmt.Errorf("%w: grafted proof disagrees with the tree", ErrProofMismatch)
	}
	if err := graft(&n.child[0], p.Left); err != nil {
		return err
	}
	return graft(&n.child[1], p.Right)
}
