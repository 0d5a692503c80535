package e2e

import (
	"testing"

	"github.com/atoll-dev/atoll/bridge/message"
	"github.com/atoll-dev/atoll/bridge/programs/address"
	"github.com/atoll-dev/atoll/bridge/programs/internal/chaintest"
	"github.com/atoll-dev/atoll/bridge/programs/token"
	"github.com/atoll-dev/atoll/bridge/programs/tokenbridge"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// wrapped is owner's wrapped balance of origin's lamports on n.
func (n *network) wrapped(origin uint32, owner sol.Pubkey) uint64 {
	a := n.c.Account(address.Balance(origin, owner))
	if a.Lamports == 0 {
		return 0
	}
	b, err := token.DecodeBalance(a.Data)
	if err != nil {
		n.t.Fatal(err)
	}
	return b.Amount
}

// escrowed is what n's token bridge holds above its rent minimum.
func (n *network) escrowed() uint64 {
	l := n.c.Lamports(address.Escrow())
	if l == 0 {
		return 0
	}
	return l - n.c.Exec.Rent().MinimumBalance(0)
}

// carry moves every message src dispatched since its last update to dst:
// quorum update on src's Home, relay, optimistic wait, proveAndProcess.
func (br *bridge) carry(src, dst *network, from uint32) {
	br.t.Helper()
	q := src.sign(1, 2)
	br.commit(src, q)
	chaintest.OK(br.t, br.relay(dst, src.domain, q))
	dst.c.Sleep(optimistic)
	for idx := from; idx < uint32(len(src.msgs)); idx++ {
		m, err := message.Decode(src.msgs[idx])
		if err != nil {
			br.t.Fatal(err)
		}
		extra, err := tokenbridge.HandleAccounts(m.Body)
		if err != nil {
			br.t.Fatal(err)
		}
		chaintest.OK(br.t, br.proveAndProcess(dst, src, idx, extra))
	}
}

// TestTokenBridge_RoundTrip locks lamports on A, mints on B, moves wrapped
// balance between holders on B, burns it back to A, and checks after every
// step that A's escrow equals the wrapped supply on B plus what is in flight.
func TestTokenBridge_RoundTrip(t *testing.T) {
	br := newBridge(t, 2, 1, 2, 3)
	alice, aliceKey := key("alice")
	bob, bobKey := key("bob")
	_, carolKey := key("carol")
	for _, n := range []*network{br.a, br.b} {
		n.c.Fund(aliceKey, 100_000_000_000)
		n.c.Fund(bobKey, 100_000_000_000)
	}
	var inFlight int64 // escrowed on A but held by no one on B: locked and not yet minted, or burnt and not yet released
	conserved := func(step string) {
		t.Helper()
		supply := int64(br.b.wrapped(domainA, aliceKey) + br.b.wrapped(domainA, bobKey))
		if int64(br.a.escrowed()) != supply+inFlight {
			t.Fatalf("%s: escrow on A %d, wrapped supply on B %d, in flight %d", step, br.a.escrowed(), supply, inFlight)
		}
	}
	const amount = 5_000_000_000
	aliceA := br.a.c.Lamports(aliceKey)
	br.a.observe(br.a.c.Run(alice, nil, tokenbridge.SendInstruction(domainA, aliceKey, domainB, aliceKey, amount, domainA)))
	if got := aliceA - br.a.c.Lamports(aliceKey); got < amount {
		t.Fatalf("alice paid %d", got)
	}
	inFlight += amount
	conserved("locked")

	br.carry(br.a, br.b, 0)
	inFlight -= amount
	conserved("minted")
	if br.b.wrapped(domainA, aliceKey) != amount {
		t.Fatalf("alice holds %d wrapped", br.b.wrapped(domainA, aliceKey))
	}

	// Holders move wrapped balance on B; overdrafts and foreign signers fail.
	chaintest.OK(t, br.b.c.Run(alice, nil, token.Transfer(domainA, aliceKey, bobKey, aliceKey, 2_000_000_000)))
	chaintest.Fails(t, br.b.c.Run(alice, nil, token.Transfer(domainA, aliceKey, bobKey, aliceKey, amount)), chaintest.Custom(50))
	theft := token.Burn(domainA, aliceKey, 1)
	theft.Accounts[1] = sol.AccountMeta{Pubkey: bobKey, IsSigner: true}
	chaintest.Fails(t, br.b.c.Run(bob, nil, theft), chaintest.Custom(52))
	conserved("transferred")

	// Wrapped balance goes back only to its origin.
	chaintest.Fails(t, br.b.c.Run(bob, nil, tokenbridge.SendInstruction(domainB, bobKey, 3000, bobKey, 1, domainA)), chaintest.Custom(61))

	// Bob burns 2 SOL on B for carol on A.
	next := uint32(len(br.b.msgs))
	br.b.observe(br.b.c.Run(bob, nil, tokenbridge.SendInstruction(domainB, bobKey, domainA, carolKey, 2_000_000_000, domainA)))
	inFlight += 2_000_000_000
	conserved("burnt")
	br.carry(br.b, br.a, next)
	inFlight -= 2_000_000_000
	conserved("released")
	if got := br.a.c.Lamports(carolKey); got != 2_000_000_000 {
		t.Fatalf("carol received %d", got)
	}
	if br.b.wrapped(domainA, bobKey) != 0 || br.b.wrapped(domainA, aliceKey) != 3_000_000_000 {
		t.Fatal("wrapped balances off after the round trip")
	}
	// Nobody mints outside the bridge: the mint authority is the token bridge's.
	mint := token.Mint(domainA, aliceKey, aliceKey, 1)
	mint.Accounts[0].IsSigner = false
	chaintest.Fails(t, br.b.c.Run(alice, nil, mint), svm.ErrMissingRequiredSignature)
	mint.Accounts[0] = sol.AccountMeta{Pubkey: aliceKey, IsSigner: true}
	chaintest.Fails(t, br.b.c.Run(alice, nil, mint), chaintest.Custom(51))
	conserved("after refused mints")
}
