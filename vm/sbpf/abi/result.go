package abi

import "fmt"

// ReturnKind classifies a program's return value (r0).
type ReturnKind uint8

// Return kinds.
const (
	Success ReturnKind = iota
	// Builtin is one of the runtime's errors, encoded as code<<32.
	Builtin
	// Custom is a program-defined error code (Custom(0) is encoded as 1<<32).
	Custom
	// Invalid is a value with high bits that name no builtin error; the
	// runtime reports it as InvalidError.
	Invalid
)

// BuiltinErrors names the builtin error codes 1..26 (index = code).
var BuiltinErrors = [...]string{
	"", "Custom", "InvalidArgument", "InvalidInstructionData", "InvalidAccountData",
	"AccountDataTooSmall", "InsufficientFunds", "IncorrectProgramId", "MissingRequiredSignature",
	"AccountAlreadyInitialized", "UninitializedAccount", "NotEnoughAccountKeys", "AccountBorrowFailed",
	"MaxSeedLengthExceeded", "InvalidSeeds", "BorshIoError", "AccountNotRentExempt", "UnsupportedSysvar",
	"IllegalOwner", "MaxAccountsDataAllocationsExceeded", "InvalidRealloc", "MaxInstructionTraceLengthExceeded",
	"BuiltinProgramsMustConsumeComputeUnits", "InvalidAccountOwner", "ArithmeticOverflow", "Immutable",
	"IncorrectAuthority",
}

// Return is a decoded r0.
type Return struct {
	Kind ReturnKind
	// Code is the builtin error code (Kind Builtin) or the custom code
	// (Kind Custom).
	Code uint32
}

// ParseReturn decodes r0 the way the runtime does: 0 is success, code<<32
// for a known code is that builtin error (1<<32 being Custom(0)), a value
// that fits in 32 bits is Custom(value), and anything else is invalid.
func ParseReturn(r0 uint64) Return {
	switch {
	case r0 == 0:
		return Return{Kind: Success}
	case r0 == 1<<32:
		return Return{Kind: Custom, Code: 0}
	case r0>>32 == 0:
		return Return{Kind: Custom, Code: uint32(r0)}
	case uint32(r0) == 0 && r0>>32 < uint64(len(BuiltinErrors)):
		return Return{Kind: Builtin, Code: uint32(r0 >> 32)}
	default:
		return Return{Kind: Invalid}
	}
}

func (r Return) String() string {
	switch r.Kind {
	case Success:
		return "success"
	case Custom:
		return fmt.Sprintf("Custom(%d)", r.Code)
	case Builtin:
		return BuiltinErrors[r.Code]
	default:
		return "InvalidError"
	}
}
