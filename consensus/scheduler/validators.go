package scheduler

import (
	"fmt"
	"slices"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/consensus/state"
)

// Validator is a member of the consensus validator set.
type Validator struct {
	// Consensus is the node's CometBFT ed25519 key.
	Consensus signature.PublicKey `cbor:"consensus" json:"consensus"`
	Node      signature.PublicKey `cbor:"node" json:"node"`
	Power     int64               `cbor:"power" json:"power"`
}

var keyValidators = []byte("scheduler/validators")

// Validators returns the current validator set in consensus-key order.
func Validators(kv state.KV) []Validator {
	var vs []Validator
	if raw := kv.Get(keyValidators); raw != nil {
		if err := codec.Unmarshal(raw, &vs); err != nil {
			panic(&state.FatalError{Err: fmt.Errorf("scheduler: validators: %w", err)})
		}
	}
	return vs
}

// ElectValidators computes the validator set for epoch: live, unfrozen
// validator nodes whose entity covers its stake claim, with voting power
// escrow/ValidatorPowerUnit (at least 1), at most one node per entity
// (the lowest id), the MaxValidators most powerful (ties by key).
func ElectValidators(kv state.KV, epoch uint64, p Params) []Validator {
	seen := map[signature.PublicKey]bool{}
	var vs []Validator
	registry.Nodes(kv, func(n *registry.Node) bool {
		if !n.HasRole(registry.RoleValidator) || n.IsExpired(epoch) || seen[n.EntityID] || n.Consensus.ID.IsZero() {
			return true
		}
		if st := registry.GetNodeStatus(kv, n.ID); st.IsFrozen(epoch) {
			return true
		}
		if registry.CheckStake(kv, n.EntityID, nil, nil) != nil {
			return true
		}
		seen[n.EntityID] = true
		power := int64(1)
		if p.ValidatorPowerUnit > 0 {
			power = max(1, int64(min(staking.EscrowBalance(kv, staking.NewAddress(n.EntityID))/p.ValidatorPowerUnit, 1<<40)))
		}
		vs = append(vs, Validator{Consensus: n.Consensus.ID, Node: n.ID, Power: power})
		return true
	})
	slices.SortStableFunc(vs, func(a, b Validator) int {
		if a.Power != b.Power {
			return int(b.Power - a.Power)
		}
		return slices.Compare(a.Consensus[:], b.Consensus[:])
	})
	if p.MaxValidators > 0 && len(vs) > int(p.MaxValidators) {
		vs = vs[:p.MaxValidators]
	}
	slices.SortFunc(vs, func(a, b Validator) int { return slices.Compare(a.Consensus[:], b.Consensus[:]) })
	return vs
}

// UpdateValidators elects the set for epoch and stores it, unless it is
// empty: a chain whose every validator lapsed keeps its last set rather
// than halting, and the event says so.
func UpdateValidators(kv state.KV, epoch uint64, p Params) (next []Validator, kept bool) {
	vs := ElectValidators(kv, epoch, p)
	if len(vs) == 0 {
		return Validators(kv), true
	}
	kv.Set(keyValidators, codec.Marshal(vs))
	return vs, false
}

// ValidatorDiff lists the CometBFT updates that turn old into next: new or
// changed powers, and power 0 for removed validators, in key order.
func ValidatorDiff(old, next []Validator) []Validator {
	prev := map[signature.PublicKey]int64{}
	for _, v := range old {
		prev[v.Consensus] = v.Power
	}
	var out []Validator
	for _, v := range next {
		if p, ok := prev[v.Consensus]; !ok || p != v.Power {
			out = append(out, v)
		}
		delete(prev, v.Consensus)
	}
	for _, v := range old {
		if _, gone := prev[v.Consensus]; gone {
			out = append(out, Validator{Consensus: v.Consensus, Node: v.Node, Power: 0})
		}
	}
	slices.SortFunc(out, func(a, b Validator) int { return slices.Compare(a.Consensus[:], b.Consensus[:]) })
	return out
}
