package agent_test

import (
	"context"
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
}
