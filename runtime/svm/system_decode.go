package svm

import (
	"encoding/binary"
	"unicode/utf8"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// System instruction tags: bincode encodes the enum variant as a u32.
const (
	sysCreateAccount uint32 = iota
	sysAssign
	sysTransfer
	sysCreateAccountWithSeed
	sysAdvanceNonceAccount
	sysWithdrawNonceAccount
	sysInitializeNonceAccount
	sysAuthorizeNonceAccount
	sysAllocate
	sysAllocateWithSeed
	sysAssignWithSeed
	sysTransferWithSeed
	sysUpgradeNonceAccount
)

// SystemError codes, returned as Custom instruction errors.
const (
	SysErrAccountAlreadyInUse uint32 = iota
	SysErrResultWithNegativeLamports
	SysErrInvalidProgramID
	SysErrInvalidAccountDataLength
	SysErrMaxSeedLengthExceeded
	SysErrAddressWithSeedMismatch
	SysErrNonceNoRecentBlockhashes
	SysErrNonceBlockhashNotExpired
	SysErrNonceUnexpectedBlockhashValue
)

// bincodeReader reads the fixed-width little-endian bincode the system
// program's instructions use. Trailing bytes are allowed, as in Solana.
type bincodeReader struct {
	b   []byte
	bad bool
}

func (r *bincodeReader) u32() uint32 {
	if len(r.b) < 4 {
		r.bad = true
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *bincodeReader) u64() uint64 {
	if len(r.b) < 8 {
		r.bad = true
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *bincodeReader) pubkey() sol.Pubkey {
	var k sol.Pubkey
	if len(r.b) < 32 {
		r.bad = true
		return k
	}
	copy(k[:], r.b)
	r.b = r.b[32:]
	return k
}

// str reads a bincode String: u64 length and UTF-8 bytes.
func (r *bincodeReader) str() string {
	n := r.u64()
	if r.bad || n > uint64(len(r.b)) {
		r.bad = true
		return ""
	}
	s := r.b[:n]
	r.b = r.b[n:]
	if !utf8.Valid(s) {
		r.bad = true
	}
	return string(s)
}

// SystemInstruction is a decoded system-program instruction; which fields
// are meaningful depends on Tag.
type SystemInstruction struct {
	Tag       uint32
	Lamports  uint64
	Space     uint64
	Owner     sol.Pubkey
	Base      sol.Pubkey
	Seed      string
	Authority sol.Pubkey
}

// DecodeSystemInstruction parses system-program instruction data.
func DecodeSystemInstruction(data []byte) (SystemInstruction, error) {
	r := bincodeReader{b: data}
	in := SystemInstruction{Tag: r.u32()}
	switch in.Tag {
	case sysCreateAccount:
		in.Lamports, in.Space, in.Owner = r.u64(), r.u64(), r.pubkey()
	case sysAssign:
		in.Owner = r.pubkey()
	case sysTransfer, sysWithdrawNonceAccount:
		in.Lamports = r.u64()
	case sysCreateAccountWithSeed:
		in.Base = r.pubkey()
		in.Seed = r.str()
		in.Lamports, in.Space, in.Owner = r.u64(), r.u64(), r.pubkey()
	case sysAdvanceNonceAccount, sysUpgradeNonceAccount:
	case sysInitializeNonceAccount, sysAuthorizeNonceAccount:
		in.Authority = r.pubkey()
	case sysAllocate:
		in.Space = r.u64()
	case sysAllocateWithSeed:
		in.Base = r.pubkey()
		in.Seed = r.str()
		in.Space, in.Owner = r.u64(), r.pubkey()
	case sysAssignWithSeed:
		in.Base = r.pubkey()
		in.Seed = r.str()
		in.Owner = r.pubkey()
	case sysTransferWithSeed:
		in.Lamports = r.u64()
		in.Seed = r.str()
		in.Owner = r.pubkey()
	default:
		return in, ErrInvalidInstructionData
	}
	if r.bad {
		return in, ErrInvalidInstructionData
	}
	return in, nil
}
