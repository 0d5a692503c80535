package backendtest

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/atoll-dev/atoll/client"
	"github.com/atoll-dev/atoll/rpc"
	"github.com/atoll-dev/atoll/runtime/svm"
	"github.com/atoll-dev/atoll/runtime/svm/sol"
)

// Harness is what the suite needs from the implementation under test.
type Harness struct {
	Backend rpc.Backend
	// Payer is the key of a system account holding at least 1 SOL.
	Payer ed25519.PrivateKey
	// Advance returns once the backend has processed at least one more
	// slot: a manual backend produces one, a ticking one waits.
	Advance func(t testing.TB)
}

// maxAdvances bounds every wait of the suite, so a backend that never
// finalizes fails instead of hanging.
const maxAdvances = 200

// Run checks h's backend. newHarness is called once per subtest and must
// return a fresh backend.
func Run(t *testing.T, newHarness func(t *testing.T) *Harness) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, *Harness)
	}{
		{"CommitmentOrder", testCommitmentOrder},
		{"Blockhashes", testBlockhashes},
		{"TransferLifecycle", testTransferLifecycle},
		{"Refusals", testRefusals},
		{"Simulate", testSimulate},
		{"Events", testEvents},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newHarness(t)) })
	}
}

func slots(b rpc.Backend) [3]uint64 {
	return [3]uint64{b.Slot(rpc.Processed), b.Slot(rpc.Confirmed), b.Slot(rpc.Finalized)}
}

func testCommitmentOrder(t *testing.T, h *Harness) {
	prev := slots(h.Backend)
	for i := 0; i < 10; i++ {
		h.Advance(t)
		s := slots(h.Backend)
		if !(s[2] <= s[1] && s[1] <= s[0]) {
			t.Fatalf("slots processed/confirmed/finalized = %v: out of order", s)
		}
		for c := range s {
			if s[c] < prev[c] {
				t.Fatalf("%v went back from %d to %d", rpc.Commitment(c), prev[c], s[c])
			}
		}
		if s[0] <= prev[0] && i > 0 {
			t.Fatalf("Advance did not move the processed slot (%d)", s[0])
		}
		prev = s
	}
}

func testBlockhashes(t *testing.T, h *Harness) {
	h.Advance(t)
	for _, c := range []rpc.Commitment{rpc.Processed, rpc.Confirmed, rpc.Finalized} {
		bh := h.Backend.LatestBlockhash(c)
		blk, err := h.Backend.Block(bh.Slot, max(c, rpc.Confirmed))
		if c == rpc.Processed {
			blk, err = nil, nil // a processed block need not be served yet
		}
		if err != nil {
			t.Fatalf("%v: block %d of the latest blockhash: %v", c, bh.Slot, err)
		}
		if blk != nil && (blk.Blockhash != bh.Blockhash || bh.LastValidBlockHeight != blk.BlockHeight+svm.MaxRecentBlockhashes) {
			t.Fatalf("%v: latest blockhash %+v does not match its block (hash %s, height %d)", c, bh, blk.Blockhash, blk.BlockHeight)
		}
		if ok, _ := h.Backend.IsBlockhashValid(bh.Blockhash, c); !ok {
			t.Fatalf("%v: the latest blockhash is not valid", c)
		}
	}
	if ok, _ := h.Backend.IsBlockhashValid(sha256.Sum256([]byte("never a blockhash")), rpc.Processed); ok {
		t.Fatal("an unknown blockhash is valid")
	}
}

func recipient(name string) sol.Pubkey { return sha256.Sum256([]byte("backendtest " + name)) }

func transfer(t testing.TB, h *Harness, to sol.Pubkey, lamports uint64) ([]byte, sol.Signature) {
	t.Helper()
	raw, sig, err := client.SignTransaction(h.Backend.LatestBlockhash(rpc.Processed).Blockhash, h.Payer, nil,
		svm.Transfer(client.PubkeyOf(h.Payer), to, lamports))
	if err != nil {
		t.Fatal(err)
	}
	return raw, sig
}

func testTransferLifecycle(t *testing.T, h *Harness) {
	b := h.Backend
	to := recipient("lifecycle")
	raw, sig := transfer(t, h, to, 2_000_000)
	got, err := b.SendTransaction(raw, rpc.SendOptions{PreflightCommitment: rpc.Processed})
	if err != nil || got != sig {
		t.Fatalf("SendTransaction: %s, %v", got, err)
	}
	if again, err := b.SendTransaction(raw, rpc.SendOptions{SkipPreflight: true}); err != nil || again != sig {
		t.Fatalf("resubmission: %s, %v", again, err)
	}
	var last rpc.Commitment
	var seen bool
	for i := 0; ; i++ {
		if i == maxAdvances {
			t.Fatalf("not finalized after %d slots", maxAdvances)
		}
		h.Advance(t)
		sts, _, err := b.SignatureStatuses([]sol.Signature{sig}, false)
		if err != nil {
			t.Fatal(err)
		}
		st := sts[0]
		if st == nil {
			if seen {
				t.Fatal("a known signature became unknown")
			}
			continue
		}
		if seen && st.Commitment < last {
			t.Fatalf("status went back from %v to %v", last, st.Commitment)
		}
		if st.Err != nil {
			t.Fatalf("transfer failed: %v", st.Err)
		}
		if (st.Confirmations == nil) != (st.Commitment == rpc.Finalized) {
			t.Fatalf("confirmations %v at %v", st.Confirmations, st.Commitment)
		}
		seen, last = true, st.Commitment
		if st.Commitment == rpc.Finalized {
			break
		}
	}
	rec, err := b.Transaction(sig, rpc.Finalized)
	if err != nil || rec == nil {
		t.Fatalf("Transaction: %v, %v", rec, err)
	}
	full, err := rec.Full()
	if err != nil {
		t.Fatal(err)
	}
	if full.Fee != svm.LamportsPerSignature || full.Err != nil || rec.Result.Err != nil || len(full.Logs) == 0 || string(rec.Raw) != string(raw) {
		t.Fatalf("record: fee %d err %v logs %q", full.Fee, full.Err, full.Logs)
	}
	accts, _, err := b.Accounts([]sol.Pubkey{to}, rpc.Finalized)
	if err != nil || accts[0] == nil || accts[0].Lamports != 2_000_000 {
		t.Fatalf("recipient at finalized: %v, %v", accts, err)
	}
	rows, err := b.SignaturesForAddress(to, rpc.SignaturesQuery{Limit: 10}, rpc.Finalized)
	if err != nil || len(rows) != 1 || rows[0].Signature != sig || rows[0].Slot != rec.Slot {
		t.Fatalf("SignaturesForAddress: %+v, %v", rows, err)
	}
	blk, err := b.Block(rec.Slot, rpc.Finalized)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for i := range blk.Transactions {
		found = found || blk.Transactions[i].Result.Signature == sig
	}
	if !found || blk.Slot != rec.Slot {
		t.Fatalf("block %d does not hold the transaction", rec.Slot)
	}
}

func testRefusals(t *testing.T, h *Harness) {
	b := h.Backend
	raw, _ := transfer(t, h, recipient("refusals"), 1_000_000)
	bad := append([]byte(nil), raw...)
	bad[10] ^= 1
	var sv *rpc.SignatureVerificationError
	if _, err := b.SendTransaction(bad, rpc.SendOptions{PreflightCommitment: rpc.Processed}); !errors.As(err, &sv) {
		t.Fatalf("bad signature: %v", err)
	}
	if _, err := b.SendTransaction([]byte{1, 2, 3}, rpc.SendOptions{}); !errors.Is(err, rpc.ErrInvalidTransaction) {
		t.Fatalf("garbage: %v", err)
	}
	tooMuch, _ := transfer(t, h, recipient("refusals"), 1<<62)
	var pf *rpc.PreflightError
	if _, err := b.SendTransaction(tooMuch, rpc.SendOptions{PreflightCommitment: rpc.Processed}); !errors.As(err, &pf) {
		t.Fatalf("overdraft: %v", err)
	} else if pf.Sim.Result.Err == nil || !strings.Contains(strings.Join(pf.Sim.Result.Logs, "\n"), "insufficient lamports") {
		t.Fatalf("overdraft preflight: %v, logs %q", pf.Sim.Result.Err, pf.Sim.Result.Logs)
	}
	if _, err := b.Block(b.Slot(rpc.Processed)+1_000_000, rpc.Confirmed); !errors.Is(err, rpc.ErrBlockNotAvailable) {
		t.Fatalf("future block: %v", err)
	}
}

func testSimulate(t *testing.T, h *Harness) {
	b := h.Backend
	to := recipient("simulate")
	raw, _ := transfer(t, h, to, 3_000_000)
	sim, err := b.Simulate(raw, rpc.SimulateOptions{SigVerify: true, Commitment: rpc.Processed, Accounts: []sol.Pubkey{to}})
	if err != nil {
		t.Fatal(err)
	}
	if sim.Result.Err != nil || sim.Result.UnitsConsumed == 0 || len(sim.Accounts) != 1 || sim.Accounts[0] == nil || sim.Accounts[0].Lamports != 3_000_000 {
		t.Fatalf("simulation: %+v", sim)
	}
	h.Advance(t)
	if accts, _, _ := b.Accounts([]sol.Pubkey{to}, rpc.Processed); accts[0] != nil {
		t.Fatal("a simulation changed state")
	}
}

func testEvents(t *testing.T, h *Harness) {
	events, cancel := h.Backend.Subscribe(10_000)
	defer cancel()
	for i := 0; i < 8; i++ {
		h.Advance(t)
	}
	var next [3]uint64
	started := [3]bool{}
	slotsSeen := 0
	deadline := time.After(10 * time.Second)
	for slotsSeen < 8 || len(events) > 0 {
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatal("subscription dropped")
			}
			switch e := e.(type) {
			case *rpc.SlotEvent:
				slotsSeen++
				if e.Parent >= e.Slot || e.Root > e.Slot {
					t.Fatalf("slot event %+v", e)
				}
			case *rpc.CommitEvent:
				c := e.Commitment
				if started[c] && e.Slot != next[c] {
					t.Fatalf("%v commit events jump from %d to %d", c, next[c]-1, e.Slot)
				}
				if e.Block == nil || e.Block.Slot != e.Slot {
					t.Fatalf("%v commit event for slot %d carries block %v", c, e.Slot, e.Block)
				}
				started[c], next[c] = true, e.Slot+1
			}
		case <-deadline:
			t.Fatalf("only %d slot events in 10s", slotsSeen)
		}
	}
	if !started[rpc.Processed] || !started[rpc.Finalized] {
		t.Fatalf("commit events seen per level: %v", started)
	}
}
