package rhp

import (
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// Decoder limits. They bound what a hostile peer can make us allocate beyond
// the frame itself and how deep the decoder recurses.
const (
	maxNestedLevels  = 16
	maxArrayElements = 1 << 20 // enough for a batch of small transactions in one frame
	maxMapPairs      = 1 << 10
)

// encMode is RFC 8949 core deterministic encoding: shortest integer forms,
// definite lengths, map keys sorted by their encoded bytes. Empty and nil
// slices both encode as empty containers so that no CBOR null is ever sent.
var encMode = func() cbor.EncMode {
	opts := cbor.CoreDetEncOptions()
	opts.NilContainers = cbor.NilContainerAsEmpty
	m, err := opts.EncMode()
	if err != nil {
		panic(fmt.Sprintf("rhp: cbor encoding options: %v", err))
	}
	return m
}()

// decMode accepts only definite-length items without tags or duplicate map
// keys, and ignores unknown map keys so that minor versions can add fields.
var decMode = func() cbor.DecMode {
	m, err := cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthForbidden,
		TagsMd:           cbor.TagsForbidden,
		MaxNestedLevels:  maxNestedLevels,
		MaxArrayElements: maxArrayElements,
		MaxMapPairs:      maxMapPairs,
		UTF8:             cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(fmt.Sprintf("rhp: cbor decoding options: %v", err))
	}
	return m
}()

// Marshal returns the canonical CBOR encoding of v.
func Marshal(v any) ([]byte, error) {
	if m, ok := v.(fastMessage); ok {
		return marshalFast(m), nil
	}
	return encMode.Marshal(v)
}

// Unmarshal decodes one canonical-CBOR item into v with the protocol's limits.
// Trailing bytes are an error. v does not alias data.
func Unmarshal(data []byte, v any) error { return unmarshal(data, v, false) }
