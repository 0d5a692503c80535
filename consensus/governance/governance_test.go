package governance_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/epochtime"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/governance"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/consensus/state"
)

func key(b byte, i int) *signature.Signer {
	s, _ := signature.SignerFromSeed(bytes.Repeat([]byte{b, byte(i)}, 16))
	return s
}

func setup(t *testing.T) (*service.Context, *governance.Service) {
	var specs []genesis.NodeSpec
	for i := 0; i < 3; i++ {
		specs = append(specs, genesis.NodeSpec{Entity: key(1, i), Node: key(2, i), Consensus: key(4, i).Public(), Roles: []registry.Role{registry.RoleValidator}})
	}
	specs = append(specs, genesis.NodeSpec{Entity: key(1, 3), Node: key(2, 3), VRF: key(3, 3), Roles: []registry.Role{registry.RoleCompute}})
	doc := genesis.Build(genesis.NetworkSpec{ChainID: "t", EpochInterval: 5, Nodes: specs, SVM: true, GroupSize: 1, StorageSize: 1})
	ctx := &service.Context{KV: state.NewMemKV(), ChainContext: doc.ChainContext(), Mode: service.ModeDeliver}
	if err := doc.Apply(ctx, 1); err != nil {
		t.Fatal(err)
	}
	return ctx, &governance.Service{Targets: map[string]governance.Changer{"epochtime": epochtime.Service{}, "registry": registry.Service{}}}
}

func exec(t *testing.T, g *governance.Service, ctx *service.Context, signer *signature.Signer, method string, body any) error {
	ctx.Signer = signer.Public()
	return g.ExecTx(ctx, method, codec.Marshal(body))
}

func TestGovernance_Enactment(t *testing.T) {
	ctx, g := setup(t)
	change := governance.ChangeParameters{Module: "epochtime", Changes: codec.Marshal(epochtime.Params{Interval: 7})}
	if err := exec(t, g, ctx, key(1, 3), "SubmitProposal", governance.SubmitBody{Content: change}); err != nil {
		t.Fatal(err)
	}
	if err := exec(t, g, ctx, key(1, 3), "CastVote", governance.VoteBody{ID: 0, Vote: governance.VoteYes}); !errors.Is(err, governance.ErrNotValidator) {
		t.Fatalf("compute entity voted: %v", err)
	}
	for i, v := range []governance.Vote{governance.VoteYes, governance.VoteYes, governance.VoteAbstain} {
		if err := exec(t, g, ctx, key(1, i), "CastVote", governance.VoteBody{ID: 0, Vote: v}); err != nil {
			t.Fatal(err)
		}
	}
	ctx.Epoch = 1
	if err := g.EpochTransition(ctx); err != nil {
		t.Fatal(err)
	}
	if epochtime.Get(ctx.KV).Params.Interval != 5 {
		t.Fatal("enacted before the closing epoch")
	}
	ctx.Epoch = 2
	if err := g.EpochTransition(ctx); err != nil {
		t.Fatal(err)
	}
	if got := epochtime.Get(ctx.KV).Params.Interval; got != 7 {
		t.Fatalf("interval %d after a passing vote, want 7", got)
	}
	p, _ := governance.GetProposal(ctx.KV, 0)
	if p.State != governance.StatePassed || p.Results[governance.VoteYes] != 2*genesis.NetworkEscrow {
		t.Fatalf("proposal %+v", p)
	}
}

func TestGovernance_Rejection(t *testing.T) {
	cases := []struct {
		name  string
		votes []governance.Vote
	}{
		{"no quorum", []governance.Vote{governance.VoteYes}},
		{"below threshold", []governance.Vote{governance.VoteYes, governance.VoteNo, governance.VoteNo}},
	}
	for _, c := range cases {
		ctx, g := setup(t)
		change := governance.ChangeParameters{Module: "epochtime", Changes: codec.Marshal(epochtime.Params{Interval: 7})}
		if err := exec(t, g, ctx, key(1, 0), "SubmitProposal", governance.SubmitBody{Deposit: 50, Content: change}); err != nil {
			t.Fatal(err)
		}
		for i, v := range c.votes {
			if err := exec(t, g, ctx, key(1, i), "CastVote", governance.VoteBody{ID: 0, Vote: v}); err != nil {
				t.Fatal(err)
			}
		}
		ctx.Epoch = 2
		if err := g.EpochTransition(ctx); err != nil {
			t.Fatal(err)
		}
		if p, _ := governance.GetProposal(ctx.KV, 0); p.State != governance.StateRejected {
			t.Fatalf("%s: state %s", c.name, p.State)
		}
		if epochtime.Get(ctx.KV).Params.Interval != 5 {
			t.Fatalf("%s: rejected change enacted", c.name)
		}
		if pool := staking.GetAccount(ctx.KV, staking.CommonPoolAddress).General.Balance; pool != 50 {
			t.Fatalf("%s: deposit not forfeited (pool %d)", c.name, pool)
		}
	}
}

func TestGovernance_InvalidChangeRefusedAtSubmission(t *testing.T) {
	ctx, g := setup(t)
	bad := governance.ChangeParameters{Module: "epochtime", Changes: codec.Marshal(epochtime.Params{Interval: 0})}
	if err := exec(t, g, ctx, key(1, 0), "SubmitProposal", governance.SubmitBody{Content: bad}); !errors.Is(err, service.ErrInvalid) {
		t.Fatalf("zero interval: %v", err)
	}
	unknown := governance.ChangeParameters{Module: "nope", Changes: codec.Marshal(1)}
	if err := exec(t, g, ctx, key(1, 0), "SubmitProposal", governance.SubmitBody{Content: unknown}); !errors.Is(err, governance.ErrUnknownTarget) {
		t.Fatalf("unknown module: %v", err)
	}
	// Runtime parameters are changeable too.
	size := registry.ExecutorParams{GroupSize: 3, RoundTimeout: 5, ProposerTimeout: 2, MaxBatchSize: 10}
	rtChange := governance.ChangeParameters{Module: "registry", Changes: codec.Marshal(registry.ParameterChange{Runtime: &registry.RuntimeChange{ID: genesis.SVMRuntimeID, Executor: &size}})}
	if err := exec(t, g, ctx, key(1, 0), "SubmitProposal", governance.SubmitBody{Content: rtChange}); err != nil {
		t.Fatal(err)
	}
}
