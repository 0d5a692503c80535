package svm

// ComputeBudget is the table of compute costs and limits. DefaultBudget is
// the seed's table plus the other costs Solana charges.
type ComputeBudget struct {
	// MaxUnits is the per-instruction budget in the default model, and the
	// per-instruction default the transaction-wide model multiplies.
	MaxUnits                  uint64
	LogUnits                  uint64
	LogU64Units               uint64
	LogPubkeyUnits            uint64
	CreateProgramAddressUnits uint64
	InvokeUnits               uint64
	MaxInvokeDepth            int
	MaxCallDepth              int
	StackFrameSize            int
	SyscallBaseCost           uint64
	MemOpBaseCost             uint64
	Sha256BaseCost            uint64
	Sha256ByteCost            uint64 // per byte, as in the seed: 85 + 1 per byte
	CPIBytesPerUnit           uint64
	SysvarBaseCost            uint64
	HeapSize                  uint32
}

// DefaultBudget is the seed's compute budget.
var DefaultBudget = ComputeBudget{
	MaxUnits:                  200_000,
	LogUnits:                  100,
	LogU64Units:               100,
	LogPubkeyUnits:            100,
	CreateProgramAddressUnits: 1_500,
	InvokeUnits:               1_000,
	MaxInvokeDepth:            4,
	MaxCallDepth:              64,
	StackFrameSize:            4_096,
	SyscallBaseCost:           100,
	MemOpBaseCost:             10,
	Sha256BaseCost:            85,
	Sha256ByteCost:            1,
	CPIBytesPerUnit:           250,
	SysvarBaseCost:            100,
	HeapSize:                  32 * 1024,
}

// Limits of the transaction-wide model (behind FeatureTxWideComputeBudget).
const (
	MaxComputeUnitLimit = 1_400_000
	MinHeapFrameBytes   = 32 * 1024
	MaxHeapFrameBytes   = 256 * 1024
	heapFrameGranule    = 1024
	// builtinUnits is what a native program invocation costs, as Solana's builtins.
	builtinUnits = 150
)

// MemOpCost is what sol_memcpy_ and friends charge for n bytes: max(base, n/250).
func (b *ComputeBudget) MemOpCost(n uint64) uint64 {
	return max(b.MemOpBaseCost, n/b.CPIBytesPerUnit)
}

// Meter counts the compute units left. One meter serves a whole top-level
// instruction (or, in the transaction-wide model, the whole transaction);
// cross-program invocations draw from the caller's meter. Not safe for
// concurrent use: a transaction executes on one goroutine.
type Meter struct {
	remaining uint64
	limit     uint64
}

// NewMeter returns a meter holding limit units.
func NewMeter(limit uint64) *Meter { return &Meter{remaining: limit, limit: limit} }

// Consume takes n units, or empties the meter and returns
// ErrComputationalBudgetExceeded if fewer than n remain.
func (m *Meter) Consume(n uint64) error {
	if n > m.remaining {
		m.remaining = 0
		return ErrComputationalBudgetExceeded
	}
	m.remaining -= n
	return nil
}

// Remaining is the number of units left.
func (m *Meter) Remaining() uint64 { return m.remaining }

// Consumed is the number of units used so far.
func (m *Meter) Consumed() uint64 { return m.limit - m.remaining }

// SetRemaining replaces the remaining count; the VM uses it to settle the
// units its instructions consumed. It never raises the count above the limit.
func (m *Meter) SetRemaining(n uint64) { m.remaining = min(n, m.limit) }
