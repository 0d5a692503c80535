package rpcnode

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// FeeForMessage implements rpc.Backend: the signature fee plus, once
// FeatureTxWideComputeBudget is active, the priority fee the message's
// compute-budget instructions ask for.
func (b *Backend) FeeForMessage(message []byte, c rpc.Commitment) (uint64, bool, uint64, error) {
	m, err := sol.DecodeMessage(message)
	if err != nil {
		return 0, false, 0, fmt.Errorf("%w: %v", rpc.ErrInvalidParams, err)
	}
	valid, s := b.IsBlockhashValid(m.RecentBlockhash, c)
	if !valid {
		return 0, false, s, nil
	}
	st, _, s, err := b.view()
	if err != nil {
		return 0, false, s, err
	}
	features, err := svm.LoadFeatureSet(readOnly{st}, s+1)
	if err != nil {
		return 0, false, s, err
	}
	fee := svm.LamportsPerSignature * uint64(m.Header.NumRequiredSignatures)
	if features.Active(svm.FeatureTxWideComputeBudget) {
		fee += priorityFee(&m)
	}
	return fee, true, s, nil
}

// Compute-budget instruction tags and the default allocation of a budget
// instruction, as the runtime reads them.
const (
	cbSetComputeUnitLimit  = 2
	cbSetComputeUnitPrice  = 3
	builtinAllocationUnits = 3_000
)

// priorityFee is ceil(unit limit × unit price / 1e6): the limit is
// SetComputeUnitLimit's, or 200,000 per non-budget instruction plus 3,000
// per budget instruction, capped at svm.MaxComputeUnitLimit.
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
