package mkvs

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble"
)

// Check reads every node of root from the database itself (not the cache)
// and verifies its hash against its parent's. It returns an error wrapping
// ErrCorrupt on the first damaged or inconsistent node, and ErrNodeMissing
// if a node is gone. It is meant for scrubbing after a crash or a restore.
func (s *Store) Check(root Root) error {
	id, err := s.lookupRoot(root)
	if err != nil {
		return err
	}
	if !id.persisted() {
		return nil
	}
	var walk func(id nodeID, want *Hash) error
	walk = func(id nodeID, want *Hash) error {
		v, closer, err := s.db.Get(nodeKey(id))
		if errors.Is(err, pebble.ErrNotFound) {
			return fmt.Errorf("%w: %v", ErrNodeMissing, id)
		}
		if err != nil {
			return fmt.Errorf("mkvs: reading node %v: %w", id, wrapDBError(err))
		}
		n, err := decodeStoredNode(v, id, want)
		closer.Close()
		if err != nil {
			return err
		}
		if n.leaf {
			return nil
		}
		for i := range n.child {
			c := &n.child[i]
			if c.id.version > id.version {
				return fmt.Errorf("%w: node %v points to newer node %v", ErrCorrupt, id, c.id)
			}
			if err := walk(c.id, &c.hash); err != nil {
				return err
			}
		}
		return nil
	}
	h := root.Hash
	return walk(id, &h)
}
