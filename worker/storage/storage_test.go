package storage

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/consensus/registry"
	roothash "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/runtime/rhp"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/hosted"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/worker/p2p"
	wrt "github.com/atoll-dev/atoll/worker/runtime"
)

var rtID = registry.RuntimeID{7}

func signer(t testing.TB, seed byte) *signature.Signer {
	s, err := signature.SignerFromSeed(bytes.Repeat([]byte{seed}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func solKey(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, 32))
}

func solPub(k ed25519.PrivateKey) sol.Pubkey { return sol.Pubkey(k.Public().(ed25519.PublicKey)) }

// fixture is a genesis and a chain of rounds computed by the in-process
// runtime, each a transfer.
type fixture struct {
	genesisLog  mkvs.WriteLog
	genesisRoot mkvs.Hash
	headers     []roothash.Header // headers[r] is round r
	results     []*rhp.ExecuteTxBatchResponse
}

func newReplica(t testing.TB, f *fixture, seed bool) *Replica {
	t.Helper()
	r, err := OpenReplica(t.TempDir(), mkvs.Namespace(rtID), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if seed {
		if err := wrt.SeedGenesis(r.KV, f.genesisLog, f.genesisRoot); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func buildFixture(t testing.TB, rounds int) *fixture {
	t.Helper()
	f := &fixture{}
	var err error
	f.genesisLog, f.genesisRoot, err = wrt.Genesis(hosted.Config{}, []svm.AccountWrite{{Key: solPub(solKey(1)), Account: sol.Account{Lamports: 1e12, Owner: svm.SystemProgramID}}})
	if err != nil {
		t.Fatal(err)
	}
	f.headers = []roothash.Header{{Namespace: rtID, Type: roothash.Normal, StateRoot: roothash.Hash(f.genesisRoot), IORoot: roothash.Hash(mkvs.EmptyRoot)}}
	f.results = []*rhp.ExecuteTxBatchResponse{nil}
	exec := newReplica(t, f, true)
	rt, err := wrt.NewInProcess(exec.KV, nil)
	if err != nil {
		t.Fatal(err)
	}
	for r := 1; r <= rounds; r++ {
		prev := &f.headers[r-1]
		bh := sol.Hash(prev.Hash())
		msg, _ := sol.NewLegacyMessage(solPub(solKey(1)), bh, svm.Transfer(solPub(solKey(1)), solPub(solKey(byte(10+r))), 1e8))
		tx := &sol.Transaction{Message: msg}
		if err := tx.Sign(solKey(1)); err != nil {
			t.Fatal(err)
		}
		raw, _ := tx.MarshalBinary()
		resp, err := rt.ExecuteTxBatch(context.Background(), &rhp.ExecuteTxBatch{Round: uint64(r),
			Context:   rhp.BlockContext{Slot: uint64(r), RecentBlockhashes: []rhp.Hash{rhp.Hash(bh)}},
			PrevRoots: rhp.Roots{State: rhp.Root{Version: uint64(r - 1), Hash: rhp.Hash(prev.StateRoot)}}, Txs: [][]byte{raw}})
		if err != nil || resp.Results[0].Code != 0 {
			t.Fatalf("round %d: %v %+v", r, err, resp)
		}
		h := prev.Next(roothash.ComputeResults{StateRoot: roothash.Hash(resp.StateRoot), IORoot: roothash.Hash(resp.IORoot), MessagesHash: roothash.MessagesHash(nil)}, int64(r))
		if err := exec.Stash(uint64(r), prev.StateRoot, h.StateRoot, h.IORoot, wrt.FromRHPLog(resp.StateWriteLog), wrt.FromRHPLog(resp.IOWriteLog)); err != nil {
			t.Fatal(err)
		}
		if err := exec.Finalize(context.Background(), &h, nil); err != nil {
			t.Fatal(err)
		}
		f.headers = append(f.headers, h)
		f.results = append(f.results, resp)
	}
	return f
}

func applyReq(f *fixture, r int) *p2p.ApplyRequest {
	sl, _ := wrt.FromRHPLog(f.results[r].StateWriteLog).MarshalBinary()
	il, _ := wrt.FromRHPLog(f.results[r].IOWriteLog).MarshalBinary()
	h := &f.headers[r]
	return &p2p.ApplyRequest{Runtime: rtID, Round: uint64(r), PrevStateRoot: f.headers[r-1].StateRoot, StateRoot: h.StateRoot, IORoot: h.IORoot, StateLog: sl, IOLog: il}
}

func TestNode_StorageApply(t *testing.T) {
	f := buildFixture(t, 2)
	key := signer(t, 1)
	n := &Node{Runtime: rtID, Signer: key, ChainContext: []byte("c"), Replica: newReplica(t, f, true)}
	ctx := context.Background()
	bad := applyReq(f, 1)
	bad.StateRoot[0] ^= 1
	if _, err := n.StorageApply(ctx, key.Public(), bad); !errors.Is(err, ErrBadResults) {
		t.Fatalf("wrong root receipted: %v", err)
	}
	rc, err := n.StorageApply(ctx, key.Public(), applyReq(f, 1))
	if err != nil || rc.Verify([]byte("c")) != nil || rc.Receipt.StateRoot != f.headers[1].StateRoot || rc.Receipt.Round != 1 {
		t.Fatalf("receipt %+v %v", rc, err)
	}
	// A receipted round is served before it is final, for exactly its roots.
	h1 := &f.headers[1]
	if d, err := n.GetDiff(ctx, key.Public(), &p2p.DiffRequest{Runtime: rtID, Round: 1, StateRoot: h1.StateRoot, IORoot: h1.IORoot}); err != nil || len(d.StateLog) == 0 {
		t.Fatalf("stashed round not served: %v", err)
	}
	if _, err := n.GetDiff(ctx, key.Public(), &p2p.DiffRequest{Runtime: rtID, Round: 1, StateRoot: bad.StateRoot, IORoot: h1.IORoot}); !errors.Is(err, ErrNotAvailable) {
		t.Fatalf("unreceipted roots served: %v", err)
	}
	// Round 2 cannot be verified before round 1 is final.
	if _, err := n.StorageApply(ctx, key.Public(), applyReq(f, 2)); err == nil {
		t.Fatal("round 2 receipted on top of unfinalized state")
	}
	if err := n.Replica.Finalize(ctx, &f.headers[2], nil); !errors.Is(err, ErrGap) {
		t.Fatalf("gap: %v", err)
	}
	for r := 1; r <= 2; r++ {
		if r == 2 {
			if _, err := n.StorageApply(ctx, key.Public(), applyReq(f, 2)); err != nil {
				t.Fatal(err)
			}
		}
		if err := n.Replica.Finalize(ctx, &f.headers[r], nil); err != nil {
			t.Fatal(err)
		}
	}
	// An empty block carries the roots over as the next version.
	e := f.headers[2].Empty(roothash.RoundFailed, 9)
	if err := n.Replica.Finalize(ctx, &e, nil); err != nil {
		t.Fatal(err)
	}
	if round, root, _ := n.Replica.Round(); round != 3 || root.Hash != mkvs.Hash(f.headers[2].StateRoot) {
		t.Fatalf("after empty block: %d %s", round, root)
	}
	if err := n.Replica.Finalize(ctx, &f.headers[1], nil); err != nil {
		t.Fatalf("re-applying an old header: %v", err)
	}
}

// serveStorage serves n over P2P on loopback and returns its peer.
func serveStorage(t testing.TB, n *Node, clients ...signature.PublicKey) p2p.Peer {
	t.Helper()
	srv, err := p2p.NewServer(n.Signer, func(k signature.PublicKey) bool {
		for _, c := range clients {
			if c == k {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.HandleStorage(rtID, n)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	return p2p.Peer{Key: n.Signer.Public(), Addr: l.Addr().String()}
}

func TestReplica_CatchUp(t *testing.T) {
	f := buildFixture(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// An honest storage node that followed every round.
	honest := &Node{Runtime: rtID, Signer: signer(t, 1), Replica: newReplica(t, f, true), ChunkBytes: 200}
	for r := 1; r <= 3; r++ {
		if _, err := honest.StorageApply(ctx, signature.PublicKey{}, applyReq(f, r)); err != nil {
			t.Fatal(err)
		}
		if err := honest.Replica.Finalize(ctx, &f.headers[r], nil); err != nil {
			t.Fatal(err)
		}
	}
	// A lazy one that signed receipts without storing anything.
	lazy := &Node{Runtime: rtID, Signer: signer(t, 2), Replica: newReplica(t, f, true), Faults: Faults{ReceiptWithoutStoring: true}}
	if _, err := lazy.StorageApply(ctx, signature.PublicKey{}, applyReq(f, 1)); err != nil {
		t.Fatal(err)
	}
	me := signer(t, 3)
	peers := []p2p.Peer{serveStorage(t, lazy, me.Public()), serveStorage(t, honest, me.Public())}
	var failed []signature.PublicKey
	fetch := &PeerFetcher{Runtime: rtID, Client: p2p.NewClient(me), Peers: func() []p2p.Peer { return peers },
		OnFailure: func(p p2p.Peer, _ uint64, _ error) { failed = append(failed, p.Key) }}
	defer fetch.Client.Close()

	behind := newReplica(t, f, true)
	for r := 1; r <= 3; r++ {
		if err := behind.Finalize(ctx, &f.headers[r], fetch); err != nil {
			t.Fatalf("round %d: %v", r, err)
		}
	}
	if _, root, _ := behind.Round(); root.Hash != mkvs.Hash(f.headers[3].StateRoot) {
		t.Fatalf("caught up to %s", root)
	}
	if len(failed) != 3 || failed[0] != lazy.Signer.Public() {
		t.Fatalf("lazy node not reported: %v", failed)
	}

	fresh := newReplica(t, f, false)
	if err := RestoreCheckpoint(ctx, fresh, &f.headers[3], fetch); err != nil {
		t.Fatal(err)
	}
	if round, root, _ := fresh.Round(); round != 3 || root.Hash != mkvs.Hash(f.headers[3].StateRoot) {
		t.Fatalf("restored %d %s", round, root)
	}
	// A peer's diff that does not lead to the header's roots is refused.
	// A peer that answers with write logs not leading to the header's
	// roots is not believed.
	lying := fetcherFunc(func(context.Context, *roothash.Header) (mkvs.WriteLog, mkvs.WriteLog, error) {
		return wrt.FromRHPLog(f.results[2].StateWriteLog), wrt.FromRHPLog(f.results[2].IOWriteLog), nil
	})
	if err := newReplica(t, f, true).Finalize(ctx, &f.headers[1], lying); !errors.Is(err, ErrBadResults) {
		t.Fatalf("diff not leading to the header's root: %v", err)
	}
}

type fetcherFunc func(context.Context, *roothash.Header) (mkvs.WriteLog, mkvs.WriteLog, error)

func (f fetcherFunc) FetchDiff(ctx context.Context, h *roothash.Header) (mkvs.WriteLog, mkvs.WriteLog, error) {
	return f(ctx, h)
}
