package devbank

import (
	"encoding/binary"
	"math/bits"

	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Compute-budget instruction tags and defaults, as the runtime reads them.
const (
	cbSetComputeUnitLimit  = 2
	cbSetComputeUnitPrice  = 3
	builtinAllocationUnits = 3_000
)

// priorityFee is ceil(unit limit × unit price / 1e6) for a message under the
// transaction-wide compute-budget model: the limit is SetComputeUnitLimit's,
// or 200,000 per non-budget instruction plus 3,000 per budget instruction,
// capped at svm.MaxComputeUnitLimit. A malformed budget instruction makes the
// transaction fail before it pays anything but its signatures, so it
// contributes nothing here. TestFeeForMessage_MatchesExecution checks this
// against the fee the executor charges.
func priorityFee(m *sol.Message) uint64 {
	var limit, price, others, budget uint64
	limitSet := false
	for i := range m.Instructions {
		in := &m.Instructions[i]
		if int(in.ProgramIDIndex) >= len(m.AccountKeys) || m.AccountKeys[in.ProgramIDIndex] != svm.ComputeBudgetProgramID {
			others++
			continue
		}
		budget++
		switch {
		case len(in.Data) == 5 && in.Data[0] == cbSetComputeUnitLimit:
			limit, limitSet = uint64(binary.LittleEndian.Uint32(in.Data[1:])), true
		case len(in.Data) == 9 && in.Data[0] == cbSetComputeUnitPrice:
			price = binary.LittleEndian.Uint64(in.Data[1:])
		}
	}
	if !limitSet {
		limit = others*svm.DefaultBudget.MaxUnits + budget*builtinAllocationUnits
	}
	limit = min(limit, svm.MaxComputeUnitLimit)
	hi, lo := bits.Mul64(limit, price)
	if hi >= 1_000_000 {
		return ^uint64(0)
	}
	q, r := bits.Div64(hi, lo, 1_000_000)
	if r != 0 {
		q++
	}
	return q
}
