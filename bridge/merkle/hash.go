package merkle

import (
	"hash"
	"sync"

	"golang.org/x/crypto/sha3"

	"github.com/atoll-dev/atoll/bridge/keccak"
)

// pairHasher is a pooled Keccak state with its own buffer, so that hashing a
// node allocates nothing: passing the caller's arrays through the hash.Hash
// interface would move them to the heap on every call.
type pairHasher struct {
	d   keccakState
	buf [2 * keccak.Size]byte
}

// keccakState is what the x/crypto Keccak digest implements besides
// hash.Hash: Read squeezes without the copy Sum makes.
type keccakState interface {
	hash.Hash
	Read([]byte) (int, error)
}

var hashers = sync.Pool{New: func() any {
	return &pairHasher{d: sha3.NewLegacyKeccak256().(keccakState)}
}}

// hashPair returns keccak256(left || right), an interior node.
func hashPair(left, right *keccak.Hash) (out keccak.Hash) {
	h := hashers.Get().(*pairHasher)
	copy(h.buf[:keccak.Size], left[:])
	copy(h.buf[keccak.Size:], right[:])
	h.d.Reset()
	h.d.Write(h.buf[:])
	h.d.Read(h.buf[:keccak.Size])
	copy(out[:], h.buf[:keccak.Size])
	hashers.Put(h)
	return out
}
