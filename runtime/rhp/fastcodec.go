package rhp

import (
	"reflect"

	"github.com/atoll-dev/atoll/runtime/rhp/canon"
)

// fastMessage is a message with a hand-written codec (the hot messages of
// a round: batches, their results and write logs, storage reads). Its
// encoding is byte for byte the reference encoder's (encMode); its decoder
// accepts the canonical subset and anything else is decoded by the
// reference decoder (decMode), so the set of accepted bodies, the values
// they decode to and the errors for the rest are those of the reference.
// Both are checked against the reference by tests and fuzz targets.
type fastMessage interface {
	Message
	// cborSize is the size of the encoding.
	cborSize() int
	// appendCBOR appends the encoding.
	appendCBOR(b []byte) []byte
	// decodeCBOR decodes the message from r into the zero value it is
	// called on; byte strings alias r's input. It leaves r failed when
	// the input is not in the canonical subset.
	decodeCBOR(r *canon.Reader)
}

// CanonicalDecoder is implemented by a pointer to a type outside this
// package with a hand-written decoder of the canonical subset (package
// canon), such as the SVM runtime's transaction result. Unmarshal tries it
// first, on the zero value, and decodes with the reference decoder when it
// leaves the Reader failed or input unread; so it must accept only what the
// reference accepts, decoded to the same value, and must not alias the
// input.
type CanonicalDecoder interface {
	DecodeCanonical(r *canon.Reader)
}

// Decoder limits of the fast codecs, the reference's: an array of more
// than maxArrayElements falls back, and so fails there too.
const fastMaxArray = maxArrayElements

// marshalFast encodes m into a buffer of exactly its size.
func marshalFast(m fastMessage) []byte {
	return m.appendCBOR(make([]byte, 0, m.cborSize()))
}

// unmarshal decodes data into v: by v's fast codec when it has one and data
// is canonical, otherwise by the reference decoder. With alias set, byte
// strings of a fast decode alias data, which the caller must then never
// modify; without it they are copies.
func unmarshal(data []byte, v any, alias bool) error {
	if rv := reflect.ValueOf(v); rv.Kind() != reflect.Pointer || rv.IsNil() {
		return decMode.Unmarshal(data, v) // which names the mistake
	}
	if m, ok := v.(CanonicalDecoder); ok {
		r := canon.NewReader(data)
		m.DecodeCanonical(&r)
		if r.Done() {
			return nil
		}
		reflect.ValueOf(v).Elem().SetZero()
	} else if m, ok := v.(fastMessage); ok {
		if !alias {
			data = append([]byte(nil), data...)
		}
		r := canon.NewReader(data)
		m.decodeCBOR(&r)
		if r.Done() {
			return nil
		}
		// Not canonical: start again from the zero value with the reference.
		reflect.ValueOf(v).Elem().SetZero()
	}
	return decMode.Unmarshal(data, v)
}

// hasFastCodec reports whether messages of type t have a hand-written
// codec.
func hasFastCodec(t MessageType) bool {
	switch t &^ ResponseBit {
	case TypeExecuteTxBatch, TypeCheckTxBatch, TypeStorageGet:
		return t != TypeError
	}
	return false
}
