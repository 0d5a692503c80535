package rpcnode

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmted "github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/atoll-dev/atoll/consensus/app"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/roothash"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/consensus/state"
	"github.com/atoll-dev/atoll/consensus/tx"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/worker/compute"
	"github.com/atoll-dev/atoll/worker/p2p"
	wrt "github.com/atoll-dev/atoll/worker/runtime"
	"github.com/atoll-dev/atoll/worker/storage"
	"github.com/atoll-dev/atoll/worker/txpool"
)

// chainNet runs the real consensus application with the real roothash
// service block by block on a timer (no CometBFT: one process, one
// proposer) and serves it to the workers as a node.Host, so the workers
// and the backend use compute.HostChain exactly as in a node. It is the
// harness the worker tests use.
type chainNet struct {
	t     testing.TB
	app   *app.App
	store *state.Store
	cc    []byte

	blockMu sync.Mutex // held while a block is made; Submit waits for it
	mu      sync.Mutex
	height  int64
	pending [][]byte
	nonces  map[signature.PublicKey]uint64
	changed chan struct{}
	epoch   chan struct{}
}

func (n *chainNet) ChainContext() []byte { return n.cc }

func (n *chainNet) Query(ctx context.Context, path string, data []byte, out any) error {
	res, err := n.app.Query(ctx, &abci.RequestQuery{Path: path, Data: data})
	if err != nil {
		return err
	}
	if res.Code != 0 {
		return fmt.Errorf("query %s: %s", path, res.Log)
	}
	return json.Unmarshal(res.Value, out)
}

func (n *chainNet) Submit(ctx context.Context, s *signature.Signer, method string, body any) error {
	n.blockMu.Lock()
	defer n.blockMu.Unlock()
	n.mu.Lock()
	defer n.mu.Unlock()
	nonce, ok := n.nonces[s.Public()]
	if !ok {
		nonce = staking.GetAccount(n.store.Committed(), staking.NewAddress(s.Public())).General.Nonce
	}
	raw := tx.Sign(s, n.cc, tx.New(nonce, tx.Fee{Gas: 1000}, method, body)).Encode()
	res, err := n.app.CheckTx(ctx, &abci.RequestCheckTx{Tx: raw})
	if err != nil {
		return err
	}
	if res.Code != 0 {
		return fmt.Errorf("%s rejected: %s", method, res.Log)
	}
	n.nonces[s.Public()] = nonce + 1
	n.pending = append(n.pending, raw)
	return nil
}

func (n *chainNet) EpochChanged() <-chan struct{} { return n.epoch }

func (n *chainNet) block() {
	n.blockMu.Lock()
	defer n.blockMu.Unlock()
	n.mu.Lock()
	n.height++
	txs := n.pending
	n.pending, n.nonces = nil, map[signature.PublicKey]uint64{}
	h := n.height
	n.mu.Unlock()
	if _, err := n.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: h, Txs: txs, Time: time.Unix(1_700_000_000+h, 0)}); err != nil {
		n.t.Error(err)
		return
	}
	if _, err := n.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		n.t.Error(err)
		return
	}
	n.mu.Lock()
	close(n.changed)
	n.changed = make(chan struct{})
	n.mu.Unlock()
}

func seeded(b byte, i int) *signature.Signer {
	s, err := signature.SignerFromSeed(bytes.Repeat([]byte{b, byte(i)}, 16))
	if err != nil {
		panic(err)
	}
	return s
}

// member is one compute-and-storage node of the test network.
type member struct {
	id, p2p *signature.Signer
	l       net.Listener
	replica *storage.Replica
	srv     *p2p.Server
	worker  *compute.Worker
}

type netOpts struct {
	workers, backups, storage uint16
	nodes                     int
	// payers are funded at genesis.
	payers []ed25519.PrivateKey
}

type testNet struct {
	chain   *chainNet
	members []*member
	rtCfg   hosted.Config
}

// startNet starts o.nodes compute-and-storage nodes (committees of
// o.workers workers, o.backups backups, o.storage storage nodes) over P2P
// on loopback, and the consensus application making a block every 15ms.
func startNet(t testing.TB, o netOpts) *testNet {
	t.Helper()
	val := cmted.GenPrivKeyFromSecret([]byte("rpcnode-validator"))
	var cons signature.PublicKey
	copy(cons[:], val.PubKey().Bytes())
	specs := []genesis.NodeSpec{{Entity: seeded(1, 0), Node: seeded(2, 0), VRF: seeded(3, 0), Consensus: cons, Roles: []registry.Role{registry.RoleValidator}}}
	tn := &testNet{}
	for i := 1; i <= o.nodes; i++ {
		specs = append(specs, genesis.NodeSpec{Entity: seeded(1, i), Node: seeded(2, i), VRF: seeded(3, i), Roles: []registry.Role{registry.RoleCompute, registry.RoleStorage}})
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		tn.members = append(tn.members, &member{id: seeded(2, i), p2p: seeded(4, i), l: l})
	}
	doc := genesis.Build(genesis.NetworkSpec{ChainID: "rpcnode-test", EpochInterval: 100_000, Nodes: specs, SVM: true,
		GroupSize: o.workers, BackupSize: o.backups, StorageSize: o.storage})
	var funded []svm.AccountWrite
	for _, k := range o.payers {
		funded = append(funded, svm.AccountWrite{Key: sol.Pubkey(k.Public().(ed25519.PublicKey)), Account: sol.Account{Lamports: 1e15, Owner: svm.SystemProgramID}})
	}
	genesisLog, genesisRoot, err := wrt.Genesis(tn.rtCfg, funded)
	if err != nil {
		t.Fatal(err)
	}
	rt := doc.Registry.Runtimes[0]
	rt.GenesisStateRoot = genesisRoot
	rt.Executor.RoundTimeout, rt.Executor.ProposerTimeout, rt.Executor.BatchFlushTimeout = 30, 10, 30
	for i, m := range tn.members {
		doc.Registry.Nodes[i+1].P2P = registry.P2PInfo{ID: m.p2p.Public(), Addresses: []string{m.l.Addr().String()}}
	}
	store, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	a := app.New(store, app.Options{Extra: []service.Service{roothash.New()}})
	if _, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: doc.ChainID, InitialHeight: 1, AppStateBytes: doc.Marshal(),
		Validators: []abci.ValidatorUpdate{abci.UpdateValidator(val.PubKey().Bytes(), 1, "ed25519")}}); err != nil {
		t.Fatal(err)
	}
	tn.chain = &chainNet{t: t, app: a, store: store, cc: doc.ChainContext(), nonces: map[signature.PublicKey]uint64{}, changed: make(chan struct{}), epoch: make(chan struct{})}
	registered := map[signature.PublicKey]bool{}
	for _, m := range tn.members {
		registered[m.p2p.Public()] = true
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, m := range tn.members {
		if m.replica, err = storage.OpenReplica(t.TempDir(), mkvs.Namespace(genesis.SVMRuntimeID), true); err != nil {
			t.Fatal(err)
		}
		if err := wrt.SeedGenesis(m.replica.KV, genesisLog, genesisRoot); err != nil {
			t.Fatal(err)
		}
		exec, err := wrt.NewInProcess(m.replica.KV, nil)
		if err != nil {
			t.Fatal(err)
		}
		client := p2p.NewClient(m.p2p)
		m.worker = compute.New(compute.Config{Runtime: genesis.SVMRuntimeID, Identity: m.id, Chain: compute.NewHostChain(tn.chain), Replica: m.replica,
			Exec: exec, Pool: txpool.New(txpool.Config{}, exec), P2P: client, PollInterval: 20 * time.Millisecond})
		sn := &storage.Node{Runtime: genesis.SVMRuntimeID, Signer: m.id, ChainContext: tn.chain.cc, Replica: m.replica}
		if m.srv, err = p2p.NewServer(m.p2p, func(k signature.PublicKey) bool { return registered[k] }); err != nil {
			t.Fatal(err)
		}
		m.srv.HandleCompute(genesis.SVMRuntimeID, m.worker.P2PHandler())
		m.srv.HandleStorage(genesis.SVMRuntimeID, sn)
		go m.srv.Serve(m.l)
		wg.Add(2)
		go func() {
			defer wg.Done()
			m.worker.Run(ctx, tn.chain)
		}()
		go func() {
			defer wg.Done()
			(&storage.Answerer{Node: sn, Poll: 20 * time.Millisecond}).Run(ctx, tn.chain)
		}()
		t.Cleanup(func() {
			client.Close()
			exec.Close()
		})
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(15 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				tn.chain.block()
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		for _, m := range tn.members {
			m.srv.Stop()
		}
		wg.Wait()
		for _, m := range tn.members {
			m.replica.Close()
		}
	})
	return tn
}

// backend starts a Backend over member i until the test ends, and waits
// until it indexed a round.
func (tn *testNet) backend(t testing.TB, i int, faucet ed25519.PrivateKey) *Backend {
	t.Helper()
	m := tn.members[i]
	b, err := New(Config{Runtime: genesis.SVMRuntimeID, Replica: m.replica, Compute: m.worker, Chain: compute.NewHostChain(tn.chain),
		RuntimeConfig: tn.rtCfg, Identity: sol.Pubkey(m.id.Public()), Faucet: faucet})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Run(ctx, nil)
	}()
	// The backend stops before the replicas close.
	t.Cleanup(func() {
		cancel()
		<-done
	})
	deadline := time.Now().Add(60 * time.Second)
	for b.Health() != nil || b.Slot(0) < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("backend not ready: %v", b.Health())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return b
}

// advance waits until b indexed at least one more round.
func advance(t testing.TB, b *Backend) {
	t.Helper()
	s := b.Slot(0)
	deadline := time.Now().Add(30 * time.Second)
	for b.Slot(0) <= s {
		if time.Now().After(deadline) {
			t.Fatalf("no round after %d in 30s", s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func key(seed byte) ed25519.PrivateKey { return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, 32)) }
