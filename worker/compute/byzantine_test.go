package compute

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/consensus/genesis"
	"github.com/atoll-dev/atoll/consensus/roothash"
	rhapi "github.com/atoll-dev/atoll/consensus/roothash/api"
	"github.com/atoll-dev/atoll/consensus/signature"
	"github.com/atoll-dev/atoll/consensus/staking"
	"github.com/atoll-dev/atoll/worker/p2p"
	"github.com/atoll-dev/atoll/worker/storage"
)

// TestByzantine_StorageReceiptWithoutStoring: a storage node ("lazy")
// signs receipts without storing. A node that follows the chain by
// fetching every finalized round from the storage committee ("follower")
// fails to fetch a round from it; its storage.Challenger finds lazy's
// receipt of that round in the roothash and challenges it, lazy cannot
// answer, and the roothash slashes its entity the runtime's
// incorrect-results amount when the window closes. A fetch that failed
// for an honest storage node (a network blip, reported the same way) is
// challenged too; the honest node answers, loses nothing and earns the
// bond. Nobody else loses escrow.
func TestByzantine_StorageReceiptWithoutStoring(t *testing.T) {
	var follower atomic.Pointer[member]
	var reported sync.Map // peer key -> *atomic.Int64: the follower's failed fetches
	ch := &storage.Challenger{Runtime: genesis.SVMRuntimeID, Logger: testLogger()}
	// Five nodes: at least one is neither a worker (which stashes its own
	// results) nor a storage node (which stashes what it receipts), so it
	// fetches every round from the storage committee.
	bn := startByzNet(t, byzOpts{workers: 2, backups: 1, storage: 2, nodes: 5, roundTimeout: 60, proposerTimeout: 20, answerers: true,
		onFetchFailure: func(m *member, p p2p.Peer, round uint64, err error) {
			if follower.Load() == m {
				n, _ := reported.LoadOrStore(p.Key, new(atomic.Int64))
				n.(*atomic.Int64).Add(1)
				ch.Report(p, round, err)
			}
		}})
	bn.waitRound(t, 1)
	ctx := context.Background()
	v, err := NewHostChain(bn.chain).View(ctx, genesis.SVMRuntimeID)
	if err != nil {
		t.Fatal(err)
	}
	lazyID, honestID := v.Storage[0], v.Storage[1]
	var fm *member
	for _, m := range bn.members {
		if id := m.id.Public(); !slices.Contains(v.Workers, id) && !slices.Contains(v.Storage, id) {
			fm = m
			break
		}
	}
	bn.rename(lazyID, "lazy")
	bn.rename(honestID, "honest")
	bn.rename(fm.id.Public(), "follower")
	var other signature.PublicKey // neither storage node nor follower
	for _, m := range bn.members {
		if id := m.id.Public(); !slices.Contains(v.Storage, id) && m != fm {
			other = id
			bn.rename(id, "other")
			break
		}
	}
	_, lazy := bn.member(lazyID)
	var params roothash.Params
	if err := bn.chain.Query(ctx, rhapi.QueryParams, nil, &params); err != nil {
		t.Fatal(err)
	}
	amount := v.Runtime.Staking.Slashing[staking.SlashIncorrectResults]
	lazySlash := fmt.Sprintf("slashed node=lazy reason=incorrect-results amount=%d", amount)

	// The follower's node account pays the challenges: genesis funds
	// every storage node's account for it.
	followerAcct := staking.NewAddress(fm.id.Public())
	if got := bn.general(t, followerAcct); got != genesis.NodeBalance || got < params.ChallengeBond {
		t.Fatalf("the follower's account holds %d, want genesis.NodeBalance %d (bond %d)", got, genesis.NodeBalance, params.ChallengeBond)
	}
	ch.Signer = fm.id
	cctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ch.Run(cctx, bn.chain)
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })

	escrowBefore := bn.escrows(t)
	honestEntity := bn.entities["honest"]
	honestBefore := bn.general(t, honestEntity)
	follower.Store(fm)
	lazy.store.SetFaults(storage.Faults{ReceiptWithoutStoring: true})
	waitFor(t, "lazy slashed", func() bool { return slices.Contains(bn.challengeEvents(), lazySlash) })
	// Lazy keeps its data from now on (its replica holds every round: its
	// worker fetched them from the honest node), so any later challenge
	// of it is answered.
	lazy.store.SetFaults(storage.Faults{})
	evs := bn.challengeEvents()
	if i := slices.Index(evs, "challenge node=lazy"); i != 0 || evs[1] != "challenge_expired node=lazy" {
		t.Fatalf("challenge events %q: want lazy challenged first, and expired", evs)
	}
	// A loaded machine can make a fetch from the honest node time out: a
	// failed fetch, which the follower rightly reports. Without one, the
	// honest node is never challenged.
	failedHonest := func() int64 {
		if n, ok := reported.Load(honestID); ok {
			return n.(*atomic.Int64).Load()
		}
		return 0
	}
	if n := int64(countEvents(evs, "challenge node=honest")); n > failedHonest() {
		t.Fatalf("the honest node was challenged %d times after %d failed fetches: %q", n, failedHonest(), evs)
	}
	answeredBefore := countEvents(bn.challengeEvents(), "challenge_answered node=honest")

	// A failed fetch from a node outside the storage committee, which owed
	// nobody the round: nothing to challenge. Then one from the honest
	// node, for a round it receipted (reports are judged in order).
	_, latest := bn.latest(t)
	otherPeer, _ := v.peer(other)
	ch.Report(otherPeer, latest, errors.New("connection reset"))
	honestPeer, _ := v.peer(honestID)
	ch.Report(honestPeer, latest, errors.New("connection reset"))
	waitFor(t, "the honest node's answer", func() bool {
		return countEvents(bn.challengeEvents(), "challenge_answered node=honest") > answeredBefore
	})
	if evs := bn.challengeEvents(); slices.Contains(evs, "challenge node=other") {
		t.Fatalf("a node without a receipt was challenged: %q", evs)
	}
	waitFor(t, "no open challenge", func() bool {
		var open []rhapi.Challenge
		return bn.chain.Query(ctx, rhapi.QueryChallenges, nil, &open) == nil && len(open) == 0
	})

	escrowAfter := bn.escrows(t)
	for name, b := range escrowBefore {
		want := uint64(0)
		if name == "lazy" {
			want = amount
		}
		if loss := b - escrowAfter[name]; loss != want {
			t.Errorf("%s lost %d escrow, want %d", name, loss, want)
		}
	}
	evs = bn.challengeEvents()
	var slashes, answered []string
	for _, e := range evs {
		switch {
		case strings.HasPrefix(e, "slashed "):
			slashes = append(slashes, e)
		case strings.HasPrefix(e, "challenge_answered "):
			answered = append(answered, e)
		case e == "challenge_expired node=honest":
			t.Errorf("the honest node's challenge expired: %q", evs)
		}
	}
	if !slices.Equal(slashes, []string{lazySlash}) {
		t.Errorf("slashes %q", slashes)
	}
	// Bonds: the expired challenge's came back, each answered one went to
	// the answering node's entity.
	honestAnswered := uint64(countEvents(evs, "challenge_answered node=honest"))
	if got := bn.general(t, honestEntity) - honestBefore; honestAnswered == 0 || got != honestAnswered*params.ChallengeBond {
		t.Errorf("the honest entity earned %d for %d answered challenges, want a bond %d each", got, honestAnswered, params.ChallengeBond)
	}
	if paid := genesis.NodeBalance - bn.general(t, followerAcct); paid != uint64(len(answered))*params.ChallengeBond {
		t.Errorf("the follower paid %d for %d answered challenges (bond %d)", paid, len(answered), params.ChallengeBond)
	}

	// Lazy's own Challenger, funded at genesis, hears that lazy failed a
	// fetch (its own worker asked its own storage role): it does not
	// challenge its own receipt. Reports are judged in order, so once its challenge of the
	// honest node is answered, the self-report was judged.
	if got := bn.general(t, staking.NewAddress(lazyID)); got < params.ChallengeBond {
		t.Fatalf("lazy's account holds %d, less than a bond %d: the self-challenge check would prove nothing", got, params.ChallengeBond)
	}
	self := &storage.Challenger{Runtime: genesis.SVMRuntimeID, Signer: lazy.id, Logger: testLogger()}
	wg.Add(1)
	go func() {
		defer wg.Done()
		self.Run(cctx, bn.chain)
	}()
	lazyChallenges := strings.Count(strings.Join(bn.challengeEvents(), "\n"), "challenge node=lazy")
	_, latest = bn.latest(t)
	lazyPeer, _ := v.peer(lazyID)
	self.Report(lazyPeer, latest, errors.New("not stored"))
	self.Report(honestPeer, latest, errors.New("connection reset"))
	waitFor(t, "the honest node's next answer", func() bool {
		return countEvents(bn.challengeEvents(), "challenge_answered node=honest") > int(honestAnswered)
	})
	if n := strings.Count(strings.Join(bn.challengeEvents(), "\n"), "challenge node=lazy"); n != lazyChallenges {
		t.Errorf("lazy challenged its own receipt: %q", bn.challengeEvents())
	}
}

// TestByzantine_StorageChallengeKinds challenges, by hand, the receipts of
// both storage nodes for one round, for each root kind: the honest one
// answers with a proof every time, the one that receipts without storing
// never does and is slashed, once: one unserved round is one fault.
func TestByzantine_StorageChallengeKinds(t *testing.T) {
	bn := startByzNet(t, byzOpts{workers: 2, backups: 1, storage: 2, nodes: 3, roundTimeout: 60, proposerTimeout: 20, answerers: true})
	bn.waitRound(t, 1)
	ctx := context.Background()
	v, err := NewHostChain(bn.chain).View(ctx, genesis.SVMRuntimeID)
	if err != nil {
		t.Fatal(err)
	}
	lazyID, honestID := v.Storage[0], v.Storage[1]
	bn.rename(lazyID, "lazy")
	bn.rename(honestID, "honest")
	_, lazy := bn.member(lazyID)
	lazy.store.SetFaults(storage.Faults{ReceiptWithoutStoring: true})
	amount := v.Runtime.Staking.Slashing[staking.SlashIncorrectResults]
	lazySlash := fmt.Sprintf("slashed node=lazy reason=incorrect-results amount=%d", amount)
	_, start := bn.latest(t)
	bn.waitRound(t, start+2)
	var receipts []rhapi.SignedReceipt
	if err := bn.chain.Query(ctx, rhapi.QueryReceipts, rhapi.BlockQueryData(genesis.SVMRuntimeID, start+2), &receipts); err != nil {
		t.Fatal(err)
	}
	if len(receipts) != 2 {
		t.Fatalf("round %d has %d receipts", start+2, len(receipts))
	}
	before := bn.escrows(t)
	challenger := seeded(1, 0) // the validator's entity, which holds tokens
	for _, r := range receipts {
		for _, kind := range []rhapi.RootKind{rhapi.StateRootKind, rhapi.IORootKind} {
			body := &rhapi.ChallengeBody{Receipt: r, Root: kind, Key: []byte("any key: absence proofs answer too")}
			if err := bn.chain.Submit(ctx, challenger, rhapi.MethodChallenge, body); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitFor(t, "challenges decided", func() bool {
		var open []rhapi.Challenge
		return len(bn.challengeEvents()) == 9 && bn.chain.Query(ctx, rhapi.QueryChallenges, nil, &open) == nil && len(open) == 0
	})
	got := bn.challengeEvents()
	slices.Sort(got)
	want := []string{
		"challenge node=honest", "challenge node=honest", "challenge node=lazy", "challenge node=lazy",
		"challenge_answered node=honest", "challenge_answered node=honest",
		"challenge_expired node=lazy", "challenge_expired node=lazy",
		lazySlash,
	}
	if !slices.Equal(got, want) {
		t.Errorf("events\n got  %q\n want %q", got, want)
	}
	after := bn.escrows(t)
	for name, b := range before {
		want := uint64(0)
		if name == "lazy" {
			want = amount
		}
		if loss := b - after[name]; loss != want {
			t.Errorf("%s lost %d escrow, want %d", name, loss, want)
		}
	}
}

// waitFor polls cond for up to 30 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// countEvents counts the events equal to e.
func countEvents(evs []string, e string) int {
	n := 0
	for _, x := range evs {
		if x == e {
			n++
		}
	}
	return n
}
