package rpcnode

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/registry"
	roothashsvc "github.com/atoll-dev/atoll/consensus/roothash"
	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/worker/compute"
	wrt "github.com/atoll-dev/atoll/worker/runtime"
	"github.com/atoll-dev/atoll/worker/storage"
)

// headerChain is a compute.Chain serving a fixed set of finalized headers,
// like a roothash whose history window dropped the genesis block.
type headerChain struct {
	rt registry.Runtime
	mu sync.Mutex
	hs map[uint64]*roothash.Header
}

func (c *headerChain) ChainContext() []byte { return nil }

func (c *headerChain) View(context.Context, registry.RuntimeID) (*compute.View, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := &compute.View{Runtime: c.rt}
	for _, h := range c.hs {
		if h.Round >= v.Latest.Round {
			v.Latest = *h
		}
	}
	return v, nil
}

func (c *headerChain) Header(_ context.Context, _ registry.RuntimeID, r uint64) (*roothash.Header, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.hs[r]; ok {
		return h, nil
	}
	return nil, fmt.Errorf("block %d is not in the history window", r)
}

func (c *headerChain) SubmitCommitment(context.Context, *signature.Signer, *roothash.SignedCommitment) error {
	return errors.New("read only")
}

func (c *headerChain) Changed() <-chan struct{} { return make(chan struct{}) }

// handRounds builds finalized rounds by hand on a replica, one transfer
// each, and commits their state and IO trees separately, as
// storage.Replica.Finalize does.
type handRounds struct {
	t     *testing.T
	kv    *mkvs.Store
	chain *headerChain
	payer [64]byte
	prev  roothash.Header
	state mkvs.Root  // committed
	tree  *mkvs.Tree // every round made so far, uncommitted
}

type handRound struct {
	h     *roothash.Header
	sig   sol.Signature
	state mkvs.WriteLog
	io    mkvs.WriteLog
}

func newHandRounds(t *testing.T) (*handRounds, *storage.Replica) {
	payer := key(9)
	rep, err := storage.OpenReplica(t.TempDir(), mkvs.Namespace(genesis.SVMRuntimeID), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rep.Close() })
	wl, root, err := wrt.Genesis(hosted.Config{}, []svm.AccountWrite{{Key: client.PubkeyOf(payer), Account: sol.Account{Lamports: 1e12, Owner: svm.SystemProgramID}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := wrt.SeedGenesis(rep.KV, wl, root); err != nil {
		t.Fatal(err)
	}
	rt := registry.Runtime{ID: genesis.SVMRuntimeID, GenesisStateRoot: root}
	g := roothashsvc.GenesisHeader(&rt)
	_, st, _ := rep.Round()
	tree, err := rep.KV.Tree(st)
	if err != nil {
		t.Fatal(err)
	}
	hr := &handRounds{t: t, kv: rep.KV, chain: &headerChain{rt: rt, hs: map[uint64]*roothash.Header{}}, prev: g, state: st, tree: tree}
	copy(hr.payer[:], payer)
	return hr, rep
}

// next makes the round after the previous one: a transfer of lamports,
// with its result, and the header finalizing it (served by the chain).
func (hr *handRounds) next(lamports uint64) *handRound {
	t := hr.t
	to := sol.Pubkey{byte(lamports), 'h'}
	raw, sig, err := client.SignTransaction(sol.Hash(hr.prev.Hash()), hr.payer[:], nil, svm.Transfer(client.PubkeyOf(hr.payer[:]), to, lamports))
	if err != nil {
		t.Fatal(err)
	}
	res := hosted.NewResult(&svm.TxResult{Signature: sig, Processed: true, Fee: 5000, Logs: []string{fmt.Sprintf("moved %d", lamports)},
		Keys: []sol.Pubkey{client.PubkeyOf(hr.payer[:]), to, svm.SystemProgramID}, PreBalances: []uint64{1, 0, 1}, PostBalances: []uint64{1, lamports, 1}})
	enc, err := rhp.Marshal(&res)
	if err != nil {
		t.Fatal(err)
	}
	acct, err := (&sol.Account{Lamports: lamports, Owner: svm.SystemProgramID}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	r := &handRound{sig: sig, state: mkvs.WriteLog{{Key: to[:], Value: acct}},
		io: mkvs.WriteLog{{Key: hosted.ResultKey(0), Value: enc}, {Key: hosted.TxKey(0), Value: raw}}}
	st := hr.tree
	if err := st.ApplyWriteLog(r.state); err != nil {
		t.Fatal(err)
	}
	io := mkvs.NewTree()
	if err := io.ApplyWriteLog(r.io); err != nil {
		t.Fatal(err)
	}
	r.h = &roothash.Header{Namespace: genesis.SVMRuntimeID, Round: hr.prev.Round + 1, Type: roothash.Normal, Timestamp: int64(1000 + hr.prev.Round),
		PreviousHash: hr.prev.Hash(), StateRoot: roothash.Hash(st.Hash()), IORoot: roothash.Hash(io.Hash()), MessagesHash: roothash.MessagesHash(nil)}
	hr.chain.mu.Lock()
	hr.chain.hs[r.h.Round] = r.h
	hr.chain.mu.Unlock()
	hr.prev = *r.h
	return r
}

// commitState commits the round's state tree only: what a reader of the
// replica sees between Finalize's two commits.
func (hr *handRounds) commitState(r *handRound) {
	next := mkvs.Root{Namespace: hr.kv.Namespace(), Version: r.h.Round, Type: mkvs.RootState, Hash: mkvs.Hash(r.h.StateRoot)}
	if err := hr.kv.ApplyWriteLog(hr.state, r.state, next); err != nil {
		hr.t.Fatal(err)
	}
	hr.state = next
}

func (hr *handRounds) commitIO(r *handRound) {
	claimed := mkvs.Root{Namespace: hr.kv.Namespace(), Version: r.h.Round, Type: mkvs.RootIO, Hash: mkvs.Hash(r.h.IORoot)}
	if err := hr.kv.ApplyWriteLog(hr.kv.EmptyRoot(mkvs.RootIO, r.h.Round), r.io, claimed); err != nil {
		hr.t.Fatal(err)
	}
}

// landed checks that r's transfer is visible as finalized, with its
// full result.
func landed(t *testing.T, b *Backend, r *handRound) {
	t.Helper()
	sts, _, err := b.SignatureStatuses([]sol.Signature{r.sig}, false)
	if err != nil || sts[0] == nil || sts[0].Slot != r.h.Round || sts[0].Commitment != rpc.Finalized {
		t.Fatalf("status of the round %d transfer: %+v, %v", r.h.Round, sts, err)
	}
	rec, err := b.Transaction(r.sig, rpc.Finalized)
	if err != nil || rec == nil {
		t.Fatalf("transaction of round %d: %v, %v", r.h.Round, rec, err)
	}
	full, err := rec.Full()
	if err != nil || len(full.Logs) != 1 || full.Fee != 5000 || len(full.PostBalances) != 3 {
		t.Fatalf("full result of round %d: %+v, %v", r.h.Round, full, err)
	}
	infos, err := b.SignaturesForAddress(rec.Result.Keys[1], rpc.SignaturesQuery{Limit: 10}, rpc.Finalized)
	if err != nil || len(infos) != 1 || infos[0].Signature != r.sig {
		t.Fatalf("signatures for the recipient of round %d: %+v, %v", r.h.Round, infos, err)
	}
}

// TestFollower_IOAfterState: the replica commits a round's state before
// its IO tree, and the roothash's history window no longer holds the
// genesis block. The follower must neither fail on the round in between
// nor index it without its transactions, and must compute the genesis
// hash from the runtime descriptor.
func TestFollower_IOAfterState(t *testing.T) {
	hr, rep := newHandRounds(t)
	b, err := New(Config{Runtime: genesis.SVMRuntimeID, Replica: rep})
	if err != nil {
		t.Fatal(err)
	}
	f := &follower{b: b, chain: hr.chain}
	ctx := context.Background()
	if err := f.step(ctx); err != nil {
		t.Fatalf("starting without the genesis block: %v", err)
	}
	if g := roothashsvc.GenesisHeader(&hr.chain.rt); b.GenesisHash() != sol.Hash(g.Hash()) {
		t.Fatalf("genesis hash %s, want %x", b.GenesisHash(), g.Hash())
	}
	r1 := hr.next(7)
	hr.commitState(r1)
	if err := f.step(ctx); err != nil {
		t.Fatalf("round whose IO tree is being committed: %v", err)
	}
	if s := b.Slot(rpc.Finalized); s != 0 {
		t.Fatalf("slot %d before round 1's IO tree is in", s)
	}
	hr.commitIO(r1)
	if err := f.step(ctx); err != nil {
		t.Fatal(err)
	}
	if s := b.Slot(rpc.Finalized); s != 1 {
		t.Fatalf("slot %d, want 1", s)
	}
	landed(t, b, r1)
}

// fixedFetcher answers FetchDiff with fixed IO write logs.
type fixedFetcher map[uint64]mkvs.WriteLog

func (f fixedFetcher) FetchDiff(_ context.Context, h *roothash.Header) (mkvs.WriteLog, mkvs.WriteLog, error) {
	io, ok := f[h.Round]
	if !ok {
		return nil, nil, storage.ErrNotAvailable
	}
	return nil, io, nil
}

// TestFollower_IOMissing: a round whose IO tree the replica never
// committed (a replica restored from a checkpoint) is read from the
// storage peers, whose answer must match the header; without one the
// follower reports the round unavailable instead of waiting for it.
func TestFollower_IOMissing(t *testing.T) {
	hr, rep := newHandRounds(t)
	r1, r2 := hr.next(7), hr.next(8)
	hr.commitState(r1)
	hr.commitState(r2)
	hr.commitIO(r2)
	for _, tc := range []struct {
		name  string
		fetch storage.Fetcher
		want  error
	}{
		{"NoPeers", nil, ErrIOUnavailable},
		{"PeersLack", fixedFetcher{}, ErrIOUnavailable},
		{"PeersLie", fixedFetcher{1: r2.io}, ErrIOUnavailable},
		{"PeersHave", fixedFetcher{1: r1.io}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := New(Config{Runtime: genesis.SVMRuntimeID, Replica: rep, Fetch: tc.fetch})
			if err != nil {
				t.Fatal(err)
			}
			f := &follower{b: b, chain: hr.chain}
			if err := f.step(context.Background()); !errors.Is(err, tc.want) {
				t.Fatalf("step: %v, want %v", err, tc.want)
			}
			if tc.want != nil {
				return
			}
			if s := b.Slot(rpc.Finalized); s != 2 {
				t.Fatalf("slot %d, want 2", s)
			}
			landed(t, b, r1)
			landed(t, b, r2)
		})
	}
}
