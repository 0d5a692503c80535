package roothash

import (
	"fmt"
	"math"
	"slices"

	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/scheduler"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/storage/mkvs"
)

// blockTime is the consensus time of the block (unix seconds), which
// api.Header.Timestamp records.
func blockTime(ctx *service.Context) int64 { return ctx.Time }

// afterBlocks is height+n, saturating: a registry timeout of 2^63 blocks or
// more means never, not a negative deadline that fires at once.
func afterBlocks(height int64, n uint64) int64 {
	if n > uint64(math.MaxInt64-height) {
		return math.MaxInt64
	}
	return height + int64(n)
}

// GenesisHeader is the round-0 header of rt: its genesis state root, the
// empty MKVS root as IO root, no messages. It depends on the descriptor only.
func GenesisHeader(rt *registry.Runtime) api.Header {
	return api.Header{
		Namespace: rt.ID, Type: api.Normal,
		IORoot: api.Hash(mkvs.EmptyRoot), StateRoot: api.Hash(rt.GenesisStateRoot), MessagesHash: api.MessagesHash(nil),
	}
}

// ensureRuntime returns the roothash state of runtime id, creating it
// (genesis block and first round) the first time the runtime is seen, so
// that runtimes registered at genesis or by transaction start alike.
func ensureRuntime(ctx *service.Context, rt *registry.Runtime) *runtimeState {
	if st, ok := getRuntimeState(ctx.KV, rt.ID); ok {
		return st
	}
	g := GenesisHeader(rt)
	st := &runtimeState{Latest: g, LatestHeight: ctx.Height}
	putBlock(ctx.KV, rt.ID, &blockRecord{Header: g, Height: ctx.Height}, GetParams(ctx.KV).BlockHistory)
	if registry.GetRuntimeStatus(ctx.KV, rt.ID).Suspended {
		st.Suspended = true
	} else {
		openRound(ctx, rt, st, ctx.Height)
	}
	setRuntimeState(ctx.KV, rt.ID, st)
	return st
}

// snapshotCommittee reads the scheduler's current committees of rt.
func snapshotCommittee(ctx *service.Context, id registry.RuntimeID) api.Committee {
	c := api.Committee{Epoch: ctx.Epoch, Workers: []signature.PublicKey{}, Backups: []signature.PublicKey{}, Storage: []signature.PublicKey{}}
	if exec, ok := scheduler.GetCommittee(ctx.KV, id, scheduler.KindExecutor); ok && exec.Epoch == ctx.Epoch {
		c.Workers = append(c.Workers, exec.Workers(scheduler.RoleWorker)...)
		c.Backups = append(c.Backups, exec.Workers(scheduler.RoleBackupWorker)...)
	}
	if stor, ok := scheduler.GetCommittee(ctx.KV, id, scheduler.KindStorage); ok && stor.Epoch == ctx.Epoch {
		c.Storage = append(c.Storage, stor.Workers(scheduler.RoleStorage)...)
	}
	if len(c.Storage) == 0 {
		// Without a storage committee no commitment can carry receipts.
		c.Workers, c.Backups = []signature.PublicKey{}, []signature.PublicKey{}
	}
	return c
}

// openRound starts the round after st.Latest at height start with the
// current committees, replacing any pending round.
func openRound(ctx *service.Context, rt *registry.Runtime, st *runtimeState, start int64) {
	clearRound(ctx.KV, rt.ID)
	p := GetParams(ctx.KV)
	upTo := st.NextIncoming
	if upTo-st.FirstIncoming > p.MaxIncomingPerRound {
		upTo = st.FirstIncoming + p.MaxIncomingPerRound
	}
	r := &api.RoundState{
		Round: st.Latest.Round + 1, Committee: snapshotCommittee(ctx, rt.ID),
		StartHeight: start, Deadline: afterBlocks(start, rt.Executor.RoundTimeout),
		Votes: []api.Vote{}, IncomingUpTo: upTo,
	}
	setRound(ctx.KV, rt.ID, r)
}

// appendBlock makes h the latest block of rt.
func appendBlock(ctx *service.Context, id registry.RuntimeID, st *runtimeState, h api.Header) {
	st.Latest, st.LatestHeight = h, ctx.Height
	putBlock(ctx.KV, id, &blockRecord{Header: h, Height: ctx.Height}, GetParams(ctx.KV).BlockHistory)
	setRuntimeState(ctx.KV, id, st)
}

func emitBlock(ctx *service.Context, typ string, h *api.Header, extra ...string) {
	hash := h.Hash()
	kv := []string{"runtime", h.Namespace.String(), "round", fmt.Sprint(h.Round), "header_hash", hexs(hash[:]),
		"state_root", hexs(h.StateRoot[:]), "io_root", hexs(h.IORoot[:])}
	ctx.Emit(typ, append(kv, extra...)...)
}

// resolve applies Decide to the pending round until it is pending again
// or closed. A discrepancy starts the backup phase with its own deadline.
func resolve(ctx *service.Context, rt *registry.Runtime, st *runtimeState, r *api.RoundState, timedOut bool) error {
	for {
		d := Decide(r, int(rt.Executor.AllowedStragglers), timedOut)
		if timedOut && !r.Discrepancy && d.Outcome != Pending {
			r.Stragglers = missingWorkers(r)
		}
		switch d.Outcome {
		case Pending:
			setRound(ctx.KV, rt.ID, r)
			return nil
		case Discrepancy:
			r.Discrepancy = true
			r.Deadline = afterBlocks(ctx.Height, rt.Executor.RoundTimeout)
			timedOut = false
			ctx.Emit(api.EventDiscrepancy, "runtime", rt.ID.String(), "round", fmt.Sprint(r.Round),
				"reason", d.Reason, "deadline", fmt.Sprint(r.Deadline))
		case Finalize:
			return finalize(ctx, rt, st, r, d.Results)
		case Fail:
			failRound(ctx, rt, st, r, d.Reason)
			return nil
		}
	}
}

// finalize appends the block of results, executes its messages, dequeues
// the incoming messages the round processed, slashes every node whose
// results differ, counts liveness faults of failure voters and stragglers,
// and opens the next round.
func finalize(ctx *service.Context, rt *registry.Runtime, st *runtimeState, r *api.RoundState, res api.ComputeResults) error {
	var msgs []api.Message
	var receipts []api.SignedReceipt
	for i := range r.Votes {
		if v := &r.Votes[i]; v.Failure == api.NoFailure && v.Results == res {
			sc, ok := getCommitment(ctx.KV, rt.ID, v.Node)
			if !ok {
				return fmt.Errorf("roothash: commitment of %s missing from state", v.Node)
			}
			if receipts == nil {
				msgs = sc.Commitment.Messages
			}
			receipts = addReceipts(receipts, sc.Commitment.Receipts)
		}
	}
	h := st.Latest.Next(res, blockTime(ctx))
	appendBlock(ctx, rt.ID, st, h)
	setReceipts(ctx.KV, rt.ID, h.Round, receipts)
	emitBlock(ctx, api.EventFinalized, &h, "messages", fmt.Sprint(len(msgs)))
	dequeueIncoming(ctx, rt.ID, st, r.IncomingUpTo)
	executeMessages(ctx, rt.ID, h.Round, msgs)
	// A failure vote claims nothing to be wrong about: it is not slashed
	// (failure commitments exist so that a node that cannot execute says
	// so instead of guessing) but, like a missing vote, it did not help
	// decide the round and counts as a liveness fault.
	var notLive []signature.PublicKey
	for i := range r.Votes {
		v := &r.Votes[i]
		switch {
		case v.Failure != api.NoFailure:
			notLive = append(notLive, v.Node)
		case v.Results != res:
			slashNode(ctx, rt, h.Round, v.Node, staking.SlashIncorrectResults)
		}
	}
	notLive = append(notLive, r.Stragglers...)
	for _, w := range r.Committee.Workers {
		s := getLiveness(ctx.KV, rt.ID, w)
		s.Rounds++
		if slices.Contains(notLive, w) {
			s.Faults++
			ctx.Emit(api.EventLivenessFault, "runtime", rt.ID.String(), "round", fmt.Sprint(h.Round), "node", w.String(), "faults", fmt.Sprint(s.Faults))
		}
		setLiveness(ctx.KV, rt.ID, w, s)
	}
	setRuntimeState(ctx.KV, rt.ID, st)
	openRound(ctx, rt, st, ctx.Height)
	return nil
}

// addReceipts appends to have the receipts of rs by nodes it has none of,
// in order: the receipts of every commitment for the decided results, one
// per storage node (acceptance checked each against the results' roots).
func addReceipts(have, rs []api.SignedReceipt) []api.SignedReceipt {
	if have == nil {
		have = []api.SignedReceipt{}
	}
	for _, r := range rs {
		if !slices.ContainsFunc(have, func(o api.SignedReceipt) bool { return o.Node == r.Node }) {
			have = append(have, r)
		}
	}
	return have
}

// failRound closes the round with a RoundFailed block; nobody is slashed,
// since no result was decided.
func failRound(ctx *service.Context, rt *registry.Runtime, st *runtimeState, _ *api.RoundState, reason string) {
	h := st.Latest.Empty(api.RoundFailed, blockTime(ctx))
	appendBlock(ctx, rt.ID, st, h)
	emitBlock(ctx, api.EventRoundFailed, &h, "reason", reason)
	openRound(ctx, rt, st, ctx.Height)
}

// slashNode slashes node's entity the runtime's amount for reason and
// freezes the node. A node that is no longer registered cannot be traced
// to an entity and is only reported.
func slashNode(ctx *service.Context, rt *registry.Runtime, round uint64, node signature.PublicKey, reason staking.SlashReason) {
	n, ok := registry.GetNode(ctx.KV, node)
	if !ok {
		ctx.Emit(api.EventSlashed, "runtime", rt.ID.String(), "round", fmt.Sprint(round), "node", node.String(),
			"reason", string(reason), "amount", "0", "error", "node not registered")
		return
	}
	amount, err := registry.SlashNode(ctx, rt.ID, node, reason)
	attrs := []string{"runtime", rt.ID.String(), "round", fmt.Sprint(round), "node", node.String(),
		"entity", n.EntityID.String(), "reason", string(reason), "amount", fmt.Sprint(amount)}
	if err != nil {
		attrs = append(attrs, "error", err.Error())
	}
	ctx.Emit(api.EventSlashed, attrs...)
}

// processLiveness freezes (and slashes the runtime's liveness amount from)
// every worker that, over enough decided rounds this epoch, helped decide
// too few, then resets the counters. It runs at the end of an epoch's last
// block, so the freeze already keeps the node out of the next election.
func processLiveness(ctx *service.Context) {
	type entry struct {
		rt   registry.RuntimeID
		node signature.PublicKey
		s    livenessStats
	}
	var all []entry
	ctx.KV.Iterate(prefixLiveness, func(k, v []byte) bool {
		var e entry
		rest := k[len(prefixLiveness):]
		copy(e.rt[:], rest[:32])
		copy(e.node[:], rest[32:])
		mustDecode(v, &e.s)
		all = append(all, e)
		return true
	})
	p := GetParams(ctx.KV)
	for _, e := range all {
		ctx.KV.Delete(key(prefixLiveness, e.rt[:], e.node[:]))
		live := e.s.Rounds - min(e.s.Faults, e.s.Rounds)
		if p.MinLiveRoundsPercent == 0 || e.s.Rounds < max(p.MinLiveRoundsForEvaluation, 1) || live*100 >= e.s.Rounds*p.MinLiveRoundsPercent {
			continue
		}
		rt, ok := registry.GetRuntime(ctx.KV, e.rt)
		if !ok {
			continue
		}
		var round uint64
		if st, ok := getRuntimeState(ctx.KV, e.rt); ok {
			round = st.Latest.Round
		}
		slashNode(ctx, rt, round, e.node, staking.SlashLiveness)
	}
}
