package compute

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmted "github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/atoll-dev/atoll/consensus/app"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/consensus/roothash"
	rhapi "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/service"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/consensus/state"
	"github.com/atoll-dev/atoll/consensus/tx"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/worker/p2p"
	wrt "github.com/atoll-dev/atoll/worker/runtime"
	"github.com/atoll-dev/atoll/worker/storage"
	"github.com/atoll-dev/atoll/worker/txpool"
)

// chainNet runs the real consensus application, with the real roothash
// service, block by block on a timer (no CometBFT: one process, one
// proposer), and serves it to the workers as a node.Host, so the workers
// use HostChain exactly as in a node.
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
	events  []abci.Event
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
	res, err := n.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: h, Txs: txs, Time: time.Unix(h, 0)})
	if err != nil {
		n.t.Error(err)
		return
	}
	if _, err := n.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		n.t.Error(err)
		return
	}
	n.mu.Lock()
	for _, r := range res.TxResults {
		n.events = append(n.events, r.Events...)
	}
	n.events = append(n.events, res.Events...)
	close(n.changed)
	n.changed = make(chan struct{})
	n.mu.Unlock()
}

// eventTypes lists the roothash events so far, with their node attribute
// (named by idx) when they have one.
func (n *chainNet) eventTypes(names map[signature.PublicKey]string) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, e := range n.events {
		if !strings.HasPrefix(e.Type, "roothash.") {
			continue
		}
		s := e.Type
		for _, a := range e.Attributes {
			if a.Key == "node" {
				var k signature.PublicKey
				if k.UnmarshalText([]byte(a.Value)) == nil {
					s += " " + names[k]
				}
			}
		}
		out = append(out, s)
	}
	return out
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
	name    string
	id, p2p *signature.Signer
	l       net.Listener
	replica *storage.Replica
	srv     *p2p.Server
	worker  *Worker
	store   *storage.Node
	dir     string
	addr    string
	cancel  context.CancelFunc
	done    sync.WaitGroup
}

type netOpts struct {
	workers, backups, storage uint16
	nodes                     int
	faults                    map[int]Faults
	storageFaults             map[int]storage.Faults
	// onFetchFailure hears of every storage peer that failed a member's fetch.
	onFetchFailure func(reporter *member, p p2p.Peer)
	onCommit       func(*rhapi.SignedCommitment)
	// minWrite, when set, overrides MinWriteReplication (StorageSize).
	minWrite uint16
	// payers are funded at genesis besides the default payer.
	payers []ed25519.PrivateKey
	// handoff, when set, is every worker's Config.HandoffInterval.
	handoff time.Duration
	// proposerTimeout, when set, overrides the runtime's ProposerTimeout
	// (blocks of 15 ms): a network that must see no backup proposal under
	// a loaded machine's delays gives the primary longer.
	proposerTimeout uint64
}

var payer = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{42}, 32))

func payerPub() sol.Pubkey { return sol.Pubkey(payer.Public().(ed25519.PublicKey)) }

type testNet struct {
	t           testing.TB
	opts        netOpts
	registered  map[signature.PublicKey]bool
	genesisLog  mkvs.WriteLog
	genesisRoot mkvs.Hash

	chain   *chainNet
	members []*member
	names   map[signature.PublicKey]string
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

func startNet(t testing.TB, o netOpts) *testNet {
	t.Helper()
	val := cmted.GenPrivKeyFromSecret([]byte("worker-validator"))
	var cons signature.PublicKey
	copy(cons[:], val.PubKey().Bytes())
	specs := []genesis.NodeSpec{{Entity: seeded(1, 0), Node: seeded(2, 0), VRF: seeded(3, 0), Consensus: cons, Roles: []registry.Role{registry.RoleValidator}}}
	tn := &testNet{names: map[signature.PublicKey]string{}}
	for i := 1; i <= o.nodes; i++ {
		specs = append(specs, genesis.NodeSpec{Entity: seeded(1, i), Node: seeded(2, i), VRF: seeded(3, i), Roles: []registry.Role{registry.RoleCompute, registry.RoleStorage}})
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		m := &member{name: fmt.Sprintf("n%d", i), id: seeded(2, i), p2p: seeded(4, i), l: l, addr: l.Addr().String()}
		tn.members = append(tn.members, m)
		tn.names[m.id.Public()] = m.name
	}
	doc := genesis.Build(genesis.NetworkSpec{ChainID: "worker-test", EpochInterval: 100_000, Nodes: specs, SVM: true,
		GroupSize: o.workers, BackupSize: o.backups, StorageSize: o.storage})
	funded := []svm.AccountWrite{{Key: payerPub(), Account: sol.Account{Lamports: 1e15, Owner: svm.SystemProgramID}}}
	for _, k := range o.payers {
		funded = append(funded, svm.AccountWrite{Key: sol.Pubkey(k.Public().(ed25519.PublicKey)), Account: sol.Account{Lamports: 1e15, Owner: svm.SystemProgramID}})
	}
	genesisLog, genesisRoot, err := wrt.Genesis(hosted.Config{}, funded)
	if err != nil {
		t.Fatal(err)
	}
	rt := doc.Registry.Runtimes[0]
	rt.GenesisStateRoot = genesisRoot
	rt.Executor.RoundTimeout, rt.Executor.ProposerTimeout, rt.Executor.BatchFlushTimeout = 30, 10, 30
	if o.proposerTimeout != 0 {
		rt.Executor.ProposerTimeout = o.proposerTimeout
		rt.Executor.RoundTimeout = max(rt.Executor.RoundTimeout, 3*o.proposerTimeout)
	}
	if o.minWrite != 0 {
		rt.Storage.MinWriteReplication = o.minWrite
	}
	for i, m := range tn.members {
		doc.Registry.Nodes[i+1].P2P = registry.P2PInfo{ID: m.p2p.Public(), Addresses: []string{m.l.Addr().String()}}
	}
	tn.chain = newChainNet(t, doc, val)
	registered := map[signature.PublicKey]bool{}
	for _, m := range tn.members {
		registered[m.p2p.Public()] = true
	}
	ctx, cancel := context.WithCancel(context.Background())
	tn.cancel = cancel
	tn.t, tn.opts, tn.registered, tn.genesisLog, tn.genesisRoot = t, o, registered, genesisLog, genesisRoot
	for i, m := range tn.members {
		m.dir = t.TempDir()
		tn.startMember(ctx, i)
	}
	tn.makeBlocks(ctx)
	t.Cleanup(tn.stop)
	return tn
}

// newChainNet opens the consensus app of doc, with val its only validator,
// on a fresh state store.
func newChainNet(t testing.TB, doc *genesis.Document, val cmted.PrivKey) *chainNet {
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
	return &chainNet{t: t, app: a, store: store, cc: doc.ChainContext(), nonces: map[signature.PublicKey]uint64{}, changed: make(chan struct{}), epoch: make(chan struct{})}
}

// makeBlocks makes a block every 15 ms until ctx ends.
func (tn *testNet) makeBlocks(ctx context.Context) {
	tn.wg.Add(1)
	go func() {
		defer tn.wg.Done()
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
}

// startMember opens member i's stores in its directory (seeding genesis
// the first time) and starts its P2P server, worker and challenge answerer.
func (tn *testNet) startMember(parent context.Context, i int) {
	t, o, m := tn.t, tn.opts, tn.members[i]
	var err error
	if m.replica, err = storage.OpenReplica(m.dir, mkvs.Namespace(genesis.SVMRuntimeID), true); err != nil {
		t.Fatal(err)
	}
	if err := wrt.SeedGenesis(m.replica.KV, tn.genesisLog, tn.genesisRoot); err != nil {
		t.Fatal(err)
	}
	exec, err := wrt.NewInProcess(m.replica.KV, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := p2p.NewClient(m.p2p)
	m.worker = New(Config{Runtime: genesis.SVMRuntimeID, Identity: m.id, Chain: NewHostChain(tn.chain), Replica: m.replica,
		Exec: exec, Pool: txpool.New(txpool.Config{}, exec), P2P: client, Faults: o.faults[i], PollInterval: 20 * time.Millisecond,
		OnCommit: o.onCommit, Logger: testLogger(), HandoffInterval: o.handoff,
		OnFetchFailure: func(p p2p.Peer, _ uint64, _ error) {
			if o.onFetchFailure != nil {
				o.onFetchFailure(m, p)
			}
		}})
	m.store = &storage.Node{Runtime: genesis.SVMRuntimeID, Signer: m.id, ChainContext: tn.chain.cc, Replica: m.replica, Faults: o.storageFaults[i]}
	if m.srv, err = p2p.NewServer(m.p2p, func(k signature.PublicKey) bool { return tn.registered[k] }); err != nil {
		t.Fatal(err)
	}
	m.srv.HandleCompute(genesis.SVMRuntimeID, m.worker.P2PHandler())
	m.srv.HandleStorage(genesis.SVMRuntimeID, m.store)
	if m.l == nil {
		if m.l, err = net.Listen("tcp", m.addr); err != nil {
			t.Fatal(err)
		}
	}
	m.addr = m.l.Addr().String()
	go m.srv.Serve(m.l)
	ctx, cancel := context.WithCancel(parent)
	m.cancel = cancel
	m.done.Add(2)
	go func() {
		defer m.done.Done()
		m.worker.Run(ctx, tn.chain)
	}()
	go func() {
		defer m.done.Done()
		(&storage.Answerer{Node: m.store, Poll: 20 * time.Millisecond}).Run(ctx, tn.chain)
	}()
}

// killMember stops member i as abruptly as the process allows: its worker
// and server stop mid-whatever, its stores close.
func (tn *testNet) killMember(i int) {
	m := tn.members[i]
	if m.cancel == nil {
		return
	}
	m.cancel()
	m.srv.Stop()
	m.done.Wait()
	m.worker.cfg.P2P.Close()
	m.replica.Close()
	m.cancel, m.l = nil, nil
}

func (tn *testNet) stop() {
	tn.cancel()
	tn.wg.Wait()
	for i := range tn.members {
		tn.killMember(i)
	}
}

// transfer is a signed SVM transfer from the payer, valid after the
// finalized header with hash recent.
func transfer(t testing.TB, to byte, lamports uint64, recent [32]byte) []byte {
	return transferFrom(t, payer, to, lamports, recent)
}

func transferFrom(t testing.TB, from ed25519.PrivateKey, to byte, lamports uint64, recent [32]byte) []byte {
	t.Helper()
	src := sol.Pubkey(from.Public().(ed25519.PublicKey))
	dst := sol.Pubkey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{to}, 32)).Public().(ed25519.PublicKey))
	m, err := sol.NewLegacyMessage(src, sol.Hash(recent), svm.Transfer(src, dst, lamports))
	if err != nil {
		t.Fatal(err)
	}
	x := &sol.Transaction{Message: m}
	if err := x.Sign(from); err != nil {
		t.Fatal(err)
	}
	raw, err := x.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// latest returns the latest finalized header hash of the runtime.
func (tn *testNet) latest(t testing.TB) ([32]byte, uint64) {
	t.Helper()
	v, err := NewHostChain(tn.chain).View(context.Background(), genesis.SVMRuntimeID)
	if err != nil {
		t.Fatal(err)
	}
	return v.Latest.Hash(), v.Latest.Round
}

// waitRound waits until the runtime has finalized round r.
func (tn *testNet) waitRound(t testing.TB, r uint64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		v, err := NewHostChain(tn.chain).View(context.Background(), genesis.SVMRuntimeID)
		if err == nil && v.Latest.Round >= r {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("round %d not finalized; events %v", r, tn.chain.eventTypes(tn.names))
}

// testLogger logs to stderr at debug level when ATOLL_WORKER_DEBUG is set.
func testLogger() *slog.Logger {
	if os.Getenv("ATOLL_WORKER_DEBUG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
