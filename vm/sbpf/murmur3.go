package sbpf

import (
	"encoding/binary"
	"math/bits"
)

// Murmur3 is the 32-bit MurmurHash3 of b with seed 0. sBPF uses it to key
// syscalls (by name) and internal functions (by the little-endian bytes of
// their instruction index) in the immediate of a call instruction.
func Murmur3(b []byte) uint32 {
	const (
		c1 = 0xcc9e2d51
		c2 = 0x1b873593
	)
	var h uint32
	n := len(b)
	for len(b) >= 4 {
		k := binary.LittleEndian.Uint32(b)
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
		h = bits.RotateLeft32(h, 13)
		h = h*5 + 0xe6546b64
		b = b[4:]
	}
	var k uint32
	switch len(b) {
	case 3:
		k ^= uint32(b[2]) << 16
		fallthrough
	case 2:
		k ^= uint32(b[1]) << 8
		fallthrough
	case 1:
		k ^= uint32(b[0])
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
	}
	h ^= uint32(n)
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// SymbolHash is the key of a syscall or symbol name.
func SymbolHash(name string) uint32 { return Murmur3([]byte(name)) }

// FunctionKey is the key under which SBPFv0-v2 register an internal function
// starting at instruction index pc: the hash of pc as a little-endian u64.
func FunctionKey(pc int) uint32 {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(pc))
	return Murmur3(b[:])
}

// EntrypointKey is the key of the program entrypoint.
var EntrypointKey = SymbolHash("entrypoint")
