package mkvs

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
)

// HashSize is the size of every node hash and root hash.
const HashSize = 32

// Hash is a SHA-256 digest of a node, a value or the empty tree.
type Hash [HashSize]byte

// String returns the hash in lowercase hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// Domain bytes: the first byte of every hashed preimage, so that a preimage
// of one kind can never be read as another kind.
const (
	domainLeaf     = 0x00
	domainInternal = 0x01
	domainValue    = 0x02
	domainEmpty    = 0x03
)

// EmptyRoot is the root hash of the tree that holds no keys: SHA-256(0x03).
var EmptyRoot = Hash(sha256.Sum256([]byte{domainEmpty}))

// ValueHash returns SHA-256(0x02 || value), the digest of a value that
// a leaf hash commits to. Committing to the digest rather than the value
// lets a proof of absence carry a neighbouring leaf without its (possibly
// multi-megabyte) value.
func ValueHash(value []byte) Hash {
	d := sha256.New()
	d.Write([]byte{domainValue})
	d.Write(value)
	var h Hash
	d.Sum(h[:0])
	return h
}

// leafHashDigest returns the hash of a leaf:
//
//	SHA-256( 0x00 | len(key) u32 BE | key | ValueHash(value) )
func leafHashDigest(key []byte, vh *Hash) Hash {
	var buf [1 + 4 + 64 + HashSize]byte
	var pre []byte
	if len(key) <= 64 {
		pre = buf[:0]
	} else {
		pre = make([]byte, 0, 1+4+len(key)+HashSize)
	}
	pre = append(pre, domainLeaf)
	pre = binary.BigEndian.AppendUint32(pre, uint32(len(key)))
	pre = append(pre, key...)
	pre = append(pre, vh[:]...)
	return sha256.Sum256(pre)
}

// leafHash returns the hash of the leaf holding key → value.
func leafHash(key, value []byte) Hash {
	vh := ValueHash(value)
	return leafHashDigest(key, &vh)
}

// internalHash returns the hash of an internal node:
//
//	SHA-256( 0x01 | crit-bit index u32 BE | left hash | right hash )
func internalHash(bit uint32, left, right *Hash) Hash {
	var pre [1 + 4 + 2*HashSize]byte
	pre[0] = domainInternal
	binary.BigEndian.PutUint32(pre[1:5], bit)
	copy(pre[5:], left[:])
	copy(pre[5+HashSize:], right[:])
	return sha256.Sum256(pre[:])
}
