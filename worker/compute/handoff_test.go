package compute

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
	wrt "github.com/atoll-dev/atoll/worker/runtime"
	"github.com/atoll-dev/atoll/worker/storage"
	"github.com/atoll-dev/atoll/worker/txpool"
)

// TestHandoff_CommitteeChange: a transaction is submitted to the only
// worker of the committee, which never gets it finalized (it straggles:
// its rounds fail), so when the epoch ends the transaction sits in the pool
// of a node that is no longer the worker. That node hands it to the new
// committee, whose round finalizes it, and the client that submitted it to
// the old worker gets its result.
func TestHandoff_CommitteeChange(t *testing.T) {
	const epoch = 80 // blocks
	bn := startByzNet(t, byzOpts{workers: 1, backups: 0, storage: 2, nodes: 3, roundTimeout: 20, proposerTimeout: 10, epochInterval: epoch})
	bn.waitRound(t, 1)
	ctx := context.Background()
	v, err := NewHostChain(bn.chain).View(ctx, genesis.SVMRuntimeID)
	if err != nil {
		t.Fatal(err)
	}
	bn.rename(v.Workers[0], "F")
	fi, f := bn.member(v.Workers[0])
	_, latest := bn.latest(t)
	// F straggles from two rounds on (it may already be working on the
	// next) for far longer than the test.
	for r := latest + 2; r < latest+5000; r++ {
		bn.schedules[fi].schedule(r, Faults{Straggler: true})
	}
	bn.waitRound(t, latest+1)
	for f.worker.LatestHeader() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := f.worker.SubmitTx(sctx, transfer(t, 7, 1e9, f.worker.LatestHeader().Hash()))
	if err != nil {
		nv, _ := NewHostChain(bn.chain).View(ctx, genesis.SVMRuntimeID)
		t.Fatalf("transaction submitted to the straggling worker: %v (epoch %d, workers %v, F's pool %d)", err, nv.Epoch, names(bn, nv.Workers), f.worker.cfg.Pool.Len())
	}
	if res.Code != hosted.CodeOK {
		t.Fatalf("result %+v", res)
	}
	if s := bn.schedulersOf(res.Round); len(s) == 0 || slices.Contains(s, "F") {
		t.Errorf("round %d was proposed by %v, want a worker of a later committee", res.Round, s)
	}
	waitFor(t, "F's pool to forget the landed transaction", func() bool { return f.worker.cfg.Pool.Len() == 0 })
}

// BenchmarkHandoff_Recheck measures what a hand-off costs a node per
// message of transactions: rechecking 1,024 pooled transfers in the SVM
// runtime (in process: signatures, fee payers' proofs, blockhashes).
func BenchmarkHandoff_Recheck(b *testing.B) {
	funded := []svm.AccountWrite{{Key: payerPub(), Account: sol.Account{Lamports: 1e15, Owner: svm.SystemProgramID}}}
	wl, root, err := wrt.Genesis(hosted.Config{}, funded)
	if err != nil {
		b.Fatal(err)
	}
	rep, err := storage.OpenReplica(b.TempDir(), mkvs.Namespace(genesis.SVMRuntimeID), true)
	if err != nil {
		b.Fatal(err)
	}
	defer rep.Close()
	if err := wrt.SeedGenesis(rep.KV, wl, root); err != nil {
		b.Fatal(err)
	}
	exec, err := wrt.NewInProcess(rep.KV, nil)
	if err != nil {
		b.Fatal(err)
	}
	pool := txpool.New(txpool.Config{}, exec)
	recent := [32]byte{9}
	bc := rhp.BlockContext{Slot: 1, RecentBlockhashes: []rhp.Hash{recent}, ActiveFeatures: []rhp.Hash{}}
	r := rhp.Root{Version: 0, Hash: rhp.Hash(root)}
	txs := make([][]byte, maxAdmitBatch)
	for i := range txs {
		txs[i] = transfer(b, byte(i), uint64(1+i), recent)
	}
	errs, err := pool.Add(context.Background(), r, bc, txs)
	if err != nil || errs[0] != nil {
		b.Fatal(err, errs[0])
	}
	for b.Loop() {
		live, err := pool.Recheck(context.Background(), r, bc, txs)
		if err != nil || len(live) != len(txs) {
			b.Fatal(len(live), err)
		}
	}
}

// TestHandoff_GossipLost: a transaction submitted to a node outside the
// committee while the committee's only worker is down is gossiped to
// nobody. Once the worker is back (same committee, its pool empty), the
// node hands the still pending transaction to it at its next periodic
// hand-off, and it is finalized.
func TestHandoff_GossipLost(t *testing.T) {
	tn := startNet(t, netOpts{workers: 1, backups: 0, storage: 2, nodes: 2, minWrite: 1, handoff: 200 * time.Millisecond})
	tn.waitRound(t, 1)
	v, err := NewHostChain(tn.chain).View(context.Background(), genesis.SVMRuntimeID)
	if err != nil {
		t.Fatal(err)
	}
	wi := 0
	if tn.members[1].id.Public() == v.Workers[0] {
		wi = 1
	}
	n := tn.members[1-wi].worker
	for n.LatestHeader() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	tn.killMember(wi)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	type outcome struct {
		res *TxResult
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := n.SubmitTx(ctx, transfer(t, 9, 1e9, n.LatestHeader().Hash()))
		done <- outcome{res, err}
	}()
	waitFor(t, "the transaction in the node's pool", func() bool { return n.cfg.Pool.Len() == 1 })
	tn.startMember(context.Background(), wi)
	o := <-done
	if o.err != nil || o.res.Code != hosted.CodeOK {
		t.Fatalf("transaction whose gossip was lost: %+v %v; events %v", o.res, o.err, tn.chain.eventTypes(tn.names))
	}
}

// TestHandoff_RelayedGossip: gossip reaching a node outside the committee
// (sent by a peer whose view still had it as a worker) is passed on to the
// committee at once, not left for a hand-off (which this test puts an hour
// away), and lands.
func TestHandoff_RelayedGossip(t *testing.T) {
	tn := startNet(t, netOpts{workers: 1, backups: 0, storage: 2, nodes: 2, minWrite: 1, handoff: time.Hour})
	tn.waitRound(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := NewHostChain(tn.chain).View(ctx, genesis.SVMRuntimeID)
	if err != nil {
		t.Fatal(err)
	}
	wi := 0
	if tn.members[1].id.Public() == v.Workers[0] {
		wi = 1
	}
	n, worker := tn.members[1-wi].worker, tn.members[wi].worker
	for n.LatestHeader() == nil || worker.LatestHeader() == nil || min(n.LatestHeader().Round, worker.LatestHeader().Round) < 2 {
		time.Sleep(10 * time.Millisecond)
	}
	// A blockhash both nodes have seen, whichever of them is ahead.
	h1, err := NewHostChain(tn.chain).Header(ctx, genesis.SVMRuntimeID, 1)
	if err != nil {
		t.Fatal(err)
	}
	tx := transfer(t, 11, 1e9, h1.Hash())
	h := txpool.HashOf(tx)
	landed := make(chan outcome, 1)
	n.mu.Lock()
	n.waiters[h] = append(n.waiters[h], landed)
	n.mu.Unlock()
	defer n.dropWaiter(h, landed)
	// What the p2p handler does with a peer's gossip.
	if errs := <-n.enqueueFrom([][]byte{tx}, nil, false, true); errs[0] != nil {
		t.Fatalf("the node refused the gossiped transaction: %v", errs[0])
	}
	select {
	case o := <-landed:
		if o.err != nil || o.res.Code != hosted.CodeOK {
			t.Fatalf("relayed transaction: %+v %v", o.res, o.err)
		}
	case <-ctx.Done():
		t.Fatalf("the gossiped transaction never landed (the node's pool holds %d)", n.cfg.Pool.Len())
	}
}
