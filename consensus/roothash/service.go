package roothash

import (
	"encoding/json"
	"fmt"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/epochtime"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/state"
)

// Name is the service name.
const Name = "roothash"

// Service is the roothash consensus service. It has no fields: all its
// state lives in the application's KV.
type Service struct{}

var (
	_ service.Service    = (*Service)(nil)
	_ service.BlockEnder = (*Service)(nil)
)

// New returns the roothash service, to be plugged into the consensus
// application after the built-in services (app.Options.Extra), whose
// scheduler it reads committees from.
func New() *Service { return &Service{} }

// Name implements service.Service.
func (*Service) Name() string { return Name }

func decode(body []byte, v any) error {
	if err := codec.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: %v", service.ErrBadBody, err)
	}
	return nil
}

// ExecTx implements service.Service. Methods: ExecutorCommit
// (api.ExecutorCommitBody), SubmitIncoming (api.SubmitIncomingBody),
// ChallengeReceipt (api.ChallengeBody), AnswerChallenge
// (api.AnswerChallengeBody), SubmitEvidence (api.EquivocationBody).
func (*Service) ExecTx(ctx *service.Context, method string, body []byte) error {
	switch method {
	case "ExecutorCommit":
		var b api.ExecutorCommitBody
		if err := decode(body, &b); err != nil {
			return err
		}
		return executorCommit(ctx, &b)
	case "SubmitIncoming":
		var b api.SubmitIncomingBody
		if err := decode(body, &b); err != nil {
			return err
		}
		return submitIncoming(ctx, &b)
	case "ChallengeReceipt":
		var b api.ChallengeBody
		if err := decode(body, &b); err != nil {
			return err
		}
		return openChallenge(ctx, &b)
	case "AnswerChallenge":
		var b api.AnswerChallengeBody
		if err := decode(body, &b); err != nil {
			return err
		}
		return answerChallenge(ctx, &b)
	case "SubmitEvidence":
		var b api.EquivocationBody
		if err := decode(body, &b); err != nil {
			return err
		}
		return submitEvidence(ctx, &b)
	}
	return service.Unknown(Name, method)
}

// executorCommit judges each commitment in its own overlay, so a rejected
// one leaves no trace and does not undo the others; the transaction fails
// only if none is accepted, with the first commitment's error.
func executorCommit(ctx *service.Context, b *api.ExecutorCommitBody) error {
	if len(b.Commitments) == 0 || len(b.Commitments) > api.MaxCommitmentsPerTx {
		return fmt.Errorf("%w: %d commitments, want 1..%d", service.ErrInvalid, len(b.Commitments), api.MaxCommitmentsPerTx)
	}
	rt, ok := registry.GetRuntime(ctx.KV, b.Runtime)
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoRuntime, b.Runtime)
	}
	var firstErr error
	accepted := 0
	for i := range b.Commitments {
		sub := state.NewOverlay(ctx.KV)
		sctx := *ctx
		sctx.KV, sctx.Events = sub, nil
		err := commit(&sctx, rt, &b.Commitments[i])
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			ctx.Emit(api.EventCommitmentRejected, "runtime", rt.ID.String(), "index", fmt.Sprint(i),
				"node", b.Commitments[i].Node.String(), "error", err.Error())
			continue
		}
		sub.Commit()
		ctx.Events = append(ctx.Events, sctx.Events...)
		accepted++
	}
	if accepted == 0 {
		return firstErr
	}
	return nil
}

// commit accepts one commitment into the pending round and resolves it.
func commit(ctx *service.Context, rt *registry.Runtime, sc *api.SignedCommitment) error {
	st := ensureRuntime(ctx, rt)
	if st.Suspended || registry.GetRuntimeStatus(ctx.KV, rt.ID).Suspended {
		return fmt.Errorf("%w: %s", ErrSuspended, rt.ID)
	}
	r, ok := getRound(ctx.KV, rt.ID)
	if !ok {
		return fmt.Errorf("%w: %s has no pending round", ErrNoCommittee, rt.ID)
	}
	j := Judge{ChainContext: ctx.ChainContext, Height: ctx.Height, Runtime: rt, Latest: &st.Latest, Round: r, MaxMessages: GetParams(ctx.KV).MaxMessages}
	vote, err := j.Check(sc)
	if err != nil {
		return err
	}
	if r.Proposal == nil {
		r.Proposal = &api.LockedProposal{Scheduler: sc.Commitment.Proposal.Scheduler, BatchHash: sc.Commitment.Proposal.Proposal.BatchHash}
	}
	r.Votes = append(r.Votes, vote)
	setRound(ctx.KV, rt.ID, r) // closing the round deletes commitments by the stored votes
	setCommitment(ctx.KV, rt.ID, sc)
	ctx.Emit(api.EventCommitment, "runtime", rt.ID.String(), "round", fmt.Sprint(r.Round), "node", sc.Node.String(),
		"backup", fmt.Sprint(vote.Backup), "failure", fmt.Sprint(uint8(vote.Failure)))
	return resolve(ctx, rt, st, r, false)
}

// EndBlock implements service.BlockEnder: it starts the rounds of newly
// seen runtimes, times out rounds whose deadline is this block, expires
// storage challenges, and at the last block of an epoch settles liveness.
func (*Service) EndBlock(ctx *service.Context) error {
	for _, id := range registry.SortedRuntimeIDs(ctx.KV) {
		rt, _ := registry.GetRuntime(ctx.KV, id)
		st := ensureRuntime(ctx, rt)
		if st.Suspended {
			continue
		}
		r, ok := getRound(ctx.KV, id)
		if !ok || len(r.Committee.Workers) == 0 || ctx.Height < r.Deadline {
			continue
		}
		if err := resolve(ctx, rt, st, r, true); err != nil {
			return err
		}
	}
	expireChallenges(ctx)
	if ctx.Height >= epochtime.Get(ctx.KV).EndHeight {
		processLiveness(ctx)
	}
	return nil
}

// EpochTransition implements service.Service. It runs after the
// scheduler's, with the new committees in place: a runtime the scheduler
// suspended gets a Suspended block and no round; a resumed runtime starts
// a round; any other runtime whose round had a committee has it closed
// with an EpochTransition block, votes or not. Every active runtime then
// starts a round with the new committees.
func (*Service) EpochTransition(ctx *service.Context) error {
	start := epochtime.Get(ctx.KV).StartHeight
	for _, id := range registry.SortedRuntimeIDs(ctx.KV) {
		rt, _ := registry.GetRuntime(ctx.KV, id)
		_, existed := getRuntimeState(ctx.KV, id)
		st := ensureRuntime(ctx, rt)
		suspended := registry.GetRuntimeStatus(ctx.KV, id).Suspended
		switch {
		case suspended && st.Suspended:
			continue
		case suspended:
			st.Suspended = true
			clearRound(ctx.KV, id)
			h := st.Latest.Empty(api.Suspended, blockTime(ctx))
			appendBlock(ctx, id, st, h)
			emitBlock(ctx, api.EventSuspended, &h, "epoch", fmt.Sprint(ctx.Epoch), "reason", registry.GetRuntimeStatus(ctx.KV, id).Reason)
			continue
		case st.Suspended:
			st.Suspended = false
			setRuntimeState(ctx.KV, id, st)
			ctx.Emit(api.EventResumed, "runtime", id.String(), "round", fmt.Sprint(st.Latest.Round+1), "epoch", fmt.Sprint(ctx.Epoch))
		default:
			// Every round a committee could work on is closed, idle or
			// not, so that a round number names one epoch's committee and
			// one parent: a scheduler's two proposals for one round are
			// then always an equivocation.
			if r, ok := getRound(ctx.KV, id); ok && existed && len(r.Committee.Workers) > 0 {
				h := st.Latest.Empty(api.EpochTransition, blockTime(ctx))
				appendBlock(ctx, id, st, h)
				emitBlock(ctx, api.EventEpochTransition, &h, "epoch", fmt.Sprint(ctx.Epoch))
			}
		}
		openRound(ctx, rt, st, start)
	}
	return nil
}

// Query implements service.Service; paths are listed in api (Query*).
func (*Service) Query(kv state.KV, _ uint64, path string, data []byte) (any, error) {
	runtime := func() (registry.RuntimeID, *runtimeState, error) {
		var id registry.RuntimeID
		if err := id.UnmarshalText(data); err != nil {
			return id, nil, fmt.Errorf("%w: %v", service.ErrInvalid, err)
		}
		st, ok := getRuntimeState(kv, id)
		if !ok {
			return id, nil, fmt.Errorf("%w: %s has no blocks yet", ErrNoRuntime, id)
		}
		return id, st, nil
	}
	switch path {
	case "params":
		return GetParams(kv), nil
	case "latest":
		_, st, err := runtime()
		if err != nil {
			return nil, err
		}
		return blockView(&blockRecord{Header: st.Latest, Height: st.LatestHeight}), nil
	case "blocks":
		out := []api.BlockView{}
		kv.Iterate(prefixRuntime, func(_, v []byte) bool {
			var st runtimeState
			mustDecode(v, &st)
			out = append(out, blockView(&blockRecord{Header: st.Latest, Height: st.LatestHeight}))
			return true
		})
		return out, nil
	case "block":
		var q api.BlockQuery
		if err := json.Unmarshal(data, &q); err != nil {
			return nil, fmt.Errorf("%w: block query: %v", service.ErrInvalid, err)
		}
		b, ok := getBlock(kv, q.Runtime, q.Round)
		if !ok {
			return nil, fmt.Errorf("%w: block %d of %s is not in the history window", service.ErrNotFound, q.Round, q.Runtime)
		}
		return blockView(b), nil
	case "receipts":
		var q api.BlockQuery
		if err := json.Unmarshal(data, &q); err != nil {
			return nil, fmt.Errorf("%w: receipts query: %v", service.ErrInvalid, err)
		}
		if _, ok := getBlock(kv, q.Runtime, q.Round); !ok {
			return nil, fmt.Errorf("%w: block %d of %s is not in the history window", service.ErrNotFound, q.Round, q.Runtime)
		}
		return getReceipts(kv, q.Runtime, q.Round), nil
	case "round":
		id, st, err := runtime()
		if err != nil {
			return nil, err
		}
		v := api.RoundView{Runtime: id, Suspended: st.Suspended, Latest: blockView(&blockRecord{Header: st.Latest, Height: st.LatestHeight}),
			Commitments: []api.SignedCommitment{}}
		if r, ok := getRound(kv, id); ok {
			v.Round = r
			for _, vote := range r.Votes {
				if sc, ok := getCommitment(kv, id, vote.Node); ok {
					v.Commitments = append(v.Commitments, *sc)
				}
			}
		}
		return v, nil
	case "incoming":
		id, _, err := runtime()
		if err != nil {
			return nil, err
		}
		return incomingQueue(kv, id), nil
	case "liveness":
		id, _, err := runtime()
		if err != nil {
			return nil, err
		}
		out := []api.LivenessStats{}
		kv.Iterate(key(prefixLiveness, id[:]), func(k, v []byte) bool {
			var s livenessStats
			mustDecode(v, &s)
			f := api.LivenessStats{Rounds: s.Rounds, Faults: s.Faults}
			copy(f.Node[:], k[len(prefixLiveness)+len(id):])
			out = append(out, f)
			return true
		})
		return out, nil
	case "challenges":
		out := []api.Challenge{}
		kv.Iterate(prefixChallenge, func(_, v []byte) bool {
			var c api.Challenge
			mustDecode(v, &c)
			out = append(out, c)
			return true
		})
		return out, nil
	}
	return nil, fmt.Errorf("%w: roothash/%s", service.ErrUnknownQuery, path)
}
