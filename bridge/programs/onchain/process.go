package onchain

import (
	"errors"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Run is the frame of every bridge program's Process: it charges
// InstructionUnits, decodes the instruction data (a decoding error is logged
// and returned as InvalidInstructionData, the program's rules never see
// malformed data), runs the decoded instruction and turns an error of its
// rules into the program's custom code with Fail.
func Run[I any](ctx *svm.InvokeContext, decode func([]byte) (I, error), codes ErrorCodes, run func(*I) error) error {
	if err := Charge(ctx, InstructionUnits); err != nil {
		return err
	}
	in, err := decode(ctx.Data)
	if err != nil {
		ctx.Log(err.Error())
		return svm.ErrInvalidInstructionData
	}
	if err := run(&in); err != nil {
		return Fail(ctx, codes.Code(err), err)
	}
	return nil
}

// AdminAndPayer checks the first two accounts of an Initialize instruction:
// account 0 must sign and be admin (else notAdmin, the program's own
// error), account 1 must sign; it returns account 1, which pays for the
// state accounts.
func AdminAndPayer(ctx *svm.InvokeContext, admin sol.Pubkey, notAdmin error) (*svm.InstrAccount, error) {
	a, err := Signer(ctx, 0)
	if err != nil {
		return nil, err
	}
	if a.Key != admin {
		return nil, notAdmin
	}
	return Signer(ctx, 1)
}

// ErrorCodes is a program's table of custom error codes, for clients to
// match: each error with the code the program returns for it (several may
// share a code). Entries are looked up in order.
type ErrorCodes []struct {
	Err  error
	Code uint32
}

// Code returns the code of the first entry err matches (errors.Is), 0 if
// none does.
func (c ErrorCodes) Code(err error) uint32 {
	for _, e := range c {
		if errors.Is(err, e.Err) {
			return e.Code
		}
	}
	return 0
}
