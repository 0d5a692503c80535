package rhp

import (
	"encoding/hex"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// HashSize is the size of every hash on the wire.
const HashSize = 32

// Hash is a 32-byte value (a Merkle root, a block hash, a feature id) encoded
// as a CBOR byte string of exactly 32 bytes. Any other length is rejected:
// silently padding or truncating a root would turn a bad peer into a wrong
// state transition.
type Hash [HashSize]byte

// String renders the hash in hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// MarshalCBOR encodes the hash as a 32-byte byte string.
func (h Hash) MarshalCBOR() ([]byte, error) {
	out := make([]byte, 0, 2+HashSize)
	out = append(out, 0x58, HashSize) // major type 2, one-byte length
	return append(out, h[:]...), nil
}

// UnmarshalCBOR decodes a byte string of exactly 32 bytes.
func (h *Hash) UnmarshalCBOR(data []byte) error {
	var b []byte
	if err := decMode.Unmarshal(data, &b); err != nil {
		return fmt.Errorf("rhp: hash: %w", err)
	}
	if len(b) != HashSize {
		return fmt.Errorf("%w: hash has %d bytes, want %d", ErrMalformedBody, len(b), HashSize)
	}
	copy(h[:], b)
	return nil
}

var (
	_ cbor.Marshaler   = Hash{}
	_ cbor.Unmarshaler = (*Hash)(nil)
)
