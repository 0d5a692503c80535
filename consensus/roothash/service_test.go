package roothash_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/atoll-dev/atoll/consensus/app"
	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/roothash"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/scheduler"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/consensus/state"
)

// finalizeRound has every worker commit res (with msgs) on the primary
// scheduler's proposal and runs the block.
func (h *harness) finalizeRound(res api.ComputeResults, msgs []api.Message) []string {
	rc := h.pendingRound()
	p := rc.propose(rc.scheduler(0), [][]byte{{byte(rc.round)}})
	for _, w := range rc.c.Workers {
		h.submit(rc.commitment(h.signers[w], p, res, msgs))
	}
	return h.block()
}

func transferMsg(to staking.Address, amount uint64) api.Message {
	return api.Message{Staking: &api.StakingMessage{Transfer: &api.StakingTransfer{To: to, Amount: amount}}}
}

func TestService_MessagesAndIncoming(t *testing.T) {
	h := newHarness(t, defaultNet())
	supply := staking.TotalSupply(h.kv())
	rtAddr := staking.RuntimeAddress(h.rt)
	depositor := h.relayer
	from := staking.NewAddress(depositor.Public())
	recipient := [32]byte{0xaa}

	i := h.tx(depositor, api.MethodSubmitIncoming, api.SubmitIncomingBody{Runtime: h.rt, Amount: 5000, Recipient: recipient})
	zero := h.tx(depositor, api.MethodSubmitIncoming, api.SubmitIncomingBody{Runtime: h.rt, Amount: 0})
	equalLines(t, "deposit", h.block(), []string{"incoming id=0 amount=5000"})
	if c, log := h.code(i); c != app.CodeOK {
		t.Fatalf("deposit: %d %s", c, log)
	}
	if c, _ := h.code(zero); c != app.CodeInvalid {
		t.Fatalf("zero deposit: code %d", c)
	}
	if got := staking.GetAccount(h.kv(), rtAddr).General.Balance; got != 5000 {
		t.Fatalf("runtime account holds %d", got)
	}
	q, err := api.DecodeIncoming(h.query(api.QueryIncoming, api.RuntimeQueryData(h.rt)))
	if err != nil || len(q) != 1 || q[0] != (api.IncomingMessage{ID: 0, From: from, Amount: 5000, Recipient: recipient}) {
		t.Fatalf("queue %+v %v", q, err)
	}
	// Round 1 opened before the deposit: it does not process it.
	if r := h.round().Round; r.IncomingUpTo != 0 || len(r.IncomingFor(q)) != 0 {
		t.Fatalf("round 1 processes incoming up to %d", r.IncomingUpTo)
	}
	h.finalizeRound(results(1, nil), nil)
	if r := h.round().Round; r.Round != 2 || r.IncomingUpTo != 1 || len(r.IncomingFor(q)) != 1 {
		t.Fatalf("round 2: %+v", r)
	}
	// Round 2 credits the deposit inside the runtime and withdraws 3000
	// of it to a consensus account; a second transfer overdraws and fails
	// alone.
	to := staking.Address{0x42}
	msgs := []api.Message{transferMsg(to, 3000), transferMsg(to, 2001)}
	equalLines(t, "round 2", decisions(h.finalizeRound(results(2, msgs), msgs)), []string{
		"finalized round=2 messages=2",
		"message round=2 index=0 kind=staking.transfer amount=3000 ok=true",
		"message round=2 index=1 kind=staking.transfer amount=2001 ok=false",
	})
	if got := staking.GetAccount(h.kv(), rtAddr).General.Balance; got != 2000 {
		t.Fatalf("runtime account holds %d, want 2000", got)
	}
	if got := staking.GetAccount(h.kv(), to).General.Balance; got != 3000 {
		t.Fatalf("recipient holds %d, want 3000", got)
	}
	if q, _ := api.DecodeIncoming(h.query(api.QueryIncoming, api.RuntimeQueryData(h.rt))); len(q) != 0 {
		t.Fatalf("queue after round 2: %+v", q)
	}
	if got := staking.TotalSupply(h.kv()); got != supply {
		t.Fatalf("supply %d, was %d", got, supply)
	}
	l := h.latest()
	if l.Header.Round != 2 || l.Header.MessagesHash != api.MessagesHash(msgs) {
		t.Fatalf("latest %+v", l.Header)
	}
}

// decisions drops commitment events, whose node names vary.
func decisions(evs []string) []string {
	var out []string
	for _, e := range evs {
		if !bytes.HasPrefix([]byte(e), []byte("commitment ")) {
			out = append(out, e)
		}
	}
	return out
}

func TestService_EpochTransition(t *testing.T) {
	cfg := defaultNet()
	cfg.EpochInterval = 10
	h := newHarness(t, cfg)
	// Epoch 0 is blocks 1..10. Round 1 gets one vote and is still pending
	// at the epoch's end: it closes with an EpochTransition block.
	rc := h.pendingRound()
	p := rc.propose(rc.scheduler(0), [][]byte{{1}})
	h.submit(rc.commitment(rc.scheduler(0), p, results(1, nil), nil))
	h.block()
	equalLines(t, "epoch 1", h.until(10), []string{"epoch_transition round=1"})
	l := h.latest()
	if l.Header.Type != api.EpochTransition || l.Header.Round != 1 || l.Height != 10 {
		t.Fatalf("latest %+v at %d", l.Header, l.Height)
	}
	v := h.round()
	if v.Round.Round != 2 || v.Round.Committee.Epoch != 1 || v.Round.StartHeight != 11 || len(v.Round.Votes) != 0 || len(v.Commitments) != 0 {
		t.Fatalf("round after the epoch: %+v", v.Round)
	}
	// A commitment for the closed round is stale now, even from a member
	// of the new committee.
	h.submit(rc.commitment(h.signers[v.Round.Committee.Workers[0]], p, results(1, nil), nil))
	h.block()
	if c, log := h.code(0); c != app.CodeInvalid || !bytes.Contains([]byte(log), []byte("not for the pending round")) {
		t.Fatalf("stale commitment: %d %s", c, log)
	}
	// An idle round is closed too: round numbers never span committees.
	equalLines(t, "epoch 2", h.until(20), []string{"epoch_transition round=2"})
	if l := h.latest(); l.Header.Round != 2 || l.Header.Type != api.EpochTransition || l.Header.PreviousHash == (api.Hash{}) {
		t.Fatalf("idle epoch: latest %+v", l.Header)
	}
	if v := h.round(); v.Round.Round != 3 || v.Round.Committee.Epoch != 2 {
		t.Fatalf("round in epoch 2: %+v", v.Round)
	}
	// The round-3 block comes from epoch 2's committee.
	h.finalizeRound(results(3, nil), nil)
	if l := h.latest(); l.Header.Round != 3 || l.Header.Type != api.Normal {
		t.Fatalf("latest %+v", l.Header)
	}
}

// memNet applies a genesis to a MemKV and returns a system context for
// driving the roothash service directly.
func memNet(t testing.TB) (*service.Context, *genesis.Document, map[signature.PublicKey]*signature.Signer) {
	t.Helper()
	specs := []genesis.NodeSpec{{Entity: seeded(1, 0), Node: seeded(2, 0), VRF: seeded(3, 0), Consensus: seeded(4, 0).Public(), Roles: []registry.Role{registry.RoleValidator}}}
	signers := map[signature.PublicKey]*signature.Signer{}
	for i := 1; i <= 4; i++ {
		specs = append(specs, genesis.NodeSpec{Entity: seeded(1, i), Node: seeded(2, i), VRF: seeded(3, i), Roles: []registry.Role{registry.RoleCompute, registry.RoleStorage}})
		signers[specs[i].Node.Public()] = specs[i].Node
	}
	doc := genesis.Build(genesis.NetworkSpec{ChainID: "mem", EpochInterval: 10, Nodes: specs, SVM: true, GroupSize: 2, BackupSize: 1, StorageSize: 1})
	ctx := &service.Context{KV: state.NewMemKV(), Height: 1, ChainContext: doc.ChainContext(), Mode: service.ModeSystem}
	if err := doc.Apply(ctx, 1); err != nil {
		t.Fatal(err)
	}
	return ctx, doc, signers
}

func eventTypes(evs []service.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

func TestService_Suspension(t *testing.T) {
	ctx, doc, _ := memNet(t)
	svc := roothash.New()
	id := genesis.SVMRuntimeID
	if err := svc.EndBlock(ctx); err != nil {
		t.Fatal(err)
	}
	epoch := func(e uint64, suspend bool) []string {
		ctx.Epoch, ctx.Height, ctx.Events = e, int64(10*e), nil
		if err := scheduler.Transition(ctx); err != nil {
			t.Fatal(err)
		}
		if suspend {
			registry.SetRuntimeStatus(ctx.KV, id, registry.RuntimeStatus{Suspended: true, Reason: "test"})
		}
		ctx.Events = nil
		if err := svc.EpochTransition(ctx); err != nil {
			t.Fatal(err)
		}
		return eventTypes(ctx.Events)
	}
	equalLines(t, "suspend", epoch(1, true), []string{api.EventSuspended})
	v := query[api.RoundView](t, svc, ctx.KV, "round", api.RuntimeQueryData(id))
	if !v.Suspended || v.Round != nil || v.Latest.Header.Type != api.Suspended || v.Latest.Header.Round != 1 {
		t.Fatalf("suspended view %+v", v)
	}
	body := codec.Marshal(api.ExecutorCommitBody{Runtime: id, Commitments: []api.SignedCommitment{{}}})
	ctx.Mode = service.ModeDeliver
	if err := svc.ExecTx(ctx, "ExecutorCommit", body); !errors.Is(err, roothash.ErrSuspended) {
		t.Fatalf("commit while suspended: %v", err)
	}
	ctx.Signer = seeded(1, 0).Public()
	deposit := codec.Marshal(api.SubmitIncomingBody{Runtime: id, Amount: 10})
	if err := svc.ExecTx(ctx, "SubmitIncoming", deposit); !errors.Is(err, roothash.ErrSuspended) {
		t.Fatalf("deposit while suspended: %v", err)
	}
	ctx.Mode = service.ModeSystem
	equalLines(t, "still suspended", epoch(2, true), nil)
	if err := svc.EndBlock(ctx); err != nil {
		t.Fatal(err)
	}
	equalLines(t, "resume", epoch(3, false), []string{api.EventResumed})
	v = query[api.RoundView](t, svc, ctx.KV, "round", api.RuntimeQueryData(id))
	if v.Suspended || v.Round == nil || v.Round.Round != 2 || len(v.Round.Committee.Workers) != int(doc.Registry.Runtimes[0].Executor.GroupSize) {
		t.Fatalf("resumed view %+v", v)
	}
}

func query[T any](t *testing.T, svc *roothash.Service, kv state.KV, path string, data []byte) T {
	t.Helper()
	res, err := svc.Query(kv, 0, path, data)
	if err != nil {
		t.Fatalf("query %s: %v", path, err)
	}
	// Round-trip through JSON, as the application answers.
	raw, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestService_LivenessFreeze(t *testing.T) {
	cfg := defaultNet()
	cfg.Stragglers, cfg.Spare, cfg.EpochInterval = 1, 1, 45
	h := newHarness(t, cfg)
	rc := h.pendingRound()
	lazy := rc.scheduler(2)
	h.names[lazy.Public()] = "lazy"
	ent := staking.NewAddress(h.entity[lazy.Public()])
	before := staking.EscrowBalance(h.kv(), ent)
	// Four rounds in epoch 0 (the evaluation minimum) finalize at their
	// deadlines without it: it helped decide none.
	for r := uint64(1); r <= 4; r++ {
		rc := h.pendingRound()
		p := rc.propose(rc.scheduler(0), [][]byte{{byte(r)}})
		for _, w := range rc.c.Workers {
			if w != lazy.Public() {
				h.submit(rc.commitment(h.signers[w], p, results(r, nil), nil))
			}
		}
		h.block()
		want := []string{"finalized round=" + itoa(r) + " messages=0", "liveness_fault round=" + itoa(r) + " node=lazy faults=" + itoa(r)}
		equalLines(t, "straggling", h.until(h.round().Round.Deadline), want)
	}
	stats := query[[]api.LivenessStats](t, nil, h.kv(), "liveness", api.RuntimeQueryData(h.rt))
	if len(stats) != 3 {
		t.Fatalf("liveness of %d workers: %+v", len(stats), stats)
	}
	for _, s := range stats {
		want := api.LivenessStats{Node: s.Node, Rounds: 4}
		if s.Node == lazy.Public() {
			want.Faults = 4
		}
		if s != want {
			t.Fatalf("liveness %+v, want %+v", s, want)
		}
	}
	equalLines(t, "epoch end", h.until(45), []string{"slashed round=4 node=lazy reason=liveness amount=100", "epoch_transition round=5"})
	if got := before - staking.EscrowBalance(h.kv(), ent); got != 100 {
		t.Fatalf("liveness slash took %d, want 100", got)
	}
	if lf := query[[]api.LivenessStats](t, nil, h.kv(), "liveness", api.RuntimeQueryData(h.rt)); len(lf) != 0 {
		t.Fatalf("liveness counters survived the epoch: %+v", lf)
	}
	if st := registry.GetNodeStatus(h.kv(), lazy.Public()); !st.IsFrozen(1) {
		t.Fatalf("lazy node not frozen: %+v", st)
	}
	if c := h.round().Round.Committee; c.WorkerIndex(lazy.Public()) >= 0 || c.IsBackup(lazy.Public()) {
		t.Fatal("frozen node elected in the next epoch")
	}
}

// TestService_LivenessTolerance: a node that missed rounds but fewer than
// the evaluation minimum, or helped decide enough, is not frozen.
func TestService_LivenessTolerance(t *testing.T) {
	cfg := defaultNet()
	cfg.Stragglers, cfg.EpochInterval = 1, 25
	h := newHarness(t, cfg)
	rc := h.pendingRound()
	lazy := rc.scheduler(1)
	for r := uint64(1); r <= 2; r++ {
		rc := h.pendingRound()
		p := rc.propose(rc.scheduler(0), [][]byte{{byte(r)}})
		for _, w := range rc.c.Workers {
			if w != lazy.Public() {
				h.submit(rc.commitment(h.signers[w], p, results(r, nil), nil))
			}
		}
		h.block()
		h.until(h.round().Round.Deadline)
	}
	evs := h.until(25)
	for _, e := range evs {
		if strings.HasPrefix(e, "slashed") {
			t.Fatalf("slashed after 2 evaluated rounds: %v", evs)
		}
	}
	if st := registry.GetNodeStatus(h.kv(), lazy.Public()); st.IsFrozen(1) {
		t.Fatal("node frozen below the evaluation minimum")
	}
}

func itoa(v uint64) string { b, _ := json.Marshal(v); return string(b) }

// TestService_RuntimeRegisteredLater: a runtime registered by transaction
// gets its genesis block in that block, has no committee until an epoch
// elects one, and, with no node serving it, is suspended at the epoch.
func TestService_RuntimeRegisteredLater(t *testing.T) {
	cfg := defaultNet()
	cfg.EpochInterval = 10
	h := newHarness(t, cfg)
	rt := *h.doc.Registry.Runtimes[0]
	rt.ID, rt.Name, rt.GenesisStateRoot, rt.Deposit = registry.RuntimeID{0x77}, "later", [32]byte{9}, 0
	i := h.tx(h.relayer, "registry.RegisterRuntime", &rt)
	h.block()
	if c, log := h.code(i); c != app.CodeOK {
		t.Fatalf("register: %d %s", c, log)
	}
	h.rt = rt.ID
	v := h.round()
	if v.Latest.Header != roothash.GenesisHeader(&rt) || v.Latest.Height != 2 || v.Round == nil || len(v.Round.Committee.Workers) != 0 {
		t.Fatalf("new runtime: %+v", v)
	}
	ctx := &service.Context{KV: state.NewOverlay(h.kv()), Height: 3, ChainContext: h.cc, Mode: service.ModeDeliver}
	body := codec.Marshal(api.ExecutorCommitBody{Runtime: rt.ID, Commitments: []api.SignedCommitment{{Commitment: api.Commitment{Namespace: rt.ID, Round: 1}}}})
	if err := roothash.New().ExecTx(ctx, "ExecutorCommit", body); !errors.Is(err, roothash.ErrNoCommittee) {
		t.Fatalf("commit without a committee: %v", err)
	}
	evs := h.until(10)
	if !contains(evs, "suspended round=1 reason=no executor committee; no storage committee") {
		t.Fatalf("epoch events %v", evs)
	}
	if l := h.latest(); l.Header.Type != api.Suspended || l.Header.PreviousHash != v.Latest.Hash {
		t.Fatalf("latest %+v", l.Header)
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func TestService_IncomingLimits(t *testing.T) {
	ctx, _, _ := memNet(t)
	svc := roothash.New()
	id := genesis.SVMRuntimeID
	p := roothash.DefaultParams()
	p.MaxIncomingQueue, p.MaxIncomingPerRound = 2, 1
	if err := svc.ChangeParameters(ctx.KV, codec.Marshal(&p), true); err != nil {
		t.Fatal(err)
	}
	if err := svc.EndBlock(ctx); err != nil {
		t.Fatal(err)
	}
	ctx.Signer, ctx.Mode = seeded(1, 0).Public(), service.ModeDeliver
	deposit := func(amount uint64) error {
		return svc.ExecTx(ctx, "SubmitIncoming", codec.Marshal(api.SubmitIncomingBody{Runtime: id, Amount: amount}))
	}
	if err := deposit(1); err != nil {
		t.Fatal(err)
	}
	if err := deposit(2); err != nil {
		t.Fatal(err)
	}
	if err := deposit(3); !errors.Is(err, roothash.ErrQueueFull) {
		t.Fatalf("third deposit: %v", err)
	}
	if err := deposit(1 << 62); !errors.Is(err, roothash.ErrQueueFull) {
		t.Fatalf("deposit beyond the queue: %v", err)
	}
	if err := svc.ExecTx(ctx, "SubmitIncoming", codec.Marshal(api.SubmitIncomingBody{Runtime: registry.RuntimeID{1}, Amount: 1})); !errors.Is(err, roothash.ErrNoRuntime) {
		t.Fatalf("deposit to no runtime: %v", err)
	}
	// The round open before the deposits processes none; the next, after
	// round 1 fails at its deadline, processes one (the per-round cap).
	ctx.Mode = service.ModeSystem
	for ctx.Height = 2; ctx.Height <= 11; ctx.Height++ {
		if err := svc.EndBlock(ctx); err != nil {
			t.Fatal(err)
		}
	}
	v := query[api.RoundView](t, svc, ctx.KV, "round", api.RuntimeQueryData(id))
	q := query[[]api.IncomingMessage](t, svc, ctx.KV, "incoming", api.RuntimeQueryData(id))
	if v.Round.Round != 2 || v.Round.IncomingUpTo != 1 || len(q) != 2 || len(v.Round.IncomingFor(q)) != 1 || v.Round.IncomingFor(q)[0].Amount != 1 {
		t.Fatalf("round %+v, queue %+v", v.Round, q)
	}
}

func TestService_EndlessRoundTimeout(t *testing.T) {
	ctx, _, _ := memNet(t)
	rt, _ := registry.GetRuntime(ctx.KV, genesis.SVMRuntimeID)
	rt.Executor.RoundTimeout = 1<<64 - 1
	registry.SetRuntime(ctx.KV, rt)
	svc := roothash.New()
	for ctx.Height = 1; ctx.Height <= 3; ctx.Height++ {
		ctx.Events = nil
		if err := svc.EndBlock(ctx); err != nil {
			t.Fatal(err)
		}
		if len(ctx.Events) != 0 {
			t.Fatalf("height %d: %v", ctx.Height, eventTypes(ctx.Events))
		}
	}
	v := query[api.RoundView](t, svc, ctx.KV, "round", api.RuntimeQueryData(genesis.SVMRuntimeID))
	if v.Round.Deadline != 1<<63-1 {
		t.Fatalf("deadline %d", v.Round.Deadline)
	}
}
