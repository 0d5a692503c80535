package roothash

import (
	"fmt"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/staking"
)

// ErrEvidence rejects equivocation evidence that proves nothing.
var ErrEvidence = fmt.Errorf("roothash: bad equivocation evidence: %w", service.ErrInvalid)

var prefixEvidence = []byte("roothash/evidence/")

// submitEvidence slashes a scheduler that signed two different proposals
// for one round of a runtime, once per (runtime, round, scheduler), while
// the round is within the block history window or pending.
func submitEvidence(ctx *service.Context, b *api.EquivocationBody) error {
	a, o := &b.A, &b.B
	switch {
	case a.Scheduler != o.Scheduler:
		return fmt.Errorf("%w: proposals by two schedulers", ErrEvidence)
	case a.Proposal.Namespace != o.Proposal.Namespace || a.Proposal.Round != o.Proposal.Round:
		return fmt.Errorf("%w: proposals for different rounds", ErrEvidence)
	case a.Proposal == o.Proposal:
		return fmt.Errorf("%w: the proposals are the same", ErrEvidence)
	}
	id, round := a.Proposal.Namespace, a.Proposal.Round
	rt, ok := registry.GetRuntime(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoRuntime, id)
	}
	st := ensureRuntime(ctx, rt)
	history := GetParams(ctx.KV).BlockHistory
	if round > st.Latest.Round+1 || round+history <= st.Latest.Round {
		return fmt.Errorf("%w: round %d is neither pending nor among the last %d blocks", ErrEvidence, round, history)
	}
	if err := a.Verify(ctx.ChainContext); err != nil {
		return fmt.Errorf("%w: first proposal", ErrBadSignature)
	}
	if err := o.Verify(ctx.ChainContext); err != nil {
		return fmt.Errorf("%w: second proposal", ErrBadSignature)
	}
	k := key(prefixEvidence, id[:], u64(round), a.Scheduler[:])
	if ctx.KV.Get(k) != nil {
		return fmt.Errorf("%w: already punished for round %d", ErrEvidence, round)
	}
	if _, ok := registry.GetNode(ctx.KV, a.Scheduler); !ok {
		return fmt.Errorf("%w: scheduler %s is not registered", ErrEvidence, a.Scheduler)
	}
	ctx.KV.Set(k, codec.Marshal(ctx.Height))
	slashNode(ctx, rt, round, a.Scheduler, staking.SlashEquivocation)
	return nil
}
