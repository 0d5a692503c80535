package scheduler

import (
	"fmt"
	"strings"

	"github.com/atoll-dev/atoll/consensus/beacon"
	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/consensus/state"
)

// Name is the service name.
const Name = "scheduler"

// Params are the scheduler parameters.
type Params struct {
	// MaxNodesPerEntity caps one entity's members per committee (0: no cap).
	MaxNodesPerEntity uint16 `cbor:"max_nodes_per_entity" json:"max_nodes_per_entity"`
	// MaxValidators caps the consensus validator set (0: no cap).
	MaxValidators uint16 `cbor:"max_validators" json:"max_validators"`
	// ValidatorPowerUnit is the escrow worth one unit of voting power
	// (0: every validator has power 1).
	ValidatorPowerUnit uint64 `cbor:"validator_power_unit" json:"validator_power_unit"`
	// StakeWeighted elects committee members with probability proportional
	// to their entity's escrow instead of uniformly.
	StakeWeighted bool `cbor:"stake_weighted" json:"stake_weighted"`
}

var (
	keyParams       = []byte("scheduler/params")
	prefixCommittee = []byte("scheduler/committee/")
)

func committeeKey(rt registry.RuntimeID, k Kind) []byte {
	return append(append(append([]byte{}, prefixCommittee...), rt[:]...), k...)
}

// GetParams reads the parameters.
func GetParams(kv state.KV) Params {
	var p Params
	if raw := kv.Get(keyParams); raw != nil {
		if err := codec.Unmarshal(raw, &p); err != nil {
			panic(&state.FatalError{Err: fmt.Errorf("scheduler: params: %w", err)})
		}
	}
	return p
}

// GetCommittee returns the current committee of kind for runtime rt.
func GetCommittee(kv state.KV, rt registry.RuntimeID, k Kind) (*Committee, bool) {
	raw := kv.Get(committeeKey(rt, k))
	if raw == nil {
		return nil, false
	}
	var c Committee
	if err := codec.Unmarshal(raw, &c); err != nil {
		panic(&state.FatalError{Err: fmt.Errorf("scheduler: committee: %w", err)})
	}
	return &c, true
}

// Committees lists every current committee in (runtime, kind) order.
func Committees(kv state.KV) []*Committee {
	out := []*Committee{}
	kv.Iterate(prefixCommittee, func(_, v []byte) bool {
		var c Committee
		if err := codec.Unmarshal(v, &c); err != nil {
			panic(&state.FatalError{Err: fmt.Errorf("scheduler: committee: %w", err)})
		}
		out = append(out, &c)
		return true
	})
	return out
}

// Eligible lists, in node-id order, the nodes that may be elected for
// runtime rt with node role at epoch.
func Eligible(kv state.KV, epoch uint64, rt *registry.Runtime, role registry.Role) []Candidate {
	staked := map[signature.PublicKey]bool{}
	var out []Candidate
	registry.Nodes(kv, func(n *registry.Node) bool {
		if !n.HasRole(role) || !n.Serves(rt.ID) || n.IsExpired(epoch) || !rt.Admission.Admits(n.EntityID) {
			return true
		}
		if st := registry.GetNodeStatus(kv, n.ID); st.IsFrozen(epoch) {
			return true
		}
		ok, seen := staked[n.EntityID]
		if !seen {
			ok = registry.CheckStake(kv, n.EntityID, nil, nil) == nil
			staked[n.EntityID] = ok
		}
		if ok {
			out = append(out, Candidate{Node: n.ID, Entity: n.EntityID, Weight: staking.EscrowBalance(kv, staking.NewAddress(n.EntityID))})
		}
		return true
	})
	return out
}

// ElectRuntime elects rt's executor and storage committees for epoch.
// Failed elections return committees with no members.
func ElectRuntime(kv state.KV, entropy []byte, epoch uint64, rt *registry.Runtime, p Params) (exec, stor *Committee) {
	maxPer := int(p.MaxNodesPerEntity)
	elect := Elect
	if p.StakeWeighted {
		elect = ElectWeighted
	}
	exec = &Committee{Runtime: rt.ID, Kind: KindExecutor, Epoch: epoch, Members: []Member{}}
	compute := Eligible(kv, epoch, rt, registry.RoleCompute)
	perEntity := map[signature.PublicKey]int{}
	taken := map[signature.PublicKey]bool{}
	workers := elect(Seed(entropy, epoch, rt.ID, RoleWorker), RoleWorker, compute, int(rt.Executor.GroupSize), maxPer, perEntity, taken)
	if workers != nil {
		backups := elect(Seed(entropy, epoch, rt.ID, RoleBackupWorker), RoleBackupWorker, compute, int(rt.Executor.GroupBackupSize), maxPer, perEntity, taken)
		if backups != nil {
			exec.Members = append(workers, backups...)
		}
	}
	stor = &Committee{Runtime: rt.ID, Kind: KindStorage, Epoch: epoch, Members: []Member{}}
	storage := Eligible(kv, epoch, rt, registry.RoleStorage)
	if m := elect(Seed(entropy, epoch, rt.ID, RoleStorage), RoleStorage, storage, int(rt.Storage.GroupSize), maxPer, map[signature.PublicKey]int{}, map[signature.PublicKey]bool{}); m != nil {
		stor.Members = m
	}
	return exec, stor
}

// Transition elects the validator set and every runtime's committees for
// ctx.Epoch, stores and emits them, and suspends or resumes runtimes.
func Transition(ctx *service.Context) error {
	entropy := beacon.Get(ctx.KV).Entropy
	p := GetParams(ctx.KV)
	vs, kept := UpdateValidators(ctx.KV, ctx.Epoch, p)
	ctx.Emit("scheduler.validators", "epoch", fmt.Sprint(ctx.Epoch), "count", fmt.Sprint(len(vs)), "kept_previous", fmt.Sprint(kept))
	for _, id := range registry.SortedRuntimeIDs(ctx.KV) {
		rt, _ := registry.GetRuntime(ctx.KV, id)
		exec, stor := ElectRuntime(ctx.KV, entropy, ctx.Epoch, rt, p)
		for _, c := range []*Committee{exec, stor} {
			ctx.KV.Set(committeeKey(id, c.Kind), codec.Marshal(c))
			ctx.Emit("scheduler.committee", "runtime", id.String(), "kind", string(c.Kind),
				"epoch", fmt.Sprint(ctx.Epoch), "members", membersAttr(c))
		}
		var reasons []string
		if len(exec.Members) == 0 {
			reasons = append(reasons, "no executor committee")
		}
		if len(stor.Members) == 0 {
			reasons = append(reasons, "no storage committee")
		}
		if !registry.OwnerHasStake(ctx.KV, rt) {
			reasons = append(reasons, "owner lacks stake")
		}
		old := registry.GetRuntimeStatus(ctx.KV, id)
		next := registry.RuntimeStatus{Suspended: len(reasons) > 0, Reason: strings.Join(reasons, "; ")}
		if old != next {
			registry.SetRuntimeStatus(ctx.KV, id, next)
		}
		switch {
		case next.Suspended && !old.Suspended:
			ctx.Emit("registry.runtime_suspended", "runtime", id.String(), "reason", next.Reason)
		case !next.Suspended && old.Suspended:
			ctx.Emit("registry.runtime_resumed", "runtime", id.String())
		}
	}
	return nil
}

func membersAttr(c *Committee) string {
	parts := make([]string, len(c.Members))
	for i, m := range c.Members {
		parts[i] = string(m.Role) + ":" + m.Node.String()
	}
	return strings.Join(parts, ",")
}

// Service is the scheduler service; it has no transactions.
type Service struct{}

// Name implements service.Service.
func (Service) Name() string { return Name }

// ExecTx implements service.Service.
func (Service) ExecTx(_ *service.Context, method string, _ []byte) error {
	return service.Unknown(Name, method)
}

// EpochTransition implements service.Service.
func (Service) EpochTransition(ctx *service.Context) error { return Transition(ctx) }

// Query implements service.Service. Paths: "committees", "params", "validators".
func (Service) Query(kv state.KV, _ uint64, path string, _ []byte) (any, error) {
	switch path {
	case "committees":
		return Committees(kv), nil
	case "params":
		return GetParams(kv), nil
	case "validators":
		return Validators(kv), nil
	}
	return nil, fmt.Errorf("%w: scheduler/%s", service.ErrUnknownQuery, path)
}

// ChangeParameters implements service.Service (CBOR Params).
func (Service) ChangeParameters(kv state.KV, change []byte, apply bool) error {
	var p Params
	if err := codec.Unmarshal(change, &p); err != nil {
		return fmt.Errorf("%w: %v", service.ErrBadBody, err)
	}
	if apply {
		kv.Set(keyParams, codec.Marshal(&p))
	}
	return nil
}

// Genesis is the scheduler section of the genesis document.
type Genesis struct {
	Params Params `json:"params"`
}

// InitGenesis writes the parameters.
func InitGenesis(kv state.KV, g *Genesis) { kv.Set(keyParams, codec.Marshal(&g.Params)) }
