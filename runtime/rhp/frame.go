package rhp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
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

	// unchecked marks a body whose well-formedness a Conn left to the
	// decoder of its type (see readFrame).
	unchecked bool
}

// AppendFrame appends the frame carrying msg under id to dst. It fails with
// ErrFrameTooLarge, leaving dst's contents unchanged, when the envelope would
// exceed maxSize.
func AppendFrame(dst []byte, id uint64, msg Message, maxSize int) ([]byte, error) {
	prefix, body, err := encodeFrame(id, msg, maxSize, nil)
	if err != nil {
		return dst, err
	}
	return append(append(dst, prefix...), body...), nil
}

// encodeFrame returns a frame as its length prefix with the envelope's
// header, and the body: a large body is written from where the encoder put
// it, without another copy.
//
// A message with a hand-written codec is encoded behind its header in one
// buffer, returned as prefix with an empty body: spare when it is large
// enough (its contents are overwritten), else a new one of exactly the
// frame's size.
func encodeFrame(id uint64, msg Message, maxSize int, spare []byte) (prefix, body []byte, err error) {
	const maxHeader = frameHeaderSize + 1 + 9 + 2
	fast, isFast := msg.(fastMessage)
	if isFast {
		size := fast.cborSize()
		if size > maxSize {
			return nil, nil, fmt.Errorf("%w: %s is %d bytes, limit %d", ErrFrameTooLarge, msg.MessageType(), size, maxSize)
		}
		if cap(spare) >= maxHeader+size {
			prefix = spare[:frameHeaderSize]
		} else {
			prefix = make([]byte, frameHeaderSize, maxHeader+size)
		}
	} else {
		body, err = encMode.Marshal(msg)
		if err != nil {
			return nil, nil, fmt.Errorf("rhp: encoding %s: %w", msg.MessageType(), err)
		}
		prefix = make([]byte, frameHeaderSize, maxHeader)
	}
	prefix = append(prefix, 0x83) // array of 3
	prefix = appendUint(prefix, id)
	prefix = appendUint(prefix, uint64(msg.MessageType()))
	if isFast {
		prefix = fast.appendCBOR(prefix)
	}
	n := len(prefix) - frameHeaderSize + len(body)
	if n > maxSize {
		return nil, nil, fmt.Errorf("%w: %s is %d bytes, limit %d", ErrFrameTooLarge, msg.MessageType(), n, maxSize)
	}
	binary.BigEndian.PutUint32(prefix, uint32(n))
	return prefix, body, nil
}

// appendUint appends v as a CBOR unsigned integer in its shortest form.
func appendUint(b []byte, v uint64) []byte {
	switch {
	case v < 24:
		return append(b, byte(v))
	case v <= 0xff:
		return append(b, 0x18, byte(v))
	case v <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, 0x19), uint16(v))
	case v <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, 0x1a), uint32(v))
	default:
		return binary.BigEndian.AppendUint64(append(b, 0x1b), v)
	}
}

// readUint reads a CBOR unsigned integer (major type 0) from the front of b.
func readUint(b []byte) (v uint64, rest []byte, ok bool) {
	if len(b) == 0 || b[0]>>5 != 0 {
		return 0, nil, false
	}
	info := b[0] & 0x1f
	b = b[1:]
	switch {
	case info < 24:
		return uint64(info), b, true
	case info == 24 && len(b) >= 1:
		return uint64(b[0]), b[1:], true
	case info == 25 && len(b) >= 2:
		return uint64(binary.BigEndian.Uint16(b)), b[2:], true
	case info == 26 && len(b) >= 4:
		return uint64(binary.BigEndian.Uint32(b)), b[4:], true
	case info == 27 && len(b) >= 8:
		return binary.BigEndian.Uint64(b), b[8:], true
	}
	return 0, nil, false
}

// ReadFrame reads one frame from r. It allocates the body only after checking
// the length against maxSize, so a hostile length costs nothing. Errors: io.EOF
// on a clean end before a frame, ErrFrameTooLarge, ErrMalformedFrame (which
// covers a stream cut mid-frame), or r's error.
func ReadFrame(r io.Reader, maxSize int) (Frame, error) {
	return readFrame(r, maxSize, false, new([frameHeaderSize]byte))
}

// readFrame is ReadFrame; with deferFast, the body of a message that has a
// hand-written codec is not checked for well-formedness here (a pass over
// megabytes for a round's batch or answer) but marked unchecked: the
// decoder that takes it next checks as it goes, and fails on exactly the
// bodies the check refuses (the reference decoder it falls back to checks
// first). Whoever drops an unchecked body without decoding it checks it.
// hdr is room for the length prefix, which a reader can reuse.
func readFrame(r io.Reader, maxSize int, deferFast bool, hdr *[frameHeaderSize]byte) (Frame, error) {
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
	return parseEnvelope(data, deferFast)
}

// ParseEnvelope decodes the CBOR envelope of a frame (everything after the
// length prefix). The body must be exactly one well-formed CBOR item within
// the decoder's limits; whether it is a valid message of its type is left to
// DecodeMessage. The returned Body aliases data. The type is not checked
// against the known types: a request of an unknown type is answered with
// CodeUnsupported, not fatal, so that minor versions can add requests.
func ParseEnvelope(data []byte) (Frame, error) { return parseEnvelope(data, false) }

func parseEnvelope(data []byte, deferFast bool) (Frame, error) {
	if len(data) == 0 || data[0] != 0x83 {
		return Frame{}, fmt.Errorf("%w: envelope is not a 3-element CBOR array", ErrMalformedFrame)
	}
	id, rest, ok := readUint(data[1:])
	if !ok {
		return Frame{}, fmt.Errorf("%w: request id is not an unsigned integer", ErrMalformedFrame)
	}
	typ, rest, ok := readUint(rest)
	if !ok || typ > 0xff {
		return Frame{}, fmt.Errorf("%w: message type is not an integer in 0..255", ErrMalformedFrame)
	}
	f := Frame{ID: id, Type: MessageType(typ), Body: rest}
	if deferFast && hasFastCodec(f.Type) {
		f.unchecked = true
		return f, nil
	}
	if err := f.checkBody(); err != nil {
		return Frame{}, err
	}
	return f, nil
}

// checkBody checks that the body is one well-formed item within the
// decoder's limits.
func (f *Frame) checkBody() error {
	if err := decMode.Wellformed(f.Body); err != nil {
		return fmt.Errorf("%w: body: %v", ErrMalformedFrame, err)
	}
	return nil
}
