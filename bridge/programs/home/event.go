package home

import (
	"encoding/base64"
	"encoding/binary"
	"errors"

	"github.com/atoll-dev/atoll/bridge/internal/wire"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/bridge/update"
)

// EventKind is the first byte of a Home event.
type EventKind uint8

// Events the Home logs as "Program data: <base64(event)>":
//
//	kind  name      payload
//	   1  Dispatch  leafIndex u32 | destinationAndNonce u64 | committedRoot 32 | root 32 | message (to end)
//	   2  Update    quorum update (the accepted update and its signatures)
//	   3  Fraud     fraud kind u8 (1 improper, 2 double) | n u8 | n × updater address 20
//	   4  Slash     updater address 20 | lamports u64 moved to the treasury
//
// root is the tree root after the message, the one a later update commits.
const (
	EventDispatch EventKind = 1
	EventUpdate   EventKind = 2
	EventFraud    EventKind = 3
	EventSlash    EventKind = 4
)

// ErrEvent is returned for malformed event bytes.
var ErrEvent = errors.New("home program: malformed event")

// Event is a decoded Home event; only the fields of its Kind are set.
type Event struct {
	Kind EventKind

	LeafIndex           uint32
	DestinationAndNonce uint64
	CommittedRoot       keccak.Hash
	Root                keccak.Hash
	Message             []byte // wire form; Dispatch

	Update update.QuorumUpdate // Update

	FraudKind uint8            // Fraud
	Updaters  []update.Address // Fraud: slashed signers; Slash: the one updater
	Lamports  uint64           // Slash
}

// Encode returns the event bytes.
func (e *Event) Encode() ([]byte, error) {
	b := []byte{byte(e.Kind)}
	switch e.Kind {
	case EventDispatch:
		b = binary.BigEndian.AppendUint32(b, e.LeafIndex)
		b = binary.BigEndian.AppendUint64(b, e.DestinationAndNonce)
		b = append(append(b, e.CommittedRoot[:]...), e.Root[:]...)
		return append(b, e.Message...), nil
	case EventUpdate:
		return e.Update.AppendBinary(b)
	case EventFraud:
		b, ok := onchain.AppendAddresses(append(b, e.FraudKind), e.Updaters)
		if !ok {
			return nil, ErrEvent
		}
		return b, nil
	case EventSlash:
		if len(e.Updaters) != 1 {
			return nil, ErrEvent
		}
		return binary.BigEndian.AppendUint64(append(b, e.Updaters[0][:]...), e.Lamports), nil
	}
	return nil, ErrEvent
}

// DecodeEvent parses event bytes. Message aliases b.
func DecodeEvent(b []byte) (Event, error) {
	r := wire.NewReader(b, ErrEvent)
	e := Event{Kind: EventKind(r.Byte())}
	switch e.Kind {
	case EventDispatch:
		e.LeafIndex = r.U32()
		e.DestinationAndNonce = r.U64()
		copy(e.CommittedRoot[:], r.Bytes(32))
		copy(e.Root[:], r.Bytes(32))
		if r.Err() == nil {
			e.Message = r.Rest()
			if _, err := message.Decode(e.Message); err != nil {
				r.Fail("%v", err)
			}
			r.Skip(len(e.Message))
		}
	case EventUpdate:
		onchain.ReadQuorum(r, &e.Update)
	case EventFraud:
		e.FraudKind = r.Byte()
		e.Updaters = onchain.ReadAddresses(r)
	case EventSlash:
		var a update.Address
		copy(a[:], r.Bytes(20))
		e.Updaters = []update.Address{a}
		e.Lamports = r.U64()
	default:
		r.Fail("unknown event kind %d", e.Kind)
	}
	if err := r.Finish(); err != nil {
		return Event{}, err
	}
	return e, nil
}

// LogLine renders the event as the log line the program writes.
func (e *Event) LogLine() (string, error) {
	b, err := e.Encode()
	if err != nil {
		return "", err
	}
	return onchain.ProgramDataPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// ParseLogs returns the Home's events among a transaction's log lines: the
// "Program data:" lines written while the Home was the executing program, as
// the runtime's "Program <id> invoke [n]" and "Program <id> success|failed"
// lines tell.
func ParseLogs(lines []string) []Event {
	var out []Event
	for _, b := range onchain.ProgramData(lines, address.Home) {
		if e, err := DecodeEvent(b); err == nil {
			out = append(out, e)
		}
	}
	return out
}
