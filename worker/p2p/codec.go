package p2p

import (
	"fmt"

	"github.com/atoll-dev/atoll/consensus/codec"
)

// cborCodec is the gRPC codec of every message: canonical CBOR, decoded
// strictly by the consensus codec.
type cborCodec struct{}

func (cborCodec) Name() string { return "cbor" }

func (cborCodec) Marshal(v any) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("p2p: encoding %T: %v", v, r)
		}
	}()
	return codec.Marshal(v), nil
}

func (cborCodec) Unmarshal(data []byte, v any) error {
	if err := codec.Unmarshal(data, v); err != nil {
		return fmt.Errorf("p2p: decoding %T: %w", v, err)
	}
	return nil
}
