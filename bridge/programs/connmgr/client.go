package connmgr

import (
	"encoding/binary"
	"fmt"

	bconnmgr "github.com/atoll-dev/atoll/bridge/connmgr"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/bridge/programs/recipient"
)

// DecodeState decodes the manager's state account (address.Manager()), for
// clients such as the watcher.
func DecodeState(d []byte) (*bconnmgr.Manager, error) {
	if len(d) < onchain.BlobHeaderSize || d[0] != recipient.KindManager {
		return nil, fmt.Errorf("%w: not a manager account", bconnmgr.ErrEncoding)
	}
	n := uint64(binary.BigEndian.Uint32(d[2:6]))
	if n > uint64(len(d)-onchain.BlobHeaderSize) {
		return nil, fmt.Errorf("%w: blob length %d", bconnmgr.ErrEncoding, n)
	}
	m := new(bconnmgr.Manager)
	return m, m.UnmarshalBinary(d[onchain.BlobHeaderSize : onchain.BlobHeaderSize+int(n)])
}
