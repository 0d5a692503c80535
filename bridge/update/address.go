package update

import (
	"bytes"
	"encoding/hex"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/atoll-dev/atoll/bridge/keccak"
)

// AddressSize is the width of an Ethereum-style address.
const AddressSize = 20

// Address identifies a signer: the last 20 bytes of keccak256 of its
// uncompressed secp256k1 public key (without the 0x04 prefix).
type Address [AddressSize]byte

// AddressOf returns the address of pub.
func AddressOf(pub *secp256k1.PublicKey) Address {
	h := keccak.Sum(pub.SerializeUncompressed()[1:])
	var a Address
	copy(a[:], h[keccak.Size-AddressSize:])
	return a
}

// String renders the address as 0x-prefixed lowercase hex.
func (a Address) String() string { return "0x" + hex.EncodeToString(a[:]) }

// Bytes32 left-pads the address to the bytes32 form Nomad uses in messages
// and failure notifications.
func (a Address) Bytes32() keccak.Hash {
	var h keccak.Hash
	copy(h[keccak.Size-AddressSize:], a[:])
	return h
}

// AddressFromBytes32 undoes Bytes32; it fails unless the top 12 bytes are zero.
func AddressFromBytes32(h keccak.Hash) (Address, error) {
	var a Address
	if !bytes.Equal(h[:keccak.Size-AddressSize], make([]byte, keccak.Size-AddressSize)) {
		return a, fmt.Errorf("%w: %s is not a left-padded address", ErrEncoding, h)
	}
	copy(a[:], h[keccak.Size-AddressSize:])
	return a, nil
}

// ParseAddress decodes 0x-prefixed or bare hex.
func ParseAddress(s string) (Address, error) {
	var a Address
	return a, keccak.DecodeHex(s, a[:])
}

func compareAddresses(a, b Address) int { return bytes.Compare(a[:], b[:]) }
