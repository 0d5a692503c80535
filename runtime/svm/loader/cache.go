package loader

import (
	"crypto/sha256"
	"sync"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/vm/sbpf"
	"github.com/atoll-dev/atoll/vm/sbpf/elf"
)

// cacheKey names one deployment of a program: its account and the slot it
// was deployed at (upgradeable loader) or the hash of its bytes (the other
// loaders, whose programs never change after finalization).
type cacheKey struct {
	program sol.Pubkey
	version [32]byte
}

// cacheEntry is a verified program, or the reason its bytes do not load.
type cacheEntry struct {
	prog *sbpf.Program
	err  error
}

// maxCacheEntries bounds memory; when full the cache is cleared, which costs
// only re-verification.
const maxCacheEntries = 4096

// programCache holds verified programs so that a program is parsed and
// verified once per deployment, not on every call. Safe for concurrent use.
// Caching never changes a result: an entry is a pure function of its key.
type programCache struct {
	mu       sync.RWMutex
	entries  map[cacheKey]cacheEntry
	registry *sbpf.Registry
}

func newProgramCache(reg *sbpf.Registry) *programCache {
	return &programCache{entries: map[cacheKey]cacheEntry{}, registry: reg}
}

func versionOfSlot(slot uint64) (v [32]byte) {
	for i := 0; i < 8; i++ {
		v[i] = byte(slot >> (8 * i))
	}
	v[31] = 1
	return v
}

func versionOfBytes(image []byte) [32]byte { return sha256.Sum256(image) }

// load returns the verified program for key, loading image on a miss.
func (c *programCache) load(key cacheKey, image []byte) (*sbpf.Program, error) {
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if ok {
		return e.prog, e.err
	}
	prog, err := elf.Load(image, c.registry)
	c.mu.Lock()
	if len(c.entries) >= maxCacheEntries {
		c.entries = map[cacheKey]cacheEntry{}
	}
	c.entries[key] = cacheEntry{prog: prog, err: err}
	c.mu.Unlock()
	return prog, err
}
