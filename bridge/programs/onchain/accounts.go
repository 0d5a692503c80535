package onchain

import (
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Signer returns instruction account i, which must sign.
func Signer(ctx *svm.InvokeContext, i int) (*svm.InstrAccount, error) {
	a, err := ctx.Account(i)
	if err != nil {
		return nil, err
	}
	if !a.Signer {
		ctx.Log(fmt.Sprintf("bridge: account %d (%s) must sign", i, a.Key))
		return nil, svm.ErrMissingRequiredSignature
	}
	return a, nil
}

// Writable returns instruction account i, which must be writable.
func Writable(ctx *svm.InvokeContext, i int) (*svm.InstrAccount, error) {
	a, err := ctx.Account(i)
	if err != nil {
		return nil, err
	}
	if !a.Writable {
		ctx.Log(fmt.Sprintf("bridge: account %d (%s) must be writable", i, a.Key))
		return nil, svm.ErrInvalidArgument
	}
	return a, nil
}

// Keyed returns instruction account i, which must be key.
func Keyed(ctx *svm.InvokeContext, i int, key sol.Pubkey) (*svm.InstrAccount, error) {
	a, err := ctx.Account(i)
	if err != nil {
		return nil, err
	}
	if a.Key != key {
		ctx.Log(fmt.Sprintf("bridge: account %d is %s, want %s", i, a.Key, key))
		return nil, svm.ErrInvalidArgument
	}
	return a, nil
}

// Fail logs err and returns the program's custom error code for it, or err
// itself when it already is an instruction error.
func Fail(ctx *svm.InvokeContext, code uint32, err error) error {
	ctx.Log("bridge: " + err.Error())
	var ie svm.InstructionError
	if errors.As(err, &ie) {
		return ie
	}
	return svm.NewCustomError(code)
}

// Meta helpers for instruction builders.

// W is a writable account meta.
func W(k sol.Pubkey, signer bool) sol.AccountMeta {
	return sol.AccountMeta{Pubkey: k, IsSigner: signer, IsWritable: true}
}

// R is a read-only account meta.
func R(k sol.Pubkey, signer bool) sol.AccountMeta {
	return sol.AccountMeta{Pubkey: k, IsSigner: signer}
}

// Encoder is a program's instruction, which encodes its data.
type Encoder interface {
	Encode() ([]byte, error)
}

// NewInstruction encodes in as an instruction of program over metas; it
// fails only where in.Encode does.
func NewInstruction(program sol.Pubkey, in Encoder, metas ...sol.AccountMeta) (sol.Instruction, error) {
	data, err := in.Encode()
	if err != nil {
		return sol.Instruction{}, err
	}
	return sol.Instruction{ProgramID: program, Accounts: metas, Data: data}, nil
}
