package mkvs

import (
	"crypto/sha256"
	"crypto/sha512"
	"testing"

	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/blake2s"
	"golang.org/x/crypto/sha3"
)

// The hash function was chosen with these: the input is an internal
// node's preimage (69 bytes, the most common hash in a commit and a proof).
// On CPUs with SHA extensions SHA-256 wins; see ARCHITECTURE.md.
func benchHash(b *testing.B, sum func([]byte) [32]byte) {
	var pre [1 + 4 + 2*HashSize]byte
	b.SetBytes(int64(len(pre)))
	for i := 0; i < b.N; i++ {
		pre[1] = byte(i)
		h := sum(pre[:])
		pre[5] = h[0]
	}
}

func BenchmarkHash_SHA256(b *testing.B) { benchHash(b, sha256.Sum256) }

func BenchmarkHash_SHA512_256(b *testing.B) { benchHash(b, sha512.Sum512_256) }

func BenchmarkHash_BLAKE2b256(b *testing.B) { benchHash(b, blake2b.Sum256) }

func BenchmarkHash_BLAKE2s256(b *testing.B) { benchHash(b, blake2s.Sum256) }

func BenchmarkHash_SHA3_256(b *testing.B) { benchHash(b, sha3.Sum256) }
