package svm

import (
	"runtime"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Executor executes batches of transactions against an AccountsStore. It
// holds configuration only; every call's inputs are its arguments and the
// store, so equal inputs give equal outputs.
type Executor struct {
	store         AccountsStore
	programs      map[sol.Pubkey]NativeProgram
	budget        ComputeBudget
	rent          Rent
	epochSchedule EpochSchedule
	status        StatusChecker
	parallelism   int
	skipSigverify bool
}

// Option configures an Executor.
type Option func(*Executor)

// WithProgram registers a native program (or a loader) at id.
func WithProgram(id sol.Pubkey, p NativeProgram) Option {
	return func(e *Executor) { e.programs[id] = p }
}

// WithStatusChecker makes the executor refuse already-processed transactions.
func WithStatusChecker(s StatusChecker) Option { return func(e *Executor) { e.status = s } }

// WithParallelism sets how many goroutines execute non-conflicting
// transactions; 1 executes serially in batch order. Default: GOMAXPROCS.
func WithParallelism(n int) Option { return func(e *Executor) { e.parallelism = max(1, n) } }

// WithoutSignatureVerification makes the executor treat every signature as
// valid. It serves RPC simulation with sigVerify false, which must run
// unsigned transactions, and callers that verified every signature of the
// batch themselves (the hosted runtime, for signatures its own CheckTx
// verified). An executor that commits state may use it only then: never on
// another party's word that signatures are valid.
func WithoutSignatureVerification() Option { return func(e *Executor) { e.skipSigverify = true } }

// WithBudget replaces the compute budget table.
func WithBudget(b ComputeBudget) Option { return func(e *Executor) { e.budget = b } }

// WithEpochSchedule sets the schedule the EpochSchedule sysvar reports.
func WithEpochSchedule(s EpochSchedule) Option { return func(e *Executor) { e.epochSchedule = s } }

// DefaultEpochSchedule has 432,000 slots per epoch, as Solana's.
var DefaultEpochSchedule = EpochSchedule{SlotsPerEpoch: 432_000, LeaderScheduleSlotOffset: 432_000}

// NewExecutor returns an executor over store with the system and
// compute-budget programs registered.
func NewExecutor(store AccountsStore, opts ...Option) *Executor {
	e := &Executor{
		store:         store,
		programs:      map[sol.Pubkey]NativeProgram{},
		budget:        DefaultBudget,
		rent:          DefaultRent,
		epochSchedule: DefaultEpochSchedule,
		parallelism:   runtime.GOMAXPROCS(0),
	}
	e.programs[SystemProgramID] = NativeProgramFunc(processSystem)
	e.programs[ComputeBudgetProgramID] = NativeProgramFunc(processComputeBudget)
	for _, o := range opts {
		o(e)
	}
	return e
}

// Store is the store the executor reads.
func (e *Executor) Store() AccountsStore { return e.store }

// Rent is the rent in force.
func (e *Executor) Rent() Rent { return e.rent }

// GenesisAccounts are the accounts a new network starts with: the sysvars
// that do not change per slot and an executable account for each registered
// native program, in ascending key order.
func (e *Executor) GenesisAccounts() []AccountWrite {
	w := []AccountWrite{
		{Key: SysvarRentID, Account: sysvarAccount(e.rent, e.rent.Encode())},
		{Key: SysvarEpochScheduleID, Account: sysvarAccount(e.rent, e.epochSchedule.Encode())},
	}
	for id := range e.programs {
		name := []byte("native program")
		w = append(w, AccountWrite{Key: id, Account: sol.Account{
			Lamports: e.rent.MinimumBalance(len(name)), Data: name, Owner: NativeLoaderID, Executable: true,
		}})
	}
	sortWrites(w)
	return w
}
