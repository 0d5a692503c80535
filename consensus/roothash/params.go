package roothash

import (
	"fmt"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/state"
)

// Params are the roothash parameters, changeable by governance. A chain
// whose genesis predates them uses DefaultParams until a change is applied.
type Params struct {
	// MinLiveRoundsPercent is the share of an epoch's decided rounds a
	// worker must have helped decide (a vote for the decided result);
	// below it the node is frozen, and slashed the runtime's liveness
	// amount, at the epoch's end. 0 disables the check.
	MinLiveRoundsPercent uint64 `cbor:"min_live_rounds_percent" json:"min_live_rounds_percent"`
	// MinLiveRoundsForEvaluation is how many decided rounds a worker must
	// have been in during an epoch before its share is judged, so a short
	// epoch or a brief restart does not freeze a node.
	MinLiveRoundsForEvaluation uint64 `cbor:"min_live_rounds_eval" json:"min_live_rounds_eval"`
	// BlockHistory is how many recent blocks per runtime stay queryable
	// (and challengeable); at least 1.
	BlockHistory uint64 `cbor:"block_history" json:"block_history"`
	// MaxMessages bounds the runtime messages of one block.
	MaxMessages uint64 `cbor:"max_messages" json:"max_messages"`
	// MaxIncomingPerRound bounds the incoming messages one round processes.
	MaxIncomingPerRound uint64 `cbor:"max_incoming_per_round" json:"max_incoming_per_round"`
	// MaxIncomingQueue bounds a runtime's unprocessed incoming messages.
	MaxIncomingQueue uint64 `cbor:"max_incoming_queue" json:"max_incoming_queue"`
	// ChallengeWindow is how many blocks a storage node has to answer a
	// challenge; at least 1.
	ChallengeWindow uint64 `cbor:"challenge_window" json:"challenge_window"`
	// ChallengeBond is what a challenger deposits; the answering node's
	// entity earns it, an unanswered challenge returns it.
	ChallengeBond uint64 `cbor:"challenge_bond" json:"challenge_bond"`
}

// DefaultParams are the parameters of a chain that never set them.
func DefaultParams() Params {
	return Params{
		MinLiveRoundsPercent: 50, MinLiveRoundsForEvaluation: 4, BlockHistory: 256, MaxMessages: 256,
		MaxIncomingPerRound: 64, MaxIncomingQueue: 4096,
		ChallengeWindow: 20, ChallengeBond: 1000,
	}
}

// Validate checks the parameters are usable.
func (p *Params) Validate() error {
	switch {
	case p.BlockHistory == 0:
		return fmt.Errorf("roothash: block_history must be at least 1")
	case p.ChallengeWindow == 0 || p.ChallengeWindow > 1<<32:
		return fmt.Errorf("roothash: challenge_window must be in 1..2^32 blocks")
	case p.MinLiveRoundsPercent > 100:
		return fmt.Errorf("roothash: min_live_rounds_percent must be at most 100")
	case p.MaxIncomingPerRound == 0:
		return fmt.Errorf("roothash: max_incoming_per_round must be at least 1")
	}
	return nil
}

var keyParams = []byte("roothash/params")

// GetParams reads the parameters.
func GetParams(kv state.KV) Params {
	raw := kv.Get(keyParams)
	if raw == nil {
		return DefaultParams()
	}
	var p Params
	mustDecode(raw, &p)
	return p
}

// ChangeParameters implements service.Service: the change is CBOR Params.
func (*Service) ChangeParameters(kv state.KV, change []byte, apply bool) error {
	var p Params
	if err := codec.Unmarshal(change, &p); err != nil {
		return fmt.Errorf("%w: %v", service.ErrBadBody, err)
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %v", service.ErrInvalid, err)
	}
	if apply {
		kv.Set(keyParams, codec.Marshal(&p))
	}
	return nil
}
