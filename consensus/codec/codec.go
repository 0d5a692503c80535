package codec

import (
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// ErrDecode wraps every decoding failure.
var ErrDecode = errors.New("codec: malformed cbor")

// RawMessage is an encoded CBOR value whose decoding is deferred.
type RawMessage = cbor.RawMessage

var (
	encMode cbor.EncMode
	decMode cbor.DecMode
)

func init() {
	var err error
	encMode, err = cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	decMode, err = cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		MaxNestedLevels:   16,
		MaxArrayElements:  1 << 16,
		MaxMapPairs:       1 << 16,
		UTF8:              cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

// Marshal returns the canonical encoding of v. It panics only if v has a
// type CBOR cannot represent, which is a programming error.
func Marshal(v any) []byte {
	b, err := encMode.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("codec: marshal %T: %v", v, err))
	}
	return b
}

// Unmarshal decodes exactly one CBOR value from data into v; trailing bytes
// are an error. Errors wrap ErrDecode.
func Unmarshal(data []byte, v any) error {
	rest, err := decMode.UnmarshalFirst(data, v)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrDecode, err)
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrDecode, len(rest))
	}
	return nil
}
