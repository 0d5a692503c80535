package app

import (
	"strings"

	"context"
	"github.com/atoll-dev/atoll/consensus/service"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/atoll-dev/atoll/consensus/beacon"
	"github.com/atoll-dev/atoll/consensus/governance"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/consensus/state"
	"github.com/atoll-dev/atoll/consensus/tx"
)

// FuzzCheckTx feeds arbitrary bytes through the whole admission path:
// envelope decoding, signature, fee, and every service's body decoder.
// Seeds are valid transactions of each method, so mutations reach the
// service decoders with a valid signature only if the fuzzer re-signs, and
// otherwise exercise the envelope checks; either way nothing may panic.
func FuzzCheckTx(f *testing.F) {
	n := newTestNet()
	cc := n.doc.ChainContext()
	e0, node1 := n.specs[0].Entity, n.specs[1]
	to := staking.NewAddress(n.specs[1].Entity.Public())
	gas := tx.Fee{Gas: 1000}
	for _, t := range []*tx.Transaction{
		tx.New(0, gas, "staking.Transfer", staking.TransferBody{To: to, Amount: 1}),
		tx.New(0, gas, "staking.AddEscrow", staking.AddEscrowBody{Account: to, Amount: 1}),
		tx.New(0, gas, "staking.ReclaimEscrow", staking.ReclaimEscrowBody{Account: to, Shares: 1}),
		tx.New(0, gas, "staking.Allow", staking.AllowBody{Beneficiary: to, Delta: -5}),
		tx.New(0, gas, "staking.Withdraw", staking.WithdrawBody{From: to, Amount: 1}),
		tx.New(0, gas, "registry.RegisterEntity", registry.Entity{ID: e0.Public()}),
		tx.New(0, gas, "registry.RegisterRuntime", n.doc.Registry.Runtimes[0]),
		tx.New(0, gas, "governance.CastVote", governance.VoteBody{ID: 0, Vote: governance.VoteYes}),
	} {
		f.Add(tx.Sign(e0, cc, t).Encode())
	}
	f.Add(tx.Sign(node1.Node, cc, tx.New(0, gas, "beacon.VRFProve", beacon.ProveBody{Epoch: 1, Proof: make([]byte, 80)})).Encode())
	f.Add([]byte{})
	store, err := state.Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	defer store.Close()
	a := New(store, Options{})
	if _, err := a.InitChain(context.Background(), initChainReq(n)); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, err := a.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw})
		if err != nil {
			t.Fatal(err)
		}
		if res.Code == CodePanic || res.Code == CodeInternal {
			t.Fatalf("code %d: %s", res.Code, res.Log)
		}
	})
}

func initChainReq(n *testNet) *abci.RequestInitChain {
	req := &abci.RequestInitChain{ChainId: n.doc.ChainID, InitialHeight: 1, AppStateBytes: n.doc.Marshal()}
	for _, k := range n.valKeys {
		req.Validators = append(req.Validators, abci.UpdateValidator(k.PubKey().Bytes(), 1, "ed25519"))
	}
	return req
}

func TestMetrics_Observe(t *testing.T) {
	n := newTestNet()
	reg := prometheus.NewRegistry()
	if _, err := NewMetrics(reg); err != nil {
		t.Fatal(err)
	}
	m, err := NewMetrics(reg) // a restart in the same process takes over
	if err != nil {
		t.Fatal(err)
	}
	store, _ := state.Open(t.TempDir())
	defer store.Close()
	a := New(store, Options{Metrics: m})
	if _, err := a.InitChain(context.Background(), initChainReq(n)); err != nil {
		t.Fatal(err)
	}
	for h := int64(1); h <= 3; h++ {
		runBlock(t, a, h, nil)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, mt := range f.GetMetric() {
			name := f.GetName()
			for _, l := range mt.GetLabel() {
				if l.GetName() == "kind" {
					name += "/" + l.GetValue()
				}
			}
			got[name] = mt.GetGauge().GetValue()
		}
	}
	want := map[string]float64{
		"atoll_epochtime_epoch": 1, "atoll_registry_nodes": 5, "atoll_consensus_height": 3,
		"atoll_scheduler_committee_size/executor": 3, "atoll_scheduler_committee_size/storage": 2, "atoll_registry_suspended_runtimes": 0,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

// FuzzExecTx runs arbitrary bodies through every service method as an
// authenticated signer, reaching each body decoder and rule directly. A
// panic here would be recovered in production; the fuzzer reports it so
// that it is fixed.
func FuzzExecTx(f *testing.F) {
	n := newTestNet()
	store, err := state.Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	defer store.Close()
	a := New(store, Options{})
	if _, err := a.InitChain(context.Background(), initChainReq(n)); err != nil {
		f.Fatal(err)
	}
	cc := n.doc.ChainContext()
	e0 := n.specs[0].Entity
	seeds := map[string]any{
		"staking.Transfer":          staking.TransferBody{Amount: 1},
		"staking.AddEscrow":         staking.AddEscrowBody{Amount: 1},
		"staking.ReclaimEscrow":     staking.ReclaimEscrowBody{Shares: 1},
		"staking.Allow":             staking.AllowBody{Delta: 3},
		"staking.Withdraw":          staking.WithdrawBody{Amount: 1},
		"registry.RegisterEntity":   registry.Entity{ID: e0.Public()},
		"registry.RegisterNode":     registry.SignNode(n.specs[0].Node, cc, n.doc.Registry.Nodes[0]),
		"registry.RegisterRuntime":  n.doc.Registry.Runtimes[0],
		"registry.DeregisterEntity": struct{}{},
		"governance.SubmitProposal": governance.SubmitBody{Content: governance.ChangeParameters{Module: "epochtime", Changes: []byte{0xa1, 0x68, 'i', 'n', 't', 'e', 'r', 'v', 'a', 'l', 0x05}}},
		"governance.CastVote":       governance.VoteBody{Vote: governance.VoteNo},
		"beacon.VRFProve":           beacon.ProveBody{Epoch: 1, Proof: make([]byte, 80)},
	}
	for m, b := range seeds {
		f.Add(m, []byte(tx.New(0, tx.Fee{}, m, b).Body))
	}
	f.Fuzz(func(t *testing.T, method string, body []byte) {
		svcName, m, ok := strings.Cut(method, ".")
		svc, known := a.byName[svcName]
		if !ok || !known {
			return
		}
		ctx := &service.Context{KV: state.NewOverlay(a.store.Committed()), Height: 1, ChainContext: cc, Signer: e0.Public(), Mode: service.ModeCheck}
		_ = svc.ExecTx(ctx, m, body)
	})
}
