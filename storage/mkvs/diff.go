package mkvs

import (
	"bytes"
	"fmt"
)

// Diff returns the write log that turns the tree at root a into the tree at
// root b. Both must be retained roots of the store (or empty roots).
func (s *Store) Diff(a, b Root) (WriteLog, error) {
	ta, err := s.Tree(a)
	if err != nil {
		return nil, fmt.Errorf("mkvs: diff from %s: %w", a, err)
	}
	tb, err := s.Tree(b)
	if err != nil {
		return nil, fmt.Errorf("mkvs: diff to %s: %w", b, err)
	}
	return DiffTrees(ta, tb)
}

// DiffTrees returns the write log that turns a's contents into b's. It
// walks both trees in key order and skips every pair of subtrees with equal
// hashes, so its cost grows with the size of the difference, not of the
// trees. Neither tree may be modified concurrently.
func DiffTrees(a, b *Tree) (WriteLog, error) {
	hashRef(&a.root)
	hashRef(&b.root)
	var sa, sb []ref
	if !a.root.empty() {
		sa = append(sa, a.root)
	}
	if !b.root.empty() {
		sb = append(sb, b.root)
	}
	var wl WriteLog
	for len(sa) > 0 || len(sb) > 0 {
		if len(sa) > 0 && len(sb) > 0 && *refHash(&sa[len(sa)-1]) == *refHash(&sb[len(sb)-1]) {
			// Equal hashes, equal contents: and since both are the next
			// unvisited keys of their tree, they would pair up exactly.
			sa, sb = sa[:len(sa)-1], sb[:len(sb)-1]
			continue
		}
		var na, nb *node
		var err error
		if len(sa) > 0 {
			if na, err = a.resolve(&sa[len(sa)-1]); err != nil {
				return nil, err
			}
		}
		if len(sb) > 0 {
			if nb, err = b.resolve(&sb[len(sb)-1]); err != nil {
				return nil, err
			}
		}
		// Expand internal nodes until both tops are leaves; the one with
		// the smaller crit bit covers more keys, so open it first.
		expandA := na != nil && !na.leaf && (nb == nil || nb.leaf || na.bit <= nb.bit)
		expandB := nb != nil && !nb.leaf && (na == nil || na.leaf || nb.bit <= na.bit)
		if expandA || expandB {
			if expandA {
				sa = expand(sa, na)
			}
			if expandB {
				sb = expand(sb, nb)
			}
			continue
		}
		switch {
		case nb == nil || (na != nil && bytes.Compare(na.key, nb.key) < 0):
			wl = append(wl, LogEntry{Key: na.key, Deleted: true})
			sa = sa[:len(sa)-1]
		case na == nil || bytes.Compare(nb.key, na.key) < 0:
			wl = append(wl, LogEntry{Key: nb.key, Value: nb.value})
			sb = sb[:len(sb)-1]
		default:
			if !bytes.Equal(na.value, nb.value) {
				wl = append(wl, LogEntry{Key: nb.key, Value: nb.value})
			}
			sa, sb = sa[:len(sa)-1], sb[:len(sb)-1]
		}
	}
	return wl, nil
}

// expand replaces the top of the stack (the internal node n) by its
// children, the left one on top.
func expand(st []ref, n *node) []ref {
	st = st[:len(st)-1]
	return append(st, n.child[1], n.child[0])
}
