package agent_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/agent/localnet"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/token"
	"github.com/atoll-dev/atoll/bridge/programs/tokenbridge"
	breplica "github.com/atoll-dev/atoll/bridge/replica"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// wrapped is owner's wrapped balance of domain A's lamports on b.
func (tb *testBridge) wrapped(owner sol.Pubkey) uint64 {
	tb.t.Helper()
	a, err := tb.b.Chain.Account(context.Background(), address.Balance(domainA, owner))
	if err != nil {
		tb.t.Fatal(err)
	}
	if a == nil {
		return 0
	}
	bal, err := token.DecodeBalance(a.Data)
	if err != nil {
		tb.t.Fatal(err)
	}
	return bal.Amount
}

// escrowed is the token bridge escrow's balance on a.
func (tb *testBridge) escrowed() uint64 {
	tb.t.Helper()
	l, err := tb.a.Lamports(context.Background(), address.Escrow())
	if err != nil {
		tb.t.Fatal(err)
	}
	return l
}

// TestAgents_MessageAndTokenTransfer runs every agent against two chains
// and carries a message and a token transfer from A to B.
func TestAgents_MessageAndTokenTransfer(t *testing.T) {
	t.Parallel()
	tb := newTestBridge(t, bridgeOpts{})
	tb.startAgents("alpha", "updater", "relayer", "processor", "watcher")

	msg := tb.dispatch(localnet.Inbox, "hello from alpha")
	const amount = 3_000_000_000
	recipient := agent.PubkeyOf(key("recipient"))
	rentBefore := tb.escrowed()
	transfer := tb.sendDispatch(tokenbridge.SendInstruction(domainA, agent.PubkeyOf(tb.user), domainB, recipient, amount, domainA))

	tb.eventually("both messages processed on B", func() bool {
		return tb.status(msg) == breplica.Processed && tb.status(transfer) == breplica.Processed
	})
	if got := tb.wrapped(recipient); got != amount {
		t.Fatalf("wrapped balance on B = %d, want %d", got, amount)
	}
	if got := tb.escrowed() - rentBefore; rentBefore == 0 && got < amount || rentBefore > 0 && got != amount {
		t.Fatalf("escrow on A grew by %d, want %d", got, amount)
	}
	// The watcher, reading the Replica and every updater's exchange, saw
	// no fraud in honest work.
	if tb.homeFailed() || tb.replicaHalted() || !tb.replicaEnrolled() {
		t.Fatal("honest agents' work was taken for fraud")
	}
}

// TestProcessor_DenyList: a processor that denies the inbox delivers the
// token transfer dispatched after the inbox message and never the message;
// its metrics count one processed message.
func TestProcessor_DenyList(t *testing.T) {
	t.Parallel()
	tb := newTestBridge(t, bridgeOpts{})
	tb.startAgents("alpha", "updater", "relayer")
	p := tb.start("processor", tb.config("processor-alpha", "alpha", func(c *agent.Config) {
		payers("processor")(c)
		c.Processor.Deny = []string{localnet.Inbox.String()}
		c.Metrics = "127.0.0.1:0"
	}))
	msg := tb.dispatch(localnet.Inbox, "not for this processor")
	recipient := agent.PubkeyOf(key("recipient"))
	transfer := tb.sendDispatch(tokenbridge.SendInstruction(domainA, agent.PubkeyOf(tb.user), domainB, recipient, 1_000_000_000, domainA))
	tb.eventually("the transfer processed on B", func() bool { return tb.status(transfer) == breplica.Processed })
	if s := tb.status(msg); s != breplica.None {
		t.Fatalf("denied message is %s on B", s)
	}
	// The processor counts a delivery after reading the record back, so the
	// counter may trail the chain by a moment.
	want := `atoll_agent_actions_total{action="processed",agent="processor"} 1`
	tb.eventually("the processed counter", func() bool {
		resp, err := http.Get("http://" + p.MetricsAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Contains(string(body), want)
	})
}

// TestProcessor_HistoryListedAgain: an RPC node that lost the history up to
// the processor's cursor (one restored from a checkpoint) lists the Home's
// earlier dispatches again; the processor takes them for the repeats they
// are and goes on delivering new messages.
func TestProcessor_HistoryListedAgain(t *testing.T) {
	t.Parallel()
	tb := newTestBridge(t, bridgeOpts{})
	tb.startAgents("alpha", "updater", "relayer")
	path := tb.config("processor-alpha", "alpha", payers("processor"))
	p := tb.start("processor", path)
	first := tb.dispatch(localnet.Inbox, "before the node lost its history")
	tb.eventually("the first message processed", func() bool { return tb.status(first) == breplica.Processed })
	tb.stop(p)
	// The node no longer knows the cursor's transaction, so it lists
	// everything again.
	db, err := agent.OpenDB(filepath.Join(tb.dir, "db-processor-alpha"))
	if err != nil {
		t.Fatal(err)
	}
	var lost sol.Signature
	lost[0] = 1
	if err := db.Put(agent.KV([]byte(fmt.Sprintf("cursor/processor/%d/%s", domainA, address.HomeState())), lost[:])); err != nil {
		t.Fatal(err)
	}
	db.Close()
	p = tb.start("processor", path)
	second := tb.dispatch(localnet.Inbox, "after")
	tb.eventually("the second message processed", func() bool { return tb.status(second) == breplica.Processed })
	if n := pollErrors(t, p); n != 0 {
		t.Fatalf("the processor failed %v polls on the repeated history", n)
	}
}

// pollErrors is the agent's atoll_agent_poll_errors_total.
func pollErrors(t *testing.T, r *agent.Running) float64 {
	t.Helper()
	mfs, err := r.Metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, mf := range mfs {
		if mf.GetName() == "atoll_agent_poll_errors_total" {
			for _, m := range mf.GetMetric() {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}
