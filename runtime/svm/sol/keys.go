package sol

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"filippo.io/edwards25519"
	"github.com/mr-tron/base58"
)

// Sizes of the fixed-width values.
const (
	PubkeySize    = 32
	HashSize      = 32
	SignatureSize = 64
)

// Pubkey is an account address: an ed25519 public key or a program-derived
// address (which is deliberately off the curve).
type Pubkey [PubkeySize]byte

// Hash is a sha256 digest, used for blockhashes and message hashes.
type Hash [HashSize]byte

// Signature is an ed25519 signature.
type Signature [SignatureSize]byte

// ErrBase58 is returned when a base58 string does not decode to the expected width.
var ErrBase58 = errors.New("sol: invalid base58 value")

func (k Pubkey) String() string    { return base58.Encode(k[:]) }
func (h Hash) String() string      { return base58.Encode(h[:]) }
func (s Signature) String() string { return base58.Encode(s[:]) }

// IsZero reports whether every byte is zero.
func (k Pubkey) IsZero() bool { return k == Pubkey{} }

func decodeFixed(s string, out []byte) error {
	b, err := base58.Decode(s)
	if err != nil || len(b) != len(out) {
		return fmt.Errorf("%w: %q is not %d bytes of base58", ErrBase58, s, len(out))
	}
	copy(out, b)
	return nil
}

// PubkeyFromString decodes a base58 address.
func PubkeyFromString(s string) (Pubkey, error) {
	var k Pubkey
	return k, decodeFixed(s, k[:])
}

// HashFromString decodes a base58 hash.
func HashFromString(s string) (Hash, error) {
	var h Hash
	return h, decodeFixed(s, h[:])
}

// SignatureFromString decodes a base58 signature.
func SignatureFromString(s string) (Signature, error) {
	var sig Signature
	return sig, decodeFixed(s, sig[:])
}

// MustPubkey decodes a base58 address known at compile time; it panics on a
// malformed constant and must never be called with outside input.
func MustPubkey(s string) Pubkey {
	k, err := PubkeyFromString(s)
	if err != nil {
		panic(err)
	}
	return k
}

// MarshalText encodes the key as base58, so keys print naturally in JSON.
func (k Pubkey) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText decodes a base58 key.
func (k *Pubkey) UnmarshalText(b []byte) error { return decodeFixed(string(b), k[:]) }

// IsOnCurve reports whether the key decodes to a point on the ed25519 curve.
// Program-derived addresses must not be.
func (k Pubkey) IsOnCurve() bool {
	_, err := new(edwards25519.Point).SetBytes(k[:])
	return err == nil
}

// Program-derived address limits, as in Solana.
const (
	MaxSeeds   = 16
	MaxSeedLen = 32
)

// Errors of program-derived address creation.
var (
	ErrMaxSeedLengthExceeded = errors.New("sol: max seed length exceeded")
	ErrInvalidSeeds          = errors.New("sol: provided seeds do not result in a valid address")
)

const pdaMarker = "ProgramDerivedAddress"

// CreateProgramAddress derives sha256(seeds ‖ program ‖ marker) and fails if the
// result lies on the curve.
func CreateProgramAddress(seeds [][]byte, program Pubkey) (Pubkey, error) {
	if len(seeds) > MaxSeeds {
		return Pubkey{}, ErrMaxSeedLengthExceeded
	}
	h := sha256.New()
	for _, s := range seeds {
		if len(s) > MaxSeedLen {
			return Pubkey{}, ErrMaxSeedLengthExceeded
		}
		h.Write(s)
	}
	h.Write(program[:])
	h.Write([]byte(pdaMarker))
	var k Pubkey
	h.Sum(k[:0])
	if k.IsOnCurve() {
		return Pubkey{}, ErrInvalidSeeds
	}
	return k, nil
}

// FindProgramAddress searches bumps from 255 down for the first off-curve address.
func FindProgramAddress(seeds [][]byte, program Pubkey) (Pubkey, uint8, error) {
	withBump := make([][]byte, len(seeds)+1)
	copy(withBump, seeds)
	for bump := 255; bump >= 0; bump-- {
		withBump[len(seeds)] = []byte{byte(bump)}
		k, err := CreateProgramAddress(withBump, program)
		if err == nil {
			return k, uint8(bump), nil
		}
		if !errors.Is(err, ErrInvalidSeeds) {
			return Pubkey{}, 0, err
		}
	}
	return Pubkey{}, 0, ErrInvalidSeeds
}

// CreateWithSeed derives sha256(base ‖ seed ‖ owner), as SystemInstruction's
// *WithSeed variants do. The seed is at most 32 bytes.
func CreateWithSeed(base Pubkey, seed string, owner Pubkey) (Pubkey, error) {
	if len(seed) > MaxSeedLen {
		return Pubkey{}, ErrMaxSeedLengthExceeded
	}
	if len(owner) >= len(pdaMarker) && string(owner[len(owner)-len(pdaMarker):]) == pdaMarker {
		return Pubkey{}, ErrIllegalOwner
	}
	h := sha256.New()
	h.Write(base[:])
	h.Write([]byte(seed))
	h.Write(owner[:])
	var k Pubkey
	h.Sum(k[:0])
	return k, nil
}

// ErrIllegalOwner is returned when an owner ends with the PDA marker.
var ErrIllegalOwner = errors.New("sol: illegal owner")

// MustHash decodes a base58 hash known at compile time; it panics on a
// malformed constant and must never be called with outside input.
func MustHash(s string) Hash {
	h, err := HashFromString(s)
	if err != nil {
		panic(err)
	}
	return h
}
