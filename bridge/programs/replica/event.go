package replica

import (
	"encoding/binary"
	"errors"

	"github.com/atoll-dev/atoll/bridge/internal/wire"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/bridge/update"
)

// EventKind is the first byte of a Replica event.
type EventKind uint8

// Events the Replica logs as "Program data: <base64(event)>":
//
//	kind  name           payload
//	   1  Update         remote u32 | confirmAt u64 | quorum update
//	   2  Proven         remote u32 | leaf 32 | root 32
//	   3  Processed      remote u32 | leaf 32
//	   4  HandlerFailed  remote u32 | leaf 32 (the message stays proven)
//	   5  Halted         remote u32 | n u8 | n × equivocator address 20
const (
	EventUpdate        EventKind = 1
	EventProven        EventKind = 2
	EventProcessed     EventKind = 3
	EventHandlerFailed EventKind = 4
	EventHalted        EventKind = 5
)

// ErrEvent is returned for malformed event bytes.
var ErrEvent = errors.New("replica program: malformed event")

// Event is a decoded Replica event; only the fields of its Kind are set.
type Event struct {
	Kind      EventKind
	Remote    uint32
	ConfirmAt uint64
	Update    update.QuorumUpdate
	Leaf      keccak.Hash
	Root      keccak.Hash
	Addresses []update.Address
}

// Encode returns the event bytes.
func (e *Event) Encode() ([]byte, error) {
	b := binary.BigEndian.AppendUint32([]byte{byte(e.Kind)}, e.Remote)
	switch e.Kind {
	case EventUpdate:
		return e.Update.AppendBinary(binary.BigEndian.AppendUint64(b, e.ConfirmAt))
	case EventProven:
		return append(append(b, e.Leaf[:]...), e.Root[:]...), nil
	case EventProcessed, EventHandlerFailed:
		return append(b, e.Leaf[:]...), nil
	case EventHalted:
		b, ok := onchain.AppendAddresses(b, e.Addresses)
		if !ok {
			return nil, ErrEvent
		}
		return b, nil
	}
	return nil, ErrEvent
}

// DecodeEvent parses event bytes.
func DecodeEvent(b []byte) (Event, error) {
	r := wire.NewReader(b, ErrEvent)
	e := Event{Kind: EventKind(r.Byte()), Remote: r.U32()}
	switch e.Kind {
	case EventUpdate:
		e.ConfirmAt = r.U64()
		onchain.ReadQuorum(r, &e.Update)
	case EventProven:
		copy(e.Leaf[:], r.Bytes(32))
		copy(e.Root[:], r.Bytes(32))
	case EventProcessed, EventHandlerFailed:
		copy(e.Leaf[:], r.Bytes(32))
	case EventHalted:
		e.Addresses = onchain.ReadAddresses(r)
	default:
		r.Fail("unknown event kind %d", e.Kind)
	}
	if err := r.Finish(); err != nil {
		return Event{}, err
	}
	return e, nil
}

// ParseLogs returns the Replica's events among a transaction's log lines,
// counting only "Program data:" lines written while the Replica executed.
func ParseLogs(lines []string) []Event {
	var out []Event
	for _, b := range onchain.ProgramData(lines, address.Replica) {
		if e, err := DecodeEvent(b); err == nil {
			out = append(out, e)
		}
	}
	return out
}
