package app

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmted "github.com/cometbft/cometbft/crypto/ed25519"
	cryptoenc "github.com/cometbft/cometbft/crypto/encoding"

	"github.com/atoll-dev/atoll/consensus/beacon"
	"github.com/atoll-dev/atoll/consensus/codec"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/governance"
	"github.com/atoll-dev/atoll/consensus/registry"
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

type testNet struct {
	doc     *genesis.Document
	specs   []genesis.NodeSpec
	valKeys []cmted.PrivKey
}

func newTestNet() *testNet {
	n := &testNet{}
	val := cmted.GenPrivKeyFromSecret([]byte("validator-0"))
	n.valKeys = append(n.valKeys, val)
	var cons signature.PublicKey
	copy(cons[:], val.PubKey().Bytes())
	n.specs = append(n.specs, genesis.NodeSpec{Entity: seeded(1, 0), Node: seeded(2, 0), VRF: seeded(3, 0), Consensus: cons, Roles: []registry.Role{registry.RoleValidator}})
	for i := 1; i <= 4; i++ {
		n.specs = append(n.specs, genesis.NodeSpec{Entity: seeded(1, i), Node: seeded(2, i), VRF: seeded(3, i), Roles: []registry.Role{registry.RoleCompute, registry.RoleStorage}})
	}
	n.doc = genesis.Build(genesis.NetworkSpec{ChainID: "atoll-test", EpochInterval: 3, Nodes: n.specs, SVM: true, GroupSize: 2, BackupSize: 1, StorageSize: 2})
	return n
}

// panicService is an extra service whose handler panics, to prove the
// application survives it.
type panicService struct{}

func (panicService) Name() string { return "boom" }
func (panicService) ExecTx(ctx *service.Context, method string, _ []byte) error {
	ctx.KV.Set([]byte("boom/written"), []byte{1})
	var m map[string]int
	m["x"] = 1 // nil map write: a real runtime panic
	return nil
}
func (panicService) EpochTransition(ctx *service.Context) error {
	// A failing epoch hook loses its writes but does not halt the chain.
	ctx.KV.Set([]byte("boom/epoch"), []byte{1})
	panic("epoch hook bug")
}

// EndBlock counts blocks, proving per-block hooks run and persist.
func (panicService) EndBlock(ctx *service.Context) error {
	n := ctx.KV.Get([]byte("boom/blocks"))
	ctx.KV.Set([]byte("boom/blocks"), append(n, 1))
	ctx.KV.Set([]byte("boom/time"), binary.BigEndian.AppendUint64(nil, uint64(ctx.Time)))
	return nil
}
func (panicService) Query(state.KV, uint64, string, []byte) (any, error) {
	return nil, service.ErrUnknownQuery
}
func (panicService) ChangeParameters(state.KV, []byte, bool) error { return service.ErrInvalid }

func newApp(t *testing.T, n *testNet, onEpoch func(EpochSummary)) *App {
	t.Helper()
	store, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	a := New(store, Options{Extra: []service.Service{panicService{}}, OnEpoch: onEpoch})
	var vals []abci.ValidatorUpdate
	for _, k := range n.valKeys {
		pk, _ := cryptoenc.PubKeyToProto(k.PubKey())
		vals = append(vals, abci.ValidatorUpdate{PubKey: pk, Power: 1})
	}
	if _, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: n.doc.ChainID, InitialHeight: 1,
		AppStateBytes: n.doc.Marshal(), Validators: vals}); err != nil {
		t.Fatal(err)
	}
	return a
}

// blockTxs builds deterministic transactions for height h: transfers, a
// VRF proof from every compute node, a panicking call and garbage.
func (n *testNet) blockTxs(t *testing.T, a *App, h int64) [][]byte {
	cc := n.doc.ChainContext()
	var txs [][]byte
	e0 := n.specs[0].Entity
	nonce := staking.GetAccount(a.store.Committed(), staking.NewAddress(e0.Public())).General.Nonce
	to := staking.NewAddress(n.specs[1].Entity.Public())
	txs = append(txs, tx.Sign(e0, cc, tx.New(nonce, tx.Fee{Gas: 1000}, "staking.Transfer", staking.TransferBody{To: to, Amount: uint64(h)})).Encode())
	txs = append(txs, tx.Sign(e0, cc, tx.New(nonce+1, tx.Fee{Gas: 1000}, "boom.Now", struct{}{})).Encode())
	txs = append(txs, []byte("not a transaction"))
	kv := a.store.Committed()
	b := beacon.Get(kv)
	if h%3 != 1 { // one proof per node per epoch; epochs start at 1, 4, 7, …
		return txs
	}
	for _, s := range n.specs[1:] {
		nn := staking.GetAccount(kv, staking.NewAddress(s.Node.Public())).General.Nonce
		proof := beacon.Prove(s.VRF.PrivateKey(), cc, b.Epoch+1, b.Entropy)
		txs = append(txs, tx.Sign(s.Node, cc, tx.New(nn, tx.Fee{Gas: 1000}, "beacon.VRFProve", beacon.ProveBody{Epoch: b.Epoch + 1, Proof: proof})).Encode())
	}
	return txs
}

func runBlock(t *testing.T, a *App, h int64, txs [][]byte) *abci.ResponseFinalizeBlock {
	t.Helper()
	res, err := a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: h, Txs: txs})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		t.Fatal(err)
	}
	return res
}

// Services see the block's consensus time, not a local clock.
func TestApp_BlockTimeReachesServices(t *testing.T) {
	n := newTestNet()
	a := newApp(t, n, nil)
	when := time.Unix(1_800_000_123, 0)
	if _, err := a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: 1, Time: when}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		t.Fatal(err)
	}
	if got := binary.BigEndian.Uint64(a.store.Committed().Get([]byte("boom/time"))); got != uint64(when.Unix()) {
		t.Fatalf("service saw time %d, want %d", got, when.Unix())
	}
}

func TestApp_Determinism(t *testing.T) {
	n := newTestNet()
	var epochs []EpochSummary
	a := newApp(t, n, func(s EpochSummary) { epochs = append(epochs, s) })
	b := newApp(t, n, nil)
	if !bytes.Equal(a.AppHash(), b.AppHash()) {
		t.Fatal("genesis app hashes differ")
	}
	for h := int64(1); h <= 10; h++ {
		txs := n.blockTxs(t, a, h)
		ra := runBlock(t, a, h, txs)
		rb := runBlock(t, b, h, txs)
		if !bytes.Equal(ra.AppHash, rb.AppHash) {
			t.Fatalf("height %d: app hashes differ", h)
		}
		codes := []uint32{CodeOK, CodePanic, CodeMalformed, CodeOK, CodeOK, CodeOK, CodeOK}
		if len(ra.TxResults) != len(txs) {
			t.Fatalf("height %d: %d results for %d txs", h, len(ra.TxResults), len(txs))
		}
		for i, r := range ra.TxResults {
			if r.Code != codes[i] {
				t.Fatalf("height %d tx %d: code %d (%s), want %d", h, i, r.Code, r.Log, codes[i])
			}
		}
	}
	if a.store.Committed().Get([]byte("boom/written")) != nil || a.store.Committed().Get([]byte("boom/epoch")) != nil {
		t.Fatal("a panicking transaction or hook left a write behind")
	}
	if n := len(a.store.Committed().Get([]byte("boom/blocks"))); n != 10 {
		t.Fatalf("EndBlock ran %d times in 10 blocks", n)
	}
	if len(epochs) < 4 {
		t.Fatalf("saw %d epoch summaries, want at least 4", len(epochs))
	}
	last := epochs[len(epochs)-1]
	if last.Insecure {
		t.Fatal("beacon used the fallback although every compute node submitted a proof")
	}
	if len(last.Suspended) != 0 {
		t.Fatalf("runtime suspended: %v", last.Suspended)
	}
	for _, c := range last.Committees {
		if len(c.Members) == 0 {
			t.Fatalf("empty %s committee", c.Kind)
		}
	}
}

func TestApp_CheckTxErrors(t *testing.T) {
	n := newTestNet()
	a := newApp(t, n, nil)
	cc := n.doc.ChainContext()
	e0 := n.specs[0].Entity
	stranger := seeded(9, 9)
	to := staking.NewAddress(n.specs[1].Entity.Public())
	transfer := func(s *signature.Signer, nonce uint64, fee tx.Fee, amount uint64) []byte {
		return tx.Sign(s, cc, tx.New(nonce, fee, "staking.Transfer", staking.TransferBody{To: to, Amount: amount})).Encode()
	}
	wrongChain := tx.Sign(e0, bytes.Repeat([]byte{1}, 32), tx.New(0, tx.Fee{Gas: 1000}, "staking.Transfer", staking.TransferBody{To: to, Amount: 1})).Encode()
	big := tx.Sign(e0, cc, tx.New(0, tx.Fee{Gas: 1000}, "staking.Transfer", bytes.Repeat([]byte{1}, 40<<10))).Encode()
	foreignNode := registry.SignNode(stranger, cc, &registry.Node{ID: stranger.Public(), EntityID: e0.Public(), Expiration: 2, Roles: []registry.Role{registry.RoleClient}})
	cases := []struct {
		name string
		tx   []byte
		code uint32
	}{
		{"ok", transfer(e0, 0, tx.Fee{Gas: 1000}, 5), CodeOK},
		{"replayed nonce", transfer(e0, 0, tx.Fee{Gas: 1000}, 5), CodeBadNonce},
		{"future nonce", transfer(e0, 7, tx.Fee{Gas: 1000}, 5), CodeBadNonce},
		{"too little gas", transfer(e0, 1, tx.Fee{Gas: 1}, 5), CodeFee},
		{"wrong chain", wrongChain, CodeBadSignature},
		{"too large", big, CodeTooLarge},
		{"unknown service", tx.Sign(e0, cc, tx.New(1, tx.Fee{Gas: 1000}, "nope.Do", struct{}{})).Encode(), CodeUnknownMethod},
		{"unknown method", tx.Sign(e0, cc, tx.New(1, tx.Fee{Gas: 1000}, "staking.Mint", struct{}{})).Encode(), CodeUnknownMethod},
		{"bad body", tx.Sign(e0, cc, tx.New(2, tx.Fee{Gas: 1000}, "staking.Transfer", "x")).Encode(), CodeBadBody},
		{"insufficient funds", transfer(e0, 3, tx.Fee{Gas: 1000}, 1<<62), CodeFunds},
		{"node not vouched", tx.Sign(e0, cc, tx.New(4, tx.Fee{Gas: 1000}, "registry.RegisterNode", foreignNode)).Encode(), CodeForbidden},
		{"permission: node signed for other entity", tx.Sign(stranger, cc, tx.New(0, tx.Fee{Gas: 1000}, "registry.RegisterNode", foreignNode)).Encode(), CodeForbidden},
	}
	for _, c := range cases {
		res, err := a.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: c.tx})
		if err != nil {
			t.Fatal(err)
		}
		if res.Code != c.code {
			t.Errorf("%s: code %d (%s), want %d", c.name, res.Code, res.Log, c.code)
		}
		if res.Code != CodeOK && res.Log == "" {
			t.Errorf("%s: rejected without a message", c.name)
		}
	}
}

func TestApp_Query(t *testing.T) {
	n := newTestNet()
	a := newApp(t, n, nil)
	res, _ := a.Query(context.Background(), &abci.RequestQuery{Path: "scheduler/committees"})
	var committees []map[string]any
	if err := json.Unmarshal(res.Value, &committees); err != nil || len(committees) != 2 {
		t.Fatalf("committees: %s %v", res.Value, err)
	}
	res, _ = a.Query(context.Background(), &abci.RequestQuery{Path: "nothing/here"})
	if res.Code == CodeOK {
		t.Fatal("unknown query path answered OK")
	}
}

func TestApp_InitChainRejects(t *testing.T) {
	n := newTestNet()
	store, _ := state.Open(t.TempDir())
	defer store.Close()
	a := New(store, Options{})
	_, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: n.doc.ChainID, InitialHeight: 1, AppStateBytes: n.doc.Marshal()})
	if !errors.Is(err, ErrValidators) {
		t.Fatalf("missing validators: %v", err)
	}
	_, err = a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: "other", InitialHeight: 1, AppStateBytes: n.doc.Marshal()})
	if !errors.Is(err, genesis.ErrInvalid) {
		t.Fatalf("chain id mismatch: %v", err)
	}
}

func BenchmarkApp_FinalizeBlock(b *testing.B) {
	n := newTestNet()
	a := newAppB(b, n)
	cc := n.doc.ChainContext()
	e0 := n.specs[0].Entity
	to := staking.NewAddress(n.specs[1].Entity.Public())
	b.ReportAllocs()
	nonce := uint64(0)
	for i := 0; i < b.N; i++ {
		b.StopTimer() // signing is the client's cost, not the node's
		txs := make([][]byte, 100)
		for j := range txs {
			txs[j] = tx.Sign(e0, cc, tx.New(nonce, tx.Fee{Gas: 1000}, "staking.Transfer", staking.TransferBody{To: to, Amount: 1})).Encode()
			nonce++
		}
		b.StartTimer()
		if _, err := a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: int64(i + 1), Txs: txs}); err != nil {
			b.Fatal(err)
		}
		if _, err := a.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "tx/s")
}

func newAppB(b *testing.B, n *testNet) *App {
	store, err := state.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	a := New(store, Options{})
	var vals []abci.ValidatorUpdate
	for _, k := range n.valKeys {
		pk, _ := cryptoenc.PubKeyToProto(k.PubKey())
		vals = append(vals, abci.ValidatorUpdate{PubKey: pk, Power: 1})
	}
	if _, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: n.doc.ChainID, InitialHeight: 1, AppStateBytes: n.doc.Marshal(), Validators: vals}); err != nil {
		b.Fatal(fmt.Sprint(err))
	}
	return a
}

// TestApp_CrashReplay reopens the store mid-chain, and drops a finalized but
// uncommitted block (a crash between FinalizeBlock and Commit, after which
// CometBFT replays the block); hashes must match an uninterrupted instance.
func TestApp_CrashReplay(t *testing.T) {
	n := newTestNet()
	ref := newApp(t, n, nil)
	dir := t.TempDir()
	store, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Extra: []service.Service{panicService{}}}
	a := New(store, opts)
	if _, err := a.InitChain(context.Background(), initChainReq(n)); err != nil {
		t.Fatal(err)
	}
	for h := int64(1); h <= 8; h++ {
		txs := n.blockTxs(t, ref, h)
		want := runBlock(t, ref, h, txs).AppHash
		if h == 4 {
			// Crash after FinalizeBlock, before Commit.
			if _, err := a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: h, Txs: txs}); err != nil {
				t.Fatal(err)
			}
			store.Close()
			if store, err = state.Open(dir); err != nil {
				t.Fatal(err)
			}
			a = New(store, opts)
			info, _ := a.Info(context.Background(), &abci.RequestInfo{})
			if info.LastBlockHeight != 3 {
				t.Fatalf("after crash Info reports height %d, want 3", info.LastBlockHeight)
			}
		}
		if got := runBlock(t, a, h, txs).AppHash; !bytes.Equal(got, want) {
			t.Fatalf("height %d: hash after restart differs", h)
		}
	}
	store.Close()
}

func TestApp_Proposals(t *testing.T) {
	n := newTestNet()
	a := newApp(t, n, nil)
	good := tx.Sign(n.specs[0].Entity, n.doc.ChainContext(), tx.New(0, tx.Fee{Gas: 1000}, "staking.Transfer", staking.TransferBody{Amount: 1})).Encode()
	garbage := []byte("garbage")
	prep, _ := a.PrepareProposal(context.Background(), &abci.RequestPrepareProposal{Txs: [][]byte{garbage, good, good}, MaxTxBytes: int64(2*len(good) - 1)})
	if len(prep.Txs) != 1 || !bytes.Equal(prep.Txs[0], good) {
		t.Fatalf("prepared %d txs, want the one good tx within MaxTxBytes", len(prep.Txs))
	}
	cases := []struct {
		txs  [][]byte
		want abci.ResponseProcessProposal_ProposalStatus
	}{
		{[][]byte{good}, abci.ResponseProcessProposal_ACCEPT},
		{nil, abci.ResponseProcessProposal_ACCEPT},
		{[][]byte{good, garbage}, abci.ResponseProcessProposal_REJECT},
	}
	for i, c := range cases {
		res, _ := a.ProcessProposal(context.Background(), &abci.RequestProcessProposal{Txs: c.txs})
		if res.Status != c.want {
			t.Errorf("case %d: %v, want %v", i, res.Status, c.want)
		}
	}
}

// TestApp_GovernanceChangesLimits changes the transaction size limit and
// CometBFT's block limits by proposal and validator vote, without restart.
func TestApp_GovernanceChangesLimits(t *testing.T) {
	n := newTestNet()
	a := newApp(t, n, nil)
	cc := n.doc.ChainContext()
	e0 := n.specs[0].Entity // the validator's entity
	big := func(nonce uint64) []byte {
		return tx.Sign(e0, cc, tx.New(nonce, tx.Fee{Gas: 1000}, "staking.Transfer", bytes.Repeat([]byte{1}, 40<<10))).Encode()
	}
	if res, _ := a.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: big(0)}); res.Code != CodeTooLarge {
		t.Fatalf("40 KiB tx under the 32 KiB limit: code %d", res.Code)
	}
	limits := ConsensusLimits{MaxTxSize: 64 << 10, MaxBlockBytes: 4 << 20, MaxBlockGas: -1}
	submit := tx.Sign(e0, cc, tx.New(0, tx.Fee{Gas: 1000}, "governance.SubmitProposal", governance.SubmitBody{
		Content: governance.ChangeParameters{Module: ConsensusName, Changes: codec.Marshal(limits)}}))
	vote := tx.Sign(e0, cc, tx.New(1, tx.Fee{Gas: 1000}, "governance.CastVote", governance.VoteBody{ID: 0, Vote: governance.VoteYes}))
	var update *abci.ResponseFinalizeBlock
	for h := int64(1); h <= 9; h++ {
		var txs [][]byte
		if h == 1 {
			txs = [][]byte{submit.Encode(), vote.Encode()}
		}
		res := runBlock(t, a, h, txs)
		for i, r := range res.TxResults {
			if r.Code != CodeOK {
				t.Fatalf("height %d tx %d: %s", h, i, r.Log)
			}
		}
		if res.ConsensusParamUpdates != nil {
			update = res
		}
	}
	if update == nil || update.ConsensusParamUpdates.Block.MaxBytes != 4<<20 {
		t.Fatalf("no block limit update handed to CometBFT")
	}
	if res, _ := a.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: big(2)}); res.Code == CodeTooLarge {
		t.Fatalf("40 KiB tx still too large after the enacted change: %s", res.Log)
	}
}
