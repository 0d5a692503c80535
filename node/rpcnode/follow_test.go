package rpcnode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
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

// peerFetcher answers as storage.PeerFetcher does: each peer's IO write
// log in turn, until the caller accepts one; it records the peers refused.
type peerFetcher struct {
	peers   []mkvs.WriteLog
	refused []int
}

func (p *peerFetcher) FetchDiff(context.Context, *roothash.Header) (mkvs.WriteLog, mkvs.WriteLog, error) {
	return nil, p.peers[0], nil
}

func (p *peerFetcher) FetchDiffUntil(_ context.Context, _ *roothash.Header, use func(stateLog, ioLog mkvs.WriteLog) error) error {
	for i, io := range p.peers {
		err := use(nil, io)
		if err == nil {
			return nil
		}
		if !errors.Is(err, storage.ErrBadResults) {
			return err
		}
		p.refused = append(p.refused, i)
	}
	return storage.ErrNotAvailable
}

// TestFollower_IOMissingForgerFirst: a storage peer serving an IO log that
// does not lead to the header's root is passed over for the next peer.
func TestFollower_IOMissingForgerFirst(t *testing.T) {
	hr, rep := newHandRounds(t)
	r1, r2 := hr.next(7), hr.next(8)
	hr.commitState(r1)
	hr.commitState(r2)
	hr.commitIO(r2)
	fetch := &peerFetcher{peers: []mkvs.WriteLog{r2.io, r1.io}}
	b, err := New(Config{Runtime: genesis.SVMRuntimeID, Replica: rep, Fetch: fetch})
	if err != nil {
		t.Fatal(err)
	}
	f := &follower{b: b, chain: hr.chain}
	if err := f.step(context.Background()); err != nil {
		t.Fatalf("step: %v", err)
	}
	if !slices.Equal(fetch.refused, []int{0}) {
		t.Fatalf("refused peers %v, want the forger (0)", fetch.refused)
	}
	landed(t, b, r1)
	landed(t, b, r2)
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

// stash verifies and stashes r's results as a worker or storage node
// does before the round finalizes.
func (hr *handRounds) stash(rep *storage.Replica, r *handRound) {
	hr.t.Helper()
	if err := rep.Stash(r.h.Round, roothash.Hash(hr.state.Hash), r.h.StateRoot, r.h.IORoot, r.state, r.io); err != nil {
		hr.t.Fatal(err)
	}
}

// commitEvents drains the events waiting on ch and returns the commit
// events; the slot events go to slots when it is not nil.
func commitEvents(ch <-chan rpc.Event, slots ...*[]*rpc.SlotEvent) []*rpc.CommitEvent {
	var out []*rpc.CommitEvent
	for {
		select {
		case e := <-ch:
			switch e := e.(type) {
			case *rpc.CommitEvent:
				out = append(out, e)
			case *rpc.SlotEvent:
				for _, s := range slots {
					*s = append(*s, e)
				}
			}
		default:
			return out
		}
	}
}

// TestBackend_Processed: a round's results the replica verified and
// stashed are served at the processed level (slot, statuses, accounts,
// program accounts, events) and nowhere else until the round finalizes;
// then every level moves and the round gets its confirmed and finalized
// events, not a second processed one. Two disagreeing candidates are no
// processed state at all.
func TestBackend_Processed(t *testing.T) {
	hr, rep := newHandRounds(t)
	b, err := New(Config{Runtime: genesis.SVMRuntimeID, Replica: rep})
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := b.Subscribe(64)
	defer cancel()
	f := &follower{b: b, chain: hr.chain}
	ctx := context.Background()
	if err := f.step(ctx); err != nil {
		t.Fatal(err)
	}
	commitEvents(events)
	r1 := hr.next(7)
	to := sol.Pubkey{7, 'h'}
	hr.stash(rep, r1)
	if err := f.step(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c    rpc.Commitment
		slot uint64
		bal  uint64
	}{{rpc.Processed, 1, 7}, {rpc.Confirmed, 0, 0}, {rpc.Finalized, 0, 0}} {
		if s := b.Slot(tc.c); s != tc.slot {
			t.Errorf("slot at %v: %d, want %d", tc.c, s, tc.slot)
		}
		accts, s, err := b.Accounts([]sol.Pubkey{to}, tc.c)
		if err != nil || s != tc.slot || (accts[0] == nil) != (tc.bal == 0) || (accts[0] != nil && accts[0].Lamports != tc.bal) {
			t.Errorf("recipient at %v: %v at slot %d, %v; want %d lamports at %d", tc.c, accts, s, err, tc.bal, tc.slot)
		}
		progs, _, err := b.ProgramAccounts(svm.SystemProgramID, tc.c, func(a *sol.Account) bool { return a.Lamports == 7 })
		if err != nil || len(progs) != map[bool]int{true: 1}[tc.bal > 0] {
			t.Errorf("system accounts of 7 lamports at %v: %v, %v", tc.c, progs, err)
		}
	}
	sts, _, err := b.SignatureStatuses([]sol.Signature{r1.sig}, false)
	if err != nil || sts[0] == nil || sts[0].Commitment != rpc.Processed || sts[0].Slot != 1 || sts[0].Confirmations == nil {
		t.Fatalf("status of a processed transfer: %+v, %v", sts[0], err)
	}
	if rec, err := b.Transaction(r1.sig, rpc.Confirmed); rec != nil || err != nil {
		t.Fatalf("processed transfer at confirmed: %v, %v", rec, err)
	}
	var slots []*rpc.SlotEvent
	evs := commitEvents(events, &slots)
	if len(evs) != 1 || evs[0].Commitment != rpc.Processed || evs[0].Slot != 1 || len(evs[0].Block.Transactions) != 1 {
		t.Fatalf("events before finalization: %+v", evs)
	}
	if len(slots) != 1 || *slots[0] != (rpc.SlotEvent{Slot: 1, Parent: 0, Root: 0}) {
		t.Fatalf("slot events before finalization: %+v", slots)
	}
	if w, err := evs[0].AccountWrites(); err != nil || len(w) != 1 || w[0].Key != to {
		t.Fatalf("processed writes %v, %v", w, err)
	}

	if err := rep.Finalize(ctx, r1.h, nil); err != nil {
		t.Fatal(err)
	}
	hr.state = mkvs.Root{Namespace: hr.kv.Namespace(), Version: 1, Type: mkvs.RootState, Hash: mkvs.Hash(r1.h.StateRoot)}
	if err := f.step(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []rpc.Commitment{rpc.Processed, rpc.Confirmed, rpc.Finalized} {
		if s := b.Slot(c); s != 1 {
			t.Errorf("slot at %v after finalization: %d", c, s)
		}
	}
	landed(t, b, r1)
	slots = nil
	evs = commitEvents(events, &slots)
	if len(evs) != 2 || evs[0].Commitment != rpc.Confirmed || evs[1].Commitment != rpc.Finalized || evs[1].Slot != 1 {
		t.Fatalf("events at finalization: %+v", evs)
	}
	if len(slots) != 1 || *slots[0] != (rpc.SlotEvent{Slot: 1, Parent: 0, Root: 1, RootOnly: true}) {
		t.Fatalf("slot events at finalization: %+v", slots)
	}
	// The finalized block reuses the processed one's records: they must be
	// what the IO tree holds, stamped with the finalizing block's time.
	io, err := b.ioTree(ctx, r1.h)
	if err != nil {
		t.Fatal(err)
	}
	fromTree, err := transactions(io, 1, r1.h.Timestamp)
	if err != nil {
		t.Fatal(err)
	}
	got := evs[1].Block.Transactions
	if len(got) != len(fromTree) || len(got) != 1 {
		t.Fatalf("finalized block has %d transactions, the IO tree %d", len(got), len(fromTree))
	}
	if got[0].BlockTime != r1.h.Timestamp || got[0].Slot != fromTree[0].Slot || !bytes.Equal(got[0].Raw, fromTree[0].Raw) ||
		got[0].Result.Signature != fromTree[0].Result.Signature {
		t.Fatalf("finalized record %+v, from the IO tree %+v", got[0], fromTree[0])
	}
	if pre := evs[0].Block; pre == nil || len(pre.Transactions) != 1 {
		t.Fatalf("confirmed block %+v", pre)
	}

	// Round 2: two candidates with different states.
	r2 := hr.next(8)
	hr.stash(rep, r2)
	alt := &handRound{h: &roothash.Header{Round: 2, IORoot: r2.h.IORoot}, io: r2.io, state: mkvs.WriteLog{{Key: to[:], Value: r2.state[0].Value}}}
	st, err := hr.kv.Tree(hr.state)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ApplyWriteLog(alt.state); err != nil {
		t.Fatal(err)
	}
	alt.h.StateRoot = roothash.Hash(st.Hash())
	hr.stash(rep, alt)
	if err := f.step(ctx); err != nil {
		t.Fatal(err)
	}
	if s := b.Slot(rpc.Processed); s != 1 {
		t.Fatalf("processed slot %d with two disagreeing candidates", s)
	}
	if evs := commitEvents(events); len(evs) != 0 {
		t.Fatalf("events for disagreeing candidates: %+v", evs)
	}
}
