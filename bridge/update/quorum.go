package update

import (
	"fmt"
	"slices"
)

// MaxUpdaters bounds the updater set and the signatures on one update, so
// that verifying an update has a bounded cost.
const MaxUpdaters = 32

// QuorumUpdate is an update with signatures of several updaters.
//
//	offset  size    field
//	     0     4    homeDomain, uint32 big-endian
//	     4    32    oldRoot
//	    36    32    newRoot
//	    68     1    n, the number of signatures (1 ≤ n ≤ 32)
//	    69  65×n    signatures (r, s, v), in the order given
//
// The order of signatures carries no meaning; validity is decided by
// UpdaterSet.Verify.
type QuorumUpdate struct {
	Update
	Signatures []Signature
}

// Size returns the length of q's encoding.
func (q *QuorumUpdate) Size() int { return UpdateSize + 1 + SignatureSize*len(q.Signatures) }

// MarshalBinary encodes the layout above.
func (q *QuorumUpdate) MarshalBinary() ([]byte, error) { return q.AppendBinary(nil) }

// AppendBinary appends the layout above to b.
func (q *QuorumUpdate) AppendBinary(b []byte) ([]byte, error) {
	if len(q.Signatures) == 0 || len(q.Signatures) > MaxUpdaters {
		return nil, fmt.Errorf("%w: %d signatures", ErrEncoding, len(q.Signatures))
	}
	b = q.appendTo(b)
	b = append(b, byte(len(q.Signatures)))
	for i := range q.Signatures {
		b = append(b, q.Signatures[i][:]...)
	}
	return b, nil
}

// UnmarshalBinary decodes the layout above; b must hold exactly one update.
func (q *QuorumUpdate) UnmarshalBinary(b []byte) error {
	n, err := q.decodePrefix(b)
	if err != nil {
		return err
	}
	if n != len(b) {
		return fmt.Errorf("%w: %d trailing bytes after a quorum update", ErrEncoding, len(b)-n)
	}
	return nil
}

// DecodeQuorumUpdate decodes one update from the front of b and returns the
// number of bytes it used, for callers that embed updates in larger records.
func DecodeQuorumUpdate(b []byte) (QuorumUpdate, int, error) {
	var q QuorumUpdate
	n, err := q.decodePrefix(b)
	return q, n, err
}

func (q *QuorumUpdate) decodePrefix(b []byte) (int, error) {
	if len(b) < UpdateSize+1 {
		return 0, fmt.Errorf("%w: quorum update is %d bytes", ErrEncoding, len(b))
	}
	n := int(b[UpdateSize])
	if n == 0 || n > MaxUpdaters {
		return 0, fmt.Errorf("%w: %d signatures", ErrEncoding, n)
	}
	size := UpdateSize + 1 + n*SignatureSize
	if len(b) < size {
		return 0, fmt.Errorf("%w: quorum update is %d bytes, want %d", ErrEncoding, len(b), size)
	}
	q.Update = decodeUpdate(b)
	q.Signatures = make([]Signature, n)
	for i := range q.Signatures {
		copy(q.Signatures[i][:], b[UpdateSize+1+i*SignatureSize:])
	}
	return size, nil
}

// UpdaterSet is the set of updaters whose signatures count, and how many of
// them make a quorum. Members are sorted and distinct; the threshold is a
// strict majority, so that any two quorums share a member: two conflicting
// quorum updates therefore always expose at least one equivocating updater
// to slash.
//
//	offset  size    field
//	     0     1    threshold t
//	     1     1    n, the number of members (1 ≤ n ≤ 32, n < 2t ≤ 2n)
//	     2  20×n    members, ascending
type UpdaterSet struct {
	members   []Address
	threshold int
}

// NewUpdaterSet validates and sorts members. It rejects an empty set,
// duplicates, more than MaxUpdaters members and a threshold that is not a
// strict majority of them.
func NewUpdaterSet(members []Address, threshold int) (UpdaterSet, error) {
	n := len(members)
	if n == 0 || n > MaxUpdaters {
		return UpdaterSet{}, fmt.Errorf("%w: %d members", ErrUpdaterSet, n)
	}
	if threshold > n || 2*threshold <= n {
		return UpdaterSet{}, fmt.Errorf("%w: threshold %d of %d is not a strict majority", ErrUpdaterSet, threshold, n)
	}
	sorted := slices.Clone(members)
	slices.SortFunc(sorted, compareAddresses)
	for i := 1; i < n; i++ {
		if sorted[i] == sorted[i-1] {
			return UpdaterSet{}, fmt.Errorf("%w: %s listed twice", ErrUpdaterSet, sorted[i])
		}
	}
	return UpdaterSet{members: sorted, threshold: threshold}, nil
}

// Members returns a copy of the members, ascending.
func (s UpdaterSet) Members() []Address { return slices.Clone(s.members) }

// Threshold returns the number of distinct member signatures a quorum needs.
func (s UpdaterSet) Threshold() int { return s.threshold }

// Contains reports whether a is a member.
func (s UpdaterSet) Contains(a Address) bool {
	_, ok := slices.BinarySearchFunc(s.members, a, compareAddresses)
	return ok
}

// Equal reports whether two sets have the same members and threshold.
func (s UpdaterSet) Equal(o UpdaterSet) bool {
	return s.threshold == o.threshold && slices.Equal(s.members, o.members)
}

// Attest recovers the signers of q and checks that each is a distinct
// member. It does not require a quorum: a fraud proof needs only to show
// which members signed. The signers are returned in signature order.
func (s UpdaterSet) Attest(q *QuorumUpdate) ([]Address, error) {
	if len(q.Signatures) == 0 {
		return nil, ErrNoSignatures
	}
	if len(q.Signatures) > MaxUpdaters {
		return nil, fmt.Errorf("%w: %d signatures", ErrEncoding, len(q.Signatures))
	}
	digest := q.Digest()
	signers := make([]Address, 0, len(q.Signatures))
	for i, sig := range q.Signatures {
		a, err := sig.Recover(digest)
		if err != nil {
			return nil, fmt.Errorf("signature %d: %w", i, err)
		}
		if !s.Contains(a) {
			return nil, fmt.Errorf("signature %d: %w: %s", i, ErrNotMember, a)
		}
		if slices.Contains(signers, a) {
			return nil, fmt.Errorf("signature %d: %w: %s", i, ErrDuplicateSigner, a)
		}
		signers = append(signers, a)
	}
	return signers, nil
}

// Verify checks that q carries valid signatures of at least Threshold
// distinct members and no others, and returns the signers.
func (s UpdaterSet) Verify(q *QuorumUpdate) ([]Address, error) {
	signers, err := s.Attest(q)
	if err != nil {
		return nil, err
	}
	if len(signers) < s.threshold {
		return nil, fmt.Errorf("%w: %d of %d", ErrQuorum, len(signers), s.threshold)
	}
	return signers, nil
}

// Size returns the length of s's encoding.
func (s UpdaterSet) Size() int { return 2 + AddressSize*len(s.members) }

// MarshalBinary encodes the layout above.
func (s UpdaterSet) MarshalBinary() ([]byte, error) { return s.AppendBinary(nil) }

// AppendBinary appends the layout above to b.
func (s UpdaterSet) AppendBinary(b []byte) ([]byte, error) {
	if len(s.members) == 0 {
		return nil, fmt.Errorf("%w: encoding the zero set", ErrUpdaterSet)
	}
	b = append(b, byte(s.threshold), byte(len(s.members)))
	for _, m := range s.members {
		b = append(b, m[:]...)
	}
	return b, nil
}

// DecodeUpdaterSet decodes a set from the front of b, validating it as
// NewUpdaterSet does and requiring ascending order, and returns the number
// of bytes used.
func DecodeUpdaterSet(b []byte) (UpdaterSet, int, error) {
	if len(b) < 2 {
		return UpdaterSet{}, 0, fmt.Errorf("%w: updater set is %d bytes", ErrEncoding, len(b))
	}
	t, n := int(b[0]), int(b[1])
	size := 2 + n*AddressSize
	if len(b) < size {
		return UpdaterSet{}, 0, fmt.Errorf("%w: updater set is %d bytes, want %d", ErrEncoding, len(b), size)
	}
	members := make([]Address, n)
	for i := range members {
		copy(members[i][:], b[2+i*AddressSize:])
		if i > 0 && compareAddresses(members[i-1], members[i]) >= 0 {
			return UpdaterSet{}, 0, fmt.Errorf("%w: members not strictly ascending", ErrEncoding)
		}
	}
	s, err := NewUpdaterSet(members, t)
	if err != nil {
		return UpdaterSet{}, 0, err
	}
	return s, size, nil
}

// UnmarshalBinary decodes exactly one set.
func (s *UpdaterSet) UnmarshalBinary(b []byte) error {
	set, n, err := DecodeUpdaterSet(b)
	if err != nil {
		return err
	}
	if n != len(b) {
		return fmt.Errorf("%w: %d trailing bytes after an updater set", ErrEncoding, len(b)-n)
	}
	*s = set
	return nil
}

// Intersect returns the addresses present in both a and b, in a's order.
// For two conflicting updates these are the updaters who equivocated.
func Intersect(a, b []Address) []Address {
	var out []Address
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
