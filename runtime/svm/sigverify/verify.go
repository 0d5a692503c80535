package sigverify

import (
	"runtime"
	"sync"

	"github.com/oasisprotocol/curve25519-voi/primitives/ed25519"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// strict rejects small-order and non-canonical A and R; S is always required
// to be reduced by the library.
var strict = &ed25519.Options{Verify: &ed25519.VerifyOptions{}}

// Item is one signature to check. The slices are only read.
type Item struct {
	Pubkey    sol.Pubkey
	Message   []byte
	Signature sol.Signature
}

// minChunk keeps goroutines worthwhile: below it one core does the work.
const minChunk = 64

// VerifyBatch checks every item and returns one verdict per item, in order.
// It splits the work over GOMAXPROCS goroutines, each batch-verifying its
// share and falling back to single verification only when its batch fails.
// It is safe for concurrent use.
func VerifyBatch(items []Item) []bool {
	ok := make([]bool, len(items))
	workers := runtime.GOMAXPROCS(0)
	if n := (len(items) + minChunk - 1) / minChunk; n < workers {
		workers = n
	}
	if workers <= 1 {
		verifyChunk(items, ok)
		return ok
	}
	chunk := (len(items) + workers - 1) / workers
	var wg sync.WaitGroup
	for start := 0; start < len(items); start += chunk {
		end := min(start+chunk, len(items))
		wg.Add(1)
		go func(start, end int) {
			defer wg.Done()
			verifyChunk(items[start:end], ok[start:end])
		}(start, end)
	}
	wg.Wait()
	return ok
}

func verifyChunk(items []Item, ok []bool) {
	bv := ed25519.NewBatchVerifierWithCapacity(len(items))
	expanded := keys.lookup(items)
	for i := range items {
		it := &items[i]
		if e := expanded[i]; e != nil {
			bv.AddExpandedWithOptions(e, it.Message, it.Signature[:], strict)
			continue
		}
		bv.AddWithOptions(ed25519.PublicKey(it.Pubkey[:]), it.Message, it.Signature[:], strict)
	}
	if bv.VerifyBatchOnly(nil) {
		for i := range ok {
			ok[i] = true
		}
		return
	}
	for i := range items {
		ok[i] = Verify(&items[i])
	}
}

// Verify checks one signature with the same rules as VerifyBatch.
func Verify(it *Item) bool {
	return ed25519.VerifyWithOptions(ed25519.PublicKey(it.Pubkey[:]), it.Message, it.Signature[:], strict)
}

// TransactionItems appends one Item per signature of tx: signature i by key i
// over the message bytes.
func TransactionItems(dst []Item, tx *sol.Transaction) []Item {
	for i := range tx.Signatures {
		dst = append(dst, Item{Pubkey: tx.Message.AccountKeys[i], Message: tx.MessageBytes, Signature: tx.Signatures[i]})
	}
	return dst
}
