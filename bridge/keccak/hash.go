package keccak

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/sha3"
)

// Size is the width of a digest in bytes.
const Size = 32

// Hash is a Keccak-256 digest, a Merkle root or a bytes32 identifier.
type Hash [Size]byte

// Zero is the all-zero bytes32. It is never a valid Merkle root.
var Zero Hash

// ErrHex is returned when a string is not 0x-prefixed hex of the expected width.
var ErrHex = errors.New("keccak: invalid hex")

// Sum returns keccak256 of the concatenation of parts.
func Sum(parts ...[]byte) Hash {
	d := sha3.NewLegacyKeccak256()
	for _, p := range parts {
		d.Write(p)
	}
	var h Hash
	d.Sum(h[:0])
	return h
}

// IsZero reports whether h is 0x0.
func (h Hash) IsZero() bool { return h == Zero }

// String renders h as 0x-prefixed lowercase hex, the form Ethereum tooling uses.
func (h Hash) String() string { return "0x" + hex.EncodeToString(h[:]) }

// ParseHash decodes a 0x-prefixed (or bare) 64-digit hex string.
func ParseHash(s string) (Hash, error) {
	var h Hash
	return h, DecodeHex(s, h[:])
}

// DecodeHex decodes 0x-prefixed or bare hex into out, which it must fill exactly.
func DecodeHex(s string, out []byte) error {
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != len(out) {
		return fmt.Errorf("%w: %q is not %d bytes", ErrHex, s, len(out))
	}
	copy(out, b)
	return nil
}

// PersonalMessageHash is the EIP-191 version 0x45 digest of data:
// keccak256("\x19Ethereum Signed Message:\n" || decimal len(data) || data).
// Nomad's updaters and watchers sign this wrapping of their 32-byte digests.
func PersonalMessageHash(data []byte) Hash {
	return Sum([]byte(fmt.Sprintf("\x19Ethereum Signed Message:\n%d", len(data))), data)
}
