package agent_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/agent/localnet"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/home"
	"github.com/atoll-dev/atoll/bridge/programs/replica"
	breplica "github.com/atoll-dev/atoll/bridge/replica"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// homeTree is A's Home tree over its first n leaves, rebuilt from the
// Home's dispatch events as a processor rebuilds it.
func (tb *testBridge) homeTree(n uint32) *merkle.FullTree {
	tb.t.Helper()
	txs, _, err := tb.a.Chain.Since(context.Background(), address.HomeState(), sol.Signature{})
	if err != nil {
		tb.t.Fatal(err)
	}
	leaves := map[uint32][]byte{}
	for _, tx := range txs {
		for _, d := range agent.DispatchedIn(&tx) {
			leaves[d.Index] = d.Raw
		}
	}
	tree := new(merkle.FullTree)
	for i := uint32(0); i < n; i++ {
		raw, ok := leaves[i]
		if !ok {
			tb.t.Fatalf("A's Home logged no message %d", i)
		}
		if err := tree.Insert(message.Leaf(raw)); err != nil {
			tb.t.Fatal(err)
		}
	}
	return tree
}

// refusedWith checks that a transaction failed with the Replica's custom
// error code (what the RPC reports as {"Custom":code}).
func (tb *testBridge) refusedWith(what string, err error, code uint32) {
	tb.t.Helper()
	if err == nil {
		tb.t.Fatalf("%s: accepted", what)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf(`"Custom":%d`, code)) {
		tb.t.Fatalf("%s: refused with %v, want the Replica's error %d", what, err, code)
	}
}

// earlyAndMisaddressed runs on a bridge whose agents carry A's messages to
// B. B's owner lengthens the optimistic period of its Replica of A to an
// hour; a message to the inbox and one addressed to domain 3000 are
// dispatched on A, and their root is relayed to B. Before its confirmAt,
// prove and proveAndProcess of the message are refused (root not
// acceptable) and the processor leaves it alone. With the period set back,
// the next root confirms and the processor delivers the message under it,
// once; the message for domain 3000 is refused by the Replica under that
// confirmed root (wrong destination) and never reaches the inbox.
func (tb *testBridge) earlyAndMisaddressed(optimistic uint64) {
	t := tb.t
	t.Helper()
	ctx := context.Background()
	setPeriod := func(seconds uint64) {
		t.Helper()
		ix, err := replica.SetOptimisticSeconds(domainA, agent.PubkeyOf(tb.b.Owner), seconds)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tb.b.Chain.Send(ctx, tb.b.Owner, nil, ix); err != nil {
			t.Fatalf("setting the optimistic period of B's Replica of A: %v", err)
		}
	}
	setPeriod(3600)
	ix, err := home.Dispatch(agent.PubkeyOf(tb.user), 3000, keccak.Hash(localnet.Inbox), []byte("for domain 3000"))
	if err != nil {
		t.Fatal(err)
	}
	misaddressed := tb.sendDispatch(ix)
	early := tb.dispatch(localnet.Inbox, "too early")
	var entry *breplica.RootEntry
	tb.eventually("the early message's root on B's Replica", func() bool {
		e, err := agent.RootEntry(ctx, tb.b.Chain, domainA, early.Root)
		entry = e
		return err == nil && e != nil
	})
	now, err := tb.b.Chain.Now(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if entry.ConfirmAt < now+3000 {
		t.Fatalf("the root's confirmAt %d is not an hour after %d", entry.ConfirmAt, now)
	}
	tree := tb.homeTree(early.Index + 1)
	if tree.Root() != early.Root {
		t.Fatalf("rebuilt tree root %s, the Home's %s", tree.Root(), early.Root)
	}
	p, err := tree.Proof(early.Index)
	if err != nil {
		t.Fatal(err)
	}
	attacker := key("attacker")
	attackerKey := agent.PubkeyOf(attacker)
	prove, err := replica.Prove(domainA, attackerKey, &p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tb.b.Chain.Send(ctx, attacker, nil, prove)
	tb.refusedWith("prove before confirmAt", err, 42)
	pap, err := replica.ProveAndProcess(domainA, attackerKey, early.Raw, early.Index, &p.Path, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tb.b.Chain.Send(ctx, attacker, nil, pap)
	tb.refusedWith("proveAndProcess before confirmAt", err, 42)
	if s := tb.status(early); s != breplica.None {
		t.Fatalf("the message is %s on B before its root's confirmAt", s)
	}

	setPeriod(optimistic)
	next := tb.dispatch(localnet.Inbox, "confirms the early one")
	tb.eventually("the early message and the next processed on B", func() bool {
		return tb.status(early) == breplica.Processed && tb.status(next) == breplica.Processed
	})
	rec, err := agent.MessageStatus(ctx, tb.b.Chain, domainA, message.Leaf(early.Raw))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Root == early.Root {
		t.Fatal("the early message was processed under the root that was not yet confirmable")
	}

	// The message for domain 3000, under the confirmed root.
	tree = tb.homeTree(next.Index + 1)
	if tree.Root() != next.Root {
		t.Fatalf("rebuilt tree root %s, the Home's %s", tree.Root(), next.Root)
	}
	if p, err = tree.Proof(misaddressed.Index); err != nil {
		t.Fatal(err)
	}
	if pap, err = replica.ProveAndProcess(domainA, attackerKey, misaddressed.Raw, misaddressed.Index, &p.Path, nil); err != nil {
		t.Fatal(err)
	}
	_, err = tb.b.Chain.Send(ctx, attacker, nil, pap)
	tb.refusedWith("proveAndProcess of a message for domain 3000", err, 46)
	if s := tb.status(misaddressed); s == breplica.Processed {
		t.Fatal("a message for domain 3000 was processed on B")
	}
	txs, _, err := tb.b.Chain.Since(ctx, address.ReplicaState(domainA), sol.Signature{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range txs {
		if strings.Contains(strings.Join(tx.Logs, "\n"), "for domain 3000") {
			t.Fatal("the inbox on B logged the message for domain 3000")
		}
	}
}
