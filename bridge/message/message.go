package message

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/bridge/keccak"
)

// A Message travels from a Home on Origin to the Replica for Origin on
// Destination. Its wire form is packed big-endian, without padding:
//
//	offset  size   field
//	     0     4   origin       uint32
//	     4    32   sender       bytes32 (the dispatching program or account)
//	    36     4   nonce        uint32  (counts per destination on the origin Home)
//	    40     4   destination  uint32
//	    44    32   recipient    bytes32 (the program that handles it)
//	    76  ≤2048  body         opaque bytes, to the end of the message
type Message struct {
	Origin      uint32
	Sender      keccak.Hash
	Nonce       uint32
	Destination uint32
	Recipient   keccak.Hash
	Body        []byte
}

const (
	// HeaderSize is the length of the fixed fields before the body.
	HeaderSize = 76
	// MaxBodySize is Nomad's MAX_MESSAGE_BODY_BYTES, 2 KiB.
	MaxBodySize = 2 << 10
	// MaxSize is the longest valid encoded message.
	MaxSize = HeaderSize + MaxBodySize
)

// Errors returned by Decode and Encode.
var (
	ErrTooShort    = errors.New("message: shorter than the 76-byte header")
	ErrBodyTooLong = errors.New("message: body longer than 2048 bytes")
)

// Encode returns the wire form of m. It fails only if the body is too long.
func (m *Message) Encode() ([]byte, error) {
	if len(m.Body) > MaxBodySize {
		return nil, fmt.Errorf("%w: %d bytes", ErrBodyTooLong, len(m.Body))
	}
	b := make([]byte, HeaderSize+len(m.Body))
	binary.BigEndian.PutUint32(b[0:], m.Origin)
	copy(b[4:36], m.Sender[:])
	binary.BigEndian.PutUint32(b[36:], m.Nonce)
	binary.BigEndian.PutUint32(b[40:], m.Destination)
	copy(b[44:76], m.Recipient[:])
	copy(b[76:], m.Body)
	return b, nil
}

// Decode parses the wire form. The returned Message owns a copy of the body,
// so b may be reused by the caller.
func Decode(b []byte) (Message, error) {
	if len(b) < HeaderSize {
		return Message{}, fmt.Errorf("%w: %d bytes", ErrTooShort, len(b))
	}
	if len(b) > MaxSize {
		return Message{}, fmt.Errorf("%w: %d bytes", ErrBodyTooLong, len(b)-HeaderSize)
	}
	m := Message{
		Origin:      binary.BigEndian.Uint32(b[0:]),
		Nonce:       binary.BigEndian.Uint32(b[36:]),
		Destination: binary.BigEndian.Uint32(b[40:]),
		Body:        append([]byte{}, b[HeaderSize:]...),
	}
	copy(m.Sender[:], b[4:36])
	copy(m.Recipient[:], b[44:76])
	return m, nil
}

// Leaf returns keccak256 of the wire form: the value a Home inserts into its
// tree and a Replica proves.
func (m *Message) Leaf() (keccak.Hash, error) {
	b, err := m.Encode()
	if err != nil {
		return keccak.Hash{}, err
	}
	return keccak.Sum(b), nil
}

// Leaf returns keccak256(b) for an already encoded message.
func Leaf(b []byte) keccak.Hash { return keccak.Sum(b) }

// DestinationAndNonce packs destination and nonce the way Nomad's Dispatch
// event indexes them: destination in the high 32 bits, nonce in the low 32.
func DestinationAndNonce(destination, nonce uint32) uint64 {
	return uint64(destination)<<32 | uint64(nonce)
}
