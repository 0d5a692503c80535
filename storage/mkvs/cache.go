package mkvs

import (
	"sync"
	"sync/atomic"
)

// nodeCache holds persisted nodes by id, up to a byte budget, evicting with
// the CLOCK algorithm (second-chance FIFO): a hit only sets the node's
// reference flag; eviction takes the oldest node, except that a referenced
// one loses its flag and goes to the back instead. A node just put is
// therefore the last to go: the nodes a commit wrote (the next round
// builds on them, readers of the round read them) outlive everything
// older that nobody read since.
//
// A commit drops the nodes it made stale (drop): only readers of older
// versions still want them, and the budget they free keeps the latest
// tree resident. Dropped nodes leave the table at once and their ring
// slots are skipped (and reclaimed) later.
//
// Lookups dominate random reads (one per tree level), and on a large tree
// each one is a walk through memory that is not in the CPU cache. The
// table is therefore a flat open-addressing array of node pointers probed
// linearly: a hit costs the slot and the node it points to, and the node
// is needed anyway. Readers take no lock: they load slots atomically, and
// a writer moving entries can at worst make a reader miss, which only
// sends it to the database. Writers serialise on mu.
type nodeCache struct {
	table atomic.Pointer[slotTable]

	mu    sync.Mutex
	max   int64
	used  int64
	count int     // nodes in the table
	ring  []*node // circular FIFO of ringLen nodes from head, oldest first
	head  int
	// ringLen counts the ring's entries: the count cached nodes and the
	// dead dropped ones, which are skipped when they come up.
	ringLen, dead int
}

// slotTable is the open-addressing array: a power-of-two length, at most
// half full.
type slotTable struct {
	slots []atomic.Pointer[node]
	// hashes[i] is the id hash of the node in slots[i], for writers only
	// (under nodeCache.mu): probing and shifting compare it instead of
	// loading every node they pass, each a likely CPU cache miss.
	hashes []uint64
	mask   uint64
}

func newSlotTable(n int) *slotTable {
	return &slotTable{slots: make([]atomic.Pointer[node], n), hashes: make([]uint64, n), mask: uint64(n - 1)}
}

func newNodeCache(maxBytes int64) *nodeCache {
	c := &nodeCache{max: maxBytes}
	c.table.Store(newSlotTable(1024))
	return c
}

func (id nodeID) hash() uint64 {
	h := id.version*0x9e3779b97f4a7c15 ^ (uint64(id.seq)<<8|uint64(id.typ))*0xc2b2ae3d27d4eb4f
	return h ^ h>>29
}

func (c *nodeCache) get(id nodeID) *node {
	t := c.table.Load()
	i := id.hash() & t.mask
	for range t.slots {
		n := t.slots[i].Load()
		if n == nil {
			return nil
		}
		if n.id == id {
			if !n.cacheRef.Load() {
				n.cacheRef.Store(true)
			}
			return n
		}
		i = (i + 1) & t.mask
	}
	return nil
}

// put caches n unless a node of its id is cached. n must never have been
// put before (callers put only nodes they just decoded or wrote): a
// dropped node's dead ring slot would otherwise come back to life.
func (c *nodeCache) put(n *node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(n)
}

// putAll is put of every node of ns under one lock (a commit's nodes).
func (c *nodeCache) putAll(ns []*node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range ns {
		c.putLocked(n)
	}
}

func (c *nodeCache) putLocked(n *node) {
	sz := n.size()
	if sz > c.max {
		return
	}
	t := c.table.Load()
	h := n.id.hash()
	for i := h & t.mask; t.slots[i].Load() != nil; i = (i + 1) & t.mask {
		if t.hashes[i] == h && t.slots[i].Load().id == n.id {
			return
		}
	}
	for c.used+sz > c.max && c.count > 0 {
		c.evictOne()
	}
	if 2*(c.count+1) > len(t.slots) {
		c.grow()
	}
	c.insert(n)
	n.cached = true
	c.pushBack(n)
	c.used += sz
	c.count++
}

// pushBack appends n at the back of the ring, reclaiming dead slots when
// the ring is full.
func (c *nodeCache) pushBack(n *node) {
	if c.ringLen == len(c.ring) {
		c.compactRing(max(2*c.count, 1024))
	}
	c.ring[(c.head+c.ringLen)%len(c.ring)] = n
	c.ringLen++
}

// compactRing moves the cached nodes, in order, to a ring of size slots
// (more than c.count), leaving the dead behind.
func (c *nodeCache) compactRing(size int) {
	ring := make([]*node, size)
	j := 0
	for i := 0; i < c.ringLen; i++ {
		if n := c.ring[(c.head+i)%len(c.ring)]; n.cached {
			ring[j] = n
			j++
		}
	}
	c.ring, c.head, c.ringLen, c.dead = ring, 0, j, 0
}

// popFront removes the oldest entry from the ring.
func (c *nodeCache) popFront() *node {
	n := c.ring[c.head]
	c.ring[c.head] = nil
	c.head = (c.head + 1) % len(c.ring)
	c.ringLen--
	return n
}

// resident returns the cached nodes, oldest first.
func (c *nodeCache) resident() []*node {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*node, 0, c.count)
	for i := 0; i < c.ringLen; i++ {
		if n := c.ring[(c.head+i)%len(c.ring)]; n.cached {
			out = append(out, n)
		}
	}
	return out
}

// drop removes the nodes with these ids, where cached. Their ring slots
// stay until the ring is next compacted, which drop forces once the dead
// outnumber the living, so dead slots never hold more memory than the
// budget does.
func (c *nodeCache) drop(ids []nodeID) {
	if len(ids) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		t := c.table.Load()
		h := id.hash()
		for i := h & t.mask; ; i = (i + 1) & t.mask {
			n := t.slots[i].Load()
			if n == nil {
				break
			}
			if t.hashes[i] == h && n.id == id {
				c.removeAt(t, i)
				c.unlink(n)
				c.used -= n.size()
				c.dead++
				break
			}
		}
	}
	if c.dead > c.count && c.dead > 1024 {
		c.compactRing(max(2*c.count, 1024))
	}
}

func (c *nodeCache) insert(n *node) {
	insertSlot(c.table.Load(), n)
}

func insertSlot(t *slotTable, n *node) {
	h := n.id.hash()
	i := h & t.mask
	for t.slots[i].Load() != nil {
		i = (i + 1) & t.mask
	}
	t.hashes[i] = h
	t.slots[i].Store(n)
}

// grow publishes a table twice the size; readers still on the old one
// keep finding what it held.
func (c *nodeCache) grow() {
	old := c.table.Load()
	t := newSlotTable(2 * len(old.slots))
	for i := range old.slots {
		if n := old.slots[i].Load(); n != nil {
			insertSlot(t, n)
		}
	}
	c.table.Store(t)
}

// remove deletes n from the table, shifting later entries of its probe
// run back so that lookups never stop early at a hole.
func (c *nodeCache) remove(n *node) {
	t := c.table.Load()
	mask := t.mask
	i := n.id.hash() & mask
	for t.slots[i].Load() != n {
		i = (i + 1) & mask
	}
	c.removeAt(t, i)
}

// removeAt empties slot i of t, the current table, shifting later entries
// of its probe run back so that lookups never stop early at a hole.
func (c *nodeCache) removeAt(t *slotTable, i uint64) {
	mask := t.mask
	for j := (i + 1) & mask; ; j = (j + 1) & mask {
		m := t.slots[j].Load()
		if m == nil {
			break
		}
		// m may fill the hole at i if its home slot is not in (i, j].
		home := t.hashes[j] & mask
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			t.hashes[i] = t.hashes[j]
			t.slots[i].Store(m)
			i = j
		}
	}
	t.slots[i].Store(nil)
	c.count--
}

// evictOne removes the oldest node not referenced since it was last
// looked at; the referenced ones it passes lose their flag and go to the
// back, the dead it passes are let go. It ends within one lap of the
// ring; the caller makes sure a node is cached.
func (c *nodeCache) evictOne() {
	for {
		n := c.popFront()
		switch {
		case !n.cached:
			c.dead--
		case n.cacheRef.Load():
			n.cacheRef.Store(false)
			c.pushBack(n)
		default:
			c.remove(n)
			c.unlink(n)
			c.used -= n.size()
			return
		}
	}
}

// link records that parent's child dir is child, so readers can follow
// parent.hints[dir] instead of looking child up. Only cached nodes are
// linked and a child has at most one hint to it, which eviction clears:
// hints never keep an evicted node alive, so the budget still bounds
// memory.
func (c *nodeCache) link(parent *node, dir uint8, child *node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !parent.cached || !child.cached || child.hintedBy == &parent.hints[dir] {
		return
	}
	if child.hintedBy != nil {
		child.hintedBy.Store(nil)
	}
	if old := parent.hints[dir].Load(); old != nil {
		old.hintedBy = nil
	}
	parent.hints[dir].Store(child)
	child.hintedBy = &parent.hints[dir]
}

// unlink drops every hint to and from an evicted node.
func (c *nodeCache) unlink(n *node) {
	n.cached = false
	if n.hintedBy != nil {
		n.hintedBy.Store(nil)
		n.hintedBy = nil
	}
	for i := range n.hints {
		if ch := n.hints[i].Load(); ch != nil {
			ch.hintedBy = nil
			n.hints[i].Store(nil)
		}
	}
}

// bytes returns the budget in use.
func (c *nodeCache) bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}
