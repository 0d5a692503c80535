package roothash_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmted "github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/atoll-dev/atoll/consensus/app"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/roothash"
	"github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/consensus/state"
	"github.com/atoll-dev/atoll/consensus/tx"
)

func seeded(b byte, i int) *signature.Signer {
	s, err := signature.SignerFromSeed(bytes.Repeat([]byte{b, byte(i)}, 16))
	if err != nil {
		panic(err)
	}
	return s
}

// netConfig shapes the test network: one validator plus Workers+Backups
// compute-and-storage nodes, each with its own entity.
type netConfig struct {
	Workers, Backups, Storage, Stragglers uint16
	// Spare compute nodes beyond W+B, so elections survive a frozen node.
	Spare         int
	EpochInterval uint64
}

func defaultNet() netConfig {
	return netConfig{Workers: 3, Backups: 3, Storage: 2, EpochInterval: 100}
}

// harness drives a real consensus application, with the roothash plugged
// in, block by block without CometBFT.
type harness struct {
	t        testing.TB
	app      *app.App
	store    *state.Store
	dir      string
	doc      *genesis.Document
	cc       []byte
	rt       registry.RuntimeID
	relayer  *signature.Signer
	signers  map[signature.PublicKey]*signature.Signer
	entity   map[signature.PublicKey]signature.PublicKey
	names    map[signature.PublicKey]string
	height   int64
	nonces   map[signature.PublicKey]uint64
	lastRes  *abci.ResponseFinalizeBlock
	pending  [][]byte
	pendingN []string
}

func newHarness(t testing.TB, cfg netConfig) *harness {
	t.Helper()
	val := cmted.GenPrivKeyFromSecret([]byte("roothash-validator"))
	var cons signature.PublicKey
	copy(cons[:], val.PubKey().Bytes())
	specs := []genesis.NodeSpec{{Entity: seeded(1, 0), Node: seeded(2, 0), VRF: seeded(3, 0), Consensus: cons, Roles: []registry.Role{registry.RoleValidator}}}
	for i := 1; i <= int(cfg.Workers+cfg.Backups)+cfg.Spare; i++ {
		specs = append(specs, genesis.NodeSpec{Entity: seeded(1, i), Node: seeded(2, i), VRF: seeded(3, i), Roles: []registry.Role{registry.RoleCompute, registry.RoleStorage}})
	}
	doc := genesis.Build(genesis.NetworkSpec{ChainID: "roothash-test", EpochInterval: cfg.EpochInterval, Nodes: specs, SVM: true,
		GroupSize: cfg.Workers, BackupSize: cfg.Backups, StorageSize: cfg.Storage})
	doc.Registry.Runtimes[0].Executor.AllowedStragglers = cfg.Stragglers
	dir := t.TempDir()
	store, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(store, app.Options{Extra: []service.Service{roothash.New()}})
	req := &abci.RequestInitChain{ChainId: doc.ChainID, InitialHeight: 1, AppStateBytes: doc.Marshal(),
		Validators: []abci.ValidatorUpdate{abci.UpdateValidator(val.PubKey().Bytes(), 1, "ed25519")}}
	if _, err := a.InitChain(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, app: a, store: store, dir: dir, doc: doc, cc: doc.ChainContext(), rt: genesis.SVMRuntimeID, relayer: specs[0].Entity,
		signers: map[signature.PublicKey]*signature.Signer{}, entity: map[signature.PublicKey]signature.PublicKey{},
		names: map[signature.PublicKey]string{}, nonces: map[signature.PublicKey]uint64{}}
	t.Cleanup(func() { h.store.Close() })
	for _, s := range specs {
		h.signers[s.Node.Public()] = s.Node
		h.entity[s.Node.Public()] = s.Entity.Public()
	}
	h.block() // the roothash sees the runtime and opens round 1
	return h
}

// name labels a node in rendered events.
func (h *harness) name(k signature.PublicKey) string {
	if n, ok := h.names[k]; ok {
		return n
	}
	return k.String()[:8]
}

func (h *harness) kv() state.KV { return h.store.Committed() }

// tx queues a transaction signed by s for the next block; it returns the
// index of its result.
func (h *harness) tx(s *signature.Signer, method string, body any) int {
	n, ok := h.nonces[s.Public()]
	if !ok {
		n = staking.GetAccount(h.kv(), staking.NewAddress(s.Public())).General.Nonce
	}
	h.nonces[s.Public()] = n + 1
	h.pending = append(h.pending, tx.Sign(s, h.cc, tx.New(n, tx.Fee{Gas: 1000}, method, body)).Encode())
	return len(h.pending) - 1
}

// rawTx queues raw bytes as a transaction.
func (h *harness) rawTx(b []byte) int {
	h.pending = append(h.pending, b)
	return len(h.pending) - 1
}

// block runs the next block with the queued transactions and returns its
// rendered roothash events.
func (h *harness) block() []string {
	h.t.Helper()
	h.height++
	res, err := h.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: h.height, Txs: h.pending})
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		h.t.Fatal(err)
	}
	h.pending, h.nonces, h.lastRes = nil, map[signature.PublicKey]uint64{}, res
	var evs []abci.Event
	for _, r := range res.TxResults {
		evs = append(evs, r.Events...)
	}
	return h.render(append(evs, res.Events...))
}

// until runs empty blocks up to and including height, returning the
// events of the last.
func (h *harness) until(height int64) []string {
	var evs []string
	for h.height < height {
		evs = h.block()
	}
	return evs
}

// code is the result code of transaction i of the last block.
func (h *harness) code(i int) (uint32, string) {
	r := h.lastRes.TxResults[i]
	return r.Code, r.Log
}

var shownAttrs = map[string]bool{"round": true, "node": true, "backup": true, "failure": true, "reason": true,
	"amount": true, "faults": true, "messages": true, "ok": true, "kind": true, "id": true, "index": true}

// render keeps roothash and app events with their stable attributes, and
// names nodes, so scenarios can state them exactly.
func (h *harness) render(evs []abci.Event) []string {
	var out []string
	for _, e := range evs {
		if !strings.HasPrefix(e.Type, "roothash.") && e.Type != "app.hook_failed" {
			continue
		}
		parts := []string{strings.TrimPrefix(e.Type, "roothash.")}
		for _, a := range e.Attributes {
			if !shownAttrs[a.Key] && e.Type != "app.hook_failed" {
				continue
			}
			v := a.Value
			if a.Key == "node" {
				var k signature.PublicKey
				if k.UnmarshalText([]byte(v)) == nil {
					v = h.name(k)
				}
			}
			if a.Key == "backup" && v == "false" || a.Key == "failure" && v == "0" {
				continue
			}
			parts = append(parts, a.Key+"="+v)
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

func (h *harness) query(path string, data []byte) []byte {
	h.t.Helper()
	res, err := h.app.Query(context.Background(), &abci.RequestQuery{Path: path, Data: data})
	if err != nil || res.Code != 0 {
		h.t.Fatalf("query %s: %v %s", path, err, res.Log)
	}
	return res.Value
}

func (h *harness) round() *api.RoundView {
	h.t.Helper()
	v, err := api.DecodeRound(h.query(api.QueryRound, api.RuntimeQueryData(h.rt)))
	if err != nil {
		h.t.Fatal(err)
	}
	return v
}

func (h *harness) latest() *api.BlockView {
	h.t.Helper()
	v, err := api.DecodeBlock(h.query(api.QueryLatest, api.RuntimeQueryData(h.rt)))
	if err != nil {
		h.t.Fatal(err)
	}
	return v
}

func (h *harness) escrows() map[string]int64 {
	out := map[string]int64{}
	for node, ent := range h.entity {
		out[h.name(node)] = int64(staking.EscrowBalance(h.kv(), staking.NewAddress(ent)))
	}
	return out
}

// results are the honest results of round r with msgs.
func results(r uint64, msgs []api.Message) api.ComputeResults {
	return api.ComputeResults{
		IORoot:       sha256.Sum256([]byte(fmt.Sprintf("io %d", r))),
		StateRoot:    sha256.Sum256([]byte(fmt.Sprintf("state %d", r))),
		MessagesHash: api.MessagesHash(msgs),
	}
}

// roundCtx is what a worker knows about the pending round.
type roundCtx struct {
	h      *harness
	round  uint64
	parent api.Hash
	c      api.Committee
}

func (h *harness) pendingRound() *roundCtx {
	v := h.round()
	if v.Round == nil {
		h.t.Fatalf("no pending round at height %d: %+v", h.height, v)
	}
	return &roundCtx{h: h, round: v.Round.Round, parent: v.Latest.Hash, c: v.Round.Committee}
}

// scheduler is the worker of rank k.
func (rc *roundCtx) scheduler(k int) *signature.Signer {
	n, ok := rc.c.Scheduler(rc.round, k)
	if !ok {
		rc.h.t.Fatalf("no rank %d", k)
	}
	return rc.h.signers[n]
}

func (rc *roundCtx) propose(s *signature.Signer, batch [][]byte) api.SignedProposal {
	return api.SignProposal(s, rc.h.cc, api.Proposal{Namespace: rc.h.rt, Round: rc.round, PreviousHash: rc.parent, BatchHash: api.BatchHash(batch)})
}

// commitment is s's commitment to res under p, with receipts from the
// storage committee.
func (rc *roundCtx) commitment(s *signature.Signer, p api.SignedProposal, res api.ComputeResults, msgs []api.Message) api.SignedCommitment {
	c := api.Commitment{Namespace: rc.h.rt, Round: rc.round, PreviousHash: rc.parent, Proposal: p, Results: res, Messages: msgs}
	for _, n := range rc.c.Storage {
		c.Receipts = append(c.Receipts, api.SignReceipt(rc.h.signers[n], rc.h.cc,
			api.Receipt{Namespace: rc.h.rt, Round: rc.round, IORoot: res.IORoot, StateRoot: res.StateRoot}))
	}
	return api.SignCommitment(s, rc.h.cc, c)
}

func (rc *roundCtx) failure(s *signature.Signer, p api.SignedProposal) api.SignedCommitment {
	return api.SignCommitment(s, rc.h.cc, api.Commitment{Namespace: rc.h.rt, Round: rc.round, PreviousHash: rc.parent, Proposal: p, Failure: api.FailureUnknown})
}

// submit queues one ExecutorCommit relayed by the relayer account.
func (h *harness) submit(scs ...api.SignedCommitment) int {
	return h.tx(h.relayer, api.MethodExecutorCommit, api.ExecutorCommitBody{Runtime: h.rt, Commitments: scs})
}

func equalLines(t testing.TB, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Fatalf("%s:\ngot  %s\nwant %s", what, g, w)
	}
}

// restart closes the store and starts a new application on it, as a node
// restarting would; if crashBeforeCommit, the next block is first
// finalized and dropped without Commit, as a crash between the two.
func (h *harness) restart(crashBeforeCommit bool) {
	h.t.Helper()
	if crashBeforeCommit {
		if _, err := h.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: h.height + 1, Txs: h.pending}); err != nil {
			h.t.Fatal(err)
		}
	}
	h.store.Close()
	store, err := state.Open(h.dir)
	if err != nil {
		h.t.Fatal(err)
	}
	h.store, h.app = store, app.New(store, app.Options{Extra: []service.Service{roothash.New()}})
}
