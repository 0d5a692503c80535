package loader

import (
	"errors"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/vm/sbpf"
)

// builtinShift is where builtin program errors sit in a program's return value.
const builtinShift = 32

// builtinResults maps n of a returned n<<32 to its instruction error, in
// Solana's numbering (1 is Custom(0)).
var builtinResults = map[uint64]svm.InstructionError{
	1:  svm.NewCustomError(0),
	2:  svm.ErrInvalidArgument,
	3:  svm.ErrInvalidInstructionData,
	4:  svm.ErrInvalidAccountData,
	5:  svm.ErrAccountDataTooSmall,
	6:  svm.ErrInsufficientFunds,
	7:  svm.ErrIncorrectProgramID,
	8:  svm.ErrMissingRequiredSignature,
	9:  svm.ErrAccountAlreadyInitialized,
	10: svm.ErrUninitializedAccount,
	11: svm.ErrNotEnoughAccountKeys,
	12: {Kind: svm.AccountBorrowFailed},
	13: svm.ErrMaxSeedLengthExceeded,
	14: svm.ErrInvalidSeeds,
	15: {Kind: svm.BorshIoError},
	16: {Kind: svm.AccountNotRentExempt},
	17: svm.ErrUnsupportedSysvar,
	18: svm.ErrIllegalOwner,
	19: {Kind: svm.MaxAccountsDataAllocationsExceeded},
	20: svm.ErrInvalidRealloc,
	21: {Kind: svm.MaxInstructionTraceLengthExceeded},
	22: {Kind: svm.BuiltinProgramsMustConsumeComputeUnits},
	23: svm.ErrInvalidAccountOwner,
	24: svm.ErrArithmeticOverflow,
	25: {Kind: svm.Immutable},
	26: svm.ErrIncorrectAuthority,
}

// ResultError maps a program's r0 to nil or its instruction error: 0 is
// success, n<<32 a builtin error, any other value with the upper half clear
// is Custom(value), and anything else is InvalidError.
func ResultError(r0 uint64) error {
	if r0 == 0 {
		return nil
	}
	if e, ok := builtinResults[r0>>builtinShift]; ok && r0&0xffff_ffff == 0 {
		return e
	}
	if r0>>builtinShift == 0 {
		return svm.NewCustomError(uint32(r0))
	}
	return svm.InstructionError{Kind: svm.InvalidError}
}

// trapError maps a machine failure to an instruction error. An instruction
// error raised inside a syscall (a failed cross-program invocation) passes
// through unchanged.
func trapError(err error) error {
	var ie svm.InstructionError
	if errors.As(err, &ie) {
		return ie
	}
	if errors.Is(err, sbpf.ErrExceededMaxInstructions) || errors.Is(err, sbpf.ErrComputeBudgetExceeded) {
		return svm.ErrComputationalBudgetExceeded
	}
	return svm.ErrProgramFailedToComplete
}
