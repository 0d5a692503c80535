package update

import (
	"errors"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/atoll-dev/atoll/bridge/keccak"
)

// SignatureSize is the width of an Ethereum signature.
const SignatureSize = 65

// Signature is an Ethereum-style recoverable ECDSA signature:
//
//	offset  size  field
//	     0    32  r
//	    32    32  s, at most n/2 (low-s)
//	    64     1  v, 27 or 28 (27 + parity of the nonce point's y)
type Signature [SignatureSize]byte

// Errors of signature recovery and of quorum verification.
var (
	ErrSignature       = errors.New("update: invalid signature")
	ErrHighS           = errors.New("update: signature s is above half the group order")
	ErrRecoveryID      = errors.New("update: signature v is not 27 or 28")
	ErrNotMember       = errors.New("update: signer is not in the updater set")
	ErrDuplicateSigner = errors.New("update: signer appears twice")
	ErrQuorum          = errors.New("update: fewer signers than the threshold")
	ErrNoSignatures    = errors.New("update: no signatures")
	ErrUpdaterSet      = errors.New("update: invalid updater set")
	ErrEncoding        = errors.New("update: malformed encoding")
)

// NewSignature assembles a signature from its r, s and v parts.
func NewSignature(r, s [32]byte, v byte) Signature {
	var sig Signature
	copy(sig[:32], r[:])
	copy(sig[32:64], s[:])
	sig[64] = v
	return sig
}

// SignDigest signs the EIP-191 personal-message hash of digest, which is how
// Nomad agents sign (ethers' signMessage over the 32 digest bytes). The
// signature is deterministic (RFC 6979) and low-s.
func SignDigest(key *secp256k1.PrivateKey, digest keccak.Hash) Signature {
	h := keccak.PersonalMessageHash(digest[:])
	compact := ecdsa.SignCompact(key, h[:], false)
	var sig Signature
	copy(sig[:64], compact[1:])
	sig[64] = compact[0] // 27 + recovery id, uncompressed
	return sig
}

// Recover returns the address that signed the EIP-191 personal-message hash
// of digest. It rejects malformed, high-s and non-27/28 signatures, so each
// (key, digest) pair has one accepted signature per nonce.
func (sig Signature) Recover(digest keccak.Hash) (Address, error) {
	v := sig[64]
	if v != 27 && v != 28 {
		return Address{}, fmt.Errorf("%w: v = %d", ErrRecoveryID, v)
	}
	var s secp256k1.ModNScalar
	if overflow := s.SetByteSlice(sig[32:64]); overflow {
		return Address{}, fmt.Errorf("%w: s is not below the group order", ErrSignature)
	}
	if s.IsOverHalfOrder() {
		return Address{}, ErrHighS
	}
	var compact [SignatureSize]byte
	compact[0] = v
	copy(compact[1:], sig[:64])
	h := keccak.PersonalMessageHash(digest[:])
	pub, _, err := ecdsa.RecoverCompact(compact[:], h[:])
	if err != nil {
		return Address{}, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	return AddressOf(pub), nil
}
