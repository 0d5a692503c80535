package compute

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmted "github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/registry"
	rhapi "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/worker/p2p"
	wrt "github.com/atoll-dev/atoll/worker/runtime"
	"github.com/atoll-dev/atoll/worker/storage"
	"github.com/atoll-dev/atoll/worker/txpool"
)

// faultSchedule is the Chain of a scenario network's worker: every View it
// hands the worker also sets the worker's faults to those scheduled for the
// view's pending round (Latest.Round+1). A worker decides everything it does
// for a round on a view of that round, so a scheduled fault covers exactly
// its round: from the proposal to the last commitment attempt, and nothing
// before or after.
type faultSchedule struct {
	Chain
	mu     sync.Mutex
	w      *Worker
	rounds map[uint64]Faults
}

func (c *faultSchedule) View(ctx context.Context, rt registry.RuntimeID) (*View, error) {
	v, err := c.Chain.View(ctx, rt)
	if err == nil {
		c.mu.Lock()
		w, f := c.w, c.rounds[v.Latest.Round+1]
		c.mu.Unlock()
		if w != nil {
			w.SetFaults(f)
		}
	}
	return v, err
}

// SubmitEvidence passes the worker's equivocation evidence on.
func (c *faultSchedule) SubmitEvidence(ctx context.Context, s *signature.Signer, e *rhapi.EquivocationBody) error {
	return c.Chain.(EvidenceSubmitter).SubmitEvidence(ctx, s, e)
}

// schedule makes the worker misbehave with f in round r.
func (c *faultSchedule) schedule(r uint64, f Faults) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rounds[r] = f
}

// byzOpts configures a scenario network.
type byzOpts struct {
	workers, backups, storage uint16
	nodes                     int
	stragglers                uint16
	// roundTimeout and proposerTimeout are in blocks (of ~15 ms).
	roundTimeout, proposerTimeout uint64
	// epochInterval is in blocks (100 000 when 0: one epoch).
	epochInterval uint64
	storageFaults map[int]storage.Faults
	// onFetchFailure, if set, is every member's Config.OnFetchFailure.
	onFetchFailure func(m *member, p p2p.Peer, round uint64, err error)
	// answerers runs each storage node's challenge answerer.
	answerers bool
	// computeServer, if set, is what member i's P2P server serves for its
	// worker's handler h (an observing wrapper); nil serves h.
	computeServer func(i int, h p2p.ComputeHandler) p2p.ComputeHandler
}

// byzNet is a testNet whose workers take their faults from a schedule.
type byzNet struct {
	*testNet
	bo        byzOpts
	schedules []*faultSchedule
	entities  map[string]staking.Address // entity of each named node

	mu         sync.Mutex
	schedulers map[uint64]map[signature.PublicKey]bool // by round, of the commitments workers submitted
}

// schedulersOf names the schedulers whose proposals round r's submitted
// commitments ran on.
func (bn *byzNet) schedulersOf(r uint64) []string {
	bn.mu.Lock()
	defer bn.mu.Unlock()
	var out []string
	for k := range bn.schedulers[r] {
		out = append(out, bn.names[k])
	}
	slices.Sort(out)
	return out
}

// startByzNet starts the network of net_test.go (the real consensus
// application driven block by block, members over real P2P), with the
// runtime's straggler and timeout parameters of o and a fault schedule in
// front of every worker's chain.
func startByzNet(t testing.TB, o byzOpts) *byzNet {
	t.Helper()
	val := cmted.GenPrivKeyFromSecret([]byte("worker-validator"))
	var cons signature.PublicKey
	copy(cons[:], val.PubKey().Bytes())
	specs := []genesis.NodeSpec{{Entity: seeded(1, 0), Node: seeded(2, 0), VRF: seeded(3, 0), Consensus: cons, Roles: []registry.Role{registry.RoleValidator}}}
	tn := &testNet{names: map[signature.PublicKey]string{seeded(2, 0).Public(): "validator"}}
	bn := &byzNet{testNet: tn, bo: o, schedulers: map[uint64]map[signature.PublicKey]bool{}, entities: map[string]staking.Address{"validator": staking.NewAddress(seeded(1, 0).Public())}}
	for i := 1; i <= o.nodes; i++ {
		specs = append(specs, genesis.NodeSpec{Entity: seeded(1, i), Node: seeded(2, i), VRF: seeded(3, i), Roles: []registry.Role{registry.RoleCompute, registry.RoleStorage}})
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		m := &member{name: fmt.Sprintf("n%d", i), id: seeded(2, i), p2p: seeded(4, i), l: l, addr: l.Addr().String()}
		tn.members = append(tn.members, m)
		tn.names[m.id.Public()] = m.name
		bn.entities[m.name] = staking.NewAddress(seeded(1, i).Public())
	}
	epochs := o.epochInterval
	if epochs == 0 {
		epochs = 100_000
	}
	doc := genesis.Build(genesis.NetworkSpec{ChainID: "worker-byzantine", EpochInterval: epochs, Nodes: specs, SVM: true,
		GroupSize: o.workers, BackupSize: o.backups, StorageSize: o.storage})
	genesisLog, genesisRoot, err := wrt.Genesis(hosted.Config{}, []svm.AccountWrite{{Key: payerPub(), Account: sol.Account{Lamports: 1e15, Owner: svm.SystemProgramID}}})
	if err != nil {
		t.Fatal(err)
	}
	rt := doc.Registry.Runtimes[0]
	rt.GenesisStateRoot = genesisRoot
	rt.Executor.RoundTimeout, rt.Executor.ProposerTimeout, rt.Executor.BatchFlushTimeout = o.roundTimeout, o.proposerTimeout, 30
	rt.Executor.AllowedStragglers = o.stragglers
	for i, m := range tn.members {
		doc.Registry.Nodes[i+1].P2P = registry.P2PInfo{ID: m.p2p.Public(), Addresses: []string{m.l.Addr().String()}}
	}
	tn.chain = newChainNet(t, doc, val)
	tn.registered = map[signature.PublicKey]bool{}
	for _, m := range tn.members {
		tn.registered[m.p2p.Public()] = true
	}
	ctx, cancel := context.WithCancel(context.Background())
	tn.cancel = cancel
	tn.t, tn.genesisLog, tn.genesisRoot = t, genesisLog, genesisRoot
	for i, m := range tn.members {
		m.dir = t.TempDir()
		bn.startMember(ctx, i)
	}
	tn.makeBlocks(ctx)
	t.Cleanup(tn.stop)
	return bn
}

// startMember opens member i's stores, seeds genesis, and starts its P2P
// server, its worker (behind its fault schedule) and, if asked, its
// challenge answerer.
func (bn *byzNet) startMember(ctx context.Context, i int) {
	t, m := bn.t, bn.members[i]
	var err error
	if m.replica, err = storage.OpenReplica(m.dir, mkvs.Namespace(genesis.SVMRuntimeID), true); err != nil {
		t.Fatal(err)
	}
	if err := wrt.SeedGenesis(m.replica.KV, bn.genesisLog, bn.genesisRoot); err != nil {
		t.Fatal(err)
	}
	exec, err := wrt.NewInProcess(m.replica.KV, nil)
	if err != nil {
		t.Fatal(err)
	}
	sched := &faultSchedule{Chain: NewHostChain(bn.chain), rounds: map[uint64]Faults{}}
	bn.schedules = append(bn.schedules, sched)
	var onFetch func(p2p.Peer, uint64, error)
	if f := bn.bo.onFetchFailure; f != nil {
		onFetch = func(p p2p.Peer, round uint64, err error) { f(m, p, round, err) }
	}
	m.worker = New(Config{Runtime: genesis.SVMRuntimeID, Identity: m.id, Chain: sched, Replica: m.replica,
		Exec: exec, Pool: txpool.New(txpool.Config{}, exec), P2P: p2p.NewClient(m.p2p), PollInterval: 20 * time.Millisecond,
		Logger: testLogger(), OnFetchFailure: onFetch, OnCommit: bn.noteCommit})
	sched.mu.Lock()
	sched.w = m.worker
	sched.mu.Unlock()
	m.store = &storage.Node{Runtime: genesis.SVMRuntimeID, Signer: m.id, ChainContext: bn.chain.cc, Replica: m.replica, Faults: bn.bo.storageFaults[i]}
	if m.srv, err = p2p.NewServer(m.p2p, func(k signature.PublicKey) bool { return bn.registered[k] }); err != nil {
		t.Fatal(err)
	}
	compute := m.worker.P2PHandler()
	if bn.bo.computeServer != nil {
		compute = bn.bo.computeServer(i, compute)
	}
	m.srv.HandleCompute(genesis.SVMRuntimeID, compute)
	m.srv.HandleStorage(genesis.SVMRuntimeID, m.store)
	go m.srv.Serve(m.l)
	mctx, cancel := context.WithCancel(ctx)
	m.cancel = cancel
	m.done.Add(2)
	go func() {
		defer m.done.Done()
		m.worker.Run(mctx, bn.chain)
	}()
	go func() {
		defer m.done.Done()
		if bn.bo.answerers {
			(&storage.Answerer{Node: m.store, Poll: 20 * time.Millisecond}).Run(mctx, bn.chain)
		}
	}()
}

func (bn *byzNet) noteCommit(c *rhapi.SignedCommitment) {
	bn.mu.Lock()
	defer bn.mu.Unlock()
	r := c.Commitment.Round
	if bn.schedulers[r] == nil {
		bn.schedulers[r] = map[signature.PublicKey]bool{}
	}
	bn.schedulers[r][c.Commitment.Proposal.Scheduler] = true
}

// member returns the member whose node id is id.
func (bn *byzNet) member(id signature.PublicKey) (int, *member) {
	for i, m := range bn.members {
		if m.id.Public() == id {
			return i, m
		}
	}
	bn.t.Fatalf("no member %s", id)
	return -1, nil
}

// rename gives member id a role name in events and escrow reports.
func (bn *byzNet) rename(id signature.PublicKey, name string) {
	_, m := bn.member(id)
	bn.entities[name] = bn.entities[bn.names[id]]
	delete(bn.entities, bn.names[id])
	bn.names[id] = name
	m.name = name
}

// waitDecided waits until round r has a block and that block's events are
// recorded (the harness records a block's events just after committing
// it, so a view can show the block first).
func (bn *byzNet) waitDecided(t testing.TB, r uint64) {
	t.Helper()
	bn.waitRound(t, r)
	waitFor(t, fmt.Sprintf("round %d's block events", r), func() bool {
		return slices.ContainsFunc(bn.events(r), func(e string) bool {
			return strings.HasPrefix(e, "finalized") || strings.HasPrefix(e, "round_failed")
		})
	})
}

// escrows reads the active escrow of every entity, by node name, through
// the staking service's account query at the latest block.
func (bn *byzNet) escrows(t testing.TB) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	for name, addr := range bn.entities {
		var acc staking.Account
		if err := bn.chain.Query(context.Background(), "staking/account", []byte(addr.String()), &acc); err != nil {
			t.Fatal(err)
		}
		out[name] = acc.Escrow.Active.Balance
	}
	return out
}

// roundEvents lists the roothash events of round r in emission order, as
// "type key=value ..." with node ids by name. Commitments are left out:
// their order depends on which honest node was faster; see commitments.
func (bn *byzNet) roundEvents(r uint64) []string {
	var out []string
	for _, e := range bn.events(r) {
		if !strings.HasPrefix(e, "commitment ") {
			out = append(out, e)
		}
	}
	return out
}

// commitments lists round r's accepted commitments, sorted.
func (bn *byzNet) commitments(r uint64) []string {
	var out []string
	for _, e := range bn.events(r) {
		if strings.HasPrefix(e, "commitment ") {
			out = append(out, e)
		}
	}
	slices.Sort(out)
	return out
}

// eventAttrs are the attributes events are shown with, in this order;
// values that say nothing in the usual case are left out.
var eventAttrs = []string{"node", "backup", "failure", "reason", "amount"}

func (bn *byzNet) events(r uint64) []string {
	bn.chain.mu.Lock()
	defer bn.chain.mu.Unlock()
	var out []string
	round := fmt.Sprint(r)
	for _, e := range bn.chain.events {
		if s, ok := bn.format(e); ok && attr(e, "round") == round {
			out = append(out, s)
		}
	}
	return out
}

// challengeEvents lists the storage challenge events and every slash so
// far, in order, formatted as events formats them.
func (bn *byzNet) challengeEvents() []string {
	bn.chain.mu.Lock()
	defer bn.chain.mu.Unlock()
	var out []string
	for _, e := range bn.chain.events {
		switch e.Type {
		case rhapi.EventChallenge, rhapi.EventChallengeAnswered, rhapi.EventChallengeExpired, rhapi.EventSlashed:
			s, _ := bn.format(e)
			out = append(out, s)
		}
	}
	return out
}

func attr(e abci.Event, k string) string {
	for _, a := range e.Attributes {
		if a.Key == k {
			return a.Value
		}
	}
	return ""
}

// format shows a roothash event as "type key=value ...", nodes by name.
func (bn *byzNet) format(e abci.Event) (string, bool) {
	if !strings.HasPrefix(e.Type, "roothash.") {
		return "", false
	}
	attrs := map[string]string{}
	for _, a := range e.Attributes {
		attrs[a.Key] = a.Value
	}
	s := strings.TrimPrefix(e.Type, "roothash.")
	for _, k := range eventAttrs {
		v, ok := attrs[k]
		switch {
		case !ok, k == "backup" && v == "false", k == "failure" && v == "0":
			continue
		case k == "node":
			var id signature.PublicKey
			if id.UnmarshalText([]byte(v)) == nil {
				v = bn.names[id]
			}
		}
		s += " " + k + "=" + v
	}
	return s, true
}

// general reads the general (spendable) balance of account a.
func (bn *byzNet) general(t testing.TB, a staking.Address) uint64 {
	t.Helper()
	var acc staking.Account
	if err := bn.chain.Query(context.Background(), "staking/account", []byte(a.String()), &acc); err != nil {
		t.Fatal(err)
	}
	return acc.General.Balance
}

// slashedRounds lists the rounds of every roothash.slashed event so far.
func (bn *byzNet) slashedRounds() []string {
	bn.chain.mu.Lock()
	defer bn.chain.mu.Unlock()
	var out []string
	for _, e := range bn.chain.events {
		if e.Type != "roothash.slashed" {
			continue
		}
		for _, a := range e.Attributes {
			if a.Key == "round" {
				out = append(out, a.Value)
			}
		}
	}
	return out
}
