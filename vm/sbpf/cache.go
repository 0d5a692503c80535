package sbpf

import (
	"container/list"
	"sync"
)

// CacheKey names one deployment of a program: its account address and the
// slot at which that deployment became effective.
type CacheKey struct {
	Account [32]byte
	Slot    uint64
}

// Cache keeps verified Programs so a program is loaded and verified once per
// deployment rather than on every invocation. It is bounded (least recently
// used entries are dropped) and safe for concurrent use. Caching never
// changes results: a Program is immutable and a miss reloads the same bytes.
type Cache struct {
	mu    sync.Mutex
	max   int
	byKey map[CacheKey]*list.Element
	lru   list.List // of *cacheEntry, most recent first
}

type cacheEntry struct {
	key  CacheKey
	prog *Program
}

// NewCache returns a cache holding at most size programs (size < 1 means 1).
func NewCache(size int) *Cache {
	return &Cache{max: max(size, 1), byKey: map[CacheKey]*list.Element{}}
}

// Get returns the cached program for k.
func (c *Cache) Get(k CacheKey) (*Program, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[k]; ok {
		c.lru.MoveToFront(e)
		return e.Value.(*cacheEntry).prog, true
	}
	return nil, false
}

// Put stores p under k, evicting the least recently used entry when full.
func (c *Cache) Put(k CacheKey, p *Program) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[k]; ok {
		e.Value.(*cacheEntry).prog = p
		c.lru.MoveToFront(e)
		return
	}
	c.byKey[k] = c.lru.PushFront(&cacheEntry{key: k, prog: p})
	for c.lru.Len() > c.max {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.byKey, old.Value.(*cacheEntry).key)
	}
}

// GetOrLoad returns the cached program for k, or calls load, caches its
// result and returns it. Errors are not cached. Concurrent misses for one key
// may each call load; they produce equal programs.
func (c *Cache) GetOrLoad(k CacheKey, load func() (*Program, error)) (*Program, error) {
	if p, ok := c.Get(k); ok {
		return p, nil
	}
	p, err := load()
	if err != nil {
		return nil, err
	}
	c.Put(k, p)
	return p, nil
}

// Len is the number of cached programs.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
