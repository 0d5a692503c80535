package mkvs

import "bytes"

// Iterator walks a tree's keys in ascending byte order. Use it as
//
//	it := t.NewIterator(nil, nil)
//	for it.First(); it.Valid(); it.Next() { … it.Key(), it.Value() … }
//	if err := it.Err(); err != nil { … }
//
// Key and Value are valid until the tree is next modified and must not be
// modified. The tree must not be modified while the iterator is in use.
type Iterator struct {
	t     *Tree
	lo    []byte // inclusive lower bound, nil for none
	hi    []byte // exclusive upper bound, nil for none
	stack []ref  // subtrees still to visit, the next on top
	leaf  *node
	err   error
}

// NewIterator returns an iterator over the keys in [lo, hi); a nil bound is
// open.
func (t *Tree) NewIterator(lo, hi []byte) *Iterator {
	return &Iterator{t: t, lo: lo, hi: hi}
}

// NewPrefixIterator returns an iterator over the keys that start with prefix.
func (t *Tree) NewPrefixIterator(prefix []byte) *Iterator {
	return t.NewIterator(prefix, prefixEnd(prefix))
}

// prefixEnd returns the smallest key greater than every key with the prefix,
// or nil if there is none (the prefix is all 0xff).
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// First moves to the first key in range.
func (it *Iterator) First() bool {
	if it.lo != nil {
		return it.Seek(it.lo)
	}
	it.reset()
	if !it.t.root.empty() {
		it.stack = append(it.stack, it.t.root)
	}
	return it.advance()
}

func (it *Iterator) reset() {
	it.stack = it.stack[:0]
	it.leaf = nil
	it.err = nil
}

// Seek moves to the first key in range that is >= key.
func (it *Iterator) Seek(key []byte) bool {
	if it.lo != nil && bytes.Compare(key, it.lo) < 0 {
		key = it.lo
	}
	it.reset()
	t := it.t
	best, err := t.findLeaf(key)
	if err != nil {
		it.err = err
		return false
	}
	if best == nil {
		return false
	}
	c, equal := critBit(key, best.key)
	// Descend along key, remembering the right siblings that follow, down
	// to the subtree that shares key's first c bits (or to the leaf if equal).
	r := t.root
	for {
		n, err := t.resolve(&r)
		if err != nil {
			it.err = err
			return false
		}
		if n.leaf || (!equal && n.bit > c) {
			break
		}
		dir := bitAt(key, n.bit)
		if dir == 0 {
			it.stack = append(it.stack, n.child[1])
		}
		r = n.child[dir]
	}
	// Every key below r agrees with best on its first c+1 bits. If key has
	// 0 at bit c, all of them are greater than key; otherwise all smaller.
	if equal || bitAt(key, c) == 0 {
		it.stack = append(it.stack, r)
	}
	return it.advance()
}

// advance pops subtrees until it reaches the next leaf.
func (it *Iterator) advance() bool {
	for len(it.stack) > 0 {
		r := it.stack[len(it.stack)-1]
		it.stack = it.stack[:len(it.stack)-1]
		for {
			n, err := it.t.resolve(&r)
			if err != nil {
				it.err = err
				it.stack = it.stack[:0]
				it.leaf = nil
				return false
			}
			if n.leaf {
				if it.hi != nil && bytes.Compare(n.key, it.hi) >= 0 {
					it.stack = it.stack[:0]
					it.leaf = nil
					return false
				}
				it.leaf = n
				return true
			}
			it.stack = append(it.stack, n.child[1])
			r = n.child[0]
		}
	}
	it.leaf = nil
	return false
}

// Next moves to the next key.
func (it *Iterator) Next() bool {
	if it.leaf == nil {
		return false
	}
	return it.advance()
}

// Valid reports whether the iterator is at a key.
func (it *Iterator) Valid() bool { return it.leaf != nil }

// Key returns the current key.
func (it *Iterator) Key() []byte { return it.leaf.key }

// Value returns the current value.
func (it *Iterator) Value() []byte { return it.leaf.value }

// Err returns the error that stopped the iteration, if any.
func (it *Iterator) Err() error { return it.err }
