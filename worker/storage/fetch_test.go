package storage

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/storage/mkvs"
	"github.com/atoll-dev/atoll/worker/p2p"
)

// servedChain serves rounds 1..len(f.headers)-1 of f from an honest
// storage node and from one with forger's faults, both receipting every
// round, to client me.
func servedChain(t testing.TB, f *fixture, me signature.PublicKey, forger Faults) (honest, forging p2p.Peer) {
	t.Helper()
	ctx := context.Background()
	h := &Node{Runtime: rtID, Signer: signer(t, 1), Replica: newReplica(t, f, true), ChunkBytes: 200}
	fg := &Node{Runtime: rtID, Signer: signer(t, 2), Replica: newReplica(t, f, true), ChunkBytes: 200, Faults: forger}
	for r := 1; r < len(f.headers); r++ {
		for _, n := range []*Node{h, fg} {
			if _, err := n.StorageApply(ctx, signature.PublicKey{}, applyReq(f, r)); err != nil {
				t.Fatal(err)
			}
			if err := n.Replica.Finalize(ctx, &f.headers[r], nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	return serveStorage(t, h, me), serveStorage(t, fg, me)
}

// A peer serving write logs that decode but lead elsewhere is that
// peer's failure: it is reported and the next peer is asked, in the same
// Finalize, so the follower catches up.
func TestReplica_FinalizeForgedDiff(t *testing.T) {
	f := buildFixture(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	me := signer(t, 3)
	honest, forger := servedChain(t, f, me.Public(), Faults{ForgeDiffs: true})
	for _, tc := range []struct {
		name    string
		peers   []p2p.Peer
		wantErr error // of round 1
	}{
		{"ForgerFirst", []p2p.Peer{forger, honest}, nil},
		{"HonestFirst", []p2p.Peer{honest, forger}, nil},
		{"OnlyForger", []p2p.Peer{forger}, ErrBadResults},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var failed []signature.PublicKey
			var rounds []uint64
			fetch := &PeerFetcher{Runtime: rtID, Client: p2p.NewClient(me), Peers: func() []p2p.Peer { return tc.peers },
				OnFailure: func(p p2p.Peer, round uint64, _ error) { failed, rounds = append(failed, p.Key), append(rounds, round) }}
			defer fetch.Client.Close()
			behind := newReplica(t, f, true)
			for r := 1; r < len(f.headers); r++ {
				err := behind.Finalize(ctx, &f.headers[r], fetch)
				if tc.wantErr != nil {
					if !errors.Is(err, tc.wantErr) || !errors.Is(err, ErrNotAvailable) {
						t.Fatalf("round %d: %v, want %v", r, err, tc.wantErr)
					}
					if cur, _, _ := behind.Round(); cur != 0 {
						t.Fatalf("forged round applied: at round %d", cur)
					}
					break
				}
				if err != nil {
					t.Fatalf("round %d: %v", r, err)
				}
				io, ok, err := behind.KV.RootAt(mkvs.RootIO, uint64(r))
				if err != nil || !ok || io.Hash != mkvs.Hash(f.headers[r].IORoot) {
					t.Fatalf("round %d: io root %s %v %v", r, io.Hash, ok, err)
				}
			}
			var want []signature.PublicKey
			var wantRounds []uint64
			switch tc.name {
			case "ForgerFirst":
				want, wantRounds = []signature.PublicKey{forger.Key, forger.Key, forger.Key}, []uint64{1, 2, 3}
			case "OnlyForger":
				want, wantRounds = []signature.PublicKey{forger.Key}, []uint64{1}
			}
			if !slices.Equal(failed, want) || !slices.Equal(rounds, wantRounds) {
				t.Fatalf("reported %v for rounds %v, want %v for %v", failed, rounds, want, wantRounds)
			}
			if tc.wantErr == nil {
				if _, root, _ := behind.Round(); root.Hash != mkvs.Hash(f.headers[len(f.headers)-1].StateRoot) {
					t.Fatalf("caught up to %s", root)
				}
			}
		})
	}
}

// Only the answer's own faults are the peer's: an error of the caller's
// check that is not ErrBadResults ends the fetch unreported, and a fetch
// called off reports nobody.
func TestPeerFetcher_FetchDiffUntil(t *testing.T) {
	f := buildFixture(t, 1)
	me := signer(t, 3)
	honest, forger := servedChain(t, f, me.Public(), Faults{ForgeDiffs: true})
	local := errors.New("local disk failed")
	for _, tc := range []struct {
		name     string
		peers    []p2p.Peer
		use      func(ctx context.Context, cancel func()) func(sl, il mkvs.WriteLog) error
		wantErr  error
		reported int
		asked    int
	}{
		{"Accepted", []p2p.Peer{forger, honest}, func(context.Context, func()) func(sl, il mkvs.WriteLog) error {
			return func(sl, _ mkvs.WriteLog) error {
				if slices.EqualFunc(sl, forgedLog(1), func(a, b mkvs.LogEntry) bool { return string(a.Key) == string(b.Key) }) {
					return ErrBadResults
				}
				return nil
			}
		}, nil, 1, 2},
		{"LocalError", []p2p.Peer{honest, forger}, func(context.Context, func()) func(sl, il mkvs.WriteLog) error {
			return func(mkvs.WriteLog, mkvs.WriteLog) error { return local }
		}, local, 0, 1},
		{"CalledOff", []p2p.Peer{forger, honest}, func(_ context.Context, cancel func()) func(sl, il mkvs.WriteLog) error {
			return func(mkvs.WriteLog, mkvs.WriteLog) error {
				cancel()
				return ErrBadResults
			}
		}, context.Canceled, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			reported := 0
			fetch := &PeerFetcher{Runtime: rtID, Client: p2p.NewClient(me), Peers: func() []p2p.Peer { return tc.peers },
				OnFailure: func(p2p.Peer, uint64, error) { reported++ }}
			defer fetch.Client.Close()
			asked := 0
			use := tc.use(ctx, cancel)
			err := fetch.FetchDiffUntil(ctx, &f.headers[1], func(sl, il mkvs.WriteLog) error {
				asked++
				return use(sl, il)
			})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if reported != tc.reported || asked != tc.asked {
				t.Fatalf("reported %d, asked %d; want %d, %d", reported, asked, tc.reported, tc.asked)
			}
		})
	}
}

// A peer whose checkpoint chunks do not verify is reported and the next
// peer restores the replica; a peer that lacks the round is only skipped.
func TestRestoreCheckpoint_Forged(t *testing.T) {
	f := buildFixture(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	me := signer(t, 3)
	honest, forger := servedChain(t, f, me.Public(), Faults{ForgeCheckpoints: true})
	behind := &Node{Runtime: rtID, Signer: signer(t, 4), Replica: newReplica(t, f, true)}
	lacking := serveStorage(t, behind, me.Public())
	var failed []signature.PublicKey
	var errs []error
	fetch := &PeerFetcher{Runtime: rtID, Client: p2p.NewClient(me), Peers: func() []p2p.Peer { return []p2p.Peer{lacking, forger, honest} },
		OnFailure: func(p p2p.Peer, round uint64, err error) {
			if round == 2 {
				failed, errs = append(failed, p.Key), append(errs, err)
			}
		}}
	defer fetch.Client.Close()
	fresh := newReplica(t, f, false)
	if err := RestoreCheckpoint(ctx, fresh, &f.headers[2], fetch); err != nil {
		t.Fatal(err)
	}
	if round, root, _ := fresh.Round(); round != 2 || root.Hash != mkvs.Hash(f.headers[2].StateRoot) {
		t.Fatalf("restored %d %s", round, root)
	}
	if !slices.Equal(failed, []signature.PublicKey{forger.Key}) || !errors.Is(errs[0], mkvs.ErrChunkMismatch) {
		t.Fatalf("reported %v: %v", failed, errs)
	}
}
