package registry_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/atoll-dev/atoll/consensus/genesis"
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

func network(t *testing.T) *service.Context {
	t.Helper()
	specs := []genesis.NodeSpec{{Entity: key(1, 0), Node: key(2, 0), VRF: key(3, 0), Consensus: key(4, 0).Public(), Roles: []registry.Role{registry.RoleValidator}}}
	for i := 1; i <= 3; i++ {
		specs = append(specs, genesis.NodeSpec{Entity: key(1, i), Node: key(2, i), VRF: key(3, i), Roles: []registry.Role{registry.RoleCompute}})
	}
	doc := genesis.Build(genesis.NetworkSpec{ChainID: "t", EpochInterval: 5, Nodes: specs, SVM: true, GroupSize: 1, BackupSize: 0, StorageSize: 1})
	ctx := &service.Context{KV: state.NewMemKV(), ChainContext: doc.ChainContext(), Mode: service.ModeSystem}
	if err := doc.Apply(ctx, 1); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func TestRegisterNode_Rules(t *testing.T) {
	base := func() *registry.Node {
		return &registry.Node{ID: key(2, 1).Public(), EntityID: key(1, 1).Public(), Expiration: 3,
			Roles: []registry.Role{registry.RoleCompute}, Runtimes: []registry.RuntimeID{genesis.SVMRuntimeID}, VRF: key(3, 1).Public()}
	}
	cases := []struct {
		name   string
		signer signature.PublicKey
		edit   func(n *registry.Node, kv state.KV)
		want   error
	}{
		{"renewal ok", key(1, 1).Public(), func(*registry.Node, state.KV) {}, nil},
		{"signed by another entity", key(1, 2).Public(), func(*registry.Node, state.KV) {}, registry.ErrNotOwner},
		{"not vouched", key(1, 1).Public(), func(n *registry.Node, _ state.KV) { n.ID = key(9, 9).Public(); n.VRF = key(9, 8).Public() }, registry.ErrNotVouched},
		{"expiration in the past", key(1, 1).Public(), func(n *registry.Node, _ state.KV) { n.Expiration = 0 }, registry.ErrBadExpiration},
		{"expiration too far", key(1, 1).Public(), func(n *registry.Node, _ state.KV) { n.Expiration = 100 }, registry.ErrBadExpiration},
		{"unknown runtime", key(1, 1).Public(), func(n *registry.Node, _ state.KV) { n.Runtimes = []registry.RuntimeID{{7}} }, registry.ErrNoRuntime},
		{"no roles", key(1, 1).Public(), func(n *registry.Node, _ state.KV) { n.Roles = nil }, registry.ErrBadDescriptor},
		{"bad address", key(1, 1).Public(), func(n *registry.Node, _ state.KV) { n.P2P.Addresses = []string{"nowhere"} }, registry.ErrBadDescriptor},
		{"shared VRF key", key(1, 1).Public(), func(n *registry.Node, _ state.KV) { n.VRF = key(3, 2).Public() }, registry.ErrKeyInUse},
		{"admission refuses", key(1, 1).Public(), func(_ *registry.Node, kv state.KV) {
			rt, _ := registry.GetRuntime(kv, genesis.SVMRuntimeID)
			rt.Admission.EntityAllowList = []signature.PublicKey{key(1, 2).Public()}
			registry.SetRuntime(kv, rt)
		}, registry.ErrNotAdmitted},
		{"insufficient stake", key(1, 1).Public(), func(_ *registry.Node, kv state.KV) {
			ctx := &service.Context{KV: kv}
			staking.Slash(ctx, staking.NewAddress(key(1, 1).Public()), staking.SlashLiveness, genesis.NetworkEscrow-150)
		}, registry.ErrInsufficient},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := network(t)
			ctx.KV = state.NewOverlay(ctx.KV)
			ctx.Signer = c.signer
			n := base()
			c.edit(n, ctx.KV)
			if err := registry.RegisterNode(ctx, n); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}

func TestSignedNode_Open(t *testing.T) {
	cc := bytes.Repeat([]byte{1}, 32)
	n := &registry.Node{ID: key(2, 1).Public(), EntityID: key(1, 1).Public()}
	sn := registry.SignNode(key(2, 1), cc, n)
	if _, err := sn.Open(cc); err != nil {
		t.Fatal(err)
	}
	if _, err := registry.SignNode(key(2, 2), cc, n).Open(cc); !errors.Is(err, service.ErrForbidden) {
		t.Fatalf("descriptor signed by another key: %v", err)
	}
	if _, err := sn.Open(bytes.Repeat([]byte{2}, 32)); !errors.Is(err, service.ErrForbidden) {
		t.Fatalf("other chain: %v", err)
	}
}

func TestProcessEpoch_ExpiryAndFees(t *testing.T) {
	ctx := network(t)
	id := key(2, 1).Public()
	// Genesis nodes expire at epoch 5; debonding interval is 2.
	entity := staking.NewAddress(key(1, 1).Public())
	before := staking.GetAccount(ctx.KV, entity).General.Balance
	for epoch := uint64(1); epoch <= 8; epoch++ {
		ctx.Epoch = epoch
		if err := registry.ProcessEpoch(ctx); err != nil {
			t.Fatal(err)
		}
		_, present := registry.GetNode(ctx.KV, id)
		if want := epoch <= 7; present != want {
			t.Fatalf("epoch %d: node present %v, want %v", epoch, present, want)
		}
	}
	if paid := before - staking.GetAccount(ctx.KV, entity).General.Balance; paid != 5 {
		t.Fatalf("maintenance fees paid %d, want 5 (epochs 1..5 at 1 each)", paid)
	}
	// An entity that cannot pay has its node evicted.
	ctx = network(t)
	ctx.Epoch = 1
	poor := staking.GetAccount(ctx.KV, entity)
	poor.General.Balance = 0
	staking.SetAccount(ctx.KV, entity, poor)
	if err := registry.ProcessEpoch(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := registry.GetNode(ctx.KV, id); !n.IsExpired(1) {
		t.Fatal("node of an entity that cannot pay is still live")
	}
}

func TestSlashNode_Amounts(t *testing.T) {
	for reason, want := range map[staking.SlashReason]uint64{staking.SlashIncorrectResults: 1000, staking.SlashEquivocation: 5000, staking.SlashLiveness: 100} {
		ctx := network(t)
		ctx.Epoch = 2
		got, err := registry.SlashNode(ctx, genesis.SVMRuntimeID, key(2, 1).Public(), reason)
		if err != nil || got != want {
			t.Fatalf("%s: slashed %d (%v), want %d", reason, got, err, want)
		}
		if st := registry.GetNodeStatus(ctx.KV, key(2, 1).Public()); !st.IsFrozen(3) || st.IsFrozen(4) {
			t.Fatalf("%s: freeze until %d, want 4", reason, st.FreezeEnd)
		}
	}
}
