package svm

import (
	"crypto/sha256"
	"sync"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// StatusChecker answers whether a transaction was already processed in a
// recent slot. The runtime asks by signature and by message hash: a signature
// re-encoded by a third party still names the same message. Implementations
// must be safe for concurrent reads.
type StatusChecker interface {
	Processed(sig sol.Signature, messageHash sol.Hash) bool
}

// MessageHash identifies a message independently of its signatures.
func MessageHash(messageBytes []byte) sol.Hash { return sha256.Sum256(messageBytes) }

// StatusCache remembers processed transactions by slot so that replays are
// refused while their blockhash could still be valid. The host records each
// committed batch and prunes slots older than MaxRecentBlockhashes*2.
type StatusCache struct {
	mu     sync.RWMutex
	sigs   map[sol.Signature]uint64
	hashes map[sol.Hash]uint64
}

// NewStatusCache returns an empty cache.
func NewStatusCache() *StatusCache {
	return &StatusCache{sigs: map[sol.Signature]uint64{}, hashes: map[sol.Hash]uint64{}}
}

// Processed implements StatusChecker.
func (c *StatusCache) Processed(sig sol.Signature, h sol.Hash) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, a := c.sigs[sig]
	_, b := c.hashes[h]
	return a || b
}

// Record remembers every processed transaction of a committed batch.
func (c *StatusCache) Record(slot uint64, results []TxResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range results {
		if r := &results[i]; r.Processed {
			c.sigs[r.Signature] = slot
			c.hashes[r.MessageHash] = slot
		}
	}
}

// Prune forgets entries recorded before minSlot.
func (c *StatusCache) Prune(minSlot uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, s := range c.sigs {
		if s < minSlot {
			delete(c.sigs, k)
		}
	}
	for k, s := range c.hashes {
		if s < minSlot {
			delete(c.hashes, k)
		}
	}
}
