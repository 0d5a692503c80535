package token

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/bridge/internal/wire"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/onchain"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Tag is the first byte of a token instruction.
type Tag uint8

// Instructions (fields big-endian):
//
//	tag  name      data after the tag                 accounts
//	  0  Mint      origin u32 | owner 32 | amount u64  0 mint authority (s), 1 balance (w), 2 payer (s,w), 3 system program
//	  1  Transfer  amount u64 | to owner 32            0 from balance (w), 1 owner (s), 2 to balance (w), 3 payer (s,w), 4 system program
//	  2  Burn      amount u64                          0 balance (w), 1 owner (s)
//
// A balance account is created by the first Mint or Transfer to it, paid by payer.
const (
	TagMint Tag = iota
	TagTransfer
	TagBurn
)

// ErrInstruction is returned for malformed instruction data.
var ErrInstruction = errors.New("token program: malformed instruction")

// Instruction is a decoded token instruction.
type Instruction struct {
	Tag    Tag
	Origin uint32
	Owner  sol.Pubkey // Mint: the holder; Transfer: the receiving holder
	Amount uint64
}

// Encode returns the instruction data.
func (in *Instruction) Encode() ([]byte, error) {
	b := []byte{byte(in.Tag)}
	switch in.Tag {
	case TagMint:
		b = append(binary.BigEndian.AppendUint32(b, in.Origin), in.Owner[:]...)
		return binary.BigEndian.AppendUint64(b, in.Amount), nil
	case TagTransfer:
		return append(binary.BigEndian.AppendUint64(b, in.Amount), in.Owner[:]...), nil
	case TagBurn:
		return binary.BigEndian.AppendUint64(b, in.Amount), nil
	}
	return nil, fmt.Errorf("%w: unknown tag %d", ErrInstruction, in.Tag)
}

// DecodeInstruction parses instruction data.
func DecodeInstruction(data []byte) (Instruction, error) {
	r := wire.NewReader(data, ErrInstruction)
	in := Instruction{Tag: Tag(r.Byte())}
	switch in.Tag {
	case TagMint:
		in.Origin = r.U32()
		copy(in.Owner[:], r.Bytes(32))
		in.Amount = r.U64()
	case TagTransfer:
		in.Amount = r.U64()
		copy(in.Owner[:], r.Bytes(32))
	case TagBurn:
		in.Amount = r.U64()
	default:
		r.Fail("unknown tag %d", in.Tag)
	}
	if err := r.Finish(); err != nil {
		return Instruction{}, err
	}
	return in, nil
}

func instr(in *Instruction, metas ...sol.AccountMeta) sol.Instruction {
	data, _ := in.Encode() // every tag used here encodes
	return sol.Instruction{ProgramID: address.Token, Accounts: metas, Data: data}
}

// Mint credits owner's wrapped balance of origin's asset; only the token
// bridge can sign as the mint authority, so clients never build this.
func Mint(origin uint32, owner, payer sol.Pubkey, amount uint64) sol.Instruction {
	return instr(&Instruction{Tag: TagMint, Origin: origin, Owner: owner, Amount: amount},
		onchain.R(address.MintAuthority(), true), onchain.W(address.Balance(origin, owner), false),
		onchain.W(payer, true), onchain.R(svm.SystemProgramID, false))
}

// Transfer moves amount of origin's wrapped asset from owner to to.
func Transfer(origin uint32, owner, to, payer sol.Pubkey, amount uint64) sol.Instruction {
	return instr(&Instruction{Tag: TagTransfer, Owner: to, Amount: amount},
		onchain.W(address.Balance(origin, owner), false), onchain.R(owner, true),
		onchain.W(address.Balance(origin, to), false), onchain.W(payer, true), onchain.R(svm.SystemProgramID, false))
}

// Burn destroys amount of owner's wrapped balance of origin's asset.
func Burn(origin uint32, owner sol.Pubkey, amount uint64) sol.Instruction {
	return instr(&Instruction{Tag: TagBurn, Amount: amount},
		onchain.W(address.Balance(origin, owner), false), onchain.R(owner, true))
}
