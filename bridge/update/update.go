package update

import (
	"encoding/binary"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/atoll-dev/atoll/bridge/keccak"
)

// Update attests that the Home on HomeDomain moved its committed root from
// OldRoot to NewRoot.
type Update struct {
	HomeDomain uint32
	OldRoot    keccak.Hash
	NewRoot    keccak.Hash
}

// UpdateSize is the length of an encoded Update.
const UpdateSize = 4 + 2*keccak.Size

// Digest is what updaters sign (wrapped in EIP-191 by SignDigest):
// keccak256(HomeDomainHash(HomeDomain) || OldRoot || NewRoot).
func (u Update) Digest() keccak.Hash {
	d := HomeDomainHash(u.HomeDomain)
	return keccak.Sum(d[:], u.OldRoot[:], u.NewRoot[:])
}

// Sign returns key's signature over the update.
func (u Update) Sign(key *secp256k1.PrivateKey) Signature { return SignDigest(key, u.Digest()) }

// appendTo writes homeDomain u32 BE | oldRoot | newRoot.
func (u Update) appendTo(b []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, u.HomeDomain)
	b = append(b, u.OldRoot[:]...)
	return append(b, u.NewRoot[:]...)
}

func decodeUpdate(b []byte) Update {
	var u Update
	u.HomeDomain = binary.BigEndian.Uint32(b)
	copy(u.OldRoot[:], b[4:36])
	copy(u.NewRoot[:], b[36:68])
	return u
}

// SignedUpdate is Nomad's single-updater update.
//
//	offset  size  field
//	     0     4  homeDomain, uint32 big-endian
//	     4    32  oldRoot
//	    36    32  newRoot
//	    68    65  signature (r, s, v)
type SignedUpdate struct {
	Update
	Signature Signature
}

// SignedUpdateSize is the length of an encoded SignedUpdate.
const SignedUpdateSize = UpdateSize + SignatureSize

// Signer recovers the address that signed the update.
func (s *SignedUpdate) Signer() (Address, error) { return s.Signature.Recover(s.Digest()) }

// MarshalBinary encodes the layout above.
func (s *SignedUpdate) MarshalBinary() ([]byte, error) {
	b := s.appendTo(make([]byte, 0, SignedUpdateSize))
	return append(b, s.Signature[:]...), nil
}

// UnmarshalBinary decodes the layout above; b must be exactly SignedUpdateSize bytes.
func (s *SignedUpdate) UnmarshalBinary(b []byte) error {
	if len(b) != SignedUpdateSize {
		return fmt.Errorf("%w: signed update is %d bytes, want %d", ErrEncoding, len(b), SignedUpdateSize)
	}
	s.Update = decodeUpdate(b)
	copy(s.Signature[:], b[UpdateSize:])
	return nil
}
