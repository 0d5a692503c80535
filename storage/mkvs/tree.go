package mkvs

import (
	"bytes"
	"fmt"
)

// Tree is a working copy of one tree: opened at a committed root (or empty),
// changed with Insert and Remove, and committed to its Store as a new root.
//
// A Tree is not safe for concurrent modification. Get, Prove and iterators
// may run concurrently with each other while no Insert, Remove, Hash or
// Commit is running.
type Tree struct {
	store *Store // nil for a tree that lives only in memory
	base  Root   // root the tree was opened at (zero Root for a memory tree)
	root  ref

	// ops records, for every effective change since the base root, the
	// key and its state just before, so Commit can emit the net changes. It
	// is kept in fixed-size blocks: much cheaper per insert than a map, and
	// growing never copies.
	ops [][]opRecord
	// stale lists persisted nodes that have been replaced since the base.
	stale []nodeID
	// partial marks a tree built from proofs (NewPartialTree): parts
	// outside the proofs are hashes only.
	partial bool
	// path is Insert's scratch: the nodes from the root to a key's leaf.
	path []*node
}

// opRecord is one change to a key and the key's state before it.
type opRecord struct {
	key     []byte
	before  []byte
	existed bool
}

// opBlock is the number of records per block of Tree.ops.
const opBlock = 512

// NewTree returns an empty tree that lives only in memory. It can be
// hashed, iterated and proven, but not committed.
func NewTree() *Tree {
	return &Tree{}
}

// Base returns the root the tree was opened at (or last committed).
func (t *Tree) Base() Root { return t.base }

// resolve returns the node behind r, loading it from the store if needed.
// It never modifies r, so it is safe on shared nodes.
func (t *Tree) resolve(r *ref) (*node, error) {
	if r.n != nil {
		return r.n, nil
	}
	if !r.id.persisted() {
		return nil, nil
	}
	if r.id == stubID {
		return nil, ErrNotInProof
	}
	if t.store == nil {
		return nil, fmt.Errorf("%w: node %v", ErrNoStore, r.id)
	}
	return t.store.loadNode(r.id, &r.hash)
}

// mutable returns the node behind r as one this tree owns, copying a
// persisted node on first write and recording it as stale.
func (t *Tree) mutable(r *ref) (*node, error) {
	n, err := t.resolve(r)
	if err != nil {
		return nil, err
	}
	if !n.id.persisted() {
		n.clean = false
		return n, nil
	}
	c := n.clone()
	t.stale = append(t.stale, n.id)
	*r = ref{n: c}
	return c, nil
}

// own is mutable for a caller that already holds n, the node behind r.
func (t *Tree) own(r *ref, n *node) *node {
	if !n.id.persisted() {
		n.clean = false
		return n
	}
	c := n.clone()
	t.stale = append(t.stale, n.id)
	*r = ref{n: c}
	return c
}

// dropped records that the node behind r leaves the tree.
func (t *Tree) dropped(r *ref) {
	if r.id.persisted() {
		t.stale = append(t.stale, r.id)
	}
}

func checkKey(key []byte) error {
	if len(key) > MaxKeySize {
		return fmt.Errorf("%w: %d bytes (max %d)", ErrKeyTooLarge, len(key), MaxKeySize)
	}
	return nil
}

// findLeaf walks from the root following key's bits and returns the leaf it
// ends at, or nil for an empty tree.
func (t *Tree) findLeaf(key []byte) (*node, error) {
	n, err := t.resolve(&t.root)
	if err != nil || n == nil {
		return nil, err
	}
	for !n.leaf {
		if n, err = t.child(n, bitAt(key, n.bit)); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// findPath is findLeaf recording the nodes it passes, from the root to
// the leaf, in t.path. It is for writers: t.path is not shared.
func (t *Tree) findPath(key []byte) (*node, error) {
	t.path = t.path[:0]
	n, err := t.resolve(&t.root)
	if err != nil || n == nil {
		return nil, err
	}
	t.path = append(t.path, n)
	for !n.leaf {
		if n, err = t.child(n, bitAt(key, n.bit)); err != nil {
			return nil, err
		}
		t.path = append(t.path, n)
	}
	return n, nil
}

// child returns child dir of the internal node n. A read walk spends its
// time here: it follows a resident pointer or a cache hint when there is
// one (one memory access per level), and links what it had to look up.
func (t *Tree) child(n *node, dir uint8) (*node, error) {
	r := &n.child[dir]
	if r.n != nil {
		return r.n, nil
	}
	if h := n.hints[dir].Load(); h != nil {
		return h, nil
	}
	c, err := t.resolve(r)
	if err != nil {
		return nil, err
	}
	if c != nil && n.id.persisted() && t.store != nil {
		t.store.cache.link(n, dir, c)
	}
	return c, nil
}

// Get returns the value stored at key, or ErrNotFound. The returned slice
// must not be modified.
func (t *Tree) Get(key []byte) ([]byte, error) {
	l, err := t.findLeaf(key)
	if err != nil {
		return nil, err
	}
	if l == nil || !bytes.Equal(l.key, key) {
		return nil, ErrNotFound
	}
	if l.digestOnly {
		return nil, fmt.Errorf("%w: only the digest of %x is proven", ErrNotInProof, key)
	}
	return l.value, nil
}

// note records a change to key, which was (curExisted, cur) before it.
func (t *Tree) note(key []byte, curExisted bool, cur []byte) {
	if n := len(t.ops); n == 0 || len(t.ops[n-1]) == opBlock {
		t.ops = append(t.ops, make([]opRecord, 0, opBlock))
	}
	last := &t.ops[len(t.ops)-1]
	*last = append(*last, opRecord{key: key, before: cur, existed: curExisted})
}

// Insert sets key to value. The tree keeps references to key and value;
// the caller must not modify them afterwards.
func (t *Tree) Insert(key, value []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if len(value) > MaxValueSize {
		return fmt.Errorf("%w: %d bytes (max %d)", ErrValueTooLarge, len(value), MaxValueSize)
	}
	if value == nil {
		value = []byte{}
	}
	l, err := t.findPath(key)
	if err != nil {
		return err
	}
	if l == nil {
		t.note(key, false, nil)
		t.root = ref{n: &node{leaf: true, key: key, value: value}}
		return nil
	}
	c, equal := critBit(key, l.key)
	if equal {
		if bytes.Equal(l.value, value) {
			return nil
		}
		t.note(key, true, l.value)
	} else {
		t.note(key, false, nil)
	}
	// Walk down again, along the path findPath recorded (the same bits of
	// the same key pick the same children), taking ownership of every
	// node whose hash changes, to the leaf being replaced or to the edge
	// where the new leaf's internal node goes (the first node testing a
	// bit beyond c).
	r := &t.root
	for _, n := range t.path {
		if n.leaf || (!equal && n.bit > c) {
			break
		}
		m := t.own(r, n)
		r = &m.child[bitAt(key, m.bit)]
	}
	clear(t.path)
	leaf := &node{leaf: true, key: key, value: value}
	if equal {
		t.dropped(r)
		*r = ref{n: leaf}
		return nil
	}
	in := &node{bit: c}
	dir := bitAt(key, c)
	in.child[dir] = ref{n: leaf}
	in.child[1-dir] = *r
	*r = ref{n: in}
	return nil
}

// Remove deletes key. Removing an absent key is not an error.
func (t *Tree) Remove(key []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	l, err := t.findLeaf(key)
	if err != nil {
		return err
	}
	if l == nil || !bytes.Equal(l.key, key) {
		return nil
	}
	t.note(key, true, l.value)
	r := &t.root
	for {
		n, err := t.resolve(r)
		if err != nil {
			return err
		}
		if n.leaf {
			t.dropped(r)
			*r = ref{}
			return nil
		}
		dir := bitAt(key, n.bit)
		child, err := t.resolve(&n.child[dir])
		if err != nil {
			return err
		}
		if child.leaf {
			// Replace this internal node by the removed leaf's sibling.
			t.dropped(&n.child[dir])
			sib := n.child[1-dir]
			t.dropped(r)
			*r = sib
			return nil
		}
		m, err := t.mutable(r)
		if err != nil {
			return err
		}
		r = &m.child[dir]
	}
}

// hashRef brings the hashes of every unpersisted node under r up to date
// and returns r's hash.
func hashRef(r *ref) Hash {
	if r.id.persisted() {
		return r.hash
	}
	if r.n == nil {
		return EmptyRoot
	}
	n := r.n
	if n.clean {
		return n.hash
	}
	if n.leaf {
		n.hash = leafHash(n.key, n.value)
	} else {
		left := hashRef(&n.child[0])
		right := hashRef(&n.child[1])
		n.hash = internalHash(n.bit, &left, &right)
	}
	n.clean = true
	return n.hash
}

// Hash returns the root hash of the tree's current contents.
func (t *Tree) Hash() Hash { return hashRef(&t.root) }
