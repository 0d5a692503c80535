package rhp

import "fmt"

// MessageType names the body of a frame. Requests the host sends are in
// 0x01..0x1f, requests the runtime sends in 0x20..0x3f; the response to a
// request has the request's type with ResponseBit set; TypeError answers any
// request that failed.
//
//	0x01..0x1f  host → runtime requests
//	0x20..0x3f  runtime → host requests
//	0x80 | t    response to request t
//	0xff        error response
type MessageType uint8

// ResponseBit marks a response type.
const ResponseBit MessageType = 0x80

// Host → runtime requests.
const (
	TypeHandshake      MessageType = 0x01
	TypeInfo           MessageType = 0x02
	TypePing           MessageType = 0x03
	TypeCheckTxBatch   MessageType = 0x04
	TypeExecuteTxBatch MessageType = 0x05
	TypeQuery          MessageType = 0x06
	TypeAbort          MessageType = 0x07
	TypeShutdown       MessageType = 0x08
)

// Runtime → host requests.
const (
	TypeStorageGet     MessageType = 0x20
	TypeConsensusQuery MessageType = 0x21
	TypeLocalGet       MessageType = 0x22
	TypeLocalSet       MessageType = 0x23
)

// TypeError is the response to a request that failed; its body is an Error.
const TypeError MessageType = 0xff

var typeNames = map[MessageType]string{
	TypeHandshake:      "Handshake",
	TypeInfo:           "Info",
	TypePing:           "Ping",
	TypeCheckTxBatch:   "CheckTxBatch",
	TypeExecuteTxBatch: "ExecuteTxBatch",
	TypeQuery:          "Query",
	TypeAbort:          "Abort",
	TypeShutdown:       "Shutdown",
	TypeStorageGet:     "StorageGet",
	TypeConsensusQuery: "ConsensusQuery",
	TypeLocalGet:       "LocalGet",
	TypeLocalSet:       "LocalSet",
}

// String names the type, e.g. "Ping" or "PingResponse".
func (t MessageType) String() string {
	if t == TypeError {
		return "Error"
	}
	if name, ok := typeNames[t&^ResponseBit]; ok {
		if t.IsResponse() {
			return name + "Response"
		}
		return name
	}
	return fmt.Sprintf("MessageType(0x%02x)", uint8(t))
}

// IsResponse reports whether t is a response type (TypeError included).
func (t MessageType) IsResponse() bool { return t&ResponseBit != 0 }

// Response returns the response type of request type t.
func (t MessageType) Response() MessageType { return t | ResponseBit }

// Known reports whether t is a type of this protocol version.
func (t MessageType) Known() bool {
	if t == TypeError {
		return true
	}
	_, ok := typeNames[t&^ResponseBit]
	return ok
}

// SentByHost reports whether t is a request the host sends to the runtime.
func (t MessageType) SentByHost() bool { return t >= 0x01 && t <= 0x1f }

// SentByRuntime reports whether t is a request the runtime sends to the host.
func (t MessageType) SentByRuntime() bool { return t >= 0x20 && t <= 0x3f }

// Message is the typed body of a frame.
type Message interface {
	// MessageType is the type carried in the envelope next to this body.
	MessageType() MessageType
}

// NewMessage returns a pointer to a zero body of type t, ready to decode into.
func NewMessage(t MessageType) (Message, error) {
	var m Message
	switch t {
	case TypeHandshake:
		m = new(Handshake)
	case TypeHandshake.Response():
		m = new(HandshakeResponse)
	case TypeInfo:
		m = new(InfoRequest)
	case TypeInfo.Response():
		m = new(InfoResponse)
	case TypePing:
		m = new(Ping)
	case TypePing.Response():
		m = new(PingResponse)
	case TypeCheckTxBatch:
		m = new(CheckTxBatch)
	case TypeCheckTxBatch.Response():
		m = new(CheckTxBatchResponse)
	case TypeExecuteTxBatch:
		m = new(ExecuteTxBatch)
	case TypeExecuteTxBatch.Response():
		m = new(ExecuteTxBatchResponse)
	case TypeQuery:
		m = new(Query)
	case TypeQuery.Response():
		m = new(QueryResponse)
	case TypeAbort:
		m = new(Abort)
	case TypeAbort.Response():
		m = new(AbortResponse)
	case TypeShutdown:
		m = new(Shutdown)
	case TypeShutdown.Response():
		m = new(ShutdownResponse)
	case TypeStorageGet:
		m = new(StorageGet)
	case TypeStorageGet.Response():
		m = new(StorageGetResponse)
	case TypeConsensusQuery:
		m = new(ConsensusQuery)
	case TypeConsensusQuery.Response():
		m = new(ConsensusQueryResponse)
	case TypeLocalGet:
		m = new(LocalGet)
	case TypeLocalGet.Response():
		m = new(LocalGetResponse)
	case TypeLocalSet:
		m = new(LocalSet)
	case TypeLocalSet.Response():
		m = new(LocalSetResponse)
	case TypeError:
		m = new(Error)
	default:
		return nil, fmt.Errorf("%w: %s", ErrUnknownType, t)
	}
	return m, nil
}

// DecodeMessage decodes the body of a frame of type t. It never panics on
// hostile input; every failure wraps ErrMalformedBody or ErrUnknownType.
// The message may alias body (its byte strings, for the messages that
// carry a round), so body must not be modified afterwards: a frame's body
// is allocated for that frame alone.
func DecodeMessage(t MessageType, body []byte) (Message, error) {
	m, err := NewMessage(t)
	if err != nil {
		return nil, err
	}
	if err := decodeInto(t, body, m); err != nil {
		return nil, err
	}
	return m, nil
}
