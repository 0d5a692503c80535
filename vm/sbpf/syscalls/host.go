package syscalls

import (
	"errors"
	"fmt"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/vm/sbpf"
)

// Host is what the standard syscalls need from the runtime invoking the
// program. The runtime passes its implementation as sbpf.RunOptions.Context.
type Host interface {
	// Log appends one line to the transaction's log ("Program log: ..."
	// prefixes are added by the syscalls).
	Log(line string)
	// ProgramID is the program being executed.
	ProgramID() sol.Pubkey
	// StackHeight is the instruction stack height: 1 for a top-level
	// instruction, plus one per nested invocation.
	StackHeight() uint64
	// ReturnData returns the transaction's current return data and the
	// program that set it.
	ReturnData() (sol.Pubkey, []byte)
	// SetReturnData records data as set by ProgramID.
	SetReturnData(data []byte)
}

// Costs are the compute-unit prices the syscalls charge.
type Costs struct {
	SyscallBase          uint64 // sol_log_compute_units_, get_stack_height, remaining_compute_units, log_data base
	LogU64               uint64 // sol_log_64_
	LogPubkey            uint64 // sol_log_pubkey
	MemOpBase            uint64 // minimum for memcpy/memmove/memset/memcmp and per hashed slice
	CPIBytesPerUnit      uint64 // bytes per unit for memory ops and return data
	Sha256Base           uint64 // sha256 and keccak256 base
	Sha256Byte           uint64 // per two bytes hashed
	Sha256MaxSlices      uint64
	Secp256k1Recover     uint64
	CreateProgramAddress uint64 // per attempt
}

// DefaultCosts are Solana's mainnet prices.
var DefaultCosts = Costs{
	SyscallBase:          100,
	LogU64:               100,
	LogPubkey:            100,
	MemOpBase:            10,
	CPIBytesPerUnit:      250,
	Sha256Base:           85,
	Sha256Byte:           1,
	Sha256MaxSlices:      20_000,
	Secp256k1Recover:     25_000,
	CreateProgramAddress: 1_500,
}

// Errors the syscalls stop a program with.
var (
	ErrAbort              = errors.New("syscalls: program aborted")
	ErrInvalidString      = errors.New("syscalls: string is not valid UTF-8")
	ErrCopyOverlapping    = errors.New("syscalls: overlapping copy")
	ErrTooManySlices      = errors.New("syscalls: hashing too many slices")
	ErrBadSeeds           = errors.New("syscalls: bad program address seeds")
	ErrReturnDataTooLarge = errors.New("syscalls: return data too large")
	ErrUnalignedPointer   = errors.New("syscalls: unaligned pointer")
	ErrNoHost             = errors.New("syscalls: run has no syscalls.Host context")
	ErrUnavailable        = errors.New("syscalls: not available outside a chain")
)

// PanicError is sol_panic_: the program panicked at File:Line:Column.
type PanicError struct {
	File         string
	Line, Column uint64
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("syscalls: program panicked in %s at %d:%d", e.File, e.Line, e.Column)
}

// MaxReturnData is the largest return data a program may set.
const MaxReturnData = 1024

// Limits on program-address seeds.
const (
	MaxSeeds   = 16
	MaxSeedLen = 32
)

func host(m *sbpf.Machine) (Host, error) {
	if h, ok := m.Context().(Host); ok {
		return h, nil
	}
	return nil, ErrNoHost
}

// RuntimeNames are the syscalls the runtime registers itself, because they
// need accounts, sysvars or the invocation stack.
var RuntimeNames = []string{
	"sol_invoke_signed_c",
	"sol_invoke_signed_rust",
	"sol_get_clock_sysvar",
	"sol_get_rent_sysvar",
	"sol_get_epoch_schedule_sysvar",
	"sol_get_epoch_rewards_sysvar",
	"sol_get_last_restart_slot",
	"sol_get_fees_sysvar",
	"sol_get_sysvar",
	"sol_get_processed_sibling_instruction",
	"sol_get_epoch_stake",
}

// RegisterUnavailable registers each name with a syscall that charges the
// base cost and fails with ErrUnavailable, so programs that reference them
// load and run up to the call outside a chain.
func RegisterUnavailable(reg *sbpf.Registry, costs Costs, names ...string) error {
	for _, name := range names {
		name := name
		err := reg.Register(name, func(m *sbpf.Machine, _, _, _, _, _ uint64) (uint64, error) {
			if err := m.Consume(costs.SyscallBase); err != nil {
				return 0, err
			}
			return 0, fmt.Errorf("%w: %s", ErrUnavailable, name)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Register adds every standard syscall, priced by costs.
func Register(reg *sbpf.Registry, costs Costs) error {
	s := &set{c: costs}
	for name, fn := range map[string]sbpf.SyscallFunc{
		"abort":                        s.abort,
		"sol_panic_":                   s.panic,
		"sol_log_":                     s.log,
		"sol_log_64_":                  s.log64,
		"sol_log_pubkey":               s.logPubkey,
		"sol_log_compute_units_":       s.logComputeUnits,
		"sol_log_data":                 s.logData,
		"sol_memcpy_":                  s.memcpy,
		"sol_memmove_":                 s.memmove,
		"sol_memset_":                  s.memset,
		"sol_memcmp_":                  s.memcmp,
		"sol_sha256":                   s.sha256,
		"sol_keccak256":                s.keccak256,
		"sol_secp256k1_recover":        s.secp256k1Recover,
		"sol_create_program_address":   s.createProgramAddress,
		"sol_try_find_program_address": s.tryFindProgramAddress,
		"sol_set_return_data":          s.setReturnData,
		"sol_get_return_data":          s.getReturnData,
		"sol_alloc_free_":              s.allocFree,
		"sol_get_stack_height":         s.getStackHeight,
		"sol_remaining_compute_units":  s.remainingComputeUnits,
	} {
		if err := reg.Register(name, fn); err != nil {
			return err
		}
	}
	return nil
}

// NewRegistry returns a registry with the standard syscalls at default costs.
func NewRegistry() *sbpf.Registry {
	reg := sbpf.NewRegistry()
	if err := Register(reg, DefaultCosts); err != nil {
		panic(err) // the fixed set has no collisions; a failure is a programming error
	}
	return reg
}

type set struct{ c Costs }
