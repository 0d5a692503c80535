package svm

import (
	"fmt"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// NativeProgram is a program implemented in Go: the system and compute-budget
// programs, the BPF loaders (which run sBPF programs they own) and the bridge
// programs. Process runs one instruction and returns nil or an
// InstructionError. It mutates accounts through ctx; the runtime checks the
// access policy afterwards, so a program cannot break the rules, only fail.
type NativeProgram interface {
	Process(ctx *InvokeContext) error
}

// NativeProgramFunc adapts a function to NativeProgram.
type NativeProgramFunc func(ctx *InvokeContext) error

// Process implements NativeProgram.
func (f NativeProgramFunc) Process(ctx *InvokeContext) error { return f(ctx) }

// InstrAccount is one account of the executing instruction. Account points at
// the transaction's working copy: writes through it are visible to later
// instructions and are undone if the transaction fails.
type InstrAccount struct {
	Key      sol.Pubkey
	Signer   bool
	Writable bool
	Account  *sol.Account
	// TxIndex is the account's position in the transaction's key list.
	TxIndex int
}

// InvokeContext is what a program sees of the instruction it executes and the
// transaction around it. It is valid only during Process.
type InvokeContext struct {
	tx *txContext
	// ProgramID is the program being executed. A loader is called with the id
	// of the program it owns when one of its programs runs.
	ProgramID sol.Pubkey
	Data      []byte
	accounts  []InstrAccount
	// StackHeight is 1 for a top-level instruction, +1 per nested invocation.
	StackHeight int
	pre         []preAccount
}

// NumAccounts is the number of instruction accounts, duplicates included.
func (c *InvokeContext) NumAccounts() int { return len(c.accounts) }

// Account returns instruction account i, or NotEnoughAccountKeys.
func (c *InvokeContext) Account(i int) (*InstrAccount, error) {
	if i < 0 || i >= len(c.accounts) {
		return nil, ErrNotEnoughAccountKeys
	}
	return &c.accounts[i], nil
}

// Accounts returns the instruction accounts; the slice is owned by the context.
func (c *InvokeContext) Accounts() []InstrAccount { return c.accounts }

// Meter is the compute meter the instruction draws from.
func (c *InvokeContext) Meter() *Meter { return c.tx.meter }

// Budget is the cost table in force.
func (c *InvokeContext) Budget() *ComputeBudget { return &c.tx.exec.budget }

// Block is the block being executed.
func (c *InvokeContext) Block() *BlockContext { return c.tx.block }

// Rent is the rent in force.
func (c *InvokeContext) Rent() Rent { return c.tx.exec.rent }

// EpochSchedule is the network's epoch schedule.
func (c *InvokeContext) EpochSchedule() EpochSchedule { return c.tx.exec.epochSchedule }

// Clock is the Clock sysvar of the block being executed.
func (c *InvokeContext) Clock() Clock { return c.tx.clock }

// Features is the active feature set.
func (c *InvokeContext) Features() FeatureSet { return c.tx.block.Features }

// HeapSize is the heap the transaction requested for sBPF programs.
func (c *InvokeContext) HeapSize() uint32 { return c.tx.heapSize }

// Log appends a "Program log: " line, charging nothing: callers charge.
func (c *InvokeContext) Log(msg string) { c.tx.logs.add("Program log: " + msg) }

// LogRaw appends a line as is (e.g. "Program data: ...").
func (c *InvokeContext) LogRaw(line string) { c.tx.logs.add(line) }

// SetReturnData records data as returned by the executing program.
func (c *InvokeContext) SetReturnData(data []byte) {
	c.tx.returnProgram = c.ProgramID
	c.tx.returnData = append(c.tx.returnData[:0], data...)
}

// EmitMessage records a runtime message: an action the consensus layer
// carries out once the batch's block is finalized (a staking transfer out of
// the runtime's account, say). Messages of a failed transaction are dropped.
func (c *InvokeContext) EmitMessage(msg []byte) {
	c.tx.messages = append(c.tx.messages, append([]byte(nil), msg...))
}

// ReturnData is the last data any program in the transaction returned.
func (c *InvokeContext) ReturnData() (sol.Pubkey, []byte) { return c.tx.returnProgram, c.tx.returnData }

// TxAccount returns a transaction account by key, for loaders that need an
// account the instruction does not list (a program's data account). The
// account is read-only to the caller.
func (c *InvokeContext) TxAccount(key sol.Pubkey) (*sol.Account, bool) {
	for i := range c.tx.keys {
		if c.tx.keys[i] == key {
			return &c.tx.accounts[i], true
		}
	}
	return nil, false
}

// LoadAccount reads an account that is not part of the transaction (an
// upgradeable program's data account) from the state the transaction sees.
func (c *InvokeContext) LoadAccount(key sol.Pubkey) (sol.Account, bool, error) {
	if a, ok := c.TxAccount(key); ok {
		return *a, true, nil
	}
	return c.tx.read(key)
}

func (c *InvokeContext) String() string {
	return fmt.Sprintf("invoke %s [%d]", c.ProgramID, c.StackHeight)
}
