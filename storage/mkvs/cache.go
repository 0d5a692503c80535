package mkvs

import "sync"

// nodeCache holds persisted nodes by id, up to a byte budget, evicting with
// the CLOCK algorithm (a hit only sets a flag, so lookups stay cheap).
// It is safe for concurrent use. Cached nodes are immutable.
type nodeCache struct {
	mu   sync.Mutex
	max  int64
	used int64
	m    map[nodeID]*cacheEntry
	ring []*cacheEntry
	hand int
}

type cacheEntry struct {
	n    *node
	slot int
	ref  bool
}

func newNodeCache(maxBytes int64) *nodeCache {
	return &nodeCache{max: maxBytes, m: make(map[nodeID]*cacheEntry)}
}

func (c *nodeCache) get(id nodeID) *node {
	c.mu.Lock()
	e := c.m[id]
	if e == nil {
		c.mu.Unlock()
		return nil
	}
	e.ref = true
	c.mu.Unlock()
	return e.n
}

func (c *nodeCache) put(n *node) {
	sz := n.size()
	if sz > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[n.id]; ok {
		return
	}
	for c.used+sz > c.max && len(c.ring) > 0 {
		c.evictOne()
	}
	e := &cacheEntry{n: n, slot: len(c.ring)}
	c.m[n.id] = e
	c.ring = append(c.ring, e)
	c.used += sz
}

// evictOne advances the clock hand until it finds an entry not referenced
// since the last pass and removes it.
func (c *nodeCache) evictOne() {
	for {
		if c.hand >= len(c.ring) {
			c.hand = 0
		}
		e := c.ring[c.hand]
		if e.ref {
			e.ref = false
			c.hand++
			continue
		}
		last := c.ring[len(c.ring)-1]
		c.ring[c.hand] = last
		last.slot = c.hand
		c.ring[len(c.ring)-1] = nil
		c.ring = c.ring[:len(c.ring)-1]
		delete(c.m, e.n.id)
		c.used -= e.n.size()
		return
	}
}

// bytes returns the budget in use.
func (c *nodeCache) bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}
