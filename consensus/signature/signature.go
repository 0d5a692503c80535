package signature

import (
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	voied "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// Sentinel errors.
var (
	ErrBadPublicKey = errors.New("signature: malformed public key")
	ErrBadSignature = errors.New("signature: verification failed")
)

// PublicKeySize and SignatureSize are the ed25519 sizes.
const (
	PublicKeySize = ed25519.PublicKeySize
	SignatureSize = ed25519.SignatureSize
)

// PublicKey is an ed25519 public key. Its text form is lowercase hex.
type PublicKey [PublicKeySize]byte

// Signature is an ed25519 signature.
type Signature [SignatureSize]byte

// String returns the hex form.
func (k PublicKey) String() string { return hex.EncodeToString(k[:]) }

// IsZero reports whether k is the all-zero key, which no signer has.
func (k PublicKey) IsZero() bool { return k == PublicKey{} }

// MarshalText implements encoding.TextMarshaler (hex).
func (k PublicKey) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (hex).
func (k *PublicKey) UnmarshalText(b []byte) error {
	if hex.DecodedLen(len(b)) != PublicKeySize {
		return fmt.Errorf("%w: want %d hex bytes, got %d characters", ErrBadPublicKey, PublicKeySize, len(b))
	}
	if _, err := hex.Decode(k[:], b); err != nil {
		return fmt.Errorf("%w: %v", ErrBadPublicKey, err)
	}
	return nil
}

// Less orders keys bytewise; used wherever a deterministic order is needed.
func (k PublicKey) Less(o PublicKey) bool {
	for i := range k {
		if k[i] != o[i] {
			return k[i] < o[i]
		}
	}
	return false
}

// Signer holds an ed25519 private key.
type Signer struct {
	priv ed25519.PrivateKey
}

// NewSigner generates a fresh key from rand.
func NewSigner(rand io.Reader) (*Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return nil, fmt.Errorf("signature: generating key: %w", err)
	}
	return &Signer{priv: priv}, nil
}

// SignerFromSeed derives the key from a 32-byte seed.
func SignerFromSeed(seed []byte) (*Signer, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("signature: seed must be %d bytes, got %d", ed25519.SeedSize, len(seed))
	}
	return &Signer{priv: ed25519.NewKeyFromSeed(seed)}, nil
}

// Seed returns the 32-byte seed; the caller must keep it secret.
func (s *Signer) Seed() []byte { return s.priv.Seed() }

// PrivateKey returns the raw key; used by the VRF prover which needs it.
func (s *Signer) PrivateKey() ed25519.PrivateKey { return s.priv }

// Public returns the public key.
func (s *Signer) Public() PublicKey {
	var k PublicKey
	copy(k[:], s.priv.Public().(ed25519.PublicKey))
	return k
}

// Sign signs msg under the domain separation context.
func (s *Signer) Sign(context string, msg []byte) Signature {
	var sig Signature
	copy(sig[:], ed25519.Sign(s.priv, digest(context, msg)))
	return sig
}

// verifyOptions is ZIP-215 verification: unlike the standard library's
// rules it is defined identically for single and batch verification, so a
// signature accepted in a batch (FinalizeBlock) is accepted alone (CheckTx)
// and vice versa, on every node.
var verifyOptions = &voied.Options{Verify: voied.VerifyOptionsZIP_215}

// Verify checks sig by key over msg under context.
func Verify(key PublicKey, context string, msg []byte, sig Signature) error {
	if !voied.VerifyWithOptions(key[:], digest(context, msg), sig[:], verifyOptions) {
		return ErrBadSignature
	}
	return nil
}

// Item is one signature to check in a batch.
type Item struct {
	Key       PublicKey
	Context   string
	Message   []byte
	Signature Signature
}

// VerifyBatch checks every item and reports each one's validity; the
// result equals calling Verify on each, at a lower cost per signature.
func VerifyBatch(items []Item) []bool {
	if len(items) == 0 {
		return nil
	}
	bv := voied.NewBatchVerifier()
	for _, it := range items {
		bv.AddWithOptions(it.Key[:], digest(it.Context, it.Message), it.Signature[:], verifyOptions)
	}
	_, valid := bv.Verify(nil)
	return valid
}

// digest prefixes msg with its length-delimited context so that no two
// (context, msg) pairs share a signed message.
//
//	sha512( u8 len(context) | context | msg )
func digest(context string, msg []byte) []byte {
	if len(context) > 255 {
		panic("signature: context longer than 255 bytes")
	}
	h := sha512.New()
	h.Write([]byte{byte(len(context))})
	h.Write([]byte(context))
	h.Write(msg)
	return h.Sum(nil)
}
