package scheduler_test

import (
	"bytes"
	"testing"

	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/scheduler"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/consensus/state"
)

func key(b byte, i int) *signature.Signer {
	s, _ := signature.SignerFromSeed(bytes.Repeat([]byte{b, byte(i)}, 16))
	return s
}

// network applies a genesis with one validator and compute nodes to a MemKV.
func network(t *testing.T, compute int) (*service.Context, *genesis.Document) {
	t.Helper()
	specs := []genesis.NodeSpec{{Entity: key(1, 0), Node: key(2, 0), VRF: key(3, 0), Consensus: key(4, 0).Public(), Roles: []registry.Role{registry.RoleValidator}}}
	for i := 1; i <= compute; i++ {
		specs = append(specs, genesis.NodeSpec{Entity: key(1, i), Node: key(2, i), VRF: key(3, i), Roles: []registry.Role{registry.RoleCompute, registry.RoleStorage}})
	}
	doc := genesis.Build(genesis.NetworkSpec{ChainID: "t", EpochInterval: 5, Nodes: specs, SVM: true, GroupSize: 2, BackupSize: 1, StorageSize: 2})
	ctx := &service.Context{KV: state.NewMemKV(), Height: 0, Epoch: 0, ChainContext: doc.ChainContext(), Mode: service.ModeSystem}
	if err := doc.Apply(ctx, 1); err != nil {
		t.Fatal(err)
	}
	return ctx, doc
}

func candidates(n, entities int) []scheduler.Candidate {
	var out []scheduler.Candidate
	for i := 0; i < n; i++ {
		out = append(out, scheduler.Candidate{Node: key(7, i).Public(), Entity: key(8, i%entities).Public()})
	}
	return out
}

func TestElect_Determinism(t *testing.T) {
	c := candidates(20, 20)
	rtA, rtB := registry.RuntimeID{1}, registry.RuntimeID{2}
	ent := []byte("entropy")
	elect := func(rt registry.RuntimeID, role scheduler.Role) []scheduler.Member {
		return scheduler.Elect(scheduler.Seed(ent, 3, rt, role), role, c, 5, 0, map[signature.PublicKey]int{}, map[signature.PublicKey]bool{})
	}
	a, b := elect(rtA, scheduler.RoleWorker), elect(rtA, scheduler.RoleWorker)
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same inputs elected different committees")
		}
	}
	differ := func(x, y []scheduler.Member) bool {
		for i := range x {
			if x[i].Node != y[i].Node {
				return true
			}
		}
		return false
	}
	if !differ(a, elect(rtB, scheduler.RoleWorker)) || !differ(a, elect(rtA, scheduler.RoleStorage)) {
		t.Fatal("runtime or role domain separation has no effect")
	}
}

func TestElect_Distribution(t *testing.T) {
	const n, size, rounds = 10, 3, 3000
	c := candidates(n, n)
	counts := map[signature.PublicKey]int{}
	for r := 0; r < rounds; r++ {
		seed := scheduler.Seed([]byte{byte(r), byte(r >> 8)}, uint64(r), registry.RuntimeID{}, scheduler.RoleWorker)
		for _, m := range scheduler.Elect(seed, scheduler.RoleWorker, c, size, 0, map[signature.PublicKey]int{}, map[signature.PublicKey]bool{}) {
			counts[m.Node]++
		}
	}
	want := rounds * size / n // 900
	for _, cand := range c {
		if got := counts[cand.Node]; got < want*85/100 || got > want*115/100 {
			t.Errorf("node elected %d times, want about %d", got, want)
		}
	}
}

func TestElect_EntityLimit(t *testing.T) {
	c := candidates(12, 3) // 3 entities with 4 nodes each
	seed := scheduler.Seed([]byte("e"), 1, registry.RuntimeID{}, scheduler.RoleWorker)
	per := map[signature.PublicKey]int{}
	m := scheduler.Elect(seed, scheduler.RoleWorker, c, 3, 1, per, map[signature.PublicKey]bool{})
	if len(m) != 3 {
		t.Fatalf("elected %d, want 3", len(m))
	}
	for e, k := range per {
		if k != 1 {
			t.Fatalf("entity %s has %d members, limit 1", e, k)
		}
	}
	if got := scheduler.Elect(seed, scheduler.RoleWorker, c, 4, 1, map[signature.PublicKey]int{}, map[signature.PublicKey]bool{}); got != nil {
		t.Fatalf("elected %d with only 3 entities at limit 1", len(got))
	}
}

func TestEligible_Filters(t *testing.T) {
	ctx, _ := network(t, 6)
	rt, _ := registry.GetRuntime(ctx.KV, genesis.SVMRuntimeID)
	all := scheduler.Eligible(ctx.KV, 1, rt, registry.RoleCompute)
	if len(all) != 6 {
		t.Fatalf("eligible %d, want 6", len(all))
	}
	// Expired, frozen, unstaked, and not serving the runtime: four fewer.
	n1, _ := registry.GetNode(ctx.KV, key(2, 1).Public())
	n1.Expiration = 0
	registry.SetNode(ctx.KV, n1)
	registry.Freeze(ctx.KV, key(2, 2).Public(), 5)
	slashCtx := *ctx
	if _, err := staking.Slash(&slashCtx, staking.NewAddress(key(1, 3).Public()), staking.SlashLiveness, genesis.NetworkEscrow); err != nil {
		t.Fatal(err)
	}
	n4, _ := registry.GetNode(ctx.KV, key(2, 4).Public())
	n4.Runtimes = []registry.RuntimeID{{9}}
	registry.SetNode(ctx.KV, n4)
	got := scheduler.Eligible(ctx.KV, 1, rt, registry.RoleCompute)
	if len(got) != 2 {
		t.Fatalf("eligible %d after filters, want 2", len(got))
	}
	if got := scheduler.Eligible(ctx.KV, 5, rt, registry.RoleCompute); len(got) != 3 {
		// Epoch 5: node 2 has thawed; node 1 is still expired.
		t.Fatalf("epoch 5: eligible %d, want 3", len(got))
	}
}

func TestTransition_SuspendResume(t *testing.T) {
	ctx, _ := network(t, 3) // exactly 2 workers + 1 backup
	status := func() registry.RuntimeStatus { return registry.GetRuntimeStatus(ctx.KV, genesis.SVMRuntimeID) }
	if status().Suspended {
		t.Fatalf("suspended at genesis: %s", status().Reason)
	}
	registry.Freeze(ctx.KV, key(2, 1).Public(), 3)
	ctx.Epoch = 1
	if err := scheduler.Transition(ctx); err != nil {
		t.Fatal(err)
	}
	if st := status(); !st.Suspended || st.Reason != "no executor committee" {
		t.Fatalf("after freezing a needed node: %+v", st)
	}
	ctx.Epoch = 3
	if err := scheduler.Transition(ctx); err != nil {
		t.Fatal(err)
	}
	if st := status(); st.Suspended {
		t.Fatalf("not resumed after thaw: %+v", st)
	}
	// The owner loses its stake: suspended again, for that reason.
	owner := staking.NewAddress(key(1, 0).Public())
	if _, err := staking.Slash(ctx, owner, staking.SlashEquivocation, genesis.NetworkEscrow); err != nil {
		t.Fatal(err)
	}
	ctx.Epoch = 4
	if err := scheduler.Transition(ctx); err != nil {
		t.Fatal(err)
	}
	if st := status(); !st.Suspended || st.Reason != "owner lacks stake" {
		t.Fatalf("owner without stake: %+v", st)
	}
	var kinds []string
	for _, e := range ctx.Events {
		kinds = append(kinds, e.Type)
	}
	if !bytes.Contains([]byte(stringsJoin(kinds)), []byte("registry.runtime_resumed")) {
		t.Fatalf("no resume event in %v", kinds)
	}
}

func stringsJoin(s []string) string {
	var b bytes.Buffer
	for _, x := range s {
		b.WriteString(x + " ")
	}
	return b.String()
}

func BenchmarkElectRuntime(b *testing.B) {
	c := candidates(1000, 1000)
	seed := scheduler.Seed([]byte("x"), 1, registry.RuntimeID{}, scheduler.RoleWorker)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		scheduler.Elect(seed, scheduler.RoleWorker, c, 100, 0, map[signature.PublicKey]int{}, map[signature.PublicKey]bool{})
	}
}

func TestElectValidators_PowerAndDiff(t *testing.T) {
	ctx, _ := network(t, 2)
	vs := scheduler.Validators(ctx.KV)
	if len(vs) != 1 || vs[0].Power != genesis.NetworkEscrow/1000 || vs[0].Consensus != key(4, 0).Public() {
		t.Fatalf("genesis validators %+v", vs)
	}
	// More escrow, more power; the diff reports only the change.
	entity := staking.NewAddress(key(1, 0).Public())
	if _, err := staking.AddEscrow(ctx.KV, entity, entity, 500_000); err != nil {
		t.Fatal(err)
	}
	next, kept := scheduler.UpdateValidators(ctx.KV, 1, scheduler.GetParams(ctx.KV))
	if kept || next[0].Power != 1500 {
		t.Fatalf("after escrow: %+v kept=%v", next, kept)
	}
	diff := scheduler.ValidatorDiff(vs, next)
	if len(diff) != 1 || diff[0].Power != 1500 {
		t.Fatalf("diff %+v", diff)
	}
	// The only validator expires: the set is kept rather than emptied.
	n, _ := registry.GetNode(ctx.KV, key(2, 0).Public())
	n.Expiration = 0
	registry.SetNode(ctx.KV, n)
	if kept, keptFlag := scheduler.UpdateValidators(ctx.KV, 2, scheduler.GetParams(ctx.KV)); !keptFlag || len(kept) != 1 {
		t.Fatalf("empty set not refused: %+v", kept)
	}
	if d := scheduler.ValidatorDiff(next, nil); len(d) != 1 || d[0].Power != 0 {
		t.Fatalf("removal diff %+v", d)
	}
}

func TestElectWeighted_Distribution(t *testing.T) {
	// Weights 1:2:3:4; single-seat elections should follow them.
	var c []scheduler.Candidate
	for i := 0; i < 4; i++ {
		c = append(c, scheduler.Candidate{Node: key(7, i).Public(), Entity: key(8, i).Public(), Weight: uint64(i + 1)})
	}
	c = append(c, scheduler.Candidate{Node: key(7, 9).Public(), Entity: key(8, 9).Public(), Weight: 0})
	counts := map[signature.PublicKey]int{}
	const rounds = 4000
	for r := 0; r < rounds; r++ {
		seed := scheduler.Seed([]byte{byte(r), byte(r >> 8)}, 0, registry.RuntimeID{}, scheduler.RoleWorker)
		m := scheduler.ElectWeighted(seed, scheduler.RoleWorker, c, 1, 0, map[signature.PublicKey]int{}, map[signature.PublicKey]bool{})
		counts[m[0].Node]++
	}
	for i := 0; i < 4; i++ {
		want := rounds * (i + 1) / 10
		if got := counts[key(7, i).Public()]; got < want*85/100 || got > want*115/100 {
			t.Errorf("weight %d elected %d times, want about %d", i+1, got, want)
		}
	}
	if counts[key(7, 9).Public()] != 0 {
		t.Fatal("zero-weight candidate elected while others were available")
	}
	// Zero-weight candidates still fill seats when nothing else is left.
	seed := scheduler.Seed([]byte("z"), 0, registry.RuntimeID{}, scheduler.RoleWorker)
	if m := scheduler.ElectWeighted(seed, scheduler.RoleWorker, c, 5, 0, map[signature.PublicKey]int{}, map[signature.PublicKey]bool{}); len(m) != 5 {
		t.Fatalf("elected %d of 5", len(m))
	}
}
