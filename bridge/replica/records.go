package replica

import (
	"encoding/binary"
	"fmt"

	"github.com/atoll-dev/atoll/bridge/internal/wire"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/update"
)

// RootEntry is the history entry of an accepted root: the quorum update that
// produced it and the Clock time from which it is acceptable.
//
//	offset  size  field
//	     0     8  confirmAt, uint64 big-endian unix seconds
//	     8     v  the update (update.QuorumUpdate encoding)
type RootEntry struct {
	Update    update.QuorumUpdate
	ConfirmAt uint64
}

// Root returns the root the entry is for.
func (e *RootEntry) Root() keccak.Hash { return e.Update.NewRoot }

// MarshalBinary encodes the layout above.
func (e *RootEntry) MarshalBinary() ([]byte, error) {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 8+e.Update.Size()), e.ConfirmAt)
	return e.Update.AppendBinary(b)
}

// UnmarshalBinary decodes exactly one entry; its root must not be 0x0.
func (e *RootEntry) UnmarshalBinary(b []byte) error {
	r := wire.NewReader(b, ErrEncoding)
	n, err := e.decode(r)
	if err != nil {
		return err
	}
	r.Skip(n)
	return r.Finish()
}

func (e *RootEntry) decode(r *wire.Reader) (int, error) {
	confirmAt := r.U64()
	if r.Err() != nil {
		return 0, r.Err()
	}
	q, n, err := update.DecodeQuorumUpdate(r.Rest())
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrEncoding, err)
	}
	if q.NewRoot.IsZero() {
		return 0, fmt.Errorf("%w: history entry for 0x0", ErrEncoding)
	}
	*e = RootEntry{Update: q, ConfirmAt: confirmAt}
	return n, nil
}

// Status is where a message stands on this Replica.
type Status uint8

// Message statuses. None is the status of every message never proven; it is
// never stored.
const (
	None      Status = 0
	Proven    Status = 1
	Processed Status = 2
)

func (s Status) String() string {
	switch s {
	case None:
		return "none"
	case Proven:
		return "proven"
	case Processed:
		return "processed"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// MessageRecord is the stored status of a message leaf and the root it was
// proven under.
//
//	offset  size  field
//	     0     1  status (1 proven, 2 processed)
//	     1    32  root, never 0x0
type MessageRecord struct {
	Status Status
	Root   keccak.Hash
}

// MessageRecordSize is the length of an encoded MessageRecord.
const MessageRecordSize = 1 + keccak.Size

// MarshalBinary encodes the layout above.
func (m MessageRecord) MarshalBinary() ([]byte, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	return append([]byte{byte(m.Status)}, m.Root[:]...), nil
}

// UnmarshalBinary decodes the layout above; b must be exactly MessageRecordSize bytes.
func (m *MessageRecord) UnmarshalBinary(b []byte) error {
	if len(b) != MessageRecordSize {
		return fmt.Errorf("%w: message record is %d bytes", ErrEncoding, len(b))
	}
	rec := MessageRecord{Status: Status(b[0])}
	copy(rec.Root[:], b[1:])
	if err := rec.validate(); err != nil {
		return err
	}
	*m = rec
	return nil
}

func (m MessageRecord) validate() error {
	if m.Status != Proven && m.Status != Processed {
		return fmt.Errorf("%w: stored %s message", ErrEncoding, m.Status)
	}
	if m.Root.IsZero() {
		return fmt.Errorf("%w: message proven under 0x0", ErrEncoding)
	}
	return nil
}
