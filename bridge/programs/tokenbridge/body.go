package tokenbridge

import (
	"encoding/binary"
	"errors"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// BodySize is the length of a transfer message body.
const BodySize = 44

// ErrBody is returned for a malformed transfer body.
var ErrBody = errors.New("tokenbridge: malformed transfer body")

// Transfer is the body of a token bridge message.
type Transfer struct {
	AssetOrigin uint32
	Recipient   sol.Pubkey
	Amount      uint64
}

// Encode returns the body.
func (t *Transfer) Encode() []byte {
	b := binary.BigEndian.AppendUint32(make([]byte, 0, BodySize), t.AssetOrigin)
	b = append(b, t.Recipient[:]...)
	return binary.BigEndian.AppendUint64(b, t.Amount)
}

// DecodeTransfer parses a body.
func DecodeTransfer(b []byte) (Transfer, error) {
	if len(b) != BodySize {
		return Transfer{}, ErrBody
	}
	var t Transfer
	t.AssetOrigin = binary.BigEndian.Uint32(b)
	copy(t.Recipient[:], b[4:36])
	t.Amount = binary.BigEndian.Uint64(b[36:])
	return t, nil
}
