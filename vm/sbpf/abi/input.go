package abi

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// MaxPermittedDataIncrease is how far a program may grow an account's data
// in one instruction; the aligned format reserves this much after the data.
const MaxPermittedDataIncrease = 10 * 1024

// NonDupMarker marks an account entry that is not a duplicate.
const NonDupMarker = 0xff

// AccountInput is one instruction account as the program sees it.
type AccountInput struct {
	Key        sol.Pubkey
	IsSigner   bool
	IsWritable bool
	Account    sol.Account
}

// Input is everything serialized into the input region.
type Input struct {
	Accounts        []AccountInput
	InstructionData []byte
	ProgramID       sol.Pubkey
}

// Format selects the serialization.
type Format uint8

// Formats.
const (
	// Aligned is used by BPFLoader2 and the upgradeable loader.
	Aligned Format = iota
	// Unaligned is used by the deprecated BPF loader.
	Unaligned
)

// Layout records where each account's fields were written, for read-back.
type Layout struct {
	Format   Format
	Accounts []AccountLayout
}

// AccountLayout locates one account in the serialized input. For a
// duplicate entry, DupOf is the index of the first occurrence and the
// offsets are those of that occurrence.
type AccountLayout struct {
	DupOf       int // -1 if not a duplicate
	Lamports    int
	DataLen     int
	Data        int
	Owner       int
	OriginalLen int
}

// Serialize appends in to dst in format f and returns the buffer and the
// layout for read-back. Accounts whose Key equals an earlier entry's are
// serialized as duplicates of it.
//
// Aligned layout (all integers little-endian):
//
//	u64 number of accounts
//	per account, first occurrence:
//	  u8 0xff, u8 is_signer, u8 is_writable, u8 executable, 4 bytes padding
//	  [32] key, [32] owner, u64 lamports, u64 data_len
//	  data, 10240 zero bytes, zero padding to 8-byte alignment
//	  u64 rent_epoch
//	per account, duplicate:  u8 index of first occurrence, 7 bytes padding
//	u64 instruction data length, instruction data, [32] program id
//
// Unaligned layout:
//
//	u64 number of accounts
//	per account, first occurrence:
//	  u8 0xff, u8 is_signer, u8 is_writable, [32] key, u64 lamports,
//	  u64 data_len, data, [32] owner, u8 executable, u64 rent_epoch
//	per account, duplicate:  u8 index of first occurrence
//	u64 instruction data length, instruction data, [32] program id
func Serialize(dst []byte, in *Input, f Format) ([]byte, Layout) {
	b := dst
	base := len(dst)
	lay := Layout{Format: f, Accounts: make([]AccountLayout, len(in.Accounts))}
	b = binary.LittleEndian.AppendUint64(b, uint64(len(in.Accounts)))
	for i := range in.Accounts {
		a := &in.Accounts[i]
		dup := -1
		for j := 0; j < i; j++ {
			if in.Accounts[j].Key == a.Key {
				dup = j
				break
			}
		}
		if dup >= 0 {
			lay.Accounts[i] = lay.Accounts[dup]
			lay.Accounts[i].DupOf = dup
			b = append(b, byte(dup))
			if f == Aligned {
				b = append(b, make([]byte, 7)...)
			}
			continue
		}
		al := AccountLayout{DupOf: -1, OriginalLen: len(a.Account.Data)}
		if f == Aligned {
			b = append(b, NonDupMarker, flag(a.IsSigner), flag(a.IsWritable), flag(a.Account.Executable), 0, 0, 0, 0)
			b = append(b, a.Key[:]...)
			al.Owner = len(b) - base
			b = append(b, a.Account.Owner[:]...)
			al.Lamports = len(b) - base
			b = binary.LittleEndian.AppendUint64(b, a.Account.Lamports)
			al.DataLen = len(b) - base
			b = binary.LittleEndian.AppendUint64(b, uint64(len(a.Account.Data)))
			al.Data = len(b) - base
			b = append(b, a.Account.Data...)
			pad := (8 - len(a.Account.Data)%8) % 8
			b = append(b, make([]byte, MaxPermittedDataIncrease+pad)...)
			b = binary.LittleEndian.AppendUint64(b, a.Account.RentEpoch)
		} else {
			b = append(b, NonDupMarker, flag(a.IsSigner), flag(a.IsWritable))
			b = append(b, a.Key[:]...)
			al.Lamports = len(b) - base
			b = binary.LittleEndian.AppendUint64(b, a.Account.Lamports)
			al.DataLen = len(b) - base
			b = binary.LittleEndian.AppendUint64(b, uint64(len(a.Account.Data)))
			al.Data = len(b) - base
			b = append(b, a.Account.Data...)
			al.Owner = len(b) - base
			b = append(b, a.Account.Owner[:]...)
			b = append(b, flag(a.Account.Executable))
			b = binary.LittleEndian.AppendUint64(b, a.Account.RentEpoch)
		}
		lay.Accounts[i] = al
	}
	b = binary.LittleEndian.AppendUint64(b, uint64(len(in.InstructionData)))
	b = append(b, in.InstructionData...)
	b = append(b, in.ProgramID[:]...)
	return b, lay
}

func flag(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// Update is what a program left in an account's serialized fields.
type Update struct {
	Lamports uint64
	Owner    sol.Pubkey
	// Data aliases the input buffer; copy it before the buffer is reused.
	Data []byte
}

// Read-back errors.
var (
	ErrInvalidRealloc = errors.New("abi: account data length grew beyond the permitted increase")
	ErrLayout         = errors.New("abi: layout does not match the buffer")
)

// ReadAccount returns account i's fields as the program left them in buf
// (the input region after the run). In the aligned format the data length
// may have changed, up to MaxPermittedDataIncrease beyond the original; in
// the unaligned format it cannot.
func (l *Layout) ReadAccount(buf []byte, i int) (Update, error) {
	if i < 0 || i >= len(l.Accounts) {
		return Update{}, fmt.Errorf("%w: no account %d", ErrLayout, i)
	}
	a := l.Accounts[i]
	if a.Owner+32 > len(buf) || a.DataLen+8 > len(buf) || a.Lamports+8 > len(buf) {
		return Update{}, ErrLayout
	}
	u := Update{Lamports: binary.LittleEndian.Uint64(buf[a.Lamports:])}
	copy(u.Owner[:], buf[a.Owner:])
	n := binary.LittleEndian.Uint64(buf[a.DataLen:])
	limit := uint64(a.OriginalLen)
	if l.Format == Aligned {
		limit += MaxPermittedDataIncrease
	}
	if n > limit {
		return Update{}, fmt.Errorf("%w: %d bytes, original %d", ErrInvalidRealloc, n, a.OriginalLen)
	}
	if a.Data+int(n) > len(buf) {
		return Update{}, ErrLayout
	}
	u.Data = buf[a.Data : a.Data+int(n)]
	return u, nil
}

// WriteAccount stores an account's lamports, owner and data into its
// serialized fields in buf, as the runtime does when it syncs a caller's
// view after a cross-program invocation. In the aligned format the data may
// be up to MaxPermittedDataIncrease longer than the original; in the
// unaligned format its length cannot change. Bytes between the new and the
// original end of the data are zeroed.
func (l *Layout) WriteAccount(buf []byte, i int, lamports uint64, owner sol.Pubkey, data []byte) error {
	if i < 0 || i >= len(l.Accounts) {
		return fmt.Errorf("%w: no account %d", ErrLayout, i)
	}
	a := l.Accounts[i]
	limit := a.OriginalLen
	if l.Format == Aligned {
		limit += MaxPermittedDataIncrease
	} else if len(data) != a.OriginalLen {
		return fmt.Errorf("%w: unaligned data cannot change length (%d to %d)", ErrInvalidRealloc, a.OriginalLen, len(data))
	}
	if len(data) > limit {
		return fmt.Errorf("%w: %d bytes, original %d", ErrInvalidRealloc, len(data), a.OriginalLen)
	}
	if a.Owner+32 > len(buf) || a.Lamports+8 > len(buf) || a.DataLen+8 > len(buf) || a.Data+limit > len(buf) {
		return ErrLayout
	}
	binary.LittleEndian.PutUint64(buf[a.Lamports:], lamports)
	copy(buf[a.Owner:], owner[:])
	old := binary.LittleEndian.Uint64(buf[a.DataLen:])
	binary.LittleEndian.PutUint64(buf[a.DataLen:], uint64(len(data)))
	copy(buf[a.Data:], data)
	if old > uint64(len(data)) && old <= uint64(limit) {
		clear(buf[a.Data+len(data) : a.Data+int(old)])
	}
	return nil
}
