package agent_test

import (
	"context"
	"testing"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/agent/localnet"
	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/bridge/programs/replica"
	"github.com/atoll-dev/atoll/bridge/programs/tokenbridge"
	breplica "github.com/atoll-dev/atoll/bridge/replica"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// forgery is a message the attacker never dispatched: a token bridge
// transfer minting lamports of A to the attacker on B, in a tree of its own.
type forgery struct {
	raw  []byte
	tree merkle.FullTree
}

func forge(t *testing.T, attacker sol.Pubkey) *forgery {
	t.Helper()
	return forgeFrom(t, domainA, domainB, attacker, 50_000_000_000)
}

// forgeFrom forges a token bridge transfer of amount of A's lamports from
// origin to attacker on destination: a mint of wrapped lamports on B, a
// release of escrowed lamports on A (pick an amount the escrow holds, so
// that only the bridge's checks stand between the attacker and it).
func forgeFrom(t *testing.T, origin, destination uint32, attacker sol.Pubkey, amount uint64) *forgery {
	t.Helper()
	body := (&tokenbridge.Transfer{AssetOrigin: domainA, Recipient: attacker, Amount: amount}).Encode()
	m := message.Message{Origin: origin, Sender: keccak.Hash(address.TokenBridge), Nonce: 0, Destination: destination,
		Recipient: keccak.Hash(address.TokenBridge), Body: body}
	raw, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	f := &forgery{raw: raw}
	if err := f.tree.Insert(message.Leaf(raw)); err != nil {
		t.Fatal(err)
	}
	return f
}

// relayForged submits q to B's Replica of A as the attacker.
func (tb *testBridge) relayForged(q *update.QuorumUpdate) {
	tb.t.Helper()
	tb.relayForgedOn(tb.b, domainA, q)
}

// relayForgedOn submits q to n's Replica of origin as the attacker.
func (tb *testBridge) relayForgedOn(n *localnet.Net, origin uint32, q *update.QuorumUpdate) {
	tb.t.Helper()
	attacker := key("attacker")
	ix, err := replica.Update(origin, agent.PubkeyOf(attacker), q)
	if err != nil {
		tb.t.Fatal(err)
	}
	if _, err := n.Chain.Send(context.Background(), attacker, nil, ix); err != nil {
		tb.t.Fatalf("attacker's update refused by the Replica: %v", err)
	}
}

// exploit tries to deliver the forgery to B once its root is past
// confirmAt and checks that nothing was minted.
func (tb *testBridge) exploit(f *forgery) {
	tb.t.Helper()
	tb.exploitOn(tb.b, domainA, f)
	if w := tb.wrapped(agent.PubkeyOf(key("attacker"))); w != 0 {
		tb.t.Fatalf("attacker holds %d wrapped lamports", w)
	}
}

// exploitOn tries to deliver the forgery from origin to n once its root is
// past confirmAt on n's Replica and checks that it was not processed.
func (tb *testBridge) exploitOn(n *localnet.Net, origin uint32, f *forgery) {
	tb.t.Helper()
	ctx := context.Background()
	attacker := key("attacker")
	e, err := agent.RootEntry(ctx, n.Chain, origin, f.tree.Root())
	if err != nil || e == nil {
		tb.t.Fatalf("forged root has no history entry: %v", err)
	}
	tb.eventually("the forged root's confirmAt", func() bool {
		now, err := n.Chain.Now(ctx)
		return err == nil && now >= e.ConfirmAt
	})
	p, err := f.tree.Proof(0)
	if err != nil {
		tb.t.Fatal(err)
	}
	extra, err := tokenbridge.HandleAccounts(f.raw[message.HeaderSize:])
	if err != nil {
		tb.t.Fatal(err)
	}
	ix, err := replica.ProveAndProcess(origin, agent.PubkeyOf(attacker), f.raw, 0, &p.Path, extra)
	if err != nil {
		tb.t.Fatal(err)
	}
	_, _ = n.Chain.Send(ctx, attacker, nil, ix) // may fail or leave the message proven: both are checked below
	rec, err := agent.MessageStatus(ctx, n.Chain, origin, message.Leaf(f.raw))
	if err != nil {
		tb.t.Fatal(err)
	}
	if rec.Status == breplica.Processed {
		tb.t.Fatal("a fraudulent message was processed")
	}
}

func (tb *testBridge) homeFailed() bool {
	tb.t.Helper()
	return tb.homeFailedOn(tb.a)
}

func (tb *testBridge) homeFailedOn(n *localnet.Net) bool {
	tb.t.Helper()
	st, err := agent.HomeState(context.Background(), n.Chain)
	if err != nil {
		tb.t.Fatal(err)
	}
	return st.Home.Failed()
}

func (tb *testBridge) replicaHalted() bool {
	tb.t.Helper()
	st, err := agent.ReplicaState(context.Background(), tb.b.Chain, domainA)
	if err != nil {
		tb.t.Fatal(err)
	}
	return st.Halted()
}

func (tb *testBridge) replicaEnrolled() bool {
	tb.t.Helper()
	return tb.replicaEnrolledOn(tb.b, domainA)
}

// replicaEnrolledOn reports whether n's connection manager enrols a
// Replica of remote.
func (tb *testBridge) replicaEnrolledOn(n *localnet.Net, remote uint32) bool {
	tb.t.Helper()
	m, err := agent.Manager(context.Background(), n.Chain)
	if err != nil {
		tb.t.Fatal(err)
	}
	_, ok := m.Replica(remote)
	return ok
}

// slashed checks that the bonds of keys are slashed on A.
func (tb *testBridge) slashed(keys ...int) {
	tb.t.Helper()
	tb.slashedOn(tb.a, keys...)
}

// bondSlashed reports whether the bond of updater k on n's Home is slashed.
func (tb *testBridge) bondSlashed(n *localnet.Net, k int) bool {
	tb.t.Helper()
	a, err := n.Chain.Account(context.Background(), address.Bond(testkeys.Addr(k)))
	if err != nil || a == nil {
		tb.t.Fatalf("bond of updater %d: %v", k, err)
	}
	b, err := home.DecodeBond(a)
	if err != nil {
		tb.t.Fatal(err)
	}
	return b.Slashed
}

// slashedOn checks that the bonds of keys are slashed on n's Home.
func (tb *testBridge) slashedOn(n *localnet.Net, keys ...int) {
	tb.t.Helper()
	for _, k := range keys {
		if !tb.bondSlashed(n, k) {
			tb.t.Fatalf("bond of updater %d is not slashed", k)
		}
	}
	treasury, err := n.Lamports(context.Background(), address.Treasury())
	if err != nil {
		tb.t.Fatal(err)
	}
	if treasury < uint64(len(keys))*(bond-10_000_000) {
		tb.t.Fatalf("treasury holds %d lamports after slashing %d bonds of %d", treasury, len(keys), uint64(bond))
	}
}

// TestWatcher_DoubleUpdate: after A's Home accepted an update (a token
// transfer's, which leaves lamports in A's escrow), its signers sign a
// different new root for the same old root and get it onto B's Replica
// first. The watcher halts the Replica within one poll, fails the Home,
// slashes the equivocators and unenrolls the Replica; the forged message
// never pays out. Then, on the other Home, still at the empty root, the
// same signers put a root it never had onto A's Replica of B (an improper
// update from the empty root) to release A's escrow: the watcher fails B's
// Home, slashes them there and unenrolls A's Replica of B, and the release
// is refused even after confirmAt. The quorum case runs on devbanks (on
// atoll networks TestAgents_RealNetworks covers the quorum's double and
// improper updates), the single updater's on two atoll networks.
func TestWatcher_DoubleUpdate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		threshold int
		updaters  []int
		real      bool // on two atoll networks
	}{
		{"quorum", 2, []int{1, 2, 3}, false},
		{"single updater on atoll networks", 1, []int{1}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := bridgeOpts{threshold: tc.threshold, updaters: tc.updaters, optimistic: 3}
			if tc.real {
				o.atoll = atollBinary(t)
			}
			tb := newTestBridge(t, o)
			ctx := context.Background()
			tb.startAgents("alpha", "updater")
			w := tb.start("watcher", tb.config("watcher", "", func(c *agent.Config) {
				payers("watcher")(c)
				c.Watcher.Key = "secp-7.hex"
			}))
			const locked = 5_000_000_000
			attacker := agent.PubkeyOf(key("attacker"))
			tb.sendDispatch(tokenbridge.SendInstruction(domainA, agent.PubkeyOf(tb.user), domainB, agent.PubkeyOf(key("recipient")), locked, domainA))
			escrow := tb.escrowed()
			if escrow < locked {
				t.Fatalf("A's escrow holds %d after locking %d", escrow, locked)
			}
			tb.eventually("the Home accepting the honest update", func() bool {
				st, err := agent.HomeState(ctx, tb.a.Chain)
				return err == nil && st.Home.CommittedRoot() != merkle.EmptyRoot()
			})
			// The quorum that signed the honest update signs the forgery too.
			attackers := tb.signersOf(merkle.EmptyRoot(), tc.updaters)
			f := forge(t, attacker)
			q := testkeys.Quorum(update.Update{HomeDomain: domainA, OldRoot: merkle.EmptyRoot(), NewRoot: f.tree.Root()}, attackers...)
			tb.relayForged(q)
			r0 := w.Loop.Rounds()
			tb.eventually("two watcher polls after the fraud", func() bool { return w.Loop.Rounds() >= r0+2 })
			if !tb.replicaHalted() {
				t.Fatal("the Replica is not halted one full watcher poll after the double update landed")
			}
			tb.eventually("the Home failed and the Replica unenrolled", func() bool { return tb.homeFailed() && !tb.replicaEnrolled() })
			tb.slashed(attackers...)
			tb.exploit(f)
			if got := tb.escrowed(); got != escrow {
				t.Fatalf("escrow on A changed from %d to %d", escrow, got)
			}

			// The improper update from B's empty root, to release A's escrow.
			if st, err := agent.HomeState(ctx, tb.b.Chain); err != nil || st.Home.CommittedRoot() != merkle.EmptyRoot() {
				t.Fatalf("B's Home is not at the empty root (%v)", err)
			}
			fB := forgeFrom(t, domainB, domainA, attacker, locked)
			attackerBefore := lamports(t, tb.a, attacker)
			signers := tc.updaters[:tc.threshold]
			tb.relayForgedOn(tb.a, domainB, testkeys.Quorum(update.Update{HomeDomain: domainB, OldRoot: merkle.EmptyRoot(), NewRoot: fB.tree.Root()}, signers...))
			tb.eventually("B's Home failed and A's Replica of B unenrolled", func() bool {
				return tb.homeFailedOn(tb.b) && !tb.replicaEnrolledOn(tb.a, domainB)
			})
			tb.slashedOn(tb.b, signers...)
			tb.exploitOn(tb.a, domainB, fB)
			if got := tb.escrowed(); got != escrow {
				t.Fatalf("escrow on A changed from %d to %d", escrow, got)
			}
			if got := lamports(t, tb.a, attacker); got > attackerBefore {
				t.Fatalf("the attacker gained %d lamports on A", got-attackerBefore)
			}
		})
	}
}
