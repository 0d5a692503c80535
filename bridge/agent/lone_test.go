package agent_test

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/agent/localnet"
	"github.com/atoll-dev/atoll/bridge/internal/testkeys"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/update"
)

// notSlashedOn checks that the bonds of keys on n's Home are intact.
func (tb *testBridge) notSlashedOn(n *localnet.Net, keys ...int) {
	tb.t.Helper()
	for _, k := range keys {
		if tb.bondSlashed(n, k) {
			tb.t.Fatalf("bond of honest updater %d was slashed", k)
		}
	}
}

// rogueExchange is an updater's signature exchange that serves whatever
// the test publishes.
type rogueExchange struct {
	*httptest.Server
	mu     sync.Mutex
	signed map[string]update.SignedUpdate // path → what is served there
}

func newRogueExchange() *rogueExchange {
	r := &rogueExchange{signed: map[string]update.SignedUpdate{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		su, ok := r.signed[req.URL.Path]
		r.mu.Unlock()
		if !ok {
			http.NotFound(w, req)
			return
		}
		b, _ := su.MarshalBinary()
		io.WriteString(w, hex.EncodeToString(b))
	}))
	return r
}

// publish serves signer's signature of u at u's path.
func (r *rogueExchange) publish(u update.Update, signer int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.signed[agent.SignedPath(u.HomeDomain, u.OldRoot)] = update.SignedUpdate{Update: u, Signature: u.Sign(testkeys.Key(signer))}
}

// loneUpdaters runs on a bridge whose A Home accepted updates signed by a
// quorum of a 2-of-3 set and whose B Home never moved from the empty root.
// One updater at a time serves, at its signature exchange, a signature no
// quorum joins; a watcher reading that exchange proves it. On A, an updater
// that signed the Home's first update signs a second root from the empty
// root: a double update, so B's Replica of A halts within one watcher poll
// and A's Home fails. On B, another signs a root B's Home never queued: an
// improper update, so B's Home fails. Each time the Replicas of the failed
// Home are unenrolled and only the rogue updater's bond is slashed; no
// value moves.
func (tb *testBridge) loneUpdaters() {
	t := tb.t
	t.Helper()
	ctx := context.Background()
	if st, err := agent.HomeState(ctx, tb.b.Chain); err != nil || st.Home.CommittedRoot() != merkle.EmptyRoot() {
		t.Fatalf("B's Home is not at the empty root (%v)", err)
	}
	recipient := agent.PubkeyOf(key("recipient"))
	escrow, wrapped := tb.escrowed(), tb.wrapped(recipient)
	rogueA := tb.signersOf(merkle.EmptyRoot(), tb.updaters)[0]
	var honestA []int
	rogueB := rogueA
	for _, u := range tb.updaters {
		if u != rogueA {
			honestA = append(honestA, u)
			rogueB = u
		}
	}
	var honestB []int
	for _, u := range tb.updaters {
		if u != rogueB {
			honestB = append(honestB, u)
		}
	}
	rogue := newRogueExchange()
	defer rogue.Close()
	w := tb.start("watcher", tb.config("watcher-lone", "", func(c *agent.Config) {
		payers("watcher")(c)
		c.Watcher.Key = "secp-7.hex"
		c.Watcher.Updaters = []string{rogue.URL}
	}))
	r := w.Loop.Rounds()
	tb.eventually("the watcher reading the Homes", func() bool { return w.Loop.Rounds() >= r+2 })

	fake := keccak.Sum([]byte("a root no Home had"))
	rogue.publish(update.Update{HomeDomain: domainA, OldRoot: merkle.EmptyRoot(), NewRoot: fake}, rogueA)
	r0 := w.Loop.Rounds()
	tb.eventually("two watcher polls after the rogue signature on A", func() bool { return w.Loop.Rounds() >= r0+2 })
	if !tb.replicaHalted() {
		t.Fatal("B's Replica of A is not halted one full watcher poll after the double signature appeared")
	}
	tb.eventually("A's Home failed and B's Replica of A unenrolled", func() bool { return tb.homeFailed() && !tb.replicaEnrolled() })
	tb.slashed(rogueA)
	tb.notSlashedOn(tb.a, honestA...)

	rogue.publish(update.Update{HomeDomain: domainB, OldRoot: merkle.EmptyRoot(), NewRoot: fake}, rogueB)
	tb.eventually("B's Home failed and A's Replica of B unenrolled", func() bool {
		return tb.homeFailedOn(tb.b) && !tb.replicaEnrolledOn(tb.a, domainB)
	})
	tb.slashedOn(tb.b, rogueB)
	tb.notSlashedOn(tb.b, honestB...)
	if e, wr := tb.escrowed(), tb.wrapped(recipient); e != escrow || wr != wrapped {
		t.Fatalf("A's escrow went from %d to %d and B's wrapped balance from %d to %d", escrow, e, wrapped, wr)
	}
}
