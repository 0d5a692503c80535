package rpcnode

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// TestBackend_Network checks, on a committee of one node, what the
// conformance suite leaves open: airdrops and their refusals, program
// account scans, the account writes of commit events, and a blockhash of
// an older round accepted by the runtime.
func TestBackend_Network(t *testing.T) {
	faucet, payer := key(77), key(42)
	tn := startNet(t, netOpts{workers: 1, storage: 1, nodes: 1, payers: []ed25519.PrivateKey{faucet, payer}})
	b := tn.backend(t, 0, faucet)
	finalized := func(t *testing.T, sig sol.Signature) *rpc.SignatureStatus {
		t.Helper()
		for i := 0; i < 400; i++ {
			sts, _, err := b.SignatureStatuses([]sol.Signature{sig}, true)
			if err != nil {
				t.Fatal(err)
			}
			if sts[0] != nil && sts[0].Commitment == rpc.Finalized {
				return sts[0]
			}
			advance(t, b)
		}
		t.Fatalf("%s never finalized", sig)
		return nil
	}

	t.Run("Airdrop", func(t *testing.T) {
		to := sol.Pubkey(sha256.Sum256([]byte("airdrop")))
		for _, tc := range []struct {
			lamports uint64
			want     error
		}{{1_001 * LamportsPerSOL, rpc.ErrAirdropLimit}, {0, rpc.ErrInvalidParams}} {
			if _, err := b.RequestAirdrop(to, tc.lamports); !errors.Is(err, tc.want) {
				t.Errorf("airdrop of %d: %v, want %v", tc.lamports, err, tc.want)
			}
		}
		sig, err := b.RequestAirdrop(to, 5*LamportsPerSOL)
		if err != nil {
			t.Fatal(err)
		}
		if st := finalized(t, sig); st.Err != nil || st.Commitment != rpc.Finalized {
			t.Fatalf("airdrop status %+v", st)
		}
		accts, _, err := b.Accounts([]sol.Pubkey{to}, rpc.Finalized)
		if err != nil || accts[0] == nil || accts[0].Lamports != 5*LamportsPerSOL {
			t.Fatalf("airdropped account %v, %v", accts, err)
		}
		nb, err := New(Config{Replica: tn.members[0].replica})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := nb.RequestAirdrop(to, 1); !errors.Is(err, rpc.ErrNoFaucet) {
			t.Fatalf("airdrop without a faucet: %v", err)
		}
	})

	t.Run("ProgramAccounts", func(t *testing.T) {
		rich := func(a *sol.Account) bool { return a.Lamports >= 1e14 }
		got, _, err := b.ProgramAccounts(svm.SystemProgramID, rpc.Finalized, rich)
		if err != nil {
			t.Fatal(err)
		}
		want := map[sol.Pubkey]bool{client.PubkeyOf(faucet): true, client.PubkeyOf(payer): true}
		for i, ka := range got {
			if i > 0 && bytes.Compare(got[i-1].Key[:], ka.Key[:]) >= 0 {
				t.Fatal("program accounts not in ascending key order")
			}
			if ka.Account.Owner != svm.SystemProgramID || !rich(&ka.Account) {
				t.Fatalf("%s does not match the filter", ka.Key)
			}
			delete(want, ka.Key)
		}
		if len(want) > 0 {
			t.Fatalf("scan misses %v", want)
		}
	})

	t.Run("EventWrites", func(t *testing.T) {
		events, cancel := b.Subscribe(100_000)
		defer cancel()
		to := sol.Pubkey(sha256.Sum256([]byte("event writes")))
		raw, sig, err := client.SignTransaction(b.LatestBlockhash(rpc.Finalized).Blockhash, payer, nil, svm.Transfer(client.PubkeyOf(payer), to, 7_000_000))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.SendTransaction(raw, rpc.SendOptions{}); err != nil {
			t.Fatal(err)
		}
		slot := finalized(t, sig).Slot
		deadline := time.After(30 * time.Second)
		for {
			select {
			case e, ok := <-events:
				if !ok {
					t.Fatal("subscription dropped")
				}
				c, isCommit := e.(*rpc.CommitEvent)
				if !isCommit || c.Slot != slot || c.Commitment != rpc.Finalized {
					continue
				}
				writes, err := c.AccountWrites()
				if err != nil {
					t.Fatal(err)
				}
				for _, w := range writes {
					if w.Key == to && w.Account.Lamports == 7_000_000 {
						return
					}
				}
				t.Fatalf("slot %d's writes %v lack the recipient", slot, writes)
			case <-deadline:
				t.Fatalf("no finalized commit event for slot %d", slot)
			}
		}
	})

	t.Run("OlderBlockhash", func(t *testing.T) {
		old := b.LatestBlockhash(rpc.Finalized)
		for i := 0; i < 5; i++ {
			advance(t, b)
		}
		if ok, _ := b.IsBlockhashValid(old.Blockhash, rpc.Finalized); !ok {
			t.Fatal("a blockhash five rounds old is not valid")
		}
		to := sol.Pubkey(sha256.Sum256([]byte("older blockhash")))
		raw, sig, err := client.SignTransaction(old.Blockhash, payer, nil, svm.Transfer(client.PubkeyOf(payer), to, 1_000_000))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.SendTransaction(raw, rpc.SendOptions{SkipPreflight: true}); err != nil {
			t.Fatal(err)
		}
		if st := finalized(t, sig); st.Err != nil || st.Slot > old.LastValidBlockHeight {
			t.Fatalf("status %+v (last valid height %d)", st, old.LastValidBlockHeight)
		}
	})
}

// TestBackend_Blockhashes checks the blockhash window against the runtime's:
// the block context of round s+1 names the headers of rounds s-149..s.
func TestBackend_Blockhashes(t *testing.T) {
	b := &Backend{hashes: map[uint64]sol.Hash{}, rounds: map[sol.Hash]uint64{}, ready: true}
	hash := func(r uint64) sol.Hash { return sha256.Sum256([]byte{byte(r), byte(r >> 8)}) }
	const s = 400
	for r := uint64(0); r <= s; r++ {
		b.noteHash(r, [32]byte(hash(r)))
	}
	b.slot = s
	for _, tc := range []struct {
		round uint64
		valid bool
	}{{s, true}, {s - 149, true}, {s - 150, false}, {s - 299, false}, {0, false}} {
		if ok, _ := b.IsBlockhashValid(hash(tc.round), rpc.Finalized); ok != tc.valid {
			t.Errorf("round %d: valid %v, want %v", tc.round, ok, tc.valid)
		}
	}
	if len(b.hashes) != keptBlockhashes || len(b.rounds) != keptBlockhashes {
		t.Fatalf("kept %d/%d hashes, want %d", len(b.hashes), len(b.rounds), keptBlockhashes)
	}
	ctx := b.recentBlockhashes()
	if len(ctx) != svm.MaxRecentBlockhashes || ctx[0].Slot != s || ctx[0].Hash != hash(s) || ctx[149].Slot != s-149 {
		t.Fatalf("block context hashes: %d, first %+v", len(ctx), ctx[0])
	}
	if got := b.LatestBlockhash(rpc.Processed); got.Blockhash != hash(s) || got.LastValidBlockHeight != s+svm.MaxRecentBlockhashes {
		t.Fatalf("latest %+v", got)
	}
	for _, tc := range []struct {
		chain   uint64
		healthy bool
	}{{s, true}, {s + MaxLag, true}, {s + MaxLag + 1, false}} {
		b.chainRound = tc.chain
		if err := b.Health(); (err == nil) != tc.healthy {
			t.Errorf("chain at %d, node at %d: health %v", tc.chain, s, err)
		}
	}
}

// TestNew_Config checks the refusals before a backend runs.
func TestNew_Config(t *testing.T) {
	if _, err := New(Config{}); !errors.Is(err, ErrNoReplica) {
		t.Fatalf("no replica: %v", err)
	}
	tn := startNet(t, netOpts{workers: 1, storage: 1, nodes: 1})
	b, err := New(Config{Replica: tn.members[0].replica})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Health(); !errors.Is(err, rpc.ErrNodeUnhealthy) {
		t.Fatalf("health before the first round: %v", err)
	}
	if _, _, err := b.Accounts([]sol.Pubkey{{1}}, rpc.Finalized); !errors.Is(err, ErrNotReady) {
		t.Fatalf("accounts before the first round: %v", err)
	}
	raw, _, err := client.SignTransaction(sol.Hash{1}, key(1), nil, svm.Transfer(client.PubkeyOf(key(1)), sol.Pubkey{2}, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.SendTransaction(raw, rpc.SendOptions{SkipPreflight: true}); !errors.Is(err, rpc.ErrNodeUnhealthy) {
		t.Fatalf("send without a compute worker: %v", err)
	}
}
