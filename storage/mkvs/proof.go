package mkvs

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// DefaultMaxProofDepth is the deepest path a Verifier accepts by default.
// Trees keyed by hashes (account addresses) are about 2·log2(n) deep.
const DefaultMaxProofDepth = 256

// proofVersion is the first byte of an encoded proof.
const proofVersion = 1

// ProofNodeKind tags one node of an encoded proof.
type ProofNodeKind uint8

const (
	// ProofStub is a subtree given only by its hash.
	ProofStub ProofNodeKind = 0
	// ProofInternal is an internal node followed by its two children.
	ProofInternal ProofNodeKind = 1
	// ProofLeaf is a leaf with its full value.
	ProofLeaf ProofNodeKind = 2
	// ProofLeafDigest is a leaf given by its key and value hash.
	ProofLeafDigest ProofNodeKind = 3
	// ProofEmpty is the empty tree; it may only be the whole proof.
	ProofEmpty ProofNodeKind = 4
)

// ProofNode is one node of a proof: a pruned copy of the tree holding the
// paths to the looked-up keys and the hashes of everything else.
//
// Encoding (pre-order, after a version byte u8 = 1 for the whole proof):
//
//	stub:        0x00 | hash (32)
//	internal:    0x01 | crit bit u32 BE | left node | right node
//	leaf:        0x02 | len(key) u32 BE | key | len(value) u32 BE | value
//	leaf digest: 0x03 | len(key) u32 BE | key | value hash (32)
//	empty tree:  0x04
type ProofNode struct {
	Kind  ProofNodeKind
	Hash  Hash   // ProofStub: the subtree's hash; ProofLeafDigest: the value hash
	Bit   uint32 // ProofInternal
	Left  *ProofNode
	Right *ProofNode
	Key   []byte // leaves
	Value []byte // ProofLeaf

	visited bool
}

// Lookup is the answer a proof gives for one key.
type Lookup struct {
	Value []byte // nil when !Found
	Found bool
}

// Prove returns an encoded proof for every key in keys: inclusion for the
// present ones, absence for the others. The tree must not be modified
// concurrently; if it has uncommitted changes Prove hashes them.
func (t *Tree) Prove(keys ...[]byte) ([]byte, error) {
	for _, k := range keys {
		if err := checkKey(k); err != nil {
			return nil, err
		}
	}
	hashRef(&t.root)
	out := make([]byte, 1, 1024)
	out[0] = proofVersion
	if t.root.empty() {
		return append(out, byte(ProofEmpty)), nil
	}
	return t.proveRef(out, nil, 0, &t.root, keys)
}

func refHash(r *ref) *Hash {
	if r.id.persisted() {
		return &r.hash
	}
	return &r.n.hash
}

// proveRef appends the proof of the subtree r, which is child dir of parent
// (nil for the root).
func (t *Tree) proveRef(out []byte, parent *node, dir uint8, r *ref, keys [][]byte) ([]byte, error) {
	if len(keys) == 0 {
		out = append(out, byte(ProofStub))
		return append(out, refHash(r)[:]...), nil
	}
	var n *node
	var err error
	if parent != nil {
		n, err = t.child(parent, dir)
	} else {
		n, err = t.resolve(r)
	}
	if err != nil {
		return nil, err
	}
	if n.leaf {
		full := false
		for _, k := range keys {
			if bytes.Equal(k, n.key) {
				full = true
				break
			}
		}
		if full {
			out = append(out, byte(ProofLeaf))
			out = binary.BigEndian.AppendUint32(out, uint32(len(n.key)))
			out = append(out, n.key...)
			out = binary.BigEndian.AppendUint32(out, uint32(len(n.value)))
			return append(out, n.value...), nil
		}
		out = append(out, byte(ProofLeafDigest))
		out = binary.BigEndian.AppendUint32(out, uint32(len(n.key)))
		out = append(out, n.key...)
		vh := ValueHash(n.value)
		return append(out, vh[:]...), nil
	}
	out = append(out, byte(ProofInternal))
	out = binary.BigEndian.AppendUint32(out, n.bit)
	// Partition keys by the node's bit (a single key, the common case,
	// needs no new slice).
	var left, right [][]byte
	if len(keys) == 1 {
		if bitAt(keys[0], n.bit) == 0 {
			left = keys
		} else {
			right = keys
		}
	} else {
		for _, k := range keys {
			if bitAt(k, n.bit) == 0 {
				left = append(left, k)
			} else {
				right = append(right, k)
			}
		}
	}
	if out, err = t.proveRef(out, n, 0, &n.child[0], left); err != nil {
		return nil, err
	}
	return t.proveRef(out, n, 1, &n.child[1], right)
}

// DecodeProof parses an encoded proof, rejecting malformed encodings, paths
// deeper than maxDepth internal nodes (DefaultMaxProofDepth if maxDepth <=
// 0) and crit bits that do not increase down a path. It does not check the
// proof against any root.
func DecodeProof(b []byte, maxDepth int) (*ProofNode, error) {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxProofDepth
	}
	if len(b) == 0 || b[0] != proofVersion {
		return nil, fmt.Errorf("%w: missing or unknown version", ErrMalformedProof)
	}
	d := proofDecoder{b: b, off: 1, maxDepth: maxDepth}
	if len(b) == 2 && b[1] == byte(ProofEmpty) {
		return &ProofNode{Kind: ProofEmpty}, nil
	}
	n, err := d.node(0, 0)
	if err != nil {
		return nil, err
	}
	if d.off != len(b) {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrMalformedProof, len(b)-d.off)
	}
	return n, nil
}

type proofDecoder struct {
	b        []byte
	off      int
	maxDepth int
	slab     []ProofNode // nodes are carved from here, a few allocations per proof
}

func (d *proofDecoder) newNode(kind ProofNodeKind) *ProofNode {
	if len(d.slab) == 0 {
		d.slab = make([]ProofNode, 32)
	}
	n := &d.slab[0]
	d.slab = d.slab[1:]
	n.Kind = kind
	return n
}

func (d *proofDecoder) take(n int, what string) ([]byte, error) {
	if n < 0 || len(d.b)-d.off < n {
		return nil, fmt.Errorf("%w: truncated %s at offset %d", ErrMalformedProof, what, d.off)
	}
	s := d.b[d.off : d.off+n : d.off+n]
	d.off += n
	return s, nil
}

func (d *proofDecoder) u32(what string) (uint32, error) {
	s, err := d.take(4, what)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(s), nil
}

func (d *proofDecoder) key() ([]byte, error) {
	kl, err := d.u32("key length")
	if err != nil {
		return nil, err
	}
	if kl > MaxKeySize {
		return nil, fmt.Errorf("%w: key of %d bytes", ErrMalformedProof, kl)
	}
	k, err := d.take(int(kl), "key")
	return bytes.Clone(k), err
}

// node decodes one node at the given depth; minBit is the smallest crit bit
// an internal node may have there (one past its parent's).
func (d *proofDecoder) node(depth int, minBit uint64) (*ProofNode, error) {
	tag, err := d.take(1, "node tag")
	if err != nil {
		return nil, err
	}
	n := d.newNode(ProofNodeKind(tag[0]))
	switch n.Kind {
	case ProofStub:
		h, err := d.take(HashSize, "stub hash")
		if err != nil {
			return nil, err
		}
		copy(n.Hash[:], h)
	case ProofInternal:
		if depth >= d.maxDepth {
			return nil, fmt.Errorf("%w: more than %d internal nodes on a path", ErrProofTooDeep, d.maxDepth)
		}
		if n.Bit, err = d.u32("crit bit"); err != nil {
			return nil, err
		}
		if uint64(n.Bit) < minBit {
			return nil, fmt.Errorf("%w: crit bit %d does not exceed its parent's", ErrMalformedProof, n.Bit)
		}
		if n.Left, err = d.node(depth+1, uint64(n.Bit)+1); err != nil {
			return nil, err
		}
		if n.Right, err = d.node(depth+1, uint64(n.Bit)+1); err != nil {
			return nil, err
		}
	case ProofLeaf:
		if n.Key, err = d.key(); err != nil {
			return nil, err
		}
		vl, err := d.u32("value length")
		if err != nil {
			return nil, err
		}
		if vl > MaxValueSize {
			return nil, fmt.Errorf("%w: value of %d bytes", ErrMalformedProof, vl)
		}
		v, err := d.take(int(vl), "value")
		if err != nil {
			return nil, err
		}
		n.Value = bytes.Clone(v)
		if n.Value == nil {
			n.Value = []byte{}
		}
	case ProofLeafDigest:
		if n.Key, err = d.key(); err != nil {
			return nil, err
		}
		h, err := d.take(HashSize, "value hash")
		if err != nil {
			return nil, err
		}
		copy(n.Hash[:], h)
	default:
		return nil, fmt.Errorf("%w: unknown node tag 0x%02x at offset %d", ErrMalformedProof, tag[0], d.off-1)
	}
	return n, nil
}

// hash computes the hash of the subtree the proof node stands for.
func (n *ProofNode) hash() Hash {
	switch n.Kind {
	case ProofStub:
		return n.Hash
	case ProofInternal:
		l, r := n.Left.hash(), n.Right.hash()
		return internalHash(n.Bit, &l, &r)
	case ProofLeaf:
		return leafHash(n.Key, n.Value)
	case ProofLeafDigest:
		return leafHashDigest(n.Key, &n.Hash)
	}
	return EmptyRoot
}

// unused returns the first node no lookup passed through. Stubs are exempt
// (they are siblings of visited nodes), and so is the empty tree, which
// carries nothing.
func (n *ProofNode) unused() *ProofNode {
	if n.Kind == ProofStub || n.Kind == ProofEmpty {
		return nil
	}
	if !n.visited {
		return n
	}
	if n.Kind == ProofInternal {
		if u := n.Left.unused(); u != nil {
			return u
		}
		return n.Right.unused()
	}
	return nil
}

// Verifier checks proofs against trusted roots. The zero value uses
// DefaultMaxProofDepth.
type Verifier struct {
	MaxDepth int
}

// VerifyProof is Verifier{}.Verify.
func VerifyProof(root Hash, proof []byte, keys ...[]byte) ([]Lookup, error) {
	return Verifier{}.Verify(root, proof, keys...)
}

// Verify checks that proof is a proof, under the trusted root, for exactly
// the lookups of keys, and returns their answers in order. It needs nothing
// but its arguments. It fails on a malformed encoding (ErrMalformedProof),
// a path beyond the depth limit (ErrProofTooDeep), a proof of another tree
// (ErrProofMismatch), a key the proof does not answer (ErrProofIncomplete),
// and any node that answers no lookup (ErrProofUnused).
func (v Verifier) Verify(root Hash, proof []byte, keys ...[]byte) ([]Lookup, error) {
	maxDepth := v.MaxDepth
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
	out := make([]Lookup, len(keys))
	for i, k := range keys {
		if out[i], err = p.lookup(k); err != nil {
			return nil, err
		}
	}
	if u := p.unused(); u != nil {
		return nil, fmt.Errorf("%w: %s node answers no lookup", ErrProofUnused, u.Kind)
	}
	return out, nil
}

func (n *ProofNode) lookup(key []byte) (Lookup, error) {
	for {
		if n.Kind != ProofLeaf {
			n.visited = true
		}
		switch n.Kind {
		case ProofEmpty:
			return Lookup{}, nil
		case ProofStub:
			return Lookup{}, fmt.Errorf("%w: %q reaches a pruned subtree", ErrProofIncomplete, key)
		case ProofInternal:
			if bitAt(key, n.Bit) == 0 {
				n = n.Left
			} else {
				n = n.Right
			}
		case ProofLeaf:
			// A full value is only ever sent for a key that was asked
			// for, so only a match counts as a use.
			if bytes.Equal(n.Key, key) {
				n.visited = true
				return Lookup{Value: n.Value, Found: true}, nil
			}
			return Lookup{}, nil
		case ProofLeafDigest:
			if bytes.Equal(n.Key, key) {
				return Lookup{}, fmt.Errorf("%w: %q has only a value digest", ErrProofIncomplete, key)
			}
			return Lookup{}, nil
		default:
			return Lookup{}, fmt.Errorf("%w: unknown node kind %d", ErrMalformedProof, n.Kind)
		}
	}
}

// String names the kind.
func (k ProofNodeKind) String() string {
	switch k {
	case ProofStub:
		return "stub"
	case ProofInternal:
		return "internal"
	case ProofLeaf:
		return "leaf"
	case ProofLeafDigest:
		return "leaf digest"
	case ProofEmpty:
		return "empty"
	}
	return fmt.Sprintf("ProofNodeKind(%d)", uint8(k))
}

// AppendBinary appends the node's encoding (without the version byte).
func (n *ProofNode) AppendBinary(b []byte) []byte {
	b = append(b, byte(n.Kind))
	switch n.Kind {
	case ProofStub:
		b = append(b, n.Hash[:]...)
	case ProofInternal:
		b = binary.BigEndian.AppendUint32(b, n.Bit)
		b = n.Left.AppendBinary(b)
		b = n.Right.AppendBinary(b)
	case ProofLeaf:
		b = binary.BigEndian.AppendUint32(b, uint32(len(n.Key)))
		b = append(b, n.Key...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(n.Value)))
		b = append(b, n.Value...)
	case ProofLeafDigest:
		b = binary.BigEndian.AppendUint32(b, uint32(len(n.Key)))
		b = append(b, n.Key...)
		b = append(b, n.Hash[:]...)
	}
	return b
}

// EncodeProof returns the encoding of the proof rooted at n.
func EncodeProof(n *ProofNode) []byte {
	return n.AppendBinary([]byte{proofVersion})
}
