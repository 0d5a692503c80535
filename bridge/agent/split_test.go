package agent_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/atoll-dev/atoll/bridge/agent"
	"github.com/atoll-dev/atoll/bridge/agent/localnet"
	"github.com/atoll-dev/atoll/bridge/keccak"
	"github.com/atoll-dev/atoll/bridge/merkle"
	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/replica"
	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// splitBody finds a body length for the second message of a two-leaf tree
// whose proveAndProcess transaction exceeds Solana's 1,232 bytes while
// prove and process each fit.
func splitBody(t *testing.T, sender sol.Pubkey, payer []byte) int {
	t.Helper()
	size := func(ix sol.Instruction) int {
		raw, _, err := client.SignTransaction(sol.Hash{}, payer, nil, ix)
		if err != nil {
			t.Fatal(err)
		}
		return len(raw)
	}
	for n := 600; n <= 1100; n++ {
		var tree merkle.FullTree
		first := message.Message{Origin: domainA, Sender: keccak.Hash(sender), Destination: domainB, Recipient: keccak.Hash(localnet.Inbox), Body: []byte("x")}
		second := first
		second.Nonce, second.Body = 1, bytes.Repeat([]byte("y"), n)
		var raws [][]byte
		for _, m := range []message.Message{first, second} {
			raw, err := m.Encode()
			if err != nil {
				t.Fatal(err)
			}
			raws = append(raws, raw)
			if err := tree.Insert(message.Leaf(raw)); err != nil {
				t.Fatal(err)
			}
		}
		p, err := tree.Proof(1)
		if err != nil {
			t.Fatal(err)
		}
		pk := agent.PubkeyOf(payer)
		pap, err := replica.ProveAndProcess(domainA, pk, raws[1], 1, &p.Path, nil)
		if err != nil {
			t.Fatal(err)
		}
		prove, err := replica.Prove(domainA, pk, &p)
		if err != nil {
			t.Fatal(err)
		}
		process, err := replica.Process(domainA, pk, raws[1], tree.Root(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if size(pap) > 1232 && size(prove) <= 1232 && size(process) <= 1232 {
			return n
		}
	}
	t.Fatal("no body length separates proveAndProcess from prove + process")
	return 0
}

// provenApart checks that B's Replica proved a's message d and processed
// it in two different transactions, as a processor does with a message too
// large to prove and process in one (see splitBody).
func (tb *testBridge) provenApart(d agent.Dispatched) {
	tb.t.Helper()
	txs, _, err := tb.b.Chain.Since(context.Background(), address.ReplicaState(domainA), sol.Signature{})
	if err != nil {
		tb.t.Fatal(err)
	}
	leaf := message.Leaf(d.Raw)
	var proven, processed = -1, -1
	for i, tx := range txs {
		for _, e := range replica.ParseLogs(tx.Logs) {
			switch {
			case e.Kind == replica.EventProven && e.Leaf == leaf:
				proven = i
			case e.Kind == replica.EventProcessed && e.Leaf == leaf:
				processed = i
			}
		}
	}
	if proven < 0 || processed < 0 || proven == processed {
		tb.t.Fatalf("proven in transaction %d, processed in %d; want two different transactions", proven, processed)
	}
}
