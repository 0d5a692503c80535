package rhp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/fxamacker/cbor/v2"
)

// DefaultMaxFrameSize bounds the CBOR part of a frame unless a connection is
// configured otherwise: large enough for a batch of a few thousand
// transactions with their prefetched accounts, small enough that a hostile
// peer cannot make the host allocate without bound.
const DefaultMaxFrameSize = 16 << 20

// frameHeaderSize is the length prefix.
const frameHeaderSize = 4

// Frame is one message on the wire:
//
//	+--------------------+-------------------------------------------+
//	| length: uint32, BE | envelope: CBOR array [id, type, body]     |
//	+--------------------+-------------------------------------------+
//	  length = size of the envelope in bytes, 1 ≤ length ≤ max frame size
//	  id     = uint, chosen by the side that sent the request; a response
//	           repeats the id of the request it answers
//	  type   = uint, a MessageType (0..255)
//	  body   = CBOR map, the message of that type
//
// Body holds the encoded body; DecodeMessage turns it into a typed value.
type Frame struct {
	ID   uint64
	Type MessageType
	Body []byte
}

// envelopeIn is the decoding shape of the envelope.
type envelopeIn struct {
	_    struct{} `cbor:",toarray"`
	ID   uint64
	Type MessageType
	Body cbor.RawMessage
}

// envelopeOut encodes the body inline, without a second encoding pass.
type envelopeOut struct {
	_    struct{} `cbor:",toarray"`
	ID   uint64
	Type MessageType
	Body Message
}

// AppendFrame appends the frame carrying msg under id to dst. It fails with
// ErrFrameTooLarge, leaving dst's contents unchanged, when the envelope would
// exceed maxSize.
func AppendFrame(dst []byte, id uint64, msg Message, maxSize int) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	start := len(dst)
	buf.Write(make([]byte, frameHeaderSize))
	if err := encMode.NewEncoder(buf).Encode(envelopeOut{ID: id, Type: msg.MessageType(), Body: msg}); err != nil {
		return dst[:start], fmt.Errorf("rhp: encoding %s: %w", msg.MessageType(), err)
	}
	out := buf.Bytes()
	n := len(out) - start - frameHeaderSize
	if n > maxSize {
		return dst[:start], fmt.Errorf("%w: %s is %d bytes, limit %d", ErrFrameTooLarge, msg.MessageType(), n, maxSize)
	}
	binary.BigEndian.PutUint32(out[start:], uint32(n))
	return out, nil
}

// ReadFrame reads one frame from r. It allocates the body only after checking
// the length against maxSize, so a hostile length costs nothing. Errors: io.EOF
// on a clean end before a frame, ErrFrameTooLarge, ErrMalformedFrame (which
// covers a stream cut mid-frame), or r's error.
func ReadFrame(r io.Reader, maxSize int) (Frame, error) {
	var hdr [frameHeaderSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Frame{}, fmt.Errorf("%w: truncated length prefix", ErrMalformedFrame)
		}
		return Frame{}, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 {
		return Frame{}, fmt.Errorf("%w: empty frame", ErrMalformedFrame)
	}
	if uint64(n) > uint64(maxSize) {
		return Frame{}, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, maxSize)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(r, data); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return Frame{}, fmt.Errorf("%w: stream ended inside a %d-byte frame", ErrMalformedFrame, n)
		}
		return Frame{}, err
	}
	return ParseEnvelope(data)
}

// ParseEnvelope decodes the CBOR envelope of a frame (everything after the
// length prefix). The type is not checked against the known types: a request
// of an unknown type is answered with CodeUnsupported, not fatal, so that
// minor versions can add requests.
func ParseEnvelope(data []byte) (Frame, error) {
	if len(data) == 0 || data[0] != 0x83 {
		return Frame{}, fmt.Errorf("%w: envelope is not a 3-element CBOR array", ErrMalformedFrame)
	}
	var env envelopeIn
	if err := decMode.Unmarshal(data, &env); err != nil {
		return Frame{}, fmt.Errorf("%w: %v", ErrMalformedFrame, err)
	}
	return Frame{ID: env.ID, Type: env.Type, Body: env.Body}, nil
}
