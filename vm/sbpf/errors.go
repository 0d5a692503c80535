package sbpf

import (
	"errors"
	"fmt"
)

// Verifier rejections. Each is returned wrapped in a *VerifyError naming the
// instruction index.
var (
	ErrNoProgram              = errors.New("sbpf: empty program text")
	ErrUnknownOpcode          = errors.New("sbpf: unknown opcode")
	ErrInvalidSrcRegister     = errors.New("sbpf: invalid source register")
	ErrInvalidDstRegister     = errors.New("sbpf: invalid destination register")
	ErrWriteR10               = errors.New("sbpf: cannot write to r10")
	ErrJumpOutOfCode          = errors.New("sbpf: jump outside text")
	ErrJumpIntoLddw           = errors.New("sbpf: jump into the middle of lddw")
	ErrLddwCannotBeLast       = errors.New("sbpf: lddw split across the end of text")
	ErrIncompleteLddw         = errors.New("sbpf: lddw second slot has a nonzero opcode")
	ErrDivisionByZeroImm      = errors.New("sbpf: division by immediate zero")
	ErrShiftOutOfRange        = errors.New("sbpf: shift by an out-of-range immediate")
	ErrInvalidEndianWidth     = errors.New("sbpf: le/be width is not 16, 32 or 64")
	ErrInvalidCallxRegister   = errors.New("sbpf: callx names an invalid register")
	ErrUnalignedStackBump     = errors.New("sbpf: stack bump is not a multiple of 64")
	ErrCallOutsideText        = errors.New("sbpf: function or entrypoint outside text")
	ErrFunctionSyscallClash   = errors.New("sbpf: function key collides with a syscall")
	ErrInvalidHeapSize        = errors.New("sbpf: invalid heap size")
	ErrReadOnlyRegionTooLarge = errors.New("sbpf: read-only region larger than 4 GiB")
)

// VerifyError is a verifier rejection at instruction index PC.
type VerifyError struct {
	PC  int
	Err error
}

func (e *VerifyError) Error() string { return fmt.Sprintf("%v (instruction %d)", e.Err, e.PC) }
func (e *VerifyError) Unwrap() error { return e.Err }

// Traps: the fixed set of ways a verified program stops abnormally. Each is
// returned wrapped in a *Trap.
var (
	ErrAccessViolation         = errors.New("sbpf: access violation")
	ErrStackAccessViolation    = errors.New("sbpf: stack access violation")
	ErrDivideByZero            = errors.New("sbpf: divide by zero")
	ErrDivideOverflow          = errors.New("sbpf: divide overflow")
	ErrCallDepthExceeded       = errors.New("sbpf: call depth exceeded")
	ErrExceededMaxInstructions = errors.New("sbpf: exceeded the compute budget")
	ErrCallOutsideTextSegment  = errors.New("sbpf: call outside the text segment")
	ErrUnsupportedInstruction  = errors.New("sbpf: unsupported instruction")
	ErrExecutionOverrun        = errors.New("sbpf: execution ran past the end of text")
	ErrInvalidInstruction      = errors.New("sbpf: invalid instruction")
	// ErrComputeBudgetExceeded is a syscall asking for more units than remain.
	ErrComputeBudgetExceeded = errors.New("sbpf: syscall exceeded the compute budget")
)

// Trap describes where and why execution stopped. For memory faults Addr,
// Size, Write and Region describe the access.
type Trap struct {
	Err    error
	PC     int
	Addr   uint64
	Size   uint64
	Write  bool
	Region string
}

func (t *Trap) Error() string {
	switch t.Err {
	case ErrAccessViolation, ErrStackAccessViolation:
		kind := "load"
		if t.Write {
			kind = "store"
		}
		return fmt.Sprintf("%v: %s of %d bytes at %#x (%s region) at instruction %d",
			t.Err, kind, t.Size, t.Addr, t.Region, t.PC)
	}
	return fmt.Sprintf("%v at instruction %d", t.Err, t.PC)
}

func (t *Trap) Unwrap() error { return t.Err }

// SyscallError wraps the error a syscall returned; execution stops with it.
type SyscallError struct {
	Name string
	PC   int
	Err  error
}

func (e *SyscallError) Error() string {
	return fmt.Sprintf("syscall %s at instruction %d: %v", e.Name, e.PC, e.Err)
}
func (e *SyscallError) Unwrap() error { return e.Err }
