package beacon_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/consensus/beacon"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/state"
)

func key(b byte, i int) *signature.Signer {
	s, _ := signature.SignerFromSeed(bytes.Repeat([]byte{b, byte(i)}, 16))
	return s
}

func setup(t testing.TB) *service.Context {
	var specs []genesis.NodeSpec
	for i := 0; i < 3; i++ {
		specs = append(specs, genesis.NodeSpec{Entity: key(1, i), Node: key(2, i), VRF: key(3, i), Roles: []registry.Role{registry.RoleCompute}})
	}
	specs[0].Roles = []registry.Role{registry.RoleValidator}
	specs[0].Consensus = key(4, 0).Public()
	doc := genesis.Build(genesis.NetworkSpec{ChainID: "t", EpochInterval: 5, Nodes: specs, SVM: true, GroupSize: 1, StorageSize: 1})
	doc.Beacon.Params.MinParticipants = 2
	ctx := &service.Context{KV: state.NewMemKV(), ChainContext: doc.ChainContext(), Mode: service.ModeDeliver}
	if err := doc.Apply(ctx, 1); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func prove(ctx *service.Context, i int, target uint64) *beacon.ProveBody {
	cur := beacon.Get(ctx.KV)
	return &beacon.ProveBody{Epoch: target, Proof: beacon.Prove(key(3, i).PrivateKey(), ctx.ChainContext, target, cur.Entropy)}
}

func TestSubmit_Rules(t *testing.T) {
	ctx := setup(t)
	ctx.Signer = key(2, 1).Public()
	if err := beacon.Submit(ctx, prove(ctx, 1, 1)); err != nil {
		t.Fatal(err)
	}
	if err := beacon.Submit(ctx, prove(ctx, 1, 1)); !errors.Is(err, beacon.ErrDuplicate) {
		t.Fatalf("duplicate: %v", err)
	}
	ctx.Signer = key(2, 2).Public()
	if err := beacon.Submit(ctx, prove(ctx, 2, 2)); !errors.Is(err, beacon.ErrWrongEpoch) {
		t.Fatalf("wrong epoch: %v", err)
	}
	if err := beacon.Submit(ctx, prove(ctx, 1, 1)); !errors.Is(err, beacon.ErrBadProof) {
		t.Fatalf("someone else's proof: %v", err)
	}
	ctx.Signer = key(9, 9).Public()
	if err := beacon.Submit(ctx, prove(ctx, 1, 1)); !errors.Is(err, beacon.ErrIneligible) {
		t.Fatalf("unregistered node: %v", err)
	}
}

func TestTransition_EntropyAndFallback(t *testing.T) {
	run := func(submitters ...int) beacon.State {
		ctx := setup(t)
		for _, i := range submitters {
			ctx.Signer = key(2, i).Public()
			if err := beacon.Submit(ctx, prove(ctx, i, 1)); err != nil {
				t.Fatal(err)
			}
		}
		ctx.Epoch = 1
		if err := beacon.Transition(ctx); err != nil {
			t.Fatal(err)
		}
		return beacon.Get(ctx.KV)
	}
	full, again, one := run(1, 2), run(2, 1), run(1)
	if full.Insecure || !bytes.Equal(full.Entropy, again.Entropy) {
		t.Fatal("entropy depends on submission order or is marked insecure")
	}
	if !one.Insecure || bytes.Equal(one.Entropy, full.Entropy) {
		t.Fatal("fallback not used below MinParticipants")
	}
}

func BenchmarkSubmit(b *testing.B) {
	ctx := setup(b)
	ctx.Signer = key(2, 1).Public()
	body := prove(ctx, 1, 1)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sub := *ctx
		sub.KV = state.NewOverlay(ctx.KV)
		if err := beacon.Submit(&sub, body); err != nil {
			b.Fatal(err)
		}
	}
}
