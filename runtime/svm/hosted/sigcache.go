package hosted

import (
	"crypto/sha256"
	"sync"

	"github.com/atoll-dev/atoll/runtime/svm/sigverify"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// maxVerifiedSigs is how many signatures one generation of the cache
// holds; two generations are kept (a few pools' worth of transactions).
const maxVerifiedSigs = 1 << 17

// verifiedSigs remembers the signatures this runtime verified itself (in
// CheckTxBatch, or before a batch), so that executing a batch whose every
// signature it already checked does not check them again. The host is
// never trusted for it: an entry exists only after this process's own
// verification succeeded. Safe for concurrent use.
type verifiedSigs struct {
	mu        sync.Mutex
	cur, prev map[[32]byte]struct{}
	// curTx and prevTx hold txKey of whole transactions every signature
	// of which verified: a batch of transactions this runtime checked is
	// recognised by hashing each once, without decoding it.
	curTx, prevTx map[[32]byte]struct{}
}

// txKey names a transaction by its exact bytes: equal bytes carry equal
// signatures, keys and messages.
func txKey(raw []byte) [32]byte { return sha256.Sum256(raw) }

// addTxs records transactions every signature of which verified.
func (c *verifiedSigs) addTxs(keys [][32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		if c.curTx == nil || len(c.curTx) >= maxVerifiedSigs {
			c.prevTx, c.curTx = c.curTx, make(map[[32]byte]struct{}, len(keys))
		}
		c.curTx[k] = struct{}{}
	}
}

// sigKey names one (signature, key, message) triple.
func sigKey(it *sigverify.Item) [32]byte {
	h := sha256.New()
	h.Write(it.Signature[:])
	h.Write(it.Pubkey[:])
	h.Write(it.Message)
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// add records the items whose verdict is true.
func (c *verifiedSigs) add(items []sigverify.Item, verdicts []bool) {
	keys := make([][32]byte, 0, len(items))
	for i := range items {
		if verdicts[i] {
			keys = append(keys, sigKey(&items[i]))
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		if c.cur == nil || len(c.cur) >= maxVerifiedSigs {
			c.prev, c.cur = c.cur, make(map[[32]byte]struct{}, len(keys))
		}
		c.cur[k] = struct{}{}
	}
}

func (c *verifiedSigs) has(k [32]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cur[k]; ok {
		return true
	}
	_, ok := c.prev[k]
	return ok
}

// allVerified reports whether every signature of every decodable
// transaction of txs verifies, checking here only those not verified
// before. When it returns false the executor must verify (and refuse
// what fails) itself. Undecodable transactions carry no signature to
// check: the executor refuses them either way.
func (c *verifiedSigs) allVerified(txs [][]byte) bool {
	keys := make([][32]byte, len(txs))
	for i, raw := range txs {
		keys[i] = txKey(raw)
	}
	var unknown [][]byte
	c.mu.Lock()
	for i, k := range keys {
		if _, ok := c.curTx[k]; ok {
			continue
		}
		if _, ok := c.prevTx[k]; !ok {
			unknown = append(unknown, txs[i])
		}
	}
	c.mu.Unlock()
	var todo []sigverify.Item
	for _, raw := range unknown {
		tx, err := sol.DecodeTransaction(raw)
		if err != nil {
			continue
		}
		var items []sigverify.Item
		for _, it := range sigverify.TransactionItems(items, tx) {
			if !c.has(sigKey(&it)) {
				todo = append(todo, it)
			}
		}
	}
	if len(todo) == 0 {
		return true
	}
	verdicts := sigverify.VerifyBatch(todo)
	for _, ok := range verdicts {
		if !ok {
			return false
		}
	}
	c.add(todo, verdicts)
	return true
}
