package svm

import (
	"encoding/binary"
	"math/bits"

	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Compute-budget instruction tags (borsh: u8 tag, then little-endian value).
const (
	cbRequestHeapFrame         = 1
	cbSetComputeUnitLimit      = 2
	cbSetComputeUnitPrice      = 3
	cbSetLoadedAccountsDataLim = 4
)

// computeLimits is what a transaction's compute-budget instructions ask for.
type computeLimits struct {
	txWide    bool
	unitLimit uint64
	unitPrice uint64 // micro-lamports per unit
	heapSize  uint32
}

// priorityFee is ceil(limit × price / 1e6) lamports, saturating at the
// largest u64 (which no payer can pay) instead of overflowing.
func (l computeLimits) priorityFee() uint64 {
	hi, lo := bits.Mul64(l.unitLimit, l.unitPrice)
	if hi >= 1_000_000 {
		return ^uint64(0)
	}
	q, r := bits.Div64(hi, lo, 1_000_000)
	if r != 0 {
		q++
	}
	return q
}

// computeBudgetInstr is one decoded compute-budget instruction.
type computeBudgetInstr struct {
	tag   byte
	value uint64
}

func decodeComputeBudget(data []byte) (computeBudgetInstr, bool) {
	if len(data) == 0 {
		return computeBudgetInstr{}, false
	}
	c := computeBudgetInstr{tag: data[0]}
	switch c.tag {
	case cbRequestHeapFrame, cbSetComputeUnitLimit, cbSetLoadedAccountsDataLim:
		if len(data) != 5 {
			return c, false
		}
		c.value = uint64(binary.LittleEndian.Uint32(data[1:]))
	case cbSetComputeUnitPrice:
		if len(data) != 9 {
			return c, false
		}
		c.value = binary.LittleEndian.Uint64(data[1:])
	default:
		return c, false
	}
	return c, true
}

// computeLimits reads the compute-budget instructions. Without
// FeatureTxWideComputeBudget they have no effect and every instruction gets
// the seed's per-instruction budget.
func (e *Executor) computeLimits(m *sol.Message, features FeatureSet) (computeLimits, *TransactionError) {
	l := computeLimits{heapSize: e.budget.HeapSize}
	if !features.Active(FeatureTxWideComputeBudget) {
		return l, nil
	}
	l.txWide = true
	var seen [5]bool
	limitSet := false
	others, budgetInstrs := uint64(0), uint64(0)
	for i := range m.Instructions {
		in := &m.Instructions[i]
		if m.AccountKeys[in.ProgramIDIndex] != ComputeBudgetProgramID {
			others++
			continue
		}
		budgetInstrs++
		c, ok := decodeComputeBudget(in.Data)
		if !ok {
			return l, instrErr(i, ErrInvalidInstructionData)
		}
		if seen[c.tag] {
			return l, &TransactionError{Kind: DuplicateInstruction, Index: uint8(i)}
		}
		seen[c.tag] = true
		switch c.tag {
		case cbRequestHeapFrame:
			if c.value < MinHeapFrameBytes || c.value > MaxHeapFrameBytes || c.value%heapFrameGranule != 0 {
				return l, instrErr(i, ErrInvalidInstructionData)
			}
			l.heapSize = uint32(c.value)
		case cbSetComputeUnitLimit:
			l.unitLimit = min(c.value, MaxComputeUnitLimit)
			limitSet = true
		case cbSetComputeUnitPrice:
			l.unitPrice = c.value
		}
	}
	if !limitSet {
		l.unitLimit = min(others*e.budget.MaxUnits+budgetInstrs*builtinAllocationUnits, MaxComputeUnitLimit)
	}
	return l, nil
}

// builtinAllocationUnits is the default budget share of a compute-budget
// instruction, as Solana's MAX_BUILTIN_ALLOCATION_COMPUTE_UNIT_LIMIT.
const builtinAllocationUnits = 3_000

// processComputeBudget is the ComputeBudget program. Its instructions take
// effect before execution (computeLimits); running them only checks the data.
func processComputeBudget(ctx *InvokeContext) error {
	if err := ctx.Meter().Consume(builtinUnits); err != nil {
		return err
	}
	if _, ok := decodeComputeBudget(ctx.Data); !ok {
		return ErrInvalidInstructionData
	}
	return nil
}

// MessageFee is the fee the executor charges for m under features: 5,000
// lamports per signature plus, with FeatureTxWideComputeBudget active, the
// priority fee its compute-budget instructions ask for. It saturates rather
// than overflows. A message that does not sanitize is an error; one whose
// compute-budget instructions are refused is charged nothing beyond
// signatures, since it is refused before paying.
func MessageFee(m *sol.Message, features FeatureSet) (uint64, error) {
	if err := m.Sanitize(); err != nil {
		return 0, err
	}
	fee := LamportsPerSignature * uint64(m.Header.NumRequiredSignatures)
	e := Executor{budget: DefaultBudget}
	if limits, terr := e.computeLimits(m, features); terr == nil {
		fee = saturatingAdd(fee, limits.priorityFee())
	}
	return fee, nil
}

func saturatingAdd(a, b uint64) uint64 {
	if a+b < a {
		return ^uint64(0)
	}
	return a + b
}
