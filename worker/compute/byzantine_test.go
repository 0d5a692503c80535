package compute

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/consensus/genesis"
	rhapi "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/worker/p2p"
	"github.com/atoll-dev/atoll/worker/storage"
)

// TestByzantine_StorageWithoutStoring has a storage node that receipts
// without storing: a node that catches up by fetching the round from the
// storage committee finds that it cannot serve it, and reports it.
func TestByzantine_StorageWithoutStoring(t *testing.T) {
	var mu sync.Mutex
	reported := map[string][]signature.PublicKey{}
	// Five nodes: at least one is neither a worker (which stashes its own
	// results) nor a storage node (which stashes what it receipts), so it
	// follows the chain by fetching every round from the storage committee.
	tn := startNet(t, netOpts{workers: 2, backups: 1, storage: 2, nodes: 5, onFetchFailure: func(m *member, p p2p.Peer) {
		mu.Lock()
		defer mu.Unlock()
		reported[m.name] = append(reported[m.name], p.Key)
	}})
	tn.waitRound(t, 1)
	v, err := NewHostChain(tn.chain).View(context.Background(), genesis.SVMRuntimeID)
	if err != nil {
		t.Fatal(err)
	}
	lazy := v.Storage[0]
	var follower *member
	for _, m := range tn.members {
		if m.id.Public() == lazy {
			m.store.SetFaults(storage.Faults{ReceiptWithoutStoring: true})
		}
		if !slices.Contains(v.Storage, m.id.Public()) && !slices.Contains(v.Workers, m.id.Public()) {
			follower = m
		}
	}
	lazyP2P := v.Nodes[lazy].P2P.ID
	_, start := tn.latest(t)
	tn.waitRound(t, start+3)
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		got := slices.Clone(reported[follower.name])
		mu.Unlock()
		r, _, _ := follower.replica.Round()
		if len(got) > 0 && r >= start+2 {
			for _, k := range got {
				if k != lazyP2P {
					t.Fatalf("honest storage node reported: %v", k)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s at round %d, reports %v", follower.name, r, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestByzantine_StorageChallenge challenges, after a round finalized, the
// receipts of both storage nodes: the honest one answers with a proof, the
// one that receipted without storing cannot and is slashed when the
// challenge window closes.
func TestByzantine_StorageChallenge(t *testing.T) {
	var mu sync.Mutex
	var commits []*rhapi.SignedCommitment
	tn := startNet(t, netOpts{workers: 2, backups: 1, storage: 2, nodes: 3, onCommit: func(c *rhapi.SignedCommitment) {
		mu.Lock()
		defer mu.Unlock()
		commits = append(commits, c)
	}})
	tn.waitRound(t, 1)
	v, err := NewHostChain(tn.chain).View(context.Background(), genesis.SVMRuntimeID)
	if err != nil {
		t.Fatal(err)
	}
	lazy, honest := v.Storage[0], v.Storage[1]
	tn.names[lazy], tn.names[honest] = "lazy", "honest"
	for _, m := range tn.members {
		if m.id.Public() == lazy {
			m.store.SetFaults(storage.Faults{ReceiptWithoutStoring: true})
		}
	}
	_, start := tn.latest(t)
	tn.waitRound(t, start+3)
	// A receipt of each for a round after the fault, from a commitment
	// of a finalized round.
	receipts := map[signature.PublicKey]rhapi.SignedReceipt{}
	mu.Lock()
	for _, c := range commits {
		if c.Commitment.Round <= start+1 || c.Commitment.Round > start+3 {
			continue
		}
		for _, r := range c.Commitment.Receipts {
			receipts[r.Node] = r
		}
	}
	mu.Unlock()
	if len(receipts) != 2 {
		t.Fatalf("receipts of %d storage nodes", len(receipts))
	}
	challenger := seeded(1, 0) // the validator's entity, which holds tokens
	for _, node := range []signature.PublicKey{lazy, honest} {
		body := &rhapi.ChallengeBody{Receipt: receipts[node], Root: rhapi.StateRootKind, Key: make([]byte, 32)}
		if err := tn.chain.Submit(context.Background(), challenger, rhapi.MethodChallenge, body); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		evs := tn.chain.eventTypes(tn.names)
		if slices.Contains(evs, "roothash.challenge_answered honest") && slices.Contains(evs, "roothash.slashed lazy") {
			if slices.Contains(evs, "roothash.slashed honest") || slices.Contains(evs, "roothash.challenge_answered lazy") {
				t.Fatalf("wrong outcome: %v", evs)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("challenges not decided: %v", evs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
