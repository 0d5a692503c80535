package mkvs

import "sync"

// nodeCache holds persisted nodes by id, up to a byte budget, evicting with
// the CLOCK algorithm: a hit only sets the node's reference flag.
//
// Lookups dominate random reads (one per tree level), and on a large tree
// each one is a walk through memory that is not in the CPU cache. The
// table is therefore a flat open-addressing array of node pointers probed
// linearly: a hit costs the slot and the node it points to, and the node
// is needed anyway. It is safe for concurrent use.
type nodeCache struct {
	mu    sync.Mutex
	max   int64
	used  int64
	slots []*node // power-of-two length, at most half full
	count int
	ring  []*node // clock order
	hand  int
}

func newNodeCache(maxBytes int64) *nodeCache {
	return &nodeCache{max: maxBytes, slots: make([]*node, 1024)}
}

func (id nodeID) hash() uint64 {
	h := id.version*0x9e3779b97f4a7c15 ^ (uint64(id.seq)<<8|uint64(id.typ))*0xc2b2ae3d27d4eb4f
	return h ^ h>>29
}

func (c *nodeCache) get(id nodeID) *node {
	c.mu.Lock()
	mask := uint64(len(c.slots) - 1)
	for i := id.hash() & mask; ; i = (i + 1) & mask {
		n := c.slots[i]
		if n == nil {
			c.mu.Unlock()
			return nil
		}
		if n.id == id {
			c.mu.Unlock()
			if !n.cacheRef.Load() {
				n.cacheRef.Store(true)
			}
			return n
		}
	}
}

func (c *nodeCache) put(n *node) {
	sz := n.size()
	if sz > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	mask := uint64(len(c.slots) - 1)
	for i := n.id.hash() & mask; c.slots[i] != nil; i = (i + 1) & mask {
		if c.slots[i].id == n.id {
			return
		}
	}
	for c.used+sz > c.max && len(c.ring) > 0 {
		c.evictOne()
	}
	if 2*(c.count+1) > len(c.slots) {
		c.grow()
	}
	c.insert(n)
	c.ring = append(c.ring, n)
	c.used += sz
	c.count++
}

func (c *nodeCache) insert(n *node) {
	mask := uint64(len(c.slots) - 1)
	i := n.id.hash() & mask
	for c.slots[i] != nil {
		i = (i + 1) & mask
	}
	c.slots[i] = n
}

func (c *nodeCache) grow() {
	old := c.slots
	c.slots = make([]*node, 2*len(old))
	for _, n := range old {
		if n != nil {
			c.insert(n)
		}
	}
}

// remove deletes n from the table, shifting later entries of its probe
// run back so that lookups never stop early at a hole.
func (c *nodeCache) remove(n *node) {
	mask := uint64(len(c.slots) - 1)
	i := n.id.hash() & mask
	for c.slots[i] != n {
		i = (i + 1) & mask
	}
	for j := (i + 1) & mask; ; j = (j + 1) & mask {
		m := c.slots[j]
		if m == nil {
			break
		}
		// m may fill the hole at i if its home slot is not in (i, j].
		home := m.id.hash() & mask
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			c.slots[i] = m
			i = j
		}
	}
	c.slots[i] = nil
	c.count--
}

// evictOne advances the clock hand until it finds a node not referenced
// since the last pass and removes it.
func (c *nodeCache) evictOne() {
	for {
		if c.hand >= len(c.ring) {
			c.hand = 0
		}
		n := c.ring[c.hand]
		if n.cacheRef.Load() {
			n.cacheRef.Store(false)
			c.hand++
			continue
		}
		last := c.ring[len(c.ring)-1]
		c.ring[c.hand] = last
		c.ring[len(c.ring)-1] = nil
		c.ring = c.ring[:len(c.ring)-1]
		c.remove(n)
		c.used -= n.size()
		return
	}
}

// bytes returns the budget in use.
func (c *nodeCache) bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}
