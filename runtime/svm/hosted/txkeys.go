package hosted

import (
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// txKeys reads from a wire-format transaction the keys PrefetchKeys
// predicts it reads: its static account keys, its address lookup tables
// and its recent blockhash, without decoding (or allocating for) the rest.
// It walks the layout sol.DecodeTransaction decodes:
//
//	compact-u16 n, n × 64-byte signature
//	[0x80 version prefix] 3-byte header
//	compact-u16 k, k × 32-byte account key
//	32-byte recent blockhash
//	compact-u16 i, i × (program index, compact-u16 a, a indexes, compact-u16 d, d bytes)
//	v0 only: compact-u16 l, l × (32-byte table, compact-u16 w, w indexes, compact-u16 r, r indexes)
//
// It reports false for bytes that do not have that layout; it does not
// sanitize (a transaction it reads that the executor refuses costs a
// prefetched key, nothing else: the runtime verifies every key's proof).
func txKeys(b []byte, keys func(sol.Pubkey), blockhash func(sol.Hash)) bool {
	if len(b) > sol.MaxTransactionSize {
		return false
	}
	w := txWalker{b: b}
	w.skip(w.count() * sol.SignatureSize)
	first := w.byte()
	v0 := first&0x80 != 0
	if v0 {
		if first&0x7f != 0 {
			return false
		}
		w.byte()
	}
	w.skip(2)
	nKeys := w.count()
	static := w.take(nKeys * sol.PubkeySize)
	bh := w.take(sol.HashSize)
	for range w.count() {
		w.byte()
		w.skip(w.count())
		w.skip(w.count())
	}
	var tables []byte
	if v0 {
		for range w.count() {
			tables = append(tables, w.take(sol.PubkeySize)...)
			w.skip(w.count())
			w.skip(w.count())
		}
	}
	if w.bad || len(w.b) != 0 {
		return false
	}
	for i := 0; i < len(static); i += sol.PubkeySize {
		keys(sol.Pubkey(static[i:]))
	}
	for i := 0; i < len(tables); i += sol.PubkeySize {
		keys(sol.Pubkey(tables[i:]))
	}
	blockhash(sol.Hash(bh))
	return true
}

// txWalker steps over a transaction's bytes; the first step past the end
// marks it bad, and every later step is a no-op.
type txWalker struct {
	b   []byte
	bad bool
}

func (w *txWalker) take(n int) []byte {
	if w.bad || n < 0 || n > len(w.b) {
		w.bad, w.b = true, nil
		return nil
	}
	v := w.b[:n]
	w.b = w.b[n:]
	return v
}

func (w *txWalker) skip(n int) { w.take(n) }

func (w *txWalker) byte() byte {
	if v := w.take(1); len(v) == 1 {
		return v[0]
	}
	return 0
}

func (w *txWalker) count() int {
	if w.bad {
		return 0
	}
	v, n, err := sol.DecodeCompactU16(w.b)
	if err != nil {
		w.bad, w.b = true, nil
		return 0
	}
	w.b = w.b[n:]
	return int(v)
}
