package svm

import (
	"errors"
	"fmt"
	"sync"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// txContext is one transaction's execution state. It lives on one goroutine.
type txContext struct {
	exec  *Executor
	block *BlockContext
	clock Clock
	read  func(sol.Pubkey) (sol.Account, bool, error)

	keys     []sol.Pubkey
	accounts []sol.Account // working copies, indexed like keys
	signer   []bool
	writable []bool

	meter      *Meter
	instrMeter Meter // the meter of the running top-level instruction, in the default model
	heapSize   uint32
	logs       logCollector
	stack      []sol.Pubkey // programs on the invoke stack
	stackBuf   [6]sol.Pubkey

	returnProgram sol.Pubkey
	returnData    []byte
	messages      [][]byte
}

// resolveProgram finds the code that runs for program id: a builtin, or the
// loader that owns an executable program account.
func (t *txContext) resolveProgram(id sol.Pubkey, acct *sol.Account) (NativeProgram, error) {
	if p, ok := t.exec.programs[id]; ok {
		return p, nil
	}
	if acct == nil || !acct.Executable {
		return nil, ErrAccountNotExecutable
	}
	if p, ok := t.exec.programs[acct.Owner]; ok {
		return p, nil
	}
	return nil, ErrUnsupportedProgramID
}

// process runs one instruction, top-level or nested, and enforces the access
// policy on its accounts afterwards.
func (t *txContext) process(ctx *InvokeContext, programAcct *sol.Account) error {
	// A program may call itself directly, but may not be re-entered through
	// another program.
	if n := len(t.stack); n > 0 && t.stack[n-1] != ctx.ProgramID && containsKey(t.stack, ctx.ProgramID) {
		return ErrReentrancyNotAllowed
	}
	if ctx.StackHeight > t.exec.budget.MaxInvokeDepth+1 {
		return ErrCallDepth
	}
	prog, err := t.resolveProgram(ctx.ProgramID, programAcct)
	if err != nil {
		return err
	}
	pre := snapshot(ctx.accounts)
	ctx.pre = pre
	t.stack = append(t.stack, ctx.ProgramID)
	lines := t.exec.programLines(ctx.ProgramID)
	if lines != nil && ctx.StackHeight <= len(lines.invoke) {
		t.logs.add(lines.invoke[ctx.StackHeight-1])
	} else {
		t.logs.add(fmt.Sprintf("Program %s invoke [%d]", ctx.ProgramID, ctx.StackHeight))
	}
	err = runProgram(prog, ctx)
	t.stack = t.stack[:len(t.stack)-1]
	if err == nil {
		err = verifyInstruction(ctx.ProgramID, ctx.pre, t.accounts, t.exec.rent)
	}
	if err != nil {
		// A failed instruction leaves its accounts as it found them, so a
		// native caller that survives a failed invocation sees no half-done
		// writes. (An sBPF caller cannot survive one: its program aborts.)
		for i := range pre {
			t.accounts[pre[i].txIndex] = pre[i].account
		}
		t.logs.add(fmt.Sprintf("Program %s failed: %v", ctx.ProgramID, err))
		return err
	}
	if lines != nil {
		t.logs.add(lines.success)
	} else {
		t.logs.add(fmt.Sprintf("Program %s success", ctx.ProgramID))
	}
	return nil
}

// programLogLines are a program's invoke (by stack height) and success
// log lines, exactly as process formats them.
type programLogLines struct {
	invoke  [8]string
	success string
}

// nativeLogLines caches the log lines of native programs, which every
// transfer logs twice: formatting them costs a base58 encoding each time.
// Only ids registered as native programs enter it, so it stays small.
var nativeLogLines sync.Map // sol.Pubkey -> *programLogLines

// programLines returns the cached log lines of id when it is a native
// program of e, nil otherwise.
func (e *Executor) programLines(id sol.Pubkey) *programLogLines {
	if _, native := e.programs[id]; !native {
		return nil
	}
	if l, ok := nativeLogLines.Load(id); ok {
		return l.(*programLogLines)
	}
	l := &programLogLines{success: fmt.Sprintf("Program %s success", id)}
	for i := range l.invoke {
		l.invoke[i] = fmt.Sprintf("Program %s invoke [%d]", id, i+1)
	}
	actual, _ := nativeLogLines.LoadOrStore(id, l)
	return actual.(*programLogLines)
}

// runProgram calls the program and turns anything it returns, including a
// panic, into an InstructionError, so no program can take the node down.
func runProgram(prog NativeProgram, ctx *InvokeContext) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = ErrProgramFailedToComplete
		}
	}()
	err = prog.Process(ctx)
	if err == nil {
		return nil
	}
	var ie InstructionError
	if errors.As(err, &ie) {
		return ie
	}
	return ErrGeneric
}

// Invoke runs instr as a cross-program invocation from the executing program.
// pdaSigners are the program-derived addresses the caller vouches for: native
// programs are trusted to have derived them from their own id, and the sBPF
// loader derives them from the program's seeds. The callee draws from the
// same meter. If the callee fails, its accounts are restored to what they were
// when it was invoked and the error is returned.
func (c *InvokeContext) Invoke(instr sol.Instruction, pdaSigners []sol.Pubkey) error {
	t := c.tx
	if err := t.meter.Consume(t.exec.budget.InvokeUnits); err != nil {
		return err
	}
	callee := &InvokeContext{tx: t, ProgramID: instr.ProgramID, Data: instr.Data, StackHeight: c.StackHeight + 1}
	callee.accounts = make([]InstrAccount, 0, len(instr.Accounts))
	for _, meta := range instr.Accounts {
		caller := c.findAccount(meta.Pubkey)
		if caller == nil {
			return ErrMissingAccount
		}
		if meta.IsWritable && !caller.Writable {
			return ErrPrivilegeEscalation
		}
		if meta.IsSigner && !caller.Signer && !containsKey(pdaSigners, meta.Pubkey) {
			return ErrPrivilegeEscalation
		}
		callee.accounts = append(callee.accounts, InstrAccount{
			Key: meta.Pubkey, Signer: meta.IsSigner, Writable: meta.IsWritable,
			Account: caller.Account, TxIndex: caller.TxIndex,
		})
	}
	// As in Solana, the callee's program account must be among the caller's accounts.
	program := c.findAccount(instr.ProgramID)
	if program == nil {
		return ErrMissingAccount
	}
	programAcct := program.Account
	// The caller answers for its own changes before the callee runs, and the
	// callee's changes become the caller's new baseline once it returns.
	if err := verifyInstruction(c.ProgramID, c.pre, t.accounts, t.exec.rent); err != nil {
		return err
	}
	err := t.process(callee, programAcct)
	c.pre = snapshot(c.accounts)
	return err
}

func (c *InvokeContext) findAccount(k sol.Pubkey) *InstrAccount {
	for i := range c.accounts {
		if c.accounts[i].Key == k {
			return &c.accounts[i]
		}
	}
	return nil
}

func containsKey(keys []sol.Pubkey, k sol.Pubkey) bool {
	for i := range keys {
		if keys[i] == k {
			return true
		}
	}
	return false
}
