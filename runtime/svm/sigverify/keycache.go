package sigverify

import (
	"sync"

	"github.com/oasisprotocol/curve25519-voi/primitives/ed25519"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Signers repeat: a fee payer signs many transactions, and a node checks
// each transaction at admission, again when it is gossiped, and a batch
// when it executes. Verifying against a public key that is already
// decompressed and expanded (ed25519.ExpandedPublicKey) saves 10-15% of a
// verification, but expanding costs about half a verification, so a key is
// expanded only when it is seen a second time. The cache changes no
// verdict: the expanded key carries the same strictness checks
// (verify_test.go checks both paths on good and bad keys).

// keyCacheSize bounds each of the two generations of expanded keys (an
// expanded key takes about 2 KB of heap, so at most ~8 MB in all) and of
// keys seen once.
const keyCacheSize = 2048

// keyCache remembers expanded public keys of repeat signers. Safe for
// concurrent use.
type keyCache struct {
	mu                  sync.Mutex
	expanded, expanded0 map[sol.Pubkey]*ed25519.ExpandedPublicKey
	seen, seen0         map[sol.Pubkey]struct{}
}

var keys keyCache

// lookup returns the expanded form of each item's key: the cached one, or
// a new one for a key seen before, or nil (use the compressed key). Keys
// that fail to expand are invalid and left to the verifier to refuse.
func (c *keyCache) lookup(items []Item) []*ed25519.ExpandedPublicKey {
	out := make([]*ed25519.ExpandedPublicKey, len(items))
	var expand []int // items whose key is on its second sighting
	c.mu.Lock()
	for i := range items {
		k := items[i].Pubkey
		if e := c.expanded[k]; e != nil {
			out[i] = e
			continue
		}
		if e := c.expanded0[k]; e != nil {
			out[i] = e
			c.putExpandedLocked(k, e)
			continue
		}
		_, again := c.seen[k]
		if !again {
			_, again = c.seen0[k]
		}
		if again {
			expand = append(expand, i)
			continue
		}
		if c.seen == nil || len(c.seen) >= keyCacheSize {
			c.seen0, c.seen = c.seen, make(map[sol.Pubkey]struct{}, keyCacheSize)
		}
		c.seen[k] = struct{}{}
	}
	c.mu.Unlock()
	if len(expand) == 0 {
		return out
	}
	done := make(map[sol.Pubkey]*ed25519.ExpandedPublicKey, len(expand))
	for _, i := range expand {
		k := items[i].Pubkey
		e, ok := done[k]
		if !ok {
			e, _ = ed25519.NewExpandedPublicKey(ed25519.PublicKey(k[:]))
			done[k] = e
		}
		out[i] = e
	}
	c.mu.Lock()
	for _, i := range expand {
		if out[i] != nil {
			c.putExpandedLocked(items[i].Pubkey, out[i])
		}
	}
	c.mu.Unlock()
	return out
}

func (c *keyCache) putExpandedLocked(k sol.Pubkey, e *ed25519.ExpandedPublicKey) {
	if c.expanded == nil || len(c.expanded) >= keyCacheSize {
		c.expanded0, c.expanded = c.expanded, make(map[sol.Pubkey]*ed25519.ExpandedPublicKey, keyCacheSize)
	}
	c.expanded[k] = e
}
