package loader

import (
	"bytes"
	"fmt"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/vm/sbpf"
	"github.com/atoll-dev/atoll/vm/sbpf/abi"
	"github.com/atoll-dev/atoll/vm/sbpf/syscalls"
)

// Runtime runs sBPF programs for the svm executor. Build one per node with
// New and register its loaders with Options; it is safe for concurrent use.
type Runtime struct {
	registry *sbpf.Registry
	cache    *programCache
	costs    syscalls.Costs
	budget   svm.ComputeBudget
}

// New builds the syscall registry (the standard syscalls plus the runtime's
// own) and an empty program cache.
func New() (*Runtime, error) {
	r := &Runtime{registry: sbpf.NewRegistry(), costs: syscalls.DefaultCosts, budget: svm.DefaultBudget}
	if err := syscalls.Register(r.registry, r.costs); err != nil {
		return nil, err
	}
	if err := r.registerRuntimeSyscalls(); err != nil {
		return nil, err
	}
	r.cache = newProgramCache(r.registry)
	return r, nil
}

// Registry is the syscall registry programs are linked against.
func (r *Runtime) Registry() *sbpf.Registry { return r.registry }

// Options registers the loaders with an executor.
func (r *Runtime) Options() []svm.Option {
	return []svm.Option{
		svm.WithProgram(svm.BPFLoaderDeprecatedID, svm.NativeProgramFunc(r.processDeprecated)),
		svm.WithProgram(svm.BPFLoader2ID, svm.NativeProgramFunc(r.processLoader2)),
		svm.WithProgram(svm.BPFLoaderUpgradeableID, svm.NativeProgramFunc(r.processUpgradeable)),
	}
}

// invocation is one running program, the syscalls' view of the runtime
// (it implements syscalls.Host).
type invocation struct {
	rt     *Runtime
	ctx    *svm.InvokeContext
	input  []byte
	layout abi.Layout
}

func (in *invocation) Log(line string)                  { in.ctx.LogRaw(line) }
func (in *invocation) ProgramID() sol.Pubkey            { return in.ctx.ProgramID }
func (in *invocation) StackHeight() uint64              { return uint64(in.ctx.StackHeight) }
func (in *invocation) ReturnData() (sol.Pubkey, []byte) { return in.ctx.ReturnData() }
func (in *invocation) SetReturnData(data []byte)        { in.ctx.SetReturnData(data) }

// execute runs the program whose verified form is keyed by key (loading it
// from image on a miss) on the instruction in ctx, then writes the program's
// changes back into the transaction's accounts.
func (r *Runtime) execute(ctx *svm.InvokeContext, key cacheKey, image []byte, format abi.Format) error {
	prog, err := r.cache.load(key, image)
	if err != nil {
		ctx.Log(fmt.Sprintf("Program is not deployed: %v", err))
		return svm.ErrInvalidAccountData
	}
	accts := ctx.Accounts()
	in := abi.Input{InstructionData: ctx.Data, ProgramID: ctx.ProgramID, Accounts: make([]abi.AccountInput, len(accts))}
	for i := range accts {
		in.Accounts[i] = abi.AccountInput{Key: accts[i].Key, IsSigner: accts[i].Signer, IsWritable: accts[i].Writable, Account: *accts[i].Account}
	}
	buf, layout := abi.Serialize(nil, &in, format)
	inv := &invocation{rt: r, ctx: ctx, input: buf, layout: layout}

	meter := ctx.Meter()
	budget := meter.Remaining()
	r0, used, runErr := sbpf.Run(prog, buf, sbpf.RunOptions{
		Budget:            budget,
		HeapSize:          int(ctx.HeapSize()),
		Context:           inv,
		UnalignedPointers: format == abi.Unaligned,
	})
	meter.SetRemaining(budget - used)
	ctx.LogRaw(fmt.Sprintf("Program %s consumed %d of %d compute units", ctx.ProgramID, used, budget))
	if runErr != nil {
		err := trapError(runErr)
		if err == svm.ErrProgramFailedToComplete {
			ctx.LogRaw(fmt.Sprintf("Program %s trapped: %v", ctx.ProgramID, runErr))
		}
		return err
	}
	if err := ResultError(r0); err != nil {
		return err
	}
	return writeBack(ctx, buf, &layout)
}

// writeBack copies what the program left in its input region into the
// transaction's accounts. Whether it was allowed to is the access policy's
// question, asked right after.
func writeBack(ctx *svm.InvokeContext, buf []byte, layout *abi.Layout) error {
	accts := ctx.Accounts()
	for i := range accts {
		if layout.Accounts[i].DupOf >= 0 {
			continue
		}
		upd, err := layout.ReadAccount(buf, i)
		if err != nil {
			return svm.ErrInvalidRealloc
		}
		a := accts[i].Account
		a.Lamports = upd.Lamports
		a.Owner = upd.Owner
		if !bytes.Equal(a.Data, upd.Data) {
			a.Data = append(make([]byte, 0, len(upd.Data)), upd.Data...)
		}
	}
	return nil
}
