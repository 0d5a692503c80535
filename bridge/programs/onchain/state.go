package onchain

import (
	"encoding/binary"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// BlobHeaderSize is the length of a state account's header.
const BlobHeaderSize = 6

// A state account holds one canonical encoding (a blob) in data of a size
// fixed when the account was created, since only the system program may
// resize accounts:
//
//	offset  size  field
//	     0     1  kind, a per-program account type (never 0, so a zeroed
//	              account that was merely assigned to the program is refused)
//	     1     1  bump of the account's program address
//	     2     4  n, blob length, uint32 big-endian
//	     6     n  blob
//	   6+n     …  zero padding up to the account's capacity

// BlobSpace is the account size that holds blobs of up to n bytes.
func BlobSpace(n int) uint64 { return uint64(BlobHeaderSize + n) }

// ReadBlob returns the blob of a state account of kind owned by program. The
// slice aliases the account's data. It charges StateCost for the blob.
func ReadBlob(ctx *svm.InvokeContext, a *svm.InstrAccount, program sol.Pubkey, kind byte) ([]byte, error) {
	if a.Account.Owner != program {
		ctx.Log("bridge: account " + a.Key.String() + " is not owned by the program")
		return nil, svm.ErrInvalidAccountOwner
	}
	d := a.Account.Data
	if len(d) < BlobHeaderSize || d[0] == 0 {
		return nil, svm.ErrUninitializedAccount
	}
	if d[0] != kind {
		ctx.Log("bridge: account " + a.Key.String() + " holds another kind of state")
		return nil, svm.ErrInvalidAccountData
	}
	n := binary.BigEndian.Uint32(d[2:6])
	if uint64(n) > uint64(len(d)-BlobHeaderSize) {
		return nil, svm.ErrInvalidAccountData
	}
	if err := Charge(ctx, StateCost(int(n))); err != nil {
		return nil, err
	}
	return d[BlobHeaderSize : BlobHeaderSize+int(n)], nil
}

// WriteBlob stores blob in a state account the program owns, keeping its
// bump, and zeroes what an older, longer blob left behind. It fails with
// AccountDataTooSmall when the account's capacity is exceeded.
func WriteBlob(ctx *svm.InvokeContext, a *svm.InstrAccount, kind, bump byte, blob []byte) error {
	if !a.Writable {
		ctx.Log("bridge: state account " + a.Key.String() + " must be writable")
		return svm.ErrInvalidArgument
	}
	d := a.Account.Data
	if len(d) < BlobHeaderSize+len(blob) {
		ctx.Log("bridge: state account " + a.Key.String() + " is full")
		return svm.ErrAccountDataTooSmall
	}
	if err := Charge(ctx, StateCost(len(blob))); err != nil {
		return err
	}
	old := 0
	if d[0] == kind {
		old = int(min(binary.BigEndian.Uint32(d[2:6]), uint32(len(d)-BlobHeaderSize)))
	}
	d[0], d[1] = kind, bump
	binary.BigEndian.PutUint32(d[2:6], uint32(len(blob)))
	copy(d[BlobHeaderSize:], blob)
	if tail := BlobHeaderSize + len(blob); old > len(blob) {
		clear(d[tail : BlobHeaderSize+old])
	}
	return nil
}

// Bump returns the bump recorded in a state account's header.
func Bump(a *svm.InstrAccount) byte {
	if len(a.Account.Data) < 2 {
		return 0
	}
	return a.Account.Data[1]
}
