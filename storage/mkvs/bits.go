package mkvs

import "math/bits"

// Keys are read as bit strings of nine bits per byte: bit 9j says whether
// byte j exists, bits 9j+1 … 9j+8 are byte j from the most significant bit.
// Past the end of the key every bit is 0. This makes the bit strings of
// distinct keys prefix-free while keeping byte order: a key that is a prefix
// of another differs from it first at a presence bit, where it has 0.

// bitsPerByte is the width of one key byte in the trie's bit string.
const bitsPerByte = 9

// bitAt returns bit i of key's bit string.
func bitAt(key []byte, i uint32) uint8 {
	j := i / bitsPerByte
	r := i % bitsPerByte
	if j >= uint32(len(key)) {
		return 0
	}
	if r == 0 {
		return 1
	}
	return (key[j] >> (8 - r)) & 1
}

// critBit returns the index of the first bit at which a and b differ, or
// equal=true if they are the same key.
func critBit(a, b []byte) (c uint32, equal bool) {
	n := min(len(a), len(b))
	for j := 0; j < n; j++ {
		if x := a[j] ^ b[j]; x != 0 {
			return uint32(j)*bitsPerByte + 1 + uint32(bits.LeadingZeros8(x)), false
		}
	}
	if len(a) == len(b) {
		return 0, true
	}
	return uint32(n) * bitsPerByte, false
}
