package svm

import (
	"encoding/json"
	"fmt"
)

// InstrErrKind names an instruction failure. The names and their order are
// those of Solana's InstructionError, so they read the same in logs and RPC.
type InstrErrKind uint8

// Instruction error kinds, in Solana's order.
const (
	GenericError InstrErrKind = iota
	InvalidArgument
	InvalidInstructionData
	InvalidAccountData
	AccountDataTooSmall
	InsufficientFunds
	IncorrectProgramID
	MissingRequiredSignature
	AccountAlreadyInitialized
	UninitializedAccount
	UnbalancedInstruction
	ModifiedProgramID
	ExternalAccountLamportSpend
	ExternalAccountDataModified
	ReadonlyLamportChange
	ReadonlyDataModified
	DuplicateAccountIndex
	ExecutableModified
	RentEpochModified
	NotEnoughAccountKeys
	AccountDataSizeChanged
	AccountNotExecutable
	AccountBorrowFailed
	AccountBorrowOutstanding
	DuplicateAccountOutOfSync
	Custom
	InvalidError
	ExecutableDataModified
	ExecutableLamportChange
	ExecutableAccountNotRentExempt
	UnsupportedProgramID
	CallDepth
	MissingAccount
	ReentrancyNotAllowed
	MaxSeedLengthExceeded
	InvalidSeeds
	InvalidRealloc
	ComputationalBudgetExceeded
	PrivilegeEscalation
	ProgramEnvironmentSetupFailure
	ProgramFailedToComplete
	ProgramFailedToCompile
	Immutable
	IncorrectAuthority
	BorshIoError
	AccountNotRentExempt
	InvalidAccountOwner
	ArithmeticOverflow
	UnsupportedSysvar
	IllegalOwner
	MaxAccountsDataAllocationsExceeded
	MaxAccountsExceeded
	MaxInstructionTraceLengthExceeded
	BuiltinProgramsMustConsumeComputeUnits
	numInstrErrKinds
)

var instrErrNames = [...]string{
	"GenericError", "InvalidArgument", "InvalidInstructionData", "InvalidAccountData", "AccountDataTooSmall",
	"InsufficientFunds", "IncorrectProgramId", "MissingRequiredSignature", "AccountAlreadyInitialized",
	"UninitializedAccount", "UnbalancedInstruction", "ModifiedProgramId", "ExternalAccountLamportSpend",
	"ExternalAccountDataModified", "ReadonlyLamportChange", "ReadonlyDataModified", "DuplicateAccountIndex",
	"ExecutableModified", "RentEpochModified", "NotEnoughAccountKeys", "AccountDataSizeChanged",
	"AccountNotExecutable", "AccountBorrowFailed", "AccountBorrowOutstanding", "DuplicateAccountOutOfSync",
	"Custom", "InvalidError", "ExecutableDataModified", "ExecutableLamportChange",
	"ExecutableAccountNotRentExempt", "UnsupportedProgramId", "CallDepth", "MissingAccount",
	"ReentrancyNotAllowed", "MaxSeedLengthExceeded", "InvalidSeeds", "InvalidRealloc",
	"ComputationalBudgetExceeded", "PrivilegeEscalation", "ProgramEnvironmentSetupFailure",
	"ProgramFailedToComplete", "ProgramFailedToCompile", "Immutable", "IncorrectAuthority", "BorshIoError",
	"AccountNotRentExempt", "InvalidAccountOwner", "ArithmeticOverflow", "UnsupportedSysvar", "IllegalOwner",
	"MaxAccountsDataAllocationsExceeded", "MaxAccountsExceeded", "MaxInstructionTraceLengthExceeded",
	"BuiltinProgramsMustConsumeComputeUnits",
}

func (k InstrErrKind) String() string {
	if k < numInstrErrKinds {
		return instrErrNames[k]
	}
	return fmt.Sprintf("InstrErrKind(%d)", uint8(k))
}

// InstructionError is why an instruction failed. It is a comparable value,
// so errors.Is matches kind and custom code.
type InstructionError struct {
	Kind InstrErrKind
	// Code is the program's code when Kind is Custom.
	Code uint32
}

// NewCustomError is a program-defined failure code.
func NewCustomError(code uint32) InstructionError {
	return InstructionError{Kind: Custom, Code: code}
}

func (e InstructionError) Error() string {
	if e.Kind == Custom {
		return fmt.Sprintf("custom program error: %#x", e.Code)
	}
	return e.Kind.String()
}

// MarshalJSON renders the error as Solana's RPC does: "Name" or {"Custom":n}.
func (e InstructionError) MarshalJSON() ([]byte, error) {
	if e.Kind == Custom {
		return json.Marshal(map[string]uint32{"Custom": e.Code})
	}
	return json.Marshal(e.Kind.String())
}

// Instruction errors used by the runtime and its native programs.
var (
	ErrGeneric                     = InstructionError{Kind: GenericError}
	ErrInvalidArgument             = InstructionError{Kind: InvalidArgument}
	ErrInvalidInstructionData      = InstructionError{Kind: InvalidInstructionData}
	ErrInvalidAccountData          = InstructionError{Kind: InvalidAccountData}
	ErrAccountDataTooSmall         = InstructionError{Kind: AccountDataTooSmall}
	ErrInsufficientFunds           = InstructionError{Kind: InsufficientFunds}
	ErrIncorrectProgramID          = InstructionError{Kind: IncorrectProgramID}
	ErrMissingRequiredSignature    = InstructionError{Kind: MissingRequiredSignature}
	ErrAccountAlreadyInitialized   = InstructionError{Kind: AccountAlreadyInitialized}
	ErrUninitializedAccount        = InstructionError{Kind: UninitializedAccount}
	ErrUnbalancedInstruction       = InstructionError{Kind: UnbalancedInstruction}
	ErrModifiedProgramID           = InstructionError{Kind: ModifiedProgramID}
	ErrExternalAccountLamportSpend = InstructionError{Kind: ExternalAccountLamportSpend}
	ErrExternalAccountDataModified = InstructionError{Kind: ExternalAccountDataModified}
	ErrReadonlyLamportChange       = InstructionError{Kind: ReadonlyLamportChange}
	ErrReadonlyDataModified        = InstructionError{Kind: ReadonlyDataModified}
	ErrExecutableModified          = InstructionError{Kind: ExecutableModified}
	ErrRentEpochModified           = InstructionError{Kind: RentEpochModified}
	ErrNotEnoughAccountKeys        = InstructionError{Kind: NotEnoughAccountKeys}
	ErrAccountDataSizeChanged      = InstructionError{Kind: AccountDataSizeChanged}
	ErrAccountNotExecutable        = InstructionError{Kind: AccountNotExecutable}
	ErrExecutableDataModified      = InstructionError{Kind: ExecutableDataModified}
	ErrExecutableLamportChange     = InstructionError{Kind: ExecutableLamportChange}
	ErrExecutableNotRentExempt     = InstructionError{Kind: ExecutableAccountNotRentExempt}
	ErrUnsupportedProgramID        = InstructionError{Kind: UnsupportedProgramID}
	ErrCallDepth                   = InstructionError{Kind: CallDepth}
	ErrMissingAccount              = InstructionError{Kind: MissingAccount}
	ErrReentrancyNotAllowed        = InstructionError{Kind: ReentrancyNotAllowed}
	ErrMaxSeedLengthExceeded       = InstructionError{Kind: MaxSeedLengthExceeded}
	ErrInvalidSeeds                = InstructionError{Kind: InvalidSeeds}
	ErrInvalidRealloc              = InstructionError{Kind: InvalidRealloc}
	ErrComputationalBudgetExceeded = InstructionError{Kind: ComputationalBudgetExceeded}
	ErrPrivilegeEscalation         = InstructionError{Kind: PrivilegeEscalation}
	ErrProgramFailedToComplete     = InstructionError{Kind: ProgramFailedToComplete}
	ErrIncorrectAuthority          = InstructionError{Kind: IncorrectAuthority}
	ErrInvalidAccountOwner         = InstructionError{Kind: InvalidAccountOwner}
	ErrArithmeticOverflow          = InstructionError{Kind: ArithmeticOverflow}
	ErrUnsupportedSysvar           = InstructionError{Kind: UnsupportedSysvar}
	ErrIllegalOwner                = InstructionError{Kind: IllegalOwner}
)

// TxErrKind names a transaction failure, as Solana's TransactionError does.
type TxErrKind uint8

// Transaction error kinds, in Solana's order.
const (
	AccountInUse TxErrKind = iota
	AccountLoadedTwice
	AccountNotFound
	ProgramAccountNotFound
	InsufficientFundsForFee
	InvalidAccountForFee
	AlreadyProcessed
	BlockhashNotFound
	InstructionErrorKind
	CallChainTooDeep
	MissingSignatureForFee
	InvalidAccountIndex
	SignatureFailure
	InvalidProgramForExecution
	SanitizeFailure
	ClusterMaintenance
	AccountBorrowOutstandingTx
	WouldExceedMaxBlockCostLimit
	UnsupportedVersion
	InvalidWritableAccount
	WouldExceedMaxAccountCostLimit
	WouldExceedAccountDataBlockLimit
	TooManyAccountLocks
	AddressLookupTableNotFound
	InvalidAddressLookupTableOwner
	InvalidAddressLookupTableData
	InvalidAddressLookupTableIndex
	InvalidRentPayingAccount
	WouldExceedMaxVoteCostLimit
	WouldExceedAccountDataTotalLimit
	DuplicateInstruction
	InsufficientFundsForRent
	numTxErrKinds
)

var txErrNames = [...]string{
	"AccountInUse", "AccountLoadedTwice", "AccountNotFound", "ProgramAccountNotFound",
	"InsufficientFundsForFee", "InvalidAccountForFee", "AlreadyProcessed", "BlockhashNotFound",
	"InstructionError", "CallChainTooDeep", "MissingSignatureForFee", "InvalidAccountIndex",
	"SignatureFailure", "InvalidProgramForExecution", "SanitizeFailure", "ClusterMaintenance",
	"AccountBorrowOutstanding", "WouldExceedMaxBlockCostLimit", "UnsupportedVersion",
	"InvalidWritableAccount", "WouldExceedMaxAccountCostLimit", "WouldExceedAccountDataBlockLimit",
	"TooManyAccountLocks", "AddressLookupTableNotFound", "InvalidAddressLookupTableOwner",
	"InvalidAddressLookupTableData", "InvalidAddressLookupTableIndex", "InvalidRentPayingAccount",
	"WouldExceedMaxVoteCostLimit", "WouldExceedAccountDataTotalLimit", "DuplicateInstruction",
	"InsufficientFundsForRent",
}

func (k TxErrKind) String() string {
	if k < numTxErrKinds {
		return txErrNames[k]
	}
	return fmt.Sprintf("TxErrKind(%d)", uint8(k))
}

// TransactionError is why a transaction failed. Index is the instruction
// (InstructionError, DuplicateInstruction) or account (InsufficientFundsForRent)
// it concerns. Detail is a human explanation that is not part of the
// consensus result: two nodes agree on a failure by Kind, Index and Instr.
type TransactionError struct {
	Kind   TxErrKind
	Index  uint8
	Instr  InstructionError
	Detail string
}

func (e *TransactionError) Error() string {
	var s string
	switch e.Kind {
	case InstructionErrorKind:
		s = fmt.Sprintf("instruction %d failed: %v", e.Index, e.Instr)
	case DuplicateInstruction:
		s = fmt.Sprintf("DuplicateInstruction(%d)", e.Index)
	case InsufficientFundsForRent:
		s = fmt.Sprintf("InsufficientFundsForRent(account %d)", e.Index)
	default:
		s = e.Kind.String()
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Is matches another TransactionError of the same kind (and, for instruction
// errors, the same instruction error), ignoring Detail.
func (e *TransactionError) Is(target error) bool {
	t, ok := target.(*TransactionError)
	if !ok {
		return false
	}
	if t.Kind != e.Kind {
		return false
	}
	return t.Kind != InstructionErrorKind || (t.Index == e.Index && t.Instr == e.Instr)
}

// Unwrap exposes the instruction error, so errors.Is(err, svm.ErrInsufficientFunds) works.
func (e *TransactionError) Unwrap() error {
	if e.Kind == InstructionErrorKind {
		return e.Instr
	}
	return nil
}

// MarshalJSON renders the error as Solana's RPC does.
func (e *TransactionError) MarshalJSON() ([]byte, error) {
	switch e.Kind {
	case InstructionErrorKind:
		return json.Marshal(map[string][2]any{"InstructionError": {e.Index, e.Instr}})
	case DuplicateInstruction:
		return json.Marshal(map[string]uint8{"DuplicateInstruction": e.Index})
	case InsufficientFundsForRent:
		return json.Marshal(map[string]map[string]uint8{"InsufficientFundsForRent": {"account_index": e.Index}})
	}
	return json.Marshal(e.Kind.String())
}

func txErr(kind TxErrKind, detail string) *TransactionError {
	return &TransactionError{Kind: kind, Detail: detail}
}

func instrErr(index int, err InstructionError) *TransactionError {
	return &TransactionError{Kind: InstructionErrorKind, Index: uint8(index), Instr: err}
}
