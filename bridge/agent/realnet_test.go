package agent_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/agent/localnet"
	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/bridge/programs/recipient"
	"github.com/atoll-dev/atoll/bridge/programs/replica"
	"github.com/atoll-dev/atoll/bridge/programs/tokenbridge"
	breplica "github.com/atoll-dev/atoll/bridge/replica"
	"github.com/atoll-dev/atoll/bridge/update"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// signersOf returns the test keys (among candidates) whose signatures
// carried the update that A's Home accepted from old.
func (tb *testBridge) signersOf(old keccak.Hash, candidates []int) []int {
	tb.t.Helper()
	ctx := context.Background()
	st, err := agent.HomeState(ctx, tb.a.Chain)
	if err != nil {
		tb.t.Fatal(err)
	}
	txs, _, err := tb.a.Chain.Since(ctx, address.HomeState(), sol.Signature{})
	if err != nil {
		tb.t.Fatal(err)
	}
	for _, tx := range txs {
		for _, e := range home.ParseLogs(tx.Logs) {
			if e.Kind != home.EventUpdate || e.Update.OldRoot != old {
				continue
			}
			signers, err := st.Home.Updaters().Attest(&e.Update)
			if err != nil {
				tb.t.Fatal(err)
			}
			var keys []int
			for _, a := range signers {
				for _, k := range candidates {
					if testkeys.Addr(k) == a {
						keys = append(keys, k)
					}
				}
			}
			return keys
		}
	}
	tb.t.Fatalf("A's Home logged no update from %s", old)
	return nil
}

// lamports is key's balance on ch.
func lamports(t *testing.T, ch *localnet.Net, key sol.Pubkey) uint64 {
	t.Helper()
	l, err := ch.Lamports(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestAgents_RealNetworks runs the bridge between two real atoll networks
// (`atoll devnet` processes: CometBFT, the roothash, a compute committee and
// the sandboxed SVM runtime, domains 1000 and 2000) with every agent on
// their JSON-RPC. Two messages to the sBPF inbox (one too large to prove and
// process in one transaction, so proven and processed in two) and a token
// transfer go A→B (a message to a recipient A's processor denies does not),
// replays of the processed transfer, the August 2022 exploit (zero root,
// zero proof) and bad quorums (short by one, duplicated, non-member, high-s)
// are refused, a message tried before its root's confirmAt and one
// addressed to another domain are refused (the first is delivered once a
// later root confirms), part of the transfer comes back B→A
// (burn, then release from the escrow), and value is conserved across both
// chains. Then a quorum signs a
// second new root for an old root A's Home has moved past, and puts it on
// B's Replica: the watcher halts the Replica, fails the Home, slashes the
// signers and unenrolls the Replica, and the forged transfer never pays out.
// Last, a quorum puts a root B's Home never had on A's Replica of B (an
// improper update): B's Home fails, the signers are slashed, the Replica
// is unenrolled, and the forged release of A's escrow is refused.
func TestAgents_RealNetworks(t *testing.T) {
	const optimistic = 2
	tb := newTestBridge(t, bridgeOpts{optimistic: optimistic, atoll: atollBinary(t)})
	ctx := context.Background()
	// A's processor denies one recipient: its message is never delivered.
	denied := agent.PubkeyOf(key("denied recipient"))
	tb.startAgents("alpha", "updater")
	tb.start("processor", tb.config("processor-alpha", "alpha", func(c *agent.Config) {
		payers("processor")(c)
		c.Processor.Deny = []string{denied.String()}
	}))
	relayerA := tb.start("relayer", tb.config("relayer-alpha", "alpha", payers("relayer")))
	tb.startAgents("beta", "updater", "relayer", "processor")
	w := tb.start("watcher", tb.config("watcher", "", func(c *agent.Config) {
		payers("watcher")(c)
		c.Watcher.Key = fmt.Sprintf("secp-%d.hex", watcherKey)
		c.Watcher.Updaters = tb.exchanges
	}))

	user, holder := agent.PubkeyOf(tb.user), agent.PubkeyOf(key("recipient"))
	const amount, returned = 3_000_000_000, 1_000_000_000
	msg := tb.dispatch(localnet.Inbox, "hello over consensus")
	// Too large to prove and process in one transaction: the processor
	// proves it, then processes it.
	big := tb.dispatch(localnet.Inbox, strings.Repeat("y", splitBody(t, user, key("processor"))))
	deniedMsg := tb.dispatch(denied, "not for this processor")
	escrowBefore := tb.escrowed()
	transfer := tb.sendDispatch(tokenbridge.SendInstruction(domainA, user, domainB, holder, amount, domainA))
	tb.eventually("the messages and the transfer processed on B", func() bool {
		return tb.status(msg) == breplica.Processed && tb.status(big) == breplica.Processed && tb.status(transfer) == breplica.Processed
	})
	tb.provenApart(big)
	if s := tb.status(deniedMsg); s != breplica.None {
		t.Fatalf("the message to the denied recipient is %s on B", s)
	}
	if got := tb.wrapped(holder); got != amount {
		t.Fatalf("wrapped balance on B = %d, want %d", got, amount)
	}
	rent := uint64(0)
	if escrowBefore == 0 { // the first lock also paid the escrow account's rent
		var err error
		if rent, err = tb.a.Chain.RPC.GetMinimumBalanceForRentExemption(ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	if got := tb.escrowed() - escrowBefore; got != amount+rent {
		t.Fatalf("escrow on A grew by %d, want %d + rent %d", got, amount, rent)
	}
	// The sBPF inbox logged the message it accepted from the Replica.
	txs, _, err := tb.b.Chain.Since(ctx, address.ReplicaState(domainA), sol.Signature{})
	if err != nil {
		t.Fatal(err)
	}
	want := "inbox: message 0 from domain 1000: hello over consensus"
	found := false
	for _, tx := range txs {
		found = found || strings.Contains(strings.Join(tx.Logs, "\n"), want)
	}
	if !found {
		t.Fatalf("no transaction on B logged %q", want)
	}
	// Nobody but the enrolled Replica gets a message into the inbox.
	attacker := key("attacker")
	h := &recipient.Handle{Origin: domainA, Nonce: 9, Sender: keccak.Hash(agent.PubkeyOf(attacker)), Body: []byte("forged")}
	direct := recipient.Instruction(localnet.Inbox, agent.PubkeyOf(attacker), agent.PubkeyOf(attacker), h, nil)
	if _, err := tb.b.Chain.Send(ctx, attacker, nil, direct); err == nil {
		t.Fatal("the inbox accepted a handle call signed by a user instead of the Replica")
	}

	// Replays and the August 2022 exploit, on a real network: the processed
	// transfer again, by process and by proveAndProcess with an all-zero
	// proof; a message never dispatched, processed under the zero root or
	// "proven" with an all-zero proof. Every one is refused; nothing moves.
	attackerKey := agent.PubkeyOf(attacker)
	extraT, err := tokenbridge.HandleAccounts(transfer.Raw[message.HeaderSize:])
	if err != nil {
		t.Fatal(err)
	}
	never := forge(t, attackerKey)
	extraF, err := tokenbridge.HandleAccounts(never.raw[message.HeaderSize:])
	if err != nil {
		t.Fatal(err)
	}
	var zeroPath [merkle.Depth]keccak.Hash
	build := func(ix sol.Instruction, err error) sol.Instruction {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return ix
	}
	for _, a := range []struct {
		name string
		ix   sol.Instruction
	}{
		{"replayed process", build(replica.Process(domainA, attackerKey, transfer.Raw, transfer.Root, extraT))},
		{"replayed proveAndProcess with a zero proof", build(replica.ProveAndProcess(domainA, attackerKey, transfer.Raw, transfer.Index, &zeroPath, extraT))},
		{"never-proven message under root 0x0", build(replica.Process(domainA, attackerKey, never.raw, keccak.Hash{}, extraF))},
		{"never-dispatched message with a zero proof", build(replica.ProveAndProcess(domainA, attackerKey, never.raw, 0, &zeroPath, extraF))},
	} {
		if _, err := tb.b.Chain.Send(ctx, attacker, nil, a.ix); err == nil {
			t.Fatalf("%s: accepted", a.name)
		}
	}
	// Bad quorums for B's Replica of A, from its committed root to the
	// forgery's: one signature short, a signer twice, a non-member, a
	// high-s twin. The Replica refuses each.
	rs, err := agent.ReplicaState(ctx, tb.b.Chain, domainA)
	if err != nil {
		t.Fatal(err)
	}
	u := update.Update{HomeDomain: domainA, OldRoot: rs.CommittedRoot(), NewRoot: never.tree.Root()}
	highS := testkeys.Quorum(u, 1, 2)
	highS.Signatures[1] = testkeys.HighS(highS.Signatures[1])
	for _, q := range []struct {
		name string
		q    *update.QuorumUpdate
	}{
		{"a quorum short by one", testkeys.Quorum(u, 1)},
		{"a duplicated signer", testkeys.Quorum(u, 1, 1)},
		{"a non-member signer", testkeys.Quorum(u, 1, 4)},
		{"a high-s signature", highS},
	} {
		if _, err := tb.b.Chain.Send(ctx, attacker, nil, build(replica.Update(domainA, attackerKey, q.q))); err == nil {
			t.Fatalf("B's Replica accepted an update with %s", q.name)
		}
	}
	if e, err := agent.RootEntry(ctx, tb.b.Chain, domainA, never.tree.Root()); err != nil || e != nil {
		t.Fatalf("the forged root has a history entry on B (%v)", err)
	}
	if s := tb.status(agent.Dispatched{Raw: never.raw}); s == breplica.Processed {
		t.Fatal("a never-dispatched message was processed")
	}
	if got, w := tb.wrapped(holder), tb.wrapped(attackerKey); got != amount || w != 0 {
		t.Fatalf("after the replays B holds %d wrapped for the recipient (want %d) and %d for the attacker", got, amount, w)
	}

	// A message tried before its root's confirmAt, and one addressed to
	// another domain: both refused by B's Replica.
	tb.earlyAndMisaddressed(optimistic)

	// Part of it goes back: burnt on B, released from A's escrow.
	userBefore := lamports(t, tb.a, user)
	ret := tb.sendDispatchOn(tb.b, key("recipient"), tokenbridge.SendInstruction(domainB, holder, domainA, user, returned, domainA))
	tb.eventually("the return transfer processed on A", func() bool {
		r, err := agent.MessageStatus(ctx, tb.a.Chain, domainB, message.Leaf(ret.Raw))
		if err != nil {
			t.Fatal(err)
		}
		return r.Status == breplica.Processed
	})
	if got := lamports(t, tb.a, user) - userBefore; got != returned {
		t.Fatalf("the user on A received %d, want %d", got, returned)
	}
	// Conservation: A's escrow holds exactly what B's wrapped balances hold.
	if esc, wr := tb.escrowed()-escrowBefore-rent, tb.wrapped(holder); esc != amount-returned || wr != amount-returned {
		t.Fatalf("after the round trip A escrows %d and B holds %d wrapped, want %d each", esc, wr, amount-returned)
	}

	// The double update: A's Home moves on from its root while B's
	// Replica, A's relayer stopped, still stands at it; then the quorum that
	// signed the move signs a forged root from the same old root, and the
	// attacker relays it.
	tb.stop(relayerA)
	st, err := agent.HomeState(ctx, tb.a.Chain)
	if err != nil {
		t.Fatal(err)
	}
	old := st.Home.CommittedRoot()
	if rs, err := agent.ReplicaState(ctx, tb.b.Chain, domainA); err != nil || rs.CommittedRoot() != old {
		t.Fatalf("B's Replica is not at A's committed root %s: %v", old, err)
	}
	tb.dispatch(holder, "moves the Home on")
	tb.eventually("A's Home moving past its root", func() bool {
		st, err := agent.HomeState(ctx, tb.a.Chain)
		return err == nil && st.Home.CommittedRoot() != old
	})
	attackers := tb.signersOf(old, tb.updaters)
	f := forge(t, attackerKey)
	escrow := tb.escrowed()
	tb.relayForged(testkeys.Quorum(update.Update{HomeDomain: domainA, OldRoot: old, NewRoot: f.tree.Root()}, attackers...))
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
	if wr := tb.wrapped(holder); wr != amount-returned {
		t.Fatalf("B holds %d wrapped after the attack, want %d", wr, amount-returned)
	}

	// The improper update, on the other Home: a quorum signs a root B's Home
	// never had and puts it on A's Replica of B, to release A's escrow to
	// the attacker. The watcher proves it to B's Home (which fails and
	// slashes the signers) and unenrolls A's Replica of B, so the transfer
	// is refused by the token bridge even after confirmAt.
	stB, err := agent.HomeState(ctx, tb.b.Chain)
	if err != nil {
		t.Fatal(err)
	}
	oldB := stB.Home.CommittedRoot()
	tb.eventually("A's Replica of B at B's committed root", func() bool {
		rs, err := agent.ReplicaState(ctx, tb.a.Chain, domainB)
		return err == nil && rs.CommittedRoot() == oldB
	})
	fB := forgeFrom(t, domainB, domainA, agent.PubkeyOf(attacker), amount-returned)
	attackerBefore := lamports(t, tb.a, agent.PubkeyOf(attacker))
	tb.relayForgedOn(tb.a, domainB, testkeys.Quorum(update.Update{HomeDomain: domainB, OldRoot: oldB, NewRoot: fB.tree.Root()}, 1, 2))
	tb.eventually("B's Home failed and A's Replica of B unenrolled", func() bool {
		return tb.homeFailedOn(tb.b) && !tb.replicaEnrolledOn(tb.a, domainB)
	})
	tb.slashedOn(tb.b, 1, 2)
	tb.exploitOn(tb.a, domainB, fB)
	if got := tb.escrowed(); got != escrow {
		t.Fatalf("escrow on A changed from %d to %d", escrow, got)
	}
	if got := lamports(t, tb.a, agent.PubkeyOf(attacker)); got > attackerBefore {
		t.Fatalf("the attacker gained %d lamports on A", got-attackerBefore)
	}
}
