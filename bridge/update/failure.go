package update

import (
	"encoding/binary"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/atoll-dev/atoll/bridge/keccak"
)

// FailureNotification is a watcher's statement that the updater Updater of
// the Home on HomeDomain committed fraud; a connection manager that trusts
// the watcher for HomeDomain unenrolls its Replica of that domain.
type FailureNotification struct {
	HomeDomain uint32
	Updater    keccak.Hash // the updater's address, left-padded to bytes32
}

// Digest is Nomad's: keccak256(HomeDomainHash(HomeDomain) || HomeDomain u32 BE || Updater).
func (f FailureNotification) Digest() keccak.Hash {
	d := HomeDomainHash(f.HomeDomain)
	var dom [4]byte
	binary.BigEndian.PutUint32(dom[:], f.HomeDomain)
	return keccak.Sum(d[:], dom[:], f.Updater[:])
}

// Sign returns key's signature over the notification.
func (f FailureNotification) Sign(key *secp256k1.PrivateKey) Signature {
	return SignDigest(key, f.Digest())
}

// SignedFailure is a failure notification with the watcher's signature.
//
//	offset  size  field
//	     0     4  homeDomain, uint32 big-endian
//	     4    32  updater, bytes32
//	    36    65  signature (r, s, v)
type SignedFailure struct {
	FailureNotification
	Signature Signature
}

// SignedFailureSize is the length of an encoded SignedFailure.
const SignedFailureSize = 4 + keccak.Size + SignatureSize

// Signer recovers the watcher's address.
func (s *SignedFailure) Signer() (Address, error) { return s.Signature.Recover(s.Digest()) }

// MarshalBinary encodes the layout above.
func (s *SignedFailure) MarshalBinary() ([]byte, error) {
	b := binary.BigEndian.AppendUint32(make([]byte, 0, SignedFailureSize), s.HomeDomain)
	b = append(b, s.Updater[:]...)
	return append(b, s.Signature[:]...), nil
}

// UnmarshalBinary decodes the layout above; b must be exactly SignedFailureSize bytes.
func (s *SignedFailure) UnmarshalBinary(b []byte) error {
	if len(b) != SignedFailureSize {
		return fmt.Errorf("%w: signed failure is %d bytes, want %d", ErrEncoding, len(b), SignedFailureSize)
	}
	s.HomeDomain = binary.BigEndian.Uint32(b)
	copy(s.Updater[:], b[4:36])
	copy(s.Signature[:], b[36:])
	return nil
}
