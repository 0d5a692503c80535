package rpcnode

import (
	"fmt"

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
	fee, err := svm.MessageFee(&m, features)
	if err != nil {
		return 0, false, s, fmt.Errorf("%w: %v", rpc.ErrInvalidParams, err)
	}
	return fee, true, s, nil
}
