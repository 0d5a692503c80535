package sol

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Account is the state of one address. The zero Account is how an address
// that was never written looks: no lamports, no data, owned by the system program.
type Account struct {
	Lamports   uint64
	Data       []byte
	Owner      Pubkey
	Executable bool
	RentEpoch  uint64
}

// Clone returns a deep copy; the executor snapshots accounts with it.
func (a *Account) Clone() Account {
	c := *a
	if a.Data != nil {
		c.Data = append(make([]byte, 0, len(a.Data)), a.Data...)
	}
	return c
}

// Equal reports whether two accounts hold the same state.
func (a *Account) Equal(b *Account) bool {
	return a.Lamports == b.Lamports && a.Owner == b.Owner && a.Executable == b.Executable &&
		a.RentEpoch == b.RentEpoch && string(a.Data) == string(b.Data)
}

// MaxAccountDataSize is Solana's limit on one account's data (10 MiB).
const MaxAccountDataSize = 10 * 1024 * 1024

// accountVersion is the first byte of the canonical encoding, so the layout
// can change without ambiguity.
const accountVersion = 1

// accountHeaderSize is the fixed part of the canonical encoding.
const accountHeaderSize = 1 + 8 + 8 + PubkeySize + 1 + 4

// ErrAccountEncoding is wrapped by every decoding error of MarshalBinary's format.
var ErrAccountEncoding = errors.New("sol: malformed account encoding")

// MarshalBinary returns the canonical encoding stored in the state tree:
//
//	+---------+----------+-----------+-------+------------+----------+------+
//	| version | lamports | rentEpoch | owner | executable | data len | data |
//	|   u8=1  |  u64 LE  |   u64 LE  |  32B  |   u8 0/1   |  u32 LE  |  ... |
//	+---------+----------+-----------+-------+------------+----------+------+
//
// Equal accounts always encode to equal bytes.
func (a *Account) MarshalBinary() ([]byte, error) {
	if len(a.Data) > MaxAccountDataSize {
		return nil, fmt.Errorf("%w: data of %d bytes exceeds %d", ErrAccountEncoding, len(a.Data), MaxAccountDataSize)
	}
	return a.AppendBinary(make([]byte, 0, accountHeaderSize+len(a.Data))), nil
}

// AppendBinary appends the canonical encoding to b. The caller ensures the
// data is within MaxAccountDataSize.
func (a *Account) AppendBinary(b []byte) []byte {
	b = append(b, accountVersion)
	b = binary.LittleEndian.AppendUint64(b, a.Lamports)
	b = binary.LittleEndian.AppendUint64(b, a.RentEpoch)
	b = append(b, a.Owner[:]...)
	exec := byte(0)
	if a.Executable {
		exec = 1
	}
	b = append(b, exec)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(a.Data)))
	return append(b, a.Data...)
}

// UnmarshalBinary decodes the canonical encoding, rejecting anything that
// MarshalBinary would not produce. The account's Data does not alias b.
func (a *Account) UnmarshalBinary(b []byte) error {
	if len(b) < accountHeaderSize {
		return fmt.Errorf("%w: %d bytes is shorter than the %d-byte header", ErrAccountEncoding, len(b), accountHeaderSize)
	}
	if b[0] != accountVersion {
		return fmt.Errorf("%w: unknown version %d", ErrAccountEncoding, b[0])
	}
	exec := b[1+8+8+PubkeySize]
	if exec > 1 {
		return fmt.Errorf("%w: executable flag %d is not 0 or 1", ErrAccountEncoding, exec)
	}
	n := binary.LittleEndian.Uint32(b[accountHeaderSize-4:])
	if n > MaxAccountDataSize || uint64(len(b)-accountHeaderSize) != uint64(n) {
		return fmt.Errorf("%w: data length %d does not match the %d bytes present", ErrAccountEncoding, n, len(b)-accountHeaderSize)
	}
	a.Lamports = binary.LittleEndian.Uint64(b[1:])
	a.RentEpoch = binary.LittleEndian.Uint64(b[9:])
	copy(a.Owner[:], b[17:17+PubkeySize])
	a.Executable = exec == 1
	a.Data = nil
	if n > 0 {
		a.Data = append(make([]byte, 0, n), b[accountHeaderSize:]...)
	}
	return nil
}
